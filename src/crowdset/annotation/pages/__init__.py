"""Annotation pages: the work pages (annotator, reviewer, expert) and the manager pages."""
