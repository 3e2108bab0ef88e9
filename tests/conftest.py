"""Shared fixtures (small real models, real MLflow stores in temporary folders) and the
test layers.

Every test belongs to one layer, a pytest marker given here by where the test lives and
which fixtures it uses (a marker set on the test itself wins):

- ``unit``: needs no server, no sqlite register and no PostgreSQL; ``make test-fast``.
  A unit test that opens a database fails with :data:`UNIT_STORE_MESSAGE`.
- ``slow``: needs none of those either, but trains or explains too much for the fast layer.
- ``store``: an MLflow register on sqlite, or a local ``mlflow server``.
- ``shared``: the shared deployment (PostgreSQL and the auth-enabled server).
- ``browser``: Chromium driving the portal.
- ``dask``: a dask cluster.
- ``package``: the built wheel in a fresh virtual environment.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
# Signing keys of test stores live in a temporary folder, never in the user's ~/.config.
os.environ["INSYN_KEY_DIR"] = tempfile.mkdtemp(prefix="insyn-test-keys-")
os.environ.pop("INSYN_SIGNING_KEY", None)
os.environ.setdefault("MLFLOW_TRACKING_INSECURE_TLS", "false")


LAYERS = ("unit", "slow", "store", "shared", "browser", "dask", "package")
UNIT_STORE_MESSAGE = (
    "A unit test opened the database {uri}: use MemoryStore, or a store fixture, or list "
    "the module in STORE_MODULES of tests/conftest.py (it then runs in the store layer)."
)
#: Fixtures that give a test an MLflow register on sqlite or a local server.
STORE_FIXTURES = frozenset(
    {"_store_template", "empty_store_uri", "demo_tracking_uri", "mlflow_server", "audit_base"}
)
#: Fixtures of the shared deployment (PostgreSQL, the auth-enabled server).
SHARED_FIXTURES = frozenset({"shared", "postgres_uri"})
#: Modules that make their register without a fixture of STORE_FIXTURES.
STORE_MODULES = frozenset(
    {
        "tests/register/test_audit.py",
        "tests/register/test_old_store.py",
        "tests/register/test_registration_io.py",  # its mlflow variant opens sqlite
    }
)
#: Single tests that open a sqlite register in a module that otherwise needs none.
STORE_TESTS = frozenset(
    {"tests/register/test_facade.py::test_client_is_deprecated_and_only_for_mlflow"}
)
#: Store-free modules and tests that take too long for the fast layer: seconds each
#: (brute-force definitions, SHAP comparisons, every model family), measured with
#: ``pytest -m unit --durations=80``.
SLOW_MODULES = frozenset(
    {
        "tests/explainers/test_agnostic.py",
        "tests/explainers/test_counterfactual.py",
        "tests/explainers/test_engine_dispatch.py",
        "tests/explainers/test_tree_families_bruteforce.py",
        "tests/explainers/test_treeshap.py",
        "tests/explainers/test_treeshap_bruteforce.py",
    }
)
SLOW_TESTS = frozenset(
    {
        "tests/register/test_hostile_records.py::test_every_hostile_record_file_is_accepted_or_plainly_refused",
        "tests/register/test_hostile_records.py::test_any_json_like_value_in_any_field_is_accepted_or_named",
        "tests/register/test_model_io.py::test_every_family_round_trips_alone",
        "tests/register/test_model_io.py::test_every_family_round_trips_as_the_last_step_of_a_pipeline",
        "tests/register/test_model_io.py::test_booster_files_are_the_libraries_own_formats",
    }
)


def _layer(item: pytest.Item) -> str:
    """The layer of a test that has no layer marker of its own."""
    path = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
    fixtures = set(getattr(item, "fixturenames", ()))
    if path.startswith("tests/browser/"):
        return "browser"
    if "dask" in Path(path).name:
        return "dask"
    if Path(path).name.startswith("test_shared_") or fixtures & SHARED_FIXTURES:
        return "shared"
    name = getattr(item, "originalname", item.name)
    if fixtures & STORE_FIXTURES or path in STORE_MODULES or f"{path}::{name}" in STORE_TESTS:
        return "store"
    return "slow" if path in SLOW_MODULES or f"{path}::{name}" in SLOW_TESTS else "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every test its layer marker (see the module docstring)."""
    for item in items:
        if not any(item.get_closest_marker(layer) for layer in LAYERS):
            item.add_marker(getattr(pytest.mark, _layer(item)))


@pytest.fixture(autouse=True)
def _unit_tests_open_no_database(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the fast layer honest: a unit test that opens a database (the sqlite or
    PostgreSQL behind an MLflow register) fails."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(url: object, *_args: object, **_kwargs: object) -> None:
        raise AssertionError(UNIT_STORE_MESSAGE.format(uri=url))

    monkeypatch.setattr(sqlalchemy, "create_engine", refuse)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def benefits_build():  # type: ignore[no-untyped-def]
    """The benefits-uptake demo, trained once per session."""
    from models import load_folder

    return load_folder(ROOT / "models" / "benefits-uptake").build()


@pytest.fixture(scope="session")
def benefits_record():  # type: ignore[no-untyped-def]
    from register import load_record

    return load_record(ROOT / "models" / "benefits-uptake" / "record.yaml")


@pytest.fixture(scope="session")
def small_model(benefits_build):  # type: ignore[no-untyped-def]
    """A small, quickly explained forest on the benefits inputs (same record fits)."""
    from sklearn.base import clone

    model = clone(benefits_build.model)
    model.set_params(classifier__n_estimators=10, classifier__max_depth=3)
    frame = benefits_build.evaluation_data
    inputs = list(benefits_build.reference_data.columns)
    model.fit(frame[inputs], frame[benefits_build.label])
    return model


@pytest.fixture(scope="session")
def small_reference(benefits_build) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return benefits_build.reference_data.head(200).reset_index(drop=True)


@pytest.fixture(scope="session")
def _store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sqlite file with MLflow's schema created once (creating it takes seconds)."""
    from register import Register

    path = tmp_path_factory.mktemp("store-template") / "mlflow.db"
    Register(f"sqlite:///{path}").check_reachable()
    return path


@pytest.fixture()
def empty_store_uri(tmp_path: Path, _store_template: Path) -> str:
    """A fresh embedded store (sqlite file plus artifact folder) of its own."""
    shutil.copyfile(_store_template, tmp_path / "mlflow.db")
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture(scope="session")
def demo_tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo register built once per session by ``insyn demo``; sets MLFLOW_TRACKING_URI."""
    from register.cli import main

    home = tmp_path_factory.mktemp("demo-register")
    uri = f"sqlite:///{home / 'mlflow.db'}"
    assert main(["--tracking-uri", uri, "demo"]) == 0
    previous = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    yield uri
    if previous is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = previous


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``mlflow server`` process on loopback (sqlite backend, served artifacts)."""
    home = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"sqlite:///{home / 'mlflow.db'}",
            "--artifacts-destination",
            str(home / "artifacts"),
            "--serve-artifacts",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=home,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(url + "/health", process, timeout=120)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
