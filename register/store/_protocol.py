"""The store seam: what the register needs from a tracking store, in insyn's own terms.

:class:`Store` is the contract every other part of the register writes against
(lifecycle, audit, catalogue, shared). :class:`register.store.MlflowStore` keeps it
in an MLflow tracking store (sqlite, PostgreSQL or a tracking server over HTTP);
:class:`register.store.MemoryStore` keeps it in memory for fast tests. Both pass
the same contract tests (``tests/register/store/test_contract.py``).

The objects a store returns are snapshots (frozen, keyword-only dataclasses): a
later write never changes an object already returned. Errors are the store's
own (:class:`StoreNotFoundError`, :class:`StoreConflictError`,
:class:`StoreDeniedError`, :class:`register.TrackingUnreachableError`), never a
backend's, so callers never match a backend's message text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from register._errors import InsynError

__all__ = [
    "ArtifactInfo",
    "ExperimentInfo",
    "ModelInfo",
    "ModelPage",
    "RunInfo",
    "Store",
    "StoreConflictError",
    "StoreDeniedError",
    "StoreError",
    "StoreNotFoundError",
    "TagQuery",
    "VersionInfo",
]


class StoreError(InsynError):
    """A request the store refused; the message says what and why in plain words."""


class StoreNotFoundError(StoreError, LookupError):
    """The experiment, run, registered model, version, alias or artifact does not exist.

    A tracking server with accounts answers "permission denied" for a registered model
    the caller may not see; a store reports that as not found too, since the caller
    cannot tell the two apart (and must not learn which).
    """


class StoreConflictError(StoreError):
    """The thing to create exists already, or a claim is held with another value."""


class StoreDeniedError(StoreError, PermissionError):
    """The account may not do this; ``status`` is 401 (who are you) or 403 (not allowed)."""

    def __init__(self, message: str, *, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, kw_only=True)
class ExperimentInfo:
    """An experiment: a named folder of runs with tags."""

    experiment_id: str
    name: str
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RunInfo:
    """A run: one registration's (or the audit log's) artifacts, params and tags."""

    run_id: str
    experiment_id: str
    artifact_uri: str
    start_time: int  # milliseconds since the epoch
    status: str = "RUNNING"  # RUNNING | FINISHED | FAILED | KILLED
    run_name: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ArtifactInfo:
    """One entry of a run's artifact folder; ``path`` is relative to the run's root."""

    path: str
    is_dir: bool
    size: int | None = None


@dataclass(frozen=True, kw_only=True)
class ModelInfo:
    """A registered model (an algorithm): its tags, aliases and description."""

    name: str
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, int] = field(default_factory=dict)  # alias -> version
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class VersionInfo:
    """A model version (one registration of an algorithm)."""

    name: str
    version: int
    run_id: str
    source: str
    created_at: int  # milliseconds since the epoch
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ModelPage:
    """One page of registered models ordered by name, and the token of the next page."""

    items: Sequence[ModelInfo]
    next_page_token: str | None = None


@dataclass(frozen=True, kw_only=True)
class TagQuery:
    """Registered models whose tags match every condition.

    ``equals``: the tag holds exactly this value. ``contains``: the tag's value holds
    every one of these words as a substring (case as given). A value holding a quote,
    backslash or backtick matches that character as any one character (never more),
    so a query can never break out of its condition.
    """

    equals: Mapping[str, str] = field(default_factory=dict)
    contains: Mapping[str, Sequence[str]] = field(default_factory=dict)


@runtime_checkable
class Store(Protocol):
    """What the register needs from a tracking store.

    Guarantees every implementation gives (checked by the contract tests):
    writes are visible to the next read through any store object on the same URI;
    lists come back in the stated order; a missing thing raises
    :class:`StoreNotFoundError`; creating what exists raises :class:`StoreConflictError`;
    :meth:`claim` is atomic (two claims of one key: exactly one wins).
    """

    @property
    def uri(self) -> str:
        """The URI this store was opened with (a tracking URI, or ``memory:``)."""
        ...

    def ping(self, timeout: float = 5.0) -> None:
        """Return if the store answers within about ``timeout`` seconds; else raise
        :class:`register.TrackingUnreachableError`."""
        ...

    # -- experiments -------------------------------------------------------------
    def get_experiment_by_name(self, name: str) -> ExperimentInfo | None:
        """The live experiment called ``name``, or None."""
        ...

    def get_experiment(self, experiment_id: str) -> ExperimentInfo:
        """The experiment with this id."""
        ...

    def create_experiment(self, name: str) -> str:
        """Create the experiment and return its id; :class:`StoreConflictError` if it exists."""
        ...

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set (or overwrite) one tag of an experiment."""
        ...

    # -- runs --------------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str,
        *,
        run_name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> RunInfo:
        """Start a new run in the experiment."""
        ...

    def get_run(self, run_id: str) -> RunInfo:
        """The run with this id, with its current params and tags."""
        ...

    def search_runs(self, experiment_id: str) -> list[RunInfo]:
        """Every run of the experiment, oldest first (by start time)."""
        ...

    def set_run_status(self, run_id: str, status: str) -> None:
        """End the run as FINISHED, FAILED or KILLED."""
        ...

    def log_param(self, run_id: str, key: str, value: str) -> None:
        """Record a param; params are write-once (see :meth:`claim` for the race-safe form)."""
        ...

    def claim(self, run_id: str, key: str, value: str) -> bool:
        """Atomically claim the write-once param ``key``: True if this call set it (or it
        already held exactly ``value``), False if it holds another value."""
        ...

    def log_metric(self, run_id: str, key: str, value: float) -> None:
        """Record a metric value."""
        ...

    def set_run_tag(self, run_id: str, key: str, value: str) -> None:
        """Set (or overwrite) one tag of a run."""
        ...

    # -- artifacts ---------------------------------------------------------------
    def log_artifact(self, run_id: str, local_file: Path, artifact_path: str | None = None) -> None:
        """Upload one file into the run's folder ``artifact_path`` (root when None)."""
        ...

    def log_artifacts(self, run_id: str, local_dir: Path, artifact_path: str | None = None) -> None:
        """Upload a folder's contents into the run's folder ``artifact_path``."""
        ...

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[ArtifactInfo]:
        """The entries directly inside the run's folder ``path`` (empty when it has none)."""
        ...

    def read_artifact(self, run_id: str, path: str) -> bytes:
        """The bytes of one stored file; :class:`StoreNotFoundError` when it is missing."""
        ...

    def download_artifacts(self, run_id: str, path: str, destination: Path) -> Path:
        """Copy a stored file or folder under ``destination``; return the local path."""
        ...

    # -- registered models (algorithms) ---------------------------------------------
    def create_registered_model(
        self, name: str, *, tags: Mapping[str, str] | None = None, description: str = ""
    ) -> ModelInfo:
        """Create the registered model; :class:`StoreConflictError` if it exists."""
        ...

    def get_registered_model(self, name: str) -> ModelInfo:
        """The registered model with its tags and aliases."""
        ...

    def search_registered_models(
        self,
        query: TagQuery | None = None,
        *,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> ModelPage:
        """One page of the registered models matching ``query`` (all when None), by name."""
        ...

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set (or overwrite) one tag of a registered model."""
        ...

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Remove one tag of a registered model (no error when it is absent)."""
        ...

    def set_description(self, name: str, description: str) -> None:
        """Replace the registered model's description."""
        ...

    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point ``alias`` at ``version`` (moving it if it pointed elsewhere)."""
        ...

    def delete_alias(self, name: str, alias: str) -> None:
        """Remove the alias (no error when it is absent)."""
        ...

    # -- model versions --------------------------------------------------------------
    def create_model_version(
        self, name: str, *, source: str, run_id: str, tags: Mapping[str, str] | None = None
    ) -> VersionInfo:
        """Add the next version (1, 2, ...) of the registered model."""
        ...

    def get_model_version(self, name: str, version: int) -> VersionInfo:
        """One version of the registered model."""
        ...

    def get_version_by_alias(self, name: str, alias: str) -> VersionInfo:
        """The version the alias points at."""
        ...

    def search_model_versions(self, name: str) -> list[VersionInfo]:
        """Every version of the registered model, oldest (lowest number) first."""
        ...

    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        """Set (or overwrite) one tag of a model version."""
        ...

    def delete_model_version(self, name: str, version: int) -> None:
        """Remove a version (used only to undo a registration that did not finish)."""
        ...
