"""The workbench: what each role's home page shows, assembled from the domains' services."""
