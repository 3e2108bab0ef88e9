"""The app factory: :func:`create_app` builds the read-only API over one register."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from api import _routes_audit, _routes_catalogue, _routes_exports, _routes_versions
from api._cache import DEFAULT_TTL
from api._context import BASE_PATH, ApiContext, Context, Settings
from api._errors import install_error_handlers
from api._http import Cached, cached_response, entity
from api._limits import LimitsMiddleware
from api._routes_exports import ExportFolder
from register import Register

__all__ = ["API_TITLE", "API_VERSION", "create_app"]

API_TITLE = "insyn: the algorithm register's read API"
API_VERSION = "1.0.0"
DESCRIPTION = (
    "Read-only access to the published algorithms of an insyn transparency register: "
    "the catalogue, each version's record, its explanation and fairness aggregates, "
    "reviews, the audit log and the exports in published standards. Never a row of data."
)
Scope = dict[str, Any]


class HeadAndNosniff:
    """Answers HEAD as GET without the body, and marks every response ``nosniff``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope.get("method") == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-content-type-options", b"nosniff")]
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, sending)


def create_app(
    reg: Register,
    *,
    rate_limit: int | None = None,
    cors: bool = True,
    trusted_proxies: Iterable[str] = (),
    public_url: str = "",
    cache_ttl: float = DEFAULT_TTL,
    exports_dir: str | Path | None = None,
) -> FastAPI:
    """The read-only API over ``reg`` at ``/api/v1`` (see README "Read API").

    ``rate_limit`` is requests per minute per client (None or 0: none); ``cors`` lets
    any origin read (GET, HEAD, OPTIONS, no credentials); ``trusted_proxies`` are peers
    whose ``X-Forwarded-For`` names the client; ``public_url`` starts every link
    (default: paths only); answers are reused for ``cache_ttl`` seconds; register-wide
    exports are built under ``exports_dir`` (default: a new temporary folder).
    """
    settings = Settings(
        rate_limit=rate_limit or None,
        trusted_proxies=frozenset(trusted_proxies),
        public_url=public_url.rstrip("/"),
        cache_ttl=cache_ttl,
        exports_dir=None if exports_dir is None else Path(exports_dir),
    )
    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.insyn = ApiContext(reg, settings)
    app.state.exports = ExportFolder(settings.exports_dir)
    for part in (_routes_catalogue, _routes_versions, _routes_audit, _routes_exports):
        app.include_router(part.router, prefix=BASE_PATH)
    _add_documents(app)
    install_error_handlers(app)
    app.add_middleware(HeadAndNosniff)
    if cors:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "OPTIONS"],
            allow_headers=["If-None-Match", "Accept", "Accept-Language"],
            expose_headers=["ETag", "Retry-After"],
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(
        LimitsMiddleware, rate_limit=settings.rate_limit, trusted_proxies=settings.trusted_proxies
    )
    return app


def _add_documents(app: FastAPI) -> None:
    """The OpenAPI document and the interactive docs, with ETags like every answer."""

    @app.get(f"{BASE_PATH}/openapi.json", include_in_schema=False)
    def openapi(request: Request, ctx: Context) -> Response:
        found: Cached = ctx.cached(("openapi",), lambda: entity(app.openapi()), ttl=1e9)
        return cached_response(request, found, max_age=3600)

    @app.get(f"{BASE_PATH}/docs", include_in_schema=False)
    def docs(request: Request, ctx: Context) -> Response:
        def page() -> Cached:
            html = get_swagger_ui_html(openapi_url=f"{BASE_PATH}/openapi.json", title=API_TITLE)
            return Cached(bytes(html.body), "text/html; charset=utf-8")

        return cached_response(request, ctx.cached(("docs",), page, ttl=1e9), max_age=3600)
