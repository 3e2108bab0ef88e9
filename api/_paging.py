"""Page tokens clients can pass back but not forge: the store's own token, bound to the
query it belongs to and signed with the app's key (a restarted server signs anew)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence

from api._errors import ApiError, bad_parameter

__all__ = ["PAGE_TOKEN_RULE", "read_token", "write_token"]

PAGE_TOKEN_RULE = (
    "must be the next_page_token of the previous page of the same search "
    "(tokens last until the server restarts)"
)


def _fingerprint(query: Sequence[object]) -> str:
    return hashlib.sha256(json.dumps(list(query), default=str).encode()).hexdigest()[:16]


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]


def write_token(key: bytes, store_token: str, query: Sequence[object]) -> str:
    """The token a client gets for the page after this one of ``query``."""
    data = json.dumps([store_token, _fingerprint(query)], separators=(",", ":"))
    payload = base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")
    return f"{payload}.{_sign(key, payload)}"


def read_token(key: bytes, token: str | None, query: Sequence[object]) -> str | None:
    """The store's token inside ``token`` (None for the first page); a 422
    :class:`ApiError` naming ``page_token`` for any token this app did not give for ``query``."""
    if not token:
        return None
    problem: ApiError = bad_parameter("page_token", PAGE_TOKEN_RULE, token)
    payload, _, signature = token.partition(".")
    if not hmac.compare_digest(signature.encode(), _sign(key, payload).encode()):
        raise problem
    try:
        padded = payload + "=" * (-len(payload) % 4)
        store_token, fingerprint = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError) as exc:
        raise problem from exc
    if fingerprint != _fingerprint(query) or not isinstance(store_token, str):
        raise problem
    return store_token
