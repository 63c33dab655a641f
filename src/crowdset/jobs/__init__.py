"""Long work (imports, exports, evaluations) as jobs with progress, run on huey."""
