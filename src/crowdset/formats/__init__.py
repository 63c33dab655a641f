"""formats domain."""
