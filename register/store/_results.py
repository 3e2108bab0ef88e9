"""Read-only result objects the register returns."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from register.record._inputs import InputProfile
    from register.record._schema import LocalizedText, TransparencyRecord


class _ReadOnly:
    """Keyword-only construction; every field is exposed as a read-only property."""

    _fields: tuple[str, ...] = ()

    def __init__(self, **values: Any) -> None:
        missing = [f for f in self._fields if f not in values]
        unknown = [k for k in values if k not in self._fields]
        if missing or unknown:
            raise TypeError(f"{type(self).__name__}: missing {missing}, unknown {unknown}")
        for key, value in values.items():
            object.__setattr__(self, f"_{key}", value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __getattr__(self, name: str) -> Any:
        if name in type(self)._fields:
            return object.__getattribute__(self, f"_{name}")
        raise AttributeError(name)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and all(
            getattr(self, f) == getattr(other, f) for f in self._fields
        )

    def __hash__(self) -> int:
        return hash(tuple(repr(getattr(self, f)) for f in self._fields))

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({inner})"


class AlgorithmSummary(_ReadOnly):
    """One catalogue entry: what a citizen sees in a search result."""

    _fields = (
        "slug",
        "name",
        "short_description",
        "organisation",
        "theme",
        "status",
        "risk_category",
        "version",
    )
    if TYPE_CHECKING:
        slug: str
        name: LocalizedText
        short_description: LocalizedText
        organisation: str
        theme: str
        status: str
        risk_category: str
        version: int | None


class SearchPage(_ReadOnly):
    """One page of catalogue results and the token of the next page (or None)."""

    _fields = ("items", "next_page_token")
    if TYPE_CHECKING:
        items: list[AlgorithmSummary]
        next_page_token: str | None


class FilterOptions(_ReadOnly):
    """The values the catalogue's filters can take."""

    _fields = ("organisations", "themes", "statuses", "risk_categories")
    if TYPE_CHECKING:
        organisations: list[str]
        themes: list[str]
        statuses: list[str]
        risk_categories: list[str]


class AlgorithmVersion(_ReadOnly):
    """One stored version of an algorithm with its record and input profile."""

    _fields = (
        "slug",
        "version",
        "record",
        "run_id",
        "created_at",
        "aliases",
        "status",
        "input_profile",
        "explanation_fingerprint",
        "explainer",
    )
    if TYPE_CHECKING:
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


class VersionChange(_ReadOnly):
    """One entry of an algorithm's history: a version and what changed in its record."""

    _fields = ("version", "created_at", "status", "aliases", "changed_fields")
    if TYPE_CHECKING:
        version: int
        created_at: datetime
        status: str
        aliases: tuple[str, ...]
        changed_fields: tuple[str, ...]
