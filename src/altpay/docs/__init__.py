"""Interactive API documentation (Swagger UI) that works without internet access."""
