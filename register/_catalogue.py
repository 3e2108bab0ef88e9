"""Catalogue tags: what a registered model carries so the catalogue can search it.

Tags live on the MLflow registered model and mirror the published version's
record. Search pages through MLflow's own ``search_registered_models``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from register._record import TransparencyRecord

MANAGED = "insyn.managed"
PUBLISHED = "insyn.published"
PUBLISHED_VERSION = "insyn.published_version"
SEARCH_TEXT = "insyn.search"
NAME_TAG = "insyn.name.{lang}"
DESCRIPTION_TAG = "insyn.description.{lang}"
STATUS = "status"
ORGANISATION = "organisation"
FILTER_KEYS = ("organisation", "theme", "status", "risk_category")
PUBLISHED_ALIAS = "published"


def catalogue_tags(record: TransparencyRecord, *, status: str | None = None) -> dict[str, str]:
    """The registered-model tags that describe ``record`` in the catalogue."""
    tags = dict(record.tags())
    if status is not None:
        tags[STATUS] = status
    texts = [record.slug, record.organisation, record.department, record.theme.value]
    for lang in ("sv", "en"):
        name = getattr(record.name, lang)
        description = getattr(record.short_description, lang)
        tags[NAME_TAG.format(lang=lang)] = name or ""
        tags[DESCRIPTION_TAG.format(lang=lang)] = description or ""
        texts += [name or "", description or ""]
    tags[SEARCH_TEXT] = " ".join(t for t in texts if t).lower()
    tags[MANAGED] = "true"
    return tags


def _quote(value: str) -> str:
    """A value safe inside MLflow's single-quoted filter literals.

    Quotes and backslashes become the single-character wildcard, so a search
    can never break out of its literal.
    """
    return "".join("_" if ch in "'\"\\`" else ch for ch in value)


def build_filter(
    text: str | None,
    *,
    filters: dict[str, str | None],
    include_unpublished: bool,
) -> str:
    """An MLflow filter string for a catalogue search (all conditions must hold)."""
    clauses = [f"tags.`{MANAGED}` = 'true'"]
    if not include_unpublished:
        clauses.append(f"tags.`{PUBLISHED}` = 'true'")
    for key, value in filters.items():
        if value:
            if any(ch in value for ch in "'\"\\`"):
                clauses.append(f"tags.`{key}` LIKE '{_quote(value)}'")
            else:
                clauses.append(f"tags.`{key}` = '{value}'")
    for word in (text or "").lower().split():
        escaped = _quote(word).replace("%", "_")
        clauses.append(f"tags.`{SEARCH_TEXT}` LIKE '%{escaped}%'")
    return " AND ".join(clauses)


def summary_fields(tags: dict[str, str]) -> dict[str, Any]:
    """The catalogue fields stored in a registered model's tags."""
    version = tags.get(PUBLISHED_VERSION)
    return {
        "organisation": tags.get("organisation", ""),
        "theme": tags.get("theme", ""),
        "status": tags.get("status", ""),
        "risk_category": tags.get("risk_category", ""),
        "version": int(version) if version else None,
    }
