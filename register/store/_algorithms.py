"""Reads of a register's algorithms: the catalogue, one version, its history, its files.

:class:`Algorithms` is the part of :class:`register.Register` that answers citizens'
and the portal's questions. It is given the register's :class:`StoreView` and reads
only through it, so every immutable file (record, profile, explanation, fitted model)
is cached in the view's bounded cache and nothing else is kept.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from explainers import Explanation
from register.record._inputs import InputProfile
from register.record._schema import LocalizedText, TransparencyRecord, parse_record
from register.store import _catalogue as cat
from register.store import _catalogue_index
from register.store._model_io import load_model
from register.store._paths import (
    COMPLETE_TAG,
    EXPLANATION_PATH,
    MODEL_PATH,
    PROFILE_PATH,
    RECORD_PATH,
    STATUS_TAG,
)
from register.store._protocol import ModelInfo, VersionInfo
from register.store._results import (
    AlgorithmSummary,
    AlgorithmVersion,
    FilterOptions,
    SearchPage,
    VersionChange,
)
from register.store._view import StoreView

__all__ = ["Algorithms"]


class Algorithms:
    """The algorithms of the register behind ``view``: search them, read one version,
    its history and its stored files (all reads; writes are the lifecycle's)."""

    def __init__(self, view: StoreView) -> None:
        self._view = view

    # -- catalogue ------------------------------------------------------------
    def search(
        self,
        text: str | None = None,
        *,
        organisation: str | None = None,
        theme: str | None = None,
        status: str | None = None,
        risk: str | None = None,
        include_unpublished: bool = False,
        max_results: int = 50,
        page_token: str | None = None,
    ) -> SearchPage:
        """One page of algorithms whose catalogue entry matches every condition.

        Free ``text`` matches words in the name, description, organisation and
        department in either language. Results are ordered by slug.
        """
        filters = {
            "organisation": organisation,
            "theme": theme,
            "status": status,
            "risk_category": risk,
        }
        query = cat.catalogue_query(text, filters=filters, include_unpublished=include_unpublished)
        found = self._view.store.search_registered_models(
            query, max_results=max_results, page_token=page_token
        )
        return SearchPage(
            items=[_summary(model) for model in found.items],
            next_page_token=found.next_page_token or None,
        )

    def list_all(self, *, include_unpublished: bool = False) -> list[AlgorithmSummary]:
        """Every algorithm in the catalogue (all pages), ordered by slug."""
        items: list[AlgorithmSummary] = []
        token: str | None = None
        while True:
            page = self.search(
                include_unpublished=include_unpublished, max_results=200, page_token=token
            )
            items += page.items
            token = page.next_page_token
            if not token:
                return items

    def filter_options(self) -> FilterOptions:
        """The distinct organisations, themes, statuses and risk categories published
        (read from tags only, cached for a short while; see register.store._catalogue_index)."""
        return _catalogue_index.filter_options(self._view)

    # -- one algorithm -----------------------------------------------------------
    def get(self, slug: str, version: int | None = None) -> AlgorithmVersion:
        """The stored version (default: the published one) with its record.

        Raises :class:`NotFoundError` for an unknown slug or version.
        """
        mv = self._view.version(slug, version)
        registered = self._view.registered(slug)
        record = parse_record(self._view.artifact_json(mv.run_id, RECORD_PATH))
        profile = InputProfile.from_dict(self._view.artifact_json(mv.run_id, PROFILE_PATH))
        return AlgorithmVersion(
            slug=slug,
            version=mv.version,
            record=record,
            run_id=mv.run_id,
            created_at=_created_at(mv),
            aliases=_aliases_of(registered, mv.version),
            status=_status_of(mv, record.status.value),
            input_profile=profile,
            explanation_fingerprint=mv.tags.get("insyn.explanation_fingerprint", ""),
            explainer=mv.tags.get("insyn.explainer", ""),
        )

    def explanation(self, slug: str, version: int) -> Explanation:
        """The stored explanation of ``slug`` version ``version`` (identical numbers)."""
        mv = self._view.version(slug, version)

        def download() -> Explanation:
            with tempfile.TemporaryDirectory() as tmp:
                local = self._view.store.download_artifacts(mv.run_id, EXPLANATION_PATH, Path(tmp))
                return Explanation.load(local)

        return self._view.cached(("explanation", mv.run_id), download)

    def model(self, slug: str, version: int) -> Any:
        """The fitted model of ``slug`` version ``version``, loaded with skops and
        insyn's allowlist of trusted types (never unpickled)."""
        mv = self._view.version(slug, version)

        def download() -> Any:
            with tempfile.TemporaryDirectory() as tmp:
                local = self._view.store.download_artifacts(mv.run_id, MODEL_PATH, Path(tmp))
                return load_model(local, uri=f"models:/{slug}/{version}")

        return self._view.cached(("model", mv.run_id), download)

    def versions(self, slug: str) -> list[VersionInfo]:
        """The completed versions of ``slug``, oldest first."""
        self._view.registered(slug)
        found = self._view.store.search_model_versions(slug)
        complete = [mv for mv in found if mv.tags.get(COMPLETE_TAG) == "true"]
        return sorted(complete, key=lambda mv: mv.version)

    def history(self, slug: str) -> list[VersionChange]:
        """All complete versions of ``slug``, oldest first, with the record fields
        that changed against the version before."""
        registered = self._view.registered(slug)
        changes: list[VersionChange] = []
        previous: TransparencyRecord | None = None
        for mv in self.versions(slug):
            record = parse_record(self._view.artifact_json(mv.run_id, RECORD_PATH))
            changed = tuple(previous.diff(record)) if previous is not None else ()
            changes.append(
                VersionChange(
                    version=mv.version,
                    created_at=_created_at(mv),
                    status=_status_of(mv, record.status.value),
                    aliases=_aliases_of(registered, mv.version),
                    changed_fields=changed,
                )
            )
            previous = record
        return changes


def _status_of(mv: VersionInfo, record_status: str) -> str:
    return str(mv.tags.get(STATUS_TAG) or record_status)


def _aliases_of(registered: ModelInfo, version: int) -> tuple[str, ...]:
    return tuple(alias for alias, v in registered.aliases.items() if v == version)


def _created_at(mv: VersionInfo) -> datetime:
    return datetime.fromtimestamp(mv.created_at / 1000, tz=UTC)


def _summary(model: ModelInfo) -> AlgorithmSummary:
    tags: Mapping[str, str] = model.tags
    return AlgorithmSummary(
        slug=model.name,
        name=LocalizedText(
            sv=tags.get("insyn.name.sv") or model.name,
            en=tags.get("insyn.name.en") or None,
        ),
        short_description=LocalizedText(
            sv=tags.get("insyn.description.sv") or "-",
            en=tags.get("insyn.description.en") or None,
        ),
        **cat.summary_fields(tags),
    )
