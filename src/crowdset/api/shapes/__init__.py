"""Request and response shapes of the JSON API, one module a domain."""
