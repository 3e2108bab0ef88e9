"""The audit log as the auditor page shows it: the head, and the entries of published
algorithms (who wrote what, when, with the hashes and signatures that chain them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api._context import Context
from api._routes_catalogue import SLUG_PATTERN
from api._schemas import ERROR_RESPONSES, AuditEntries, AuditHeadOut
from register import AuditEntry

__all__ = ["ENTRY_FIELDS", "public_entry", "router"]

router = APIRouter()
MAX_ENTRIES = 1000
# What an entry shows publicly; the rest of ``details`` (run ids...) and the stored
# artifact list stay in the register.
ENTRY_FIELDS = (
    "format",
    "sequence",
    "event",
    "time",
    "slug",
    "version",
    "author",
    "previous_hash",
    "hash",
    "key_id",
    "signature",
)


def public_entry(entry: AuditEntry) -> dict[str, Any]:
    """The public part of one entry: :data:`ENTRY_FIELDS`, plus the reason and the failed
    checks of a publication despite failed checks (``details.override``)."""
    stored = entry.to_dict()
    shown = {key: stored[key] for key in ENTRY_FIELDS if key in stored}
    override = (stored.get("details") or {}).get("override")
    if isinstance(override, dict):
        shown["override"] = override
    return shown


@router.get(
    "/audit/head",
    summary="The audit log's last entry number and hash",
    responses={200: {"model": AuditHeadOut}, **ERROR_RESPONSES},
)
def audit_head(request: Request, ctx: Context) -> Response:
    def read() -> dict[str, Any]:
        head = ctx.reg.audit_head()
        return {"sequence": head.sequence, "hash": head.hash}

    return ctx.json(request, ("audit-head",), read, max_age=10)


def _public_slugs(ctx: Context) -> frozenset[str]:
    def read() -> frozenset[str]:
        return frozenset(item.slug for item in ctx.reg.list_algorithms())

    found: frozenset[str] = ctx.cached(("public-slugs",), read)
    return found


@router.get(
    "/audit/entries",
    summary="Audit log entries of published algorithms (of one when slug is given)",
    responses={200: {"model": AuditEntries}, **ERROR_RESPONSES},
)
def audit_entries(
    request: Request,
    ctx: Context,
    slug: Annotated[str | None, Query(pattern=SLUG_PATTERN)] = None,
    after: Annotated[int, Query(ge=0, description="Only entries with a higher sequence")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES)] = 100,
) -> Response:
    def read() -> dict[str, Any]:
        if slug is not None:
            ctx.published(slug)
        public = _public_slugs(ctx)
        entries = [
            e for e in ctx.reg.audit_entries(slug) if e.slug in public and e.sequence > after
        ]
        page = entries[:limit]
        more = len(entries) > limit
        return {
            "items": [public_entry(e) for e in page],
            "next_after": page[-1].sequence if more else None,
        }

    return ctx.json(request, ("audit-entries", slug, after, limit), read, max_age=10)
