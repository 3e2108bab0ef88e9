"""The register's public read API (FastAPI on uvicorn) at ``/api/v1``.

``create_app(reg)`` builds the app over a :class:`register.Register`; ``insyn api``
serves it alone and ``insyn serve`` beside the portal. It reads through the public
``register`` package only and answers nothing the portal does not show publicly.
"""

from api._app import API_TITLE, API_VERSION, create_app
from api._cache import TTLCache
from api._context import BASE_PATH, ApiContext, Context, Settings
from api._errors import (
    BAD_PARAMETER_MESSAGE,
    INTERNAL_MESSAGE,
    METHOD_NOT_ALLOWED_MESSAGE,
    NO_SUCH_FILE_MESSAGE,
    NO_SUCH_PATH_MESSAGE,
    QUERY_TOO_LONG_MESSAGE,
    RATE_LIMITED_MESSAGE,
    UNREACHABLE_MESSAGE,
    ApiError,
    bad_parameter,
)
from api._http import Cached, cached_response, entity
from api._limits import DEFAULT_RATE_LIMIT, MAX_QUERY_BYTES, TokenBuckets, client_address
from api._paging import PAGE_TOKEN_RULE

__all__ = [
    "API_TITLE",
    "API_VERSION",
    "BAD_PARAMETER_MESSAGE",
    "BASE_PATH",
    "DEFAULT_RATE_LIMIT",
    "INTERNAL_MESSAGE",
    "MAX_QUERY_BYTES",
    "METHOD_NOT_ALLOWED_MESSAGE",
    "NO_SUCH_FILE_MESSAGE",
    "NO_SUCH_PATH_MESSAGE",
    "PAGE_TOKEN_RULE",
    "QUERY_TOO_LONG_MESSAGE",
    "RATE_LIMITED_MESSAGE",
    "UNREACHABLE_MESSAGE",
    "ApiContext",
    "ApiError",
    "Cached",
    "Context",
    "Settings",
    "TTLCache",
    "TokenBuckets",
    "bad_parameter",
    "cached_response",
    "client_address",
    "create_app",
    "entity",
]
