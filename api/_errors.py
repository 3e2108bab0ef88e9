"""The API's error format: ``{"error": {"status", "message", "parameter"?, "rule"?, "value"?}}``.

Every error a client can cause, and every failure of the server, is answered in this
format with a plain message. Nothing else leaves: no traceback, no exception text of an
unexpected error, no tracking URI, no row of data. Values a client sent are echoed back
only as JSON strings (cut to :data:`MAX_ECHO` characters), never as HTML.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from register import NotFoundError, TrackingUnreachableError

__all__ = [
    "BAD_PARAMETER_MESSAGE",
    "INTERNAL_MESSAGE",
    "MAX_ECHO",
    "METHOD_NOT_ALLOWED_MESSAGE",
    "NO_SUCH_FILE_MESSAGE",
    "NO_SUCH_PATH_MESSAGE",
    "QUERY_TOO_LONG_MESSAGE",
    "RATE_LIMITED_MESSAGE",
    "REFUSED_MESSAGE",
    "UNREACHABLE_MESSAGE",
    "UNREACHABLE_RETRY_AFTER",
    "ApiError",
    "bad_parameter",
    "error_body",
    "error_response",
    "etag_of",
    "install_error_handlers",
    "markup_safe",
]

INTERNAL_MESSAGE = "The register could not answer this request because of an error on the server."
UNREACHABLE_MESSAGE = "The register's store does not answer right now; try again shortly."
RATE_LIMITED_MESSAGE = "Too many requests from this client; wait {seconds} seconds and try again."
QUERY_TOO_LONG_MESSAGE = "The query string is {length} bytes long; at most {limit} are accepted."
NO_SUCH_PATH_MESSAGE = "The API has no address {path}."
NO_SUCH_FILE_MESSAGE = "There is no export file called {name!r}."
METHOD_NOT_ALLOWED_MESSAGE = "The API only reads: use GET, HEAD or OPTIONS."
REFUSED_MESSAGE = "The API refused this request (HTTP {status})."
BAD_PARAMETER_MESSAGE = "The parameter {parameter!r} {rule}; it was given {value}."
UNREACHABLE_RETRY_AFTER = 30  # seconds a client waits before asking again (503)
MAX_ECHO = 200  # characters of a client's value echoed back in an error

_log = logging.getLogger("insyn.api")


class ApiError(Exception):
    """An error answered as the API's JSON error (``parameter``/``rule``/``value`` optional)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        parameter: str | None = None,
        rule: str | None = None,
        value: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        named = (("parameter", parameter), ("rule", rule), ("value", value))
        self.fields = {key: text for key, text in named if text is not None}
        self.headers = headers or {}


def echo(value: Any) -> str:
    """A client's value as a plain string, cut to :data:`MAX_ECHO` characters."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…"


def bad_parameter(parameter: str, rule: str, value: Any) -> ApiError:
    """The 422 error naming ``parameter``, the ``rule`` it breaks and the ``value`` given."""
    shown = echo(value)
    message = BAD_PARAMETER_MESSAGE.format(parameter=parameter, rule=rule, value=json.dumps(shown))
    return ApiError(422, message, parameter=parameter, rule=rule, value=shown)


def markup_safe(text: str) -> str:
    """JSON text with ``<``, ``>`` and ``&`` written as ``\\u`` escapes: the same JSON once
    parsed, and inert should anything read it as HTML."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def error_body(status: int, message: str, fields: Mapping[str, str] | None = None) -> bytes:
    """The JSON error document (UTF-8, markup characters escaped)."""
    error = {"status": status, "message": message, **(fields or {})}
    return markup_safe(json.dumps({"error": error}, ensure_ascii=False)).encode("utf-8")


def error_response(
    status: int,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> Response:
    """A JSON error response with its ETag; never stored by a cache."""
    body = error_body(status, message, fields)
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store", "ETag": etag_of(body), **(headers or {})},
    )


def etag_of(body: bytes) -> str:
    """The strong ETag of ``body`` (the same for the same bytes)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _rule_of(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    rules = {
        "int_parsing": "must be a whole number",
        "greater_than_equal": "must be at least {ge}",
        "less_than_equal": "must be at most {le}",
        "string_too_long": "must be at most {max_length} characters long",
        "string_too_short": "must be at least {min_length} characters long",
        "missing": "is required",
        "string_pattern_mismatch": "must match the pattern {pattern}",
    }
    template = rules.get(kind)
    if template is None:
        return "is not valid: " + str(error.get("msg", ""))
    return template.format(**{k: v for k, v in context.items() if isinstance(v, int | str)})


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "header")]
    parameter = location[-1] if location else "request"
    raw = first.get("input")
    value = "" if raw is None else raw
    problem = bad_parameter(parameter, _rule_of(first), value)
    return error_response(422, problem.message, fields=problem.fields)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, headers=exc.headers, fields=exc.fields)


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(404, str(exc))


async def _unreachable(request: Request, exc: Exception) -> Response:
    _log.warning("store unreachable: %s", type(exc).__name__)
    headers = {"Retry-After": str(UNREACHABLE_RETRY_AFTER)}
    return error_response(503, UNREACHABLE_MESSAGE, headers=headers)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        path = json.dumps(echo(request.url.path))
        return error_response(404, NO_SUCH_PATH_MESSAGE.format(path=path))
    if exc.status_code == 405:
        allow = {"Allow": "GET, HEAD, OPTIONS"}
        return error_response(405, METHOD_NOT_ALLOWED_MESSAGE, headers=allow)
    return error_response(exc.status_code, REFUSED_MESSAGE.format(status=exc.status_code))


async def _internal(request: Request, exc: Exception) -> Response:
    _log.error("unexpected error on %s: %s", request.url.path, type(exc).__name__, exc_info=exc)
    return error_response(500, INTERNAL_MESSAGE)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` in the API's format (see the module docstring)."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(TrackingUnreachableError, _unreachable)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _internal)
