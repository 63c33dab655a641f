"""exchange domain."""
