"""The backends of the store contract tests: every test runs against each of them.

``memory``: :class:`MemoryStore` (unit layer). ``sqlite``: :class:`MlflowStore` on a
sqlite file of its own (store layer). ``http``: :class:`MlflowStore` on a real
``mlflow server`` shared by the session (store layer); since that server outlives a
test, every name a test makes carries the test's own ``tag`` and searches are scoped
by it.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from register.store import MemoryStore, MlflowStore, Store, TagQuery

SCOPE_TAG = "contract.scope"
THREADS = 8  # threads of the race tests


@dataclass(frozen=True, kw_only=True)
class Backend:
    """One store under test, and how to make names that no other test uses."""

    kind: str
    uri: str
    store: Store
    tag: str

    def reopen(self) -> Store:
        """Another store object on the same URI."""
        return MemoryStore(self.uri) if self.kind == "memory" else MlflowStore(self.uri)

    def name(self, stem: str) -> str:
        """``stem`` made unique to this test."""
        return f"{stem}-{self.tag}"

    def scoped(self, query: TagQuery | None = None) -> TagQuery:
        """``query`` limited to registered models this test made with :meth:`model`."""
        query = query or TagQuery()
        return TagQuery(equals={**query.equals, SCOPE_TAG: self.tag}, contains=query.contains)

    def model(self, stem: str, **tags: str) -> str:
        """Create a registered model in this test's scope; return its name."""
        name = self.name(stem)
        self.store.create_registered_model(name, tags={SCOPE_TAG: self.tag, **tags})
        return name


BACKENDS = [
    pytest.param("memory", marks=pytest.mark.unit),
    pytest.param("sqlite", marks=pytest.mark.store),
    pytest.param("http", marks=pytest.mark.store),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A store of each kind (the server backend starts ``mlflow server`` once per session)."""
    tag = uuid.uuid4().hex[:10]
    kind = str(request.param)
    if kind == "memory":
        uri = f"memory:contract-{tag}"
        return Backend(kind=kind, uri=uri, store=MemoryStore(uri), tag=tag)
    if kind == "sqlite":
        template: Path = request.getfixturevalue("_store_template")
        shutil.copyfile(template, tmp_path / "mlflow.db")
        uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    else:
        uri = str(request.getfixturevalue("mlflow_server"))
    return Backend(kind=kind, uri=uri, store=MlflowStore(uri), tag=tag)


@pytest.fixture()
def store(backend: Backend) -> Store:
    return backend.store


@pytest.fixture()
def run_id(backend: Backend) -> str:
    """A fresh run in a fresh experiment."""
    experiment = backend.store.create_experiment(backend.name("experiment"))
    return backend.store.create_run(experiment, run_name="contract").run_id


def race(count: int, action: Callable[[int], object]) -> list[object]:
    """Run ``action(i)`` in ``count`` threads released together; their results by i."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except Exception as exc:  # the test asserts on what came back
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
