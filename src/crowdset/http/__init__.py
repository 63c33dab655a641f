"""HTTP plumbing shared by every domain's router: problems, sessions, auth, pagination, limits."""
