"""The API's resources, one module each, in a sync and an async flavour."""
