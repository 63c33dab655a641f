"""Request types every router shares: ids bounded to what the database stores, strict request bodies,
PATCH fields that may be left out but not nulled, and instants that survive conversion to UTC.

Why at the edge: an id the database cannot hold (PostgreSQL's INTEGER stops at 2^31-1, SQLite's at
2^63-1) otherwise reaches the driver, which raises deep inside a query (a 500, or a broken stream once
a response has started). Refused here, it is a 422 naming the field on both databases alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict

from crowdset.db import MAX_ID
from crowdset.messages import msg

Id = Annotated[int, Path(ge=1, le=MAX_ID, description=f"an id from 1 to {MAX_ID}")]
"""A path parameter naming a row."""

QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID, description=f"an id from 1 to {MAX_ID}")]
"""An optional query parameter naming a row (a filter)."""

IdField = Annotated[int, Field(ge=1, le=MAX_ID, strict=True, description=f"an id from 1 to {MAX_ID}")]
"""A body field naming a row."""


def _utc_representable(value: datetime) -> datetime:
    """A timestamp whose offset pushes it past year 1 or 9999 in UTC cannot be compared with the
    stored (UTC) times: the conversion overflows."""
    if value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise ValueError(msg("request.utc_range")) from None
    return value


Instant = Annotated[datetime, Strict(False), AfterValidator(_utc_representable)]
"""A timestamp in a query or body: ISO 8601 text, which a strict body model would otherwise refuse."""


class RequestModel(BaseModel):
    """Base of every JSON request body. Strict: `true` is not the integer 1 and `"5"` or `5.0` is not 5
    (pydantic's lax mode converts all three), so a client's type mistake is a 422, not a silent change.
    Integers still count as numbers for float fields."""

    model_config = ConfigDict(strict=True)


def _no_null_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def not_null(**kwargs: Any) -> Any:
    """The default of a PATCH field whose column is NOT NULL: leave it out to keep the value; an explicit
    null is refused (422 naming the field) instead of failing the NOT NULL constraint at commit. Declare
    the field with its plain type (``title: str = not_null()``); the document then does not offer null."""
    return Field(default=None, json_schema_extra=_no_null_default, **kwargs)


def file_responses(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route answering a file or a stream rather than JSON (use with
    ``response_class=Response``): the document lists the media types it really sends."""
    return {200: {"description": description, "content": {m: {} for m in media_types}}}
