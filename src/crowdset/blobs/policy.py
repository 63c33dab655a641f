"""Who may store and read files: the one place that answers, for the API and any page that serves files.

A blob is held on behalf of an organisation; the same bytes uploaded by two organisations are stored
once but held twice. People read what their organisation holds; administrators read everything. A file
someone may not read answers "not found", so whether it exists anywhere does not leak.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from crowdset.auth.models import User
from crowdset.blobs.models import Blob


def may_upload(user: User) -> bool:
    """Files are stored on behalf of an organisation: an account without one may not upload."""
    return user.org_id is not None


def readable_by(user: User) -> ColumnElement[bool]:
    """The blobs ``user`` may read, as a condition on ``Blob``: those their organisation holds (any, for
    administrators)."""
    if user.is_admin:
        return true()
    return Blob.org_id == user.org_id
