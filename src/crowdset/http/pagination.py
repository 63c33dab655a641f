"""Cursor pagination: an opaque cursor naming the last id seen, so pages stay stable while rows
are added and deep pages cost the same as the first (keyset, not OFFSET)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Generic, TypeVar

from pydantic import BaseModel

from crowdset.errors import invalid
from crowdset.http.types import MAX_ID

T = TypeVar("T")
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(last_id: int | str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id a cursor names. Cursors come back from clients, so they are input like any other: only
    an integer in the range of the keys (``0..MAX_ID``; not a bool, which JSON-decodes to an int
    subclass, nor a float or string) is one this API could have written."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (binascii.Error, ValueError, KeyError, TypeError, RecursionError):
        raise invalid("cursor", "request.cursor") from None
    if type(after) is not int or not 0 <= after <= MAX_ID:
        raise invalid("cursor", "request.cursor")
    return after


def check_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise invalid("limit", "request.limit", max=MAX_LIMIT)
    return limit


def page_of(items: list[T], limit: int, key) -> Page[T]:  # noqa: ANN001
    """Build a page from ``limit + 1`` fetched rows: the extra row says whether more exist."""
    more = len(items) > limit
    items = items[:limit]
    return Page[T](items=items, next_cursor=encode_cursor(key(items[-1])) if more and items else None)
