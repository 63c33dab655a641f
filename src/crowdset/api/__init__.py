"""The JSON API face: one router module a domain; request and response shapes in shapes/."""
