"""Cursor pagination: an opaque cursor naming the last id seen, so pages stay stable while rows
are added and deep pages cost the same as the first (keyset, not OFFSET)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Generic, TypeVar

from pydantic import BaseModel

from crowdset.errors import invalid

T = TypeVar("T")
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(last_id: int | str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
        return int(after)
    except (binascii.Error, ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise invalid("cursor", "not a cursor returned by this API") from None


def check_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise invalid("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def page_of(items: list[T], limit: int, key) -> Page[T]:  # noqa: ANN001
    """Build a page from ``limit + 1`` fetched rows: the extra row says whether more exist."""
    more = len(items) > limit
    items = items[:limit]
    return Page[T](items=items, next_cursor=encode_cursor(key(items[-1])) if more and items else None)
