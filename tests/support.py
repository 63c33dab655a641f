"""Constants and small helpers shared by tests (import as ``tests.support``)."""

PASSWORD = "correct horse battery"
