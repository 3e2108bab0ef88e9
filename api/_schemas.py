"""The shapes of the API's answers, for its OpenAPI document (routes build plain JSON)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ERROR_RESPONSES",
    "AlgorithmDetail",
    "AlgorithmSummaryOut",
    "AuditEntries",
    "AuditHeadOut",
    "ErrorOut",
    "ExportList",
    "FiltersOut",
    "SearchOut",
    "VersionOut",
    "VersionsOut",
]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Texts(BaseModel):
    """A text in Swedish and (when given) English."""

    sv: str
    en: str | None


class AlgorithmSummaryOut(_Open):
    slug: str
    name: Texts
    short_description: Texts
    organisation: str
    theme: str
    status: str
    risk_category: str
    version: int | None
    url: str


class SearchOut(BaseModel):
    items: list[AlgorithmSummaryOut]
    next_page_token: str | None
    next: str | None


class FiltersOut(BaseModel):
    organisations: list[str]
    themes: list[str]
    statuses: list[str]
    risk_categories: list[str]


class VersionEntry(BaseModel):
    version: int
    created_at: str
    status: str
    aliases: list[str]
    changed_fields: list[str]
    url: str


class AlgorithmDetail(AlgorithmSummaryOut):
    versions: list[VersionEntry]


class VersionsOut(BaseModel):
    slug: str
    items: list[VersionEntry]


class VersionOut(_Open):
    slug: str
    version: int
    created_at: str
    status: str
    aliases: list[str]
    is_published: bool
    record: dict[str, Any]


class AuditHeadOut(BaseModel):
    sequence: int
    hash: str


class AuditEntries(BaseModel):
    items: list[dict[str, Any]]
    next_after: int | None


class ExportFile(BaseModel):
    name: str
    media_type: str
    url: str


class ExportList(_Open):
    items: list[ExportFile]


class ErrorDetail(BaseModel):
    status: int
    message: str
    parameter: str | None = None
    rule: str | None = None
    value: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such algorithm, version or file"},
    422: {"model": ErrorOut, "description": "A parameter breaks its rule"},
    429: {"model": ErrorOut, "description": "Too many requests (see Retry-After)"},
    503: {"model": ErrorOut, "description": "The store does not answer (see Retry-After)"},
}
