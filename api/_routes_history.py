"""How the register changes: two versions compared, the change feed and the statistics.

Each answer is the register's own result object as JSON (``to_dict()``), so the API
and the portal show the same numbers; none holds a row of data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api._context import Context
from api._routes_catalogue import Slug
from api._routes_versions import VERSION_TTL
from api._schemas import ERROR_RESPONSES
from register import diff_versions

__all__ = ["router"]

router = APIRouter()
FromVersion = Annotated[
    int, Query(alias="from", ge=1, le=1_000_000, description="The older version")
]
ToVersion = Annotated[int, Query(alias="to", ge=1, le=1_000_000, description="The newer version")]


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
