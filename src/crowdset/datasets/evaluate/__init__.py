"""datasets/evaluate domain."""
