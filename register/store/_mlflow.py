"""The :class:`~register.store.Store` kept in an MLflow tracking store.

This is the one module of insyn that talks to MLflow's tracking client: sqlite or
PostgreSQL files, or a tracking server over HTTP, picked by URI. MLflow's own
errors become the store's errors here, so nothing above this module reads
MLflow's messages.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from register.store._protocol import (
    ArtifactInfo,
    ExperimentInfo,
    ModelInfo,
    ModelPage,
    RunInfo,
    StoreConflictError,
    StoreDeniedError,
    StoreError,
    StoreNotFoundError,
    TagQuery,
    VersionInfo,
)
from register.store._uri import artifact_root_for, unreachable

# Artifact downloads are the register's business, not a progress bar in a citizen's logs.
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

__all__ = ["MlflowStore", "denied_status"]

SEARCH_PAGE_SIZE = 1000  # runs and versions per request (MLflow's search limit is larger)
_NOT_FOUND_CODES = ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND")
_CONFLICT_CODES = ("RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS")
_DENIED_CODES = {"PERMISSION_DENIED": 403, "UNAUTHENTICATED": 401, "CUSTOMER_UNAUTHORIZED": 401}
_UNSAFE = "'\"\\`"


def denied_status(exc: BaseException) -> int | None:
    """The 401/403 status behind a refusal: a :class:`StoreDeniedError`'s own, or the
    status behind an MLflow or HTTP error; None for any other error."""
    if isinstance(exc, StoreDeniedError):
        return exc.status
    code = str(getattr(exc, "error_code", "") or "")
    if code in _DENIED_CODES:
        return _DENIED_CODES[code]
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status in (401, 403):
        return int(status)
    text = str(exc)
    for candidate in (401, 403):
        if f"error code {candidate} " in text or f"{candidate} Client Error" in text:
            return candidate
    return None


def _quote(value: str) -> str:
    """``value`` safe inside an MLflow single-quoted literal: quotes, backslashes and
    backticks become the one-character wildcard ``_``."""
    return "".join("_" if ch in _UNSAFE else ch for ch in value)


def filter_string(query: TagQuery | None) -> str | None:
    """The MLflow filter string for ``query`` (None when it has no condition)."""
    if query is None:
        return None
    clauses = []
    for key, value in query.equals.items():
        if any(ch in value for ch in _UNSAFE):  # a pattern now: "%" may match one char only
            clauses.append(f"tags.`{key}` LIKE '{_quote(value).replace('%', '_')}'")
        else:
            clauses.append(f"tags.`{key}` = '{value}'")
    for key, words in query.contains.items():
        for word in words:
            escaped = _quote(word).replace("%", "_")
            clauses.append(f"tags.`{key}` LIKE '%{escaped}%'")
    return " AND ".join(clauses) or None


class MlflowStore:
    """A :class:`~register.store.Store` in the MLflow tracking store at ``uri``.

    ``uri`` must already be resolved (see :func:`register.store.resolve_tracking_uri`).
    The MLflow client is created on first use; one object is safe to share between
    threads.
    """

    def __init__(self, uri: str) -> None:
        self._uri = uri
        self._lock = threading.Lock()
        self._client: MlflowClient | None = None

    def __repr__(self) -> str:
        return f"MlflowStore({self._uri!r})"

    @property
    def uri(self) -> str:
        """The tracking URI."""
        return self._uri

    @property
    def client(self) -> MlflowClient:
        """MLflow's own client for this URI (for insyn's MLflow-specific parts only)."""
        with self._lock:
            if self._client is None:
                self._client = MlflowClient(tracking_uri=self._uri, registry_uri=self._uri)
            return self._client

    # -- errors ----------------------------------------------------------------------
    @contextlib.contextmanager
    def _translated(self, what: str, *, hide_denied: bool = False) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except MlflowException as exc:
            code = str(exc.error_code)
            text = str(exc)
            status = denied_status(exc)
            if status is not None and not (hide_denied and status == 403):
                raise StoreDeniedError(f"{what}: {text}", status=status) from exc
            if status == 403 or any(c in code for c in _NOT_FOUND_CODES):
                raise StoreNotFoundError(f"{what} does not exist.") from exc
            if any(c in code for c in _CONFLICT_CODES) or "already exists" in text.lower():
                raise StoreConflictError(f"{what} exists already.") from exc
            if "not found" in text.lower() or "does not exist" in text.lower():
                raise StoreNotFoundError(f"{what} does not exist.") from exc
            raise
        except Exception as exc:
            status = denied_status(exc)
            if status is not None:
                raise StoreDeniedError(f"{what}: {exc}", status=status) from exc
            raise

    # -- health ----------------------------------------------------------------------
    def ping(self, timeout: float = 5.0) -> None:
        """Return if the store answers; else raise TrackingUnreachableError."""
        if self._uri.startswith(("http://", "https://")):
            try:
                with urllib.request.urlopen(self._uri.rstrip("/") + "/health", timeout=timeout):
                    return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
                raise unreachable(self._uri, f"HTTP {exc.code}") from exc
            except (urllib.error.URLError, OSError) as exc:
                raise unreachable(self._uri, getattr(exc, "reason", exc)) from exc
        try:
            self.client.search_experiments(max_results=1)
        except Exception as exc:
            raise unreachable(self._uri, exc) from exc

    # -- experiments -----------------------------------------------------------------
    @staticmethod
    def _experiment(found: Any) -> ExperimentInfo:
        return ExperimentInfo(
            experiment_id=str(found.experiment_id), name=found.name, tags=dict(found.tags)
        )

    def get_experiment_by_name(self, name: str) -> ExperimentInfo | None:
        with self._translated(f"The experiment {name!r}"):
            found = self.client.get_experiment_by_name(name)
        if found is None or found.lifecycle_stage != "active":  # a deleted one is not live
            return None
        return self._experiment(found)

    def get_experiment(self, experiment_id: str) -> ExperimentInfo:
        with self._translated(f"The experiment {experiment_id}"):
            return self._experiment(self.client.get_experiment(experiment_id))

    def create_experiment(self, name: str) -> str:
        with self._translated(f"The experiment {name!r}"):
            created = self.client.create_experiment(
                name, artifact_location=artifact_root_for(self._uri)
            )
        return str(created)

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        with self._translated(f"The experiment {experiment_id}"):
            self.client.set_experiment_tag(experiment_id, key, value)

    # -- runs ------------------------------------------------------------------------
    @staticmethod
    def _run(run: Any) -> RunInfo:
        return RunInfo(
            run_id=run.info.run_id,
            experiment_id=str(run.info.experiment_id),
            artifact_uri=run.info.artifact_uri,
            start_time=int(run.info.start_time or 0),
            status=str(run.info.status),
            run_name=run.info.run_name,
            params=dict(run.data.params),
            tags=dict(run.data.tags),
        )

    def create_run(
        self,
        experiment_id: str,
        *,
        run_name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> RunInfo:
        with self._translated(f"A run in experiment {experiment_id}"):
            run = self.client.create_run(experiment_id, run_name=run_name, tags=dict(tags or {}))
        return self._run(run)

    def get_run(self, run_id: str) -> RunInfo:
        with self._translated(f"The run {run_id}"):
            return self._run(self.client.get_run(run_id))

    def search_runs(self, experiment_id: str) -> list[RunInfo]:
        runs: list[RunInfo] = []
        token: str | None = None
        with self._translated(f"The runs of experiment {experiment_id}"):
            while True:
                page = self.client.search_runs(
                    [experiment_id],
                    order_by=["attributes.start_time ASC"],
                    max_results=SEARCH_PAGE_SIZE,
                    page_token=token,
                )
                runs += [self._run(r) for r in page]
                token = page.token
                if not token:
                    return runs

    def set_run_status(self, run_id: str, status: str) -> None:
        with self._translated(f"The run {run_id}"):
            self.client.set_terminated(run_id, status)

    def log_param(self, run_id: str, key: str, value: str) -> None:
        if not self.claim(run_id, key, value):
            raise StoreConflictError(f"The param {key!r} of run {run_id} holds another value.")

    def claim(self, run_id: str, key: str, value: str) -> bool:
        try:
            self.client.log_param(run_id, key, value)
        except MlflowException as exc:
            code = str(exc.error_code)
            if "INVALID_PARAMETER_VALUE" not in code and "Changing param" not in str(exc):
                with self._translated(f"The param {key!r} of run {run_id}"):
                    raise
            return self.get_run(run_id).params.get(key) == value
        return True

    def log_metric(self, run_id: str, key: str, value: float) -> None:
        with self._translated(f"The metric {key!r} of run {run_id}"):
            self.client.log_metric(run_id, key, value)

    def set_run_tag(self, run_id: str, key: str, value: str) -> None:
        with self._translated(f"The run {run_id}"):
            self.client.set_tag(run_id, key, value)

    # -- artifacts -------------------------------------------------------------------
    def log_artifact(self, run_id: str, local_file: Path, artifact_path: str | None = None) -> None:
        with self._translated(f"The artifacts of run {run_id}"):
            self.client.log_artifact(run_id, str(local_file), artifact_path)

    def log_artifacts(self, run_id: str, local_dir: Path, artifact_path: str | None = None) -> None:
        with self._translated(f"The artifacts of run {run_id}"):
            self.client.log_artifacts(run_id, str(local_dir), artifact_path)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[ArtifactInfo]:
        with self._translated(f"The artifacts of run {run_id}"):
            found = self.client.list_artifacts(run_id, path)
        return [ArtifactInfo(path=f.path, is_dir=bool(f.is_dir), size=f.file_size) for f in found]

    def read_artifact(self, run_id: str, path: str) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            local = self.download_artifacts(run_id, path, Path(tmp))
            if not local.is_file():
                raise StoreNotFoundError(f"The file {path!r} of run {run_id} does not exist.")
            return local.read_bytes()

    def download_artifacts(self, run_id: str, path: str, destination: Path) -> Path:
        what = f"The file {path!r} of run {run_id}"
        try:
            with self._translated(what):
                return Path(self.client.download_artifacts(run_id, path, str(destination)))
        except (OSError, MlflowException) as exc:
            parent = path.rsplit("/", 1)[0] if "/" in path else None
            if path not in {a.path for a in self.list_artifacts(run_id, parent)}:
                raise StoreNotFoundError(f"{what} does not exist.") from exc
            raise

    # -- registered models -----------------------------------------------------------
    @staticmethod
    def _model(found: Any) -> ModelInfo:
        return ModelInfo(
            name=found.name,
            tags=dict(found.tags),
            aliases={alias: int(v) for alias, v in dict(found.aliases or {}).items()},
            description=found.description or "",
        )

    def create_registered_model(
        self, name: str, *, tags: Mapping[str, str] | None = None, description: str = ""
    ) -> ModelInfo:
        with self._translated(f"The algorithm {name!r}"):
            created = self.client.create_registered_model(
                name, tags=dict(tags or {}), description=description or None
            )
        return self._model(created)

    def get_registered_model(self, name: str) -> ModelInfo:
        with self._translated(f"The algorithm {name!r}", hide_denied=True):
            return self._model(self.client.get_registered_model(name))

    def search_registered_models(
        self,
        query: TagQuery | None = None,
        *,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> ModelPage:
        with self._translated("The catalogue"):
            found = self.client.search_registered_models(
                filter_string=filter_string(query),
                max_results=max_results,
                order_by=["name ASC"],
                page_token=page_token,
            )
        return ModelPage(items=[self._model(m) for m in found], next_page_token=found.token or None)

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        with self._translated(f"The algorithm {name!r}"):
            self.client.set_registered_model_tag(name, key, value)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        with contextlib.suppress(StoreNotFoundError), self._translated(f"The tag {key!r}"):
            self.client.delete_registered_model_tag(name, key)

    def set_description(self, name: str, description: str) -> None:
        with self._translated(f"The algorithm {name!r}"):
            self.client.update_registered_model(name, description=description)

    def set_alias(self, name: str, alias: str, version: int) -> None:
        with self._translated(f"The alias {alias!r} of {name!r}"):
            self.client.set_registered_model_alias(name, alias, str(version))

    def delete_alias(self, name: str, alias: str) -> None:
        with contextlib.suppress(StoreNotFoundError), self._translated(f"The alias {alias!r}"):
            self.client.delete_registered_model_alias(name, alias)

    # -- model versions --------------------------------------------------------------
    @staticmethod
    def _version(mv: Any) -> VersionInfo:
        return VersionInfo(
            name=mv.name,
            version=int(mv.version),
            run_id=str(mv.run_id),
            source=str(mv.source),
            created_at=int(mv.creation_timestamp or 0),
            tags=dict(mv.tags),
        )

    def create_model_version(
        self, name: str, *, source: str, run_id: str, tags: Mapping[str, str] | None = None
    ) -> VersionInfo:
        with self._translated(f"A version of {name!r}"):
            mv = self.client.create_model_version(
                name, source=source, run_id=run_id, tags=dict(tags or {})
            )
        return self._version(mv)

    def get_model_version(self, name: str, version: int) -> VersionInfo:
        with self._translated(f"Version {version} of {name!r}", hide_denied=True):
            return self._version(self.client.get_model_version(name, str(version)))

    def get_version_by_alias(self, name: str, alias: str) -> VersionInfo:
        with self._translated(f"The alias {alias!r} of {name!r}", hide_denied=True):
            return self._version(self.client.get_model_version_by_alias(name, alias))

    def search_model_versions(self, name: str) -> list[VersionInfo]:
        versions: list[VersionInfo] = []
        token: str | None = None
        with self._translated(f"The versions of {name!r}"):
            while True:
                page = self.client.search_model_versions(
                    f"name = '{_quote(name)}'", max_results=SEARCH_PAGE_SIZE, page_token=token
                )
                versions += [self._version(mv) for mv in page]
                token = page.token
                if not token:
                    break
        return sorted(versions, key=lambda v: v.version)

    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        with self._translated(f"Version {version} of {name!r}"):
            self.client.set_model_version_tag(name, str(version), key, value)

    def delete_model_version(self, name: str, version: int) -> None:
        with self._translated(f"Version {version} of {name!r}"):
            self.client.delete_model_version(name, str(version))
