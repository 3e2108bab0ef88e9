"""How the register changes: two versions compared, the change feed and the statistics.

Each answer is the register's own result (``to_dict()``, or its feed documents), so the
API and the portal show the same numbers; none holds a row of data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api._context import ApiContext, Context
from api._http import Cached, cached_response
from api._routes_catalogue import Filter, Slug
from api._routes_versions import VERSION_TTL
from api._schemas import ERROR_RESPONSES
from register import (
    ATOM_MEDIA_TYPE,
    JSON_FEED_MEDIA_TYPE,
    atom_feed,
    change_feed,
    diff_versions,
    json_feed,
    register_statistics,
)

__all__ = ["FEED_MAX_AGE", "MAX_FEED_ENTRIES", "STATISTICS_TTL", "router"]

router = APIRouter()
MAX_FEED_ENTRIES = 500
FEED_MAX_AGE = 60  # seconds a reader's cache may keep a feed
STATISTICS_TTL = 300.0  # seconds the server reuses the statistics (they read the whole log once)
FromVersion = Annotated[
    int, Query(alias="from", ge=1, le=1_000_000, description="The older version")
]
ToVersion = Annotated[int, Query(alias="to", ge=1, le=1_000_000, description="The newer version")]
Language = Annotated[str, Query(pattern="^(sv|en)$", description="sv (default) or en")]
Limit = Annotated[int, Query(ge=1, le=MAX_FEED_ENTRIES, description="Newest entries (100)")]
FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    k: v for k, v in ERROR_RESPONSES.items() if k != 404
}


@router.get(
    "/algorithms/{slug}/diff",
    summary="What changed between two versions: record fields, importances, decisions, fairness",
    responses=ERROR_RESPONSES,
)
def diff(
    request: Request, ctx: Context, slug: Slug, older: FromVersion, newer: ToVersion
) -> Response:
    def read() -> dict[str, Any]:
        ctx.published(slug)
        return diff_versions(ctx.reg, slug, older, newer).to_dict()

    return ctx.json(request, ("diff", slug, older, newer), read, ttl=VERSION_TTL)


def _feed(
    request: Request, ctx: ApiContext, kind: str, organisation: str | None, lang: str, limit: int
) -> Response:
    render, media_type = (
        (atom_feed, ATOM_MEDIA_TYPE) if kind == "atom" else (json_feed, JSON_FEED_MEDIA_TYPE)
    )
    base = ctx.settings.public_url or str(request.base_url).rstrip("/")

    def build() -> Cached:
        feed = change_feed(ctx.reg, organisation=organisation or None, limit=limit)
        body = render(feed, base_url=base, portal_url=ctx.settings.portal_url, lang=lang)
        return Cached(body, media_type)

    found: Cached = ctx.cached(("feed", kind, organisation, lang, limit), build)
    return cached_response(request, found, max_age=FEED_MAX_AGE)


@router.get(
    "/feed.atom",
    summary="The change feed as Atom: registered, published, changed, retired, reviewed",
    responses={200: {"content": {ATOM_MEDIA_TYPE: {}}}, **FEED_RESPONSES},
)
def feed_atom(
    request: Request,
    ctx: Context,
    organisation: Filter = None,
    lang: Language = "sv",
    limit: Limit = 100,
) -> Response:
    return _feed(request, ctx, "atom", organisation, lang, limit)


@router.get(
    "/feed.json",
    summary="The change feed as JSON Feed 1.1 (the same entries as the Atom feed)",
    responses={200: {"content": {JSON_FEED_MEDIA_TYPE: {}}}, **FEED_RESPONSES},
)
def feed_json(
    request: Request,
    ctx: Context,
    organisation: Filter = None,
    lang: Language = "sv",
    limit: Limit = 100,
) -> Response:
    return _feed(request, ctx, "json", organisation, lang, limit)


@router.get(
    "/statistics",
    summary="Published algorithms per organisation, theme, risk category, status, and by month",
    responses=FEED_RESPONSES,
)
def statistics(request: Request, ctx: Context) -> Response:
    return ctx.json(
        request, ("statistics",), lambda: register_statistics(ctx.reg).to_dict(), ttl=STATISTICS_TTL
    )
