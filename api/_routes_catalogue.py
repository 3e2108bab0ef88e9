"""The catalogue: health, search with filters and paging, filter values, one algorithm."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api._context import Context
from api._paging import read_token, write_token
from api._schemas import ERROR_RESPONSES, AlgorithmDetail, FiltersOut, SearchOut
from register import AlgorithmSummary, AlgorithmVersion

__all__ = ["SLUG_PATTERN", "router", "summary_of", "version_entry"]

router = APIRouter()
MAX_TEXT = 200  # characters of a search text or filter value
MAX_LIMIT = 200  # results per page
SLUG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
PAGE_TOKEN_PATTERN = r"^[A-Za-z0-9_-]+\.[0-9a-f]{32}$"
Filter = Annotated[str | None, Query(max_length=MAX_TEXT)]
Slug = Annotated[str, Path(pattern=SLUG_PATTERN, description="The algorithm's slug")]


def summary_of(ctx: Any, item: AlgorithmSummary | AlgorithmVersion) -> dict[str, Any]:
    """The public summary of a catalogue entry or of a published version."""
    if isinstance(item, AlgorithmVersion):
        record = item.record
        name, description = record.name, record.short_description
        fields: dict[str, Any] = {
            "organisation": record.organisation,
            "theme": record.theme.value,
            "status": item.status,
            "risk_category": record.risk.category.value,
            "version": item.version,
        }
    else:
        name, description = item.name, item.short_description
        fields = {
            "organisation": item.organisation,
            "theme": item.theme,
            "status": item.status,
            "risk_category": item.risk_category,
            "version": item.version,
        }
    return {
        "slug": item.slug,
        "name": {"sv": name.sv, "en": name.en},
        "short_description": {"sv": description.sv, "en": description.en},
        **fields,
        "url": ctx.url(f"/algorithms/{item.slug}"),
    }


def version_entry(ctx: Any, slug: str, change: Any) -> dict[str, Any]:
    """One line of an algorithm's history."""
    return {
        "version": change.version,
        "created_at": change.created_at.isoformat(),
        "status": change.status,
        "aliases": list(change.aliases),
        "changed_fields": list(change.changed_fields),
        "url": ctx.url(f"/algorithms/{slug}/versions/{change.version}"),
    }


@router.get("/health", summary="Whether the API and its store answer")
def health(request: Request, ctx: Context) -> Response:
    ctx.cached(("health",), lambda: ctx.reg.check_reachable(timeout=5.0), ttl=5.0)
    return ctx.json(request, ("health-body",), lambda: {"status": "ok"}, max_age=0)


@router.get(
    "/algorithms",
    summary="Search the published algorithms",
    responses={200: {"model": SearchOut}, **ERROR_RESPONSES},
)
def algorithms(
    request: Request,
    ctx: Context,
    q: Filter = None,
    organisation: Filter = None,
    theme: Filter = None,
    status: Filter = None,
    risk: Filter = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    page_token: Annotated[
        str | None,
        Query(
            max_length=1024,
            pattern=PAGE_TOKEN_PATTERN,
            description="The next_page_token of the page before",
        ),
    ] = None,
) -> Response:
    filters = {
        "q": q or None,
        "organisation": organisation or None,
        "theme": theme or None,
        "status": status or None,
        "risk": risk or None,
    }
    query = [*filters.values(), limit]
    store_token = read_token(ctx.settings.token_key, page_token, query)

    def page() -> dict[str, Any]:
        found = ctx.reg.search(
            filters["q"],
            organisation=filters["organisation"],
            theme=filters["theme"],
            status=filters["status"],
            risk=filters["risk"],
            max_results=limit,
            page_token=store_token,
        )
        token = None
        following = None
        if found.next_page_token:
            token = write_token(ctx.settings.token_key, found.next_page_token, query)
            given = {k: v for k, v in filters.items() if v}
            following = ctx.url(
                "/algorithms?" + urlencode({**given, "limit": limit, "page_token": token})
            )
        return {
            "items": [summary_of(ctx, item) for item in found.items],
            "next_page_token": token,
            "next": following,
        }

    return ctx.json(request, ("search", *query, store_token), page)


@router.get(
    "/filters",
    summary="The values the catalogue's filters take",
    responses={200: {"model": FiltersOut}, **ERROR_RESPONSES},
)
def filters(request: Request, ctx: Context) -> Response:
    def values() -> dict[str, list[str]]:
        options = ctx.reg.filter_options()
        return {
            "organisations": list(options.organisations),
            "themes": list(options.themes),
            "statuses": list(options.statuses),
            "risk_categories": list(options.risk_categories),
        }

    return ctx.json(request, ("filters",), values)


@router.get(
    "/algorithms/{slug}",
    summary="One published algorithm and its versions",
    responses={200: {"model": AlgorithmDetail}, **ERROR_RESPONSES},
)
def algorithm(request: Request, ctx: Context, slug: Slug) -> Response:
    def detail() -> dict[str, Any]:
        published = ctx.published(slug)
        versions = [version_entry(ctx, slug, c) for c in ctx.reg.history(slug)]
        return {**summary_of(ctx, published), "versions": versions}

    return ctx.json(request, ("algorithm", slug), detail)
