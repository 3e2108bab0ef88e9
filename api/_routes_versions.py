"""One published algorithm's versions: history, each record, its explanation aggregates,
its fairness result and its reviews. Only algorithms with a published version are
answered (as the portal shows them); rows of data never leave."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api._context import Context
from api._routes_catalogue import Slug, version_entry
from api._schemas import ERROR_RESPONSES, VersionOut, VersionsOut

__all__ = ["VERSION_TTL", "Version", "router"]

router = APIRouter()
Version = Annotated[int, Path(ge=1, le=1_000_000, description="The version number")]
VERSION_TTL = 300.0  # seconds: a version's record and files never change, its aliases may


@router.get(
    "/algorithms/{slug}/versions",
    summary="Every version of a published algorithm, with what changed",
    responses={200: {"model": VersionsOut}, **ERROR_RESPONSES},
)
def versions(request: Request, ctx: Context, slug: Slug) -> Response:
    def history() -> dict[str, Any]:
        ctx.published(slug)
        items = [version_entry(ctx, slug, change) for change in ctx.reg.history(slug)]
        return {"slug": slug, "items": items}

    return ctx.json(request, ("versions", slug), history)


@router.get(
    "/algorithms/{slug}/versions/{version}",
    summary="One version's record (both languages) and its metadata",
    responses={200: {"model": VersionOut}, **ERROR_RESPONSES},
)
def version(request: Request, ctx: Context, slug: Slug, version: Version) -> Response:
    def read() -> dict[str, Any]:
        ctx.published(slug)
        found = ctx.reg.get(slug, version)
        return {
            "slug": slug,
            "version": found.version,
            "created_at": found.created_at.isoformat(),
            "status": found.status,
            "aliases": list(found.aliases),
            "is_published": found.is_published,
            "explainer": found.explainer,
            "explanation_fingerprint": found.explanation_fingerprint,
            "record": found.record.to_json_dict(),
            "links": {
                "explanation": ctx.url(f"/algorithms/{slug}/versions/{version}/explanation"),
                "fairness": ctx.url(f"/algorithms/{slug}/versions/{version}/fairness"),
                "exports": ctx.url(f"/algorithms/{slug}/versions/{version}/exports"),
                "reviews": ctx.url(f"/algorithms/{slug}/reviews?version={version}"),
            },
        }

    return ctx.json(request, ("version", slug, version), read, ttl=VERSION_TTL)


@router.get(
    "/algorithms/{slug}/versions/{version}/explanation",
    summary="The explanation's aggregates: metadata, global importance, dependence (no rows)",
    responses=ERROR_RESPONSES,
)
def explanation(request: Request, ctx: Context, slug: Slug, version: Version) -> Response:
    def read() -> dict[str, Any]:
        ctx.published(slug)
        ctx.reg.get(slug, version)  # NotFoundError names a missing version
        public = ctx.reg.get_explanation(slug, version).public_dict()
        return {"slug": slug, "version": version, **public}

    return ctx.json(request, ("explanation", slug, version), read, ttl=VERSION_TTL)


@router.get(
    "/algorithms/{slug}/versions/{version}/fairness",
    summary="The stored fairness result (small groups suppressed), or null when none",
    responses=ERROR_RESPONSES,
)
def fairness(request: Request, ctx: Context, slug: Slug, version: Version) -> Response:
    def read() -> dict[str, Any]:
        ctx.published(slug)
        ctx.reg.get(slug, version)
        found = ctx.reg.get_fairness(slug, version)
        public = None if found is None else found.public_dict()
        return {"slug": slug, "version": version, "fairness": public}

    return ctx.json(request, ("fairness", slug, version), read, ttl=VERSION_TTL)


@router.get(
    "/algorithms/{slug}/reviews",
    summary="Auditors' reviews of a published algorithm (of one version when given)",
    responses=ERROR_RESPONSES,
)
def reviews(
    request: Request,
    ctx: Context,
    slug: Slug,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    def read() -> dict[str, Any]:
        ctx.published(slug)
        if version is not None:
            ctx.reg.get(slug, version)
        items = [review.to_dict() for review in ctx.reg.reviews(slug, version)]
        return {"slug": slug, "version": version, "items": items}

    return ctx.json(request, ("reviews", slug, version), read)
