"""Who may read and look after the ledger: the one place that answers, for the API and the command line.

The ledger records everyone's acts across organisations, so reading it, verifying it and listing its
keys are for administrators (and the operator at the command line, ``actor`` None); replacing its
signing key is for the operator and administrators too. The ledger sits below accounts in the layers,
so an actor here is anything with ``is_admin`` (an ``auth.models.User``).
"""

from __future__ import annotations

from typing import Any


def _administers(actor: Any | None) -> bool:
    return actor is None or bool(actor.is_admin)


def may_read_entries(actor: Any | None) -> bool:
    return _administers(actor)


def may_verify(actor: Any | None) -> bool:
    return _administers(actor)


def may_see_keys(actor: Any | None) -> bool:
    return _administers(actor)


def may_rotate_key(actor: Any | None) -> bool:
    return _administers(actor)
