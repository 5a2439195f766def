"""The served OpenAPI document: the vendor's reference, refined to what the service does."""
