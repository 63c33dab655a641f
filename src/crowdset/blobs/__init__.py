"""Content-addressed blob store for media and dataset files."""
