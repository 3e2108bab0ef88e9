"""The :class:`~register.store.Store` kept in memory, for fast tests.

:class:`MemoryStore` gives every guarantee of the Store protocol the way
:class:`register.store.MlflowStore` gives it (the contract tests in
``tests/register/store/test_contract.py`` run the same tests against both):
snapshots, ordering, not-found and conflict errors where MLflow has them, an atomic
:meth:`MemoryStore.claim`, MLflow's tag-query matching and version numbering.
Nothing leaves the process; nothing is pickled.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path

from register._errors import InvalidTrackingUriError
from register.store._memory_parts import (
    NOT_FOUND_MESSAGE,
    RUN_NAME_TAG,
    Model,
    Run,
    entries,
    files_under,
    folder,
    join,
    matches,
    now_ms,
    state_named,
)
from register.store._protocol import (
    ArtifactInfo,
    ExperimentInfo,
    ModelInfo,
    ModelPage,
    RunInfo,
    StoreConflictError,
    StoreError,
    StoreNotFoundError,
    TagQuery,
    VersionInfo,
)

__all__ = ["MEMORY_SCHEME", "MemoryStore"]

MEMORY_SCHEME = "memory:"
RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
NOT_MEMORY_URI_MESSAGE = (
    "The URI {uri!r} is not an in-memory store: it must be 'memory:' or 'memory:<name>'."
)
CONFLICT_MESSAGE = "{what} exists already."
PARAM_CHANGED_MESSAGE = (
    "The param {key!r} of run {run_id} holds another value; params are write-once."
)
BAD_STATUS_MESSAGE = "A run's status is one of {statuses}, not {status!r}."
BAD_PAGE_TOKEN_MESSAGE = "The page token {token!r} was not given by this store."


class MemoryStore:
    """A :class:`~register.store.Store` held in this process's memory.

    ``memory:`` is a store of its own (like a fresh sqlite file); every
    ``MemoryStore("memory:<name>")`` in the process shares the store called
    ``<name>``, so writes through one are seen by the next read through another.
    Safe to share between threads: each call is one atomic step.
    """

    def __init__(self, uri: str = MEMORY_SCHEME) -> None:
        if not uri.startswith(MEMORY_SCHEME):
            raise InvalidTrackingUriError(NOT_MEMORY_URI_MESSAGE.format(uri=uri))
        self._uri = uri
        self._state = state_named(uri[len(MEMORY_SCHEME) :])

    def __repr__(self) -> str:
        return f"MemoryStore({self._uri!r})"

    @property
    def uri(self) -> str:
        """The URI the store was opened with."""
        return self._uri

    def ping(self, timeout: float = 5.0) -> None:
        """Return at once: memory always answers."""

    # -- lookups (caller holds the lock) ---------------------------------------------
    def _experiment(self, experiment_id: str) -> ExperimentInfo:
        found = self._state.experiments.get(str(experiment_id))
        if found is None:
            what = f"The experiment {experiment_id}"
            raise StoreNotFoundError(NOT_FOUND_MESSAGE.format(what=what))
        return found

    def _run(self, run_id: str) -> Run:
        found = self._state.runs.get(run_id)
        if found is None:
            raise StoreNotFoundError(NOT_FOUND_MESSAGE.format(what=f"The run {run_id}"))
        return found

    def _model(self, name: str) -> Model:
        found = self._state.models.get(name)
        if found is None:
            raise StoreNotFoundError(NOT_FOUND_MESSAGE.format(what=f"The algorithm {name!r}"))
        return found

    def _version(self, name: str, version: int) -> VersionInfo:
        found = self._model(name).versions.get(int(version))
        if found is None:
            what = f"Version {version} of {name!r}"
            raise StoreNotFoundError(NOT_FOUND_MESSAGE.format(what=what))
        return found

    @staticmethod
    def _run_info(run: Run) -> RunInfo:
        return RunInfo(
            run_id=run.run_id,
            experiment_id=run.experiment_id,
            artifact_uri=run.artifact_uri,
            start_time=run.start_time,
            status=run.status,
            run_name=run.run_name,
            params=dict(run.params),
            tags=dict(run.tags),
        )

    @staticmethod
    def _model_info(model: Model) -> ModelInfo:
        return ModelInfo(
            name=model.name,
            tags=dict(model.tags),
            aliases=dict(model.aliases),
            description=model.description,
        )

    # -- experiments -----------------------------------------------------------------
    def get_experiment_by_name(self, name: str) -> ExperimentInfo | None:
        with self._state.lock:
            for experiment in self._state.experiments.values():
                if experiment.name == name:
                    return experiment
        return None

    def get_experiment(self, experiment_id: str) -> ExperimentInfo:
        with self._state.lock:
            return self._experiment(experiment_id)

    def create_experiment(self, name: str) -> str:
        with self._state.lock:
            if self.get_experiment_by_name(name) is not None:
                what = f"The experiment {name!r}"
                raise StoreConflictError(CONFLICT_MESSAGE.format(what=what))
            experiment_id = str(len(self._state.experiments))
            self._state.experiments[experiment_id] = ExperimentInfo(
                experiment_id=experiment_id, name=name
            )
            return experiment_id

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        with self._state.lock:
            found = self._experiment(experiment_id)
            tags = {**found.tags, key: value}
            self._state.experiments[found.experiment_id] = ExperimentInfo(
                experiment_id=found.experiment_id, name=found.name, tags=tags
            )

    # -- runs ------------------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str,
        *,
        run_name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> RunInfo:
        with self._state.lock:
            experiment = self._experiment(experiment_id)
            order = self._state.next_number()
            run_id = uuid.uuid4().hex
            given = dict(tags or {})
            name = run_name or given.get(RUN_NAME_TAG) or f"run-{order}"
            run = Run(
                run_id=run_id,
                experiment_id=experiment.experiment_id,
                artifact_uri=f"{self._uri}/{experiment.experiment_id}/{run_id}/artifacts",
                start_time=now_ms(),
                order=order,
                run_name=name,
                tags={**given, RUN_NAME_TAG: name},
            )
            self._state.runs[run_id] = run
            return self._run_info(run)

    def get_run(self, run_id: str) -> RunInfo:
        with self._state.lock:
            return self._run_info(self._run(run_id))

    def search_runs(self, experiment_id: str) -> list[RunInfo]:
        with self._state.lock:
            runs = [r for r in self._state.runs.values() if r.experiment_id == str(experiment_id)]
            runs.sort(key=lambda r: (r.start_time, r.order))
            return [self._run_info(r) for r in runs]

    def set_run_status(self, run_id: str, status: str) -> None:
        if status not in RUN_STATUSES:
            raise StoreError(BAD_STATUS_MESSAGE.format(statuses=RUN_STATUSES, status=status))
        with self._state.lock:
            self._run(run_id).status = status

    def log_param(self, run_id: str, key: str, value: str) -> None:
        if not self.claim(run_id, key, value):
            raise StoreConflictError(PARAM_CHANGED_MESSAGE.format(key=key, run_id=run_id))

    def claim(self, run_id: str, key: str, value: str) -> bool:
        with self._state.lock:
            params = self._run(run_id).params
            held = params.setdefault(key, str(value))
            return held == str(value)

    def log_metric(self, run_id: str, key: str, value: float) -> None:
        with self._state.lock:
            self._run(run_id).metrics.setdefault(key, []).append(float(value))

    def set_run_tag(self, run_id: str, key: str, value: str) -> None:
        with self._state.lock:
            self._run(run_id).tags[key] = str(value)

    # -- artifacts -------------------------------------------------------------------
    def log_artifact(self, run_id: str, local_file: Path, artifact_path: str | None = None) -> None:
        local = Path(local_file)
        content = local.read_bytes()
        with self._state.lock:
            self._run(run_id).files[join(folder(artifact_path), local.name)] = content

    def log_artifacts(self, run_id: str, local_dir: Path, artifact_path: str | None = None) -> None:
        root = Path(local_dir)
        if not root.is_dir():
            raise FileNotFoundError(root)
        parent = folder(artifact_path)
        contents = {
            join(parent, f.relative_to(root).as_posix()): f.read_bytes()
            for f in sorted(root.rglob("*"))
            if f.is_file()
        }
        with self._state.lock:
            self._run(run_id).files.update(contents)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[ArtifactInfo]:
        with self._state.lock:
            return entries(self._run(run_id).files, path)

    def _files(self, run_id: str, path: str) -> dict[str, bytes]:
        with self._state.lock:
            files = self._run(run_id).files
            return files_under(files, folder(path), f"The file {path!r} of run {run_id}")

    def read_artifact(self, run_id: str, path: str) -> bytes:
        found = self._files(run_id, path)
        if set(found) != {""}:  # a folder
            what = f"The file {path!r} of run {run_id}"
            raise StoreNotFoundError(NOT_FOUND_MESSAGE.format(what=what))
        return found[""]

    def download_artifacts(self, run_id: str, path: str, destination: Path) -> Path:
        found = self._files(run_id, path)
        # As MLflow: the file or folder lands under its own last name, not its whole path.
        last_name = folder(path).rsplit("/", 1)[-1]
        target = Path(destination) / last_name if last_name else Path(destination)
        for relative, content in found.items():
            local = target / relative if relative else target
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(content)
        return target

    # -- registered models -----------------------------------------------------------
    def create_registered_model(
        self, name: str, *, tags: Mapping[str, str] | None = None, description: str = ""
    ) -> ModelInfo:
        with self._state.lock:
            if name in self._state.models:
                what = f"The algorithm {name!r}"
                raise StoreConflictError(CONFLICT_MESSAGE.format(what=what))
            model = Model(name=name, tags=dict(tags or {}), description=description or "")
            self._state.models[name] = model
            return self._model_info(model)

    def get_registered_model(self, name: str) -> ModelInfo:
        with self._state.lock:
            return self._model_info(self._model(name))

    def search_registered_models(
        self,
        query: TagQuery | None = None,
        *,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> ModelPage:
        offset = self._offset(page_token)
        with self._state.lock:
            hits = [
                self._model_info(self._state.models[name])
                for name in sorted(self._state.models)
                if matches(query, self._state.models[name].tags)
            ]
        page = hits[offset : offset + max_results]
        more = len(hits) > offset + max_results
        return ModelPage(items=page, next_page_token=str(offset + max_results) if more else None)

    @staticmethod
    def _offset(page_token: str | None) -> int:
        if not page_token:
            return 0
        if not page_token.isdigit():
            raise StoreError(BAD_PAGE_TOKEN_MESSAGE.format(token=page_token))
        return int(page_token)

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        with self._state.lock:
            self._model(name).tags[key] = str(value)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        with self._state.lock:
            model = self._state.models.get(name)
            if model is not None:
                model.tags.pop(key, None)

    def set_description(self, name: str, description: str) -> None:
        with self._state.lock:
            self._model(name).description = description or ""

    def set_alias(self, name: str, alias: str, version: int) -> None:
        with self._state.lock:
            found = self._version(name, version)
            self._model(name).aliases[alias] = found.version

    def delete_alias(self, name: str, alias: str) -> None:
        with self._state.lock:
            model = self._state.models.get(name)
            if model is not None:
                model.aliases.pop(alias, None)

    # -- model versions --------------------------------------------------------------
    def create_model_version(
        self,
        name: str,
        *,
        source: str,
        run_id: str,
        tags: Mapping[str, str] | None = None,
        description: str = "",
    ) -> VersionInfo:
        with self._state.lock:
            model = self._model(name)
            model.last_version += 1
            model.descriptions[model.last_version] = description or ""
            created = VersionInfo(
                name=name,
                version=model.last_version,
                run_id=str(run_id),
                source=str(source),
                created_at=now_ms(),
                tags=dict(tags or {}),
            )
            model.versions[created.version] = created
            return self._copy(created)

    @staticmethod
    def _copy(version: VersionInfo, tags: Mapping[str, str] | None = None) -> VersionInfo:
        return VersionInfo(
            name=version.name,
            version=version.version,
            run_id=version.run_id,
            source=version.source,
            created_at=version.created_at,
            tags=dict(version.tags if tags is None else tags),
        )

    def get_model_version(self, name: str, version: int) -> VersionInfo:
        with self._state.lock:
            return self._copy(self._version(name, version))

    def get_version_by_alias(self, name: str, alias: str) -> VersionInfo:
        with self._state.lock:
            number = self._model(name).aliases.get(alias)
            if number is None:
                what = f"The alias {alias!r} of {name!r}"
                raise StoreNotFoundError(NOT_FOUND_MESSAGE.format(what=what))
            return self._copy(self._version(name, number))

    def search_model_versions(self, name: str) -> list[VersionInfo]:
        with self._state.lock:
            model = self._state.models.get(name)
            if model is None:
                return []
            return [self._copy(model.versions[n]) for n in sorted(model.versions)]

    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        with self._state.lock:
            found = self._version(name, version)
            tags = {**found.tags, key: str(value)}
            self._model(name).versions[found.version] = self._copy(found, tags)

    def delete_model_version(self, name: str, version: int) -> None:
        with self._state.lock:
            found = self._version(name, version)
            model = self._model(name)
            del model.versions[found.version]
            for alias in [a for a, v in model.aliases.items() if v == found.version]:
                del model.aliases[alias]
