"""Catalogue tags: what a registered model carries so the catalogue can search it.

Tags live on the registered model and mirror the published version's record (which
tags, and the store's limits on them, are the record's business: see
:mod:`register.record._catalogue_tags`). A catalogue search is a :class:`TagQuery`
the store answers, never a backend's query language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from register.record._catalogue_tags import (
    DESCRIPTION_TAG,
    MANAGED,
    NAME_TAG,
    ORG_EXPERIMENT_PREFIX,
    ORGANISATION,
    SEARCH_TEXT,
    STATUS,
    catalogue_tags,
)
from register.store._protocol import TagQuery

__all__ = [
    "DESCRIPTION_TAG",
    "FILTER_KEYS",
    "MANAGED",
    "NAME_TAG",
    "ORGANISATION",
    "ORG_EXPERIMENT_PREFIX",
    "PUBLISHED",
    "PUBLISHED_ALIAS",
    "PUBLISHED_VERSION",
    "SEARCH_TEXT",
    "STATUS",
    "catalogue_query",
    "catalogue_tags",
    "summary_fields",
]

PUBLISHED = "insyn.published"
PUBLISHED_VERSION = "insyn.published_version"
FILTER_KEYS = ("organisation", "theme", "status", "risk_category")
PUBLISHED_ALIAS = "published"


def catalogue_query(
    text: str | None,
    *,
    filters: Mapping[str, str | None],
    include_unpublished: bool,
) -> TagQuery:
    """The query for a catalogue search: insyn's algorithms (published ones unless
    ``include_unpublished``) whose filter tags equal every given value and whose
    search text holds every word of ``text`` (lower-cased)."""
    equals = {MANAGED: "true"}
    if not include_unpublished:
        equals[PUBLISHED] = "true"
    equals.update({key: value for key, value in filters.items() if value})
    words = tuple((text or "").lower().split())
    return TagQuery(equals=equals, contains={SEARCH_TEXT: words} if words else {})


def summary_fields(tags: Mapping[str, str]) -> dict[str, Any]:
    """The catalogue fields stored in a registered model's tags."""
    version = tags.get(PUBLISHED_VERSION)
    return {
        "organisation": tags.get("organisation", ""),
        "theme": tags.get("theme", ""),
        "status": tags.get("status", ""),
        "risk_category": tags.get("risk_category", ""),
        "version": int(version) if version else None,
    }
