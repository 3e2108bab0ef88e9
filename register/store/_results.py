"""Read-only result objects the register returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from register.record._inputs import InputProfile
    from register.record._schema import LocalizedText, TransparencyRecord


@dataclass(frozen=True, kw_only=True, slots=True)
class AlgorithmSummary:
    """One catalogue entry: what a citizen sees in a search result."""

    slug: str
    name: LocalizedText
    short_description: LocalizedText
    organisation: str
    theme: str
    status: str
    risk_category: str
    version: int | None


@dataclass(frozen=True, kw_only=True, slots=True)
class SearchPage:
    """One page of catalogue results and the token of the next page (or None)."""

    items: list[AlgorithmSummary]
    next_page_token: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class FilterOptions:
    """The values the catalogue's filters can take."""

    organisations: list[str]
    themes: list[str]
    statuses: list[str]
    risk_categories: list[str]


@dataclass(frozen=True, kw_only=True, slots=True)
class AlgorithmVersion:
    """One stored version of an algorithm with its record and input profile."""

    slug: str
    version: int
    record: TransparencyRecord
    run_id: str
    created_at: datetime
    aliases: tuple[str, ...]
    status: str
    input_profile: InputProfile
    explanation_fingerprint: str
    explainer: str

    @property
    def is_published(self) -> bool:
        """Whether this version carries the ``published`` alias."""
        return "published" in self.aliases


@dataclass(frozen=True, kw_only=True, slots=True)
class VersionChange:
    """One entry of an algorithm's history: a version and what changed in its record."""

    version: int
    created_at: datetime
    status: str
    aliases: tuple[str, ...]
    changed_fields: tuple[str, ...]
