"""The register's reads of one store: algorithms, versions and their files, cached.

:class:`StoreView` is what every part of the register (lifecycle, audit, catalogue,
shared) is given instead of a :class:`register.Register`: the :class:`Store`, the
register's experiment name, and a bounded cache of things that never change once
written (a version's record, profile, checks, explanation and model files). It
turns the store's "not found" into the register's own :class:`NotFoundError` with
the wording citizens and auditors see.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from register._errors import NotFoundError
from register.record._errors import SLUG_MAX_CHARS, is_slug
from register.store._protocol import (
    ModelInfo,
    Store,
    StoreConflictError,
    StoreNotFoundError,
    VersionInfo,
)

__all__ = [
    "DEFAULT_CACHE_ENTRIES",
    "NOT_FOUND_MESSAGE",
    "NOT_PUBLISHED_MESSAGE",
    "PUBLISHED_ALIAS",
    "VERSION_NOT_FOUND_MESSAGE",
    "HoldsView",
    "StoreView",
    "view_of",
]

NOT_FOUND_MESSAGE = "The register holds no algorithm called {slug!r}."
VERSION_NOT_FOUND_MESSAGE = "The algorithm {slug!r} has no version {version}."
NOT_PUBLISHED_MESSAGE = "The algorithm {slug!r} has no published version."
PUBLISHED_ALIAS = "published"
DEFAULT_CACHE_ENTRIES = 256  # immutable files and loaded models kept per register

T = TypeVar("T")


class StoreView:
    """Reads of one register (``experiment``) in ``store``, with a bounded cache.

    Guarantees: at most ``cache_entries`` cached values are kept (least recently used
    dropped first); only values keyed by a run id (immutable once written) or put
    there explicitly with :meth:`cached` are cached; safe to share between threads.
    """

    def __init__(
        self, store: Store, *, experiment: str, cache_entries: int = DEFAULT_CACHE_ENTRIES
    ) -> None:
        self._store = store
        self._experiment = experiment
        self._max = max(1, int(cache_entries))
        self._cache: OrderedDict[tuple[str, ...], Any] = OrderedDict()
        self._lock = threading.RLock()

    @property
    def store(self) -> Store:
        """The store read and written."""
        return self._store

    @property
    def experiment(self) -> str:
        """The register's experiment name (the audit log lives in ``<experiment>.audit``)."""
        return self._experiment

    @property
    def uri(self) -> str:
        """The store's URI."""
        return self._store.uri

    def experiment_id(self) -> str:
        """The id of the register's experiment, created on first use (two processes
        creating it at once both get the one that exists afterwards)."""
        with self._lock:
            found = self._store.get_experiment_by_name(self._experiment)
            if found is not None:
                return found.experiment_id
            try:
                return self._store.create_experiment(self._experiment)
            except StoreConflictError:
                again = self._store.get_experiment_by_name(self._experiment)
                if again is None:
                    raise
                return again.experiment_id

    # -- cache -----------------------------------------------------------------------
    def cached(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        """The value cached under ``key``, computed (once) when absent."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[no-any-return]
        value = compute()
        self.put(key, value)
        return value

    def peek(self, key: tuple[str, ...], default: Any = None) -> Any:
        """The value cached under ``key``, or ``default`` (nothing is computed)."""
        with self._lock:
            if key not in self._cache:
                return default
            self._cache.move_to_end(key)
            return self._cache[key]

    def put(self, key: tuple[str, ...], value: Any) -> None:
        """Cache ``value`` under ``key``, replacing what was there (the bound holds)."""
        with self._lock:
            self._cache[key] = value
            self._cache.move_to_end(key)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)

    def forget(self, key: tuple[str, ...]) -> None:
        """Drop one cached value (no error when absent)."""
        with self._lock:
            self._cache.pop(key, None)

    def cache_size(self) -> int:
        """How many values are cached now."""
        with self._lock:
            return len(self._cache)

    # -- algorithms and versions ------------------------------------------------------
    def registered(self, slug: str) -> ModelInfo:
        """The algorithm ``slug``; :class:`NotFoundError` when the register has none."""
        if not is_slug(slug):  # a/b, markup, very long: no algorithm can have it
            shown = slug[:SLUG_MAX_CHARS] + "..." if len(slug) > SLUG_MAX_CHARS else slug
            raise NotFoundError(NOT_FOUND_MESSAGE.format(slug=shown))
        try:
            return self._store.get_registered_model(slug)
        except StoreNotFoundError as exc:
            raise NotFoundError(NOT_FOUND_MESSAGE.format(slug=slug)) from exc

    def version(self, slug: str, version: int | None = None) -> VersionInfo:
        """Version ``version`` of ``slug`` (None: the published one); :class:`NotFoundError`
        names what is missing."""
        self.registered(slug)
        try:
            if version is None:
                return self._store.get_version_by_alias(slug, PUBLISHED_ALIAS)
            return self._store.get_model_version(slug, int(version))
        except StoreNotFoundError as exc:
            if version is None:
                raise NotFoundError(NOT_PUBLISHED_MESSAGE.format(slug=slug)) from exc
            raise NotFoundError(
                VERSION_NOT_FOUND_MESSAGE.format(slug=slug, version=version)
            ) from exc

    # -- files -----------------------------------------------------------------------
    def artifact_json(self, run_id: str, path: str) -> Any:
        """The JSON file ``path`` of run ``run_id`` (cached: run files never change)."""
        return self.cached(
            ("json", run_id, path),
            lambda: json.loads(self._store.read_artifact(run_id, path).decode("utf-8")),
        )

    def optional_json(self, run_id: str, path: str) -> Any:
        """Like :meth:`artifact_json`, or None when the run has no such file."""
        folder = path.rsplit("/", 1)[0] if "/" in path else None
        stored = {a.path for a in self._store.list_artifacts(run_id, folder)}
        return self.artifact_json(run_id, path) if path in stored else None


VIEW_EXPECTED_MESSAGE = "Expected a StoreView (or a Register holding one), got {kind}."


class HoldsView(Protocol):
    """Anything that holds a :class:`StoreView` (a :class:`register.Register`)."""

    @property
    def view(self) -> StoreView: ...


def view_of(holder: StoreView | HoldsView) -> StoreView:
    """``holder`` itself when it is a :class:`StoreView`, else the view it holds as
    ``.view`` (a :class:`register.Register`); TypeError for anything else."""
    found = holder if isinstance(holder, StoreView) else getattr(holder, "view", None)
    if not isinstance(found, StoreView):
        raise TypeError(VIEW_EXPECTED_MESSAGE.format(kind=type(holder).__name__))
    return found
