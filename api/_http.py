"""Responses that a browser, a proxy and a client can cache: a strong ETag computed from
the body, ``Cache-Control``, and ``304 Not Modified`` when ``If-None-Match`` names the ETag.

A route answers cached JSON in one line through its :class:`api.ApiContext`::

    return ctx.json(request, ("statistics",), lambda: statistics_of(ctx.reg))
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from starlette.responses import Response

from api._errors import etag_of, markup_safe

__all__ = [
    "DEFAULT_MAX_AGE",
    "JSON_MEDIA_TYPE",
    "Cached",
    "cached_response",
    "dump_json",
    "entity",
]

JSON_MEDIA_TYPE = "application/json"
DEFAULT_MAX_AGE = 60  # seconds a client or proxy may reuse a response without asking


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def dump_json(payload: Any) -> bytes:
    """``payload`` as compact UTF-8 JSON (dates as ISO 8601 text; ``<``, ``>``, ``&``
    escaped; the same input gives the same bytes)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_default)
    return markup_safe(text).encode("utf-8")


class Cached:
    """A response body with its media type and strong ETag (computed once)."""

    __slots__ = ("body", "etag", "media_type")

    def __init__(self, body: bytes, media_type: str = JSON_MEDIA_TYPE) -> None:
        self.body = body
        self.media_type = media_type
        self.etag = etag_of(body)


def entity(payload: Any) -> Cached:
    """The JSON entity of ``payload``."""
    return Cached(dump_json(payload))


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags


def cached_response(
    request: Request,
    found: Cached,
    *,
    max_age: int = DEFAULT_MAX_AGE,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``found`` with its ETag and ``Cache-Control: public, max-age``; 304 without a body
    when the request's ``If-None-Match`` names that ETag."""
    common = {"ETag": found.etag, "Cache-Control": f"public, max-age={max_age}", **(headers or {})}
    if _matches(request.headers.get("if-none-match"), found.etag):
        return Response(status_code=304, headers=common)
    return Response(found.body, media_type=found.media_type, headers=common)
