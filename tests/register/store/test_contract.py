"""The Store contract, part 1: experiments, runs, params and claims, artifacts.

Every test runs against each backend in ``conftest.BACKENDS`` (in memory, MLflow on
sqlite, MLflow behind ``mlflow server``); a test states a guarantee of the protocol's
docstrings, so an implementation that passes them all can stand in for another.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from register.store import (
    ArtifactInfo,
    MemoryStore,
    Store,
    StoreConflictError,
    StoreNotFoundError,
)
from tests.register.store.conftest import THREADS, Backend, race

MISSING_RUN = "0123456789abcdef0123456789abcdef"


def test_is_a_store_on_its_uri(backend: Backend) -> None:
    assert isinstance(backend.store, Store)
    assert backend.store.uri == backend.uri
    assert backend.store.ping(timeout=10) is None


# -- experiments ------------------------------------------------------------------------
def test_experiments_are_created_found_and_tagged(store: Store, backend: Backend) -> None:
    name = backend.name("experiment")
    assert store.get_experiment_by_name(name) is None
    experiment_id = store.create_experiment(name)
    found = store.get_experiment_by_name(name)
    assert found is not None and found.experiment_id == experiment_id and found.name == name
    store.set_experiment_tag(experiment_id, "purpose", "audit")
    store.set_experiment_tag(experiment_id, "purpose", "audit log")
    assert store.get_experiment(experiment_id).tags["purpose"] == "audit log"
    assert "purpose" not in found.tags  # a snapshot


def test_an_existing_experiment_conflicts(store: Store, backend: Backend) -> None:
    name = backend.name("experiment")
    store.create_experiment(name)
    with pytest.raises(StoreConflictError):
        store.create_experiment(name)


def test_a_missing_experiment_is_not_found(store: Store) -> None:
    with pytest.raises(StoreNotFoundError):
        store.get_experiment("987654321")
    with pytest.raises(StoreNotFoundError):
        store.set_experiment_tag("987654321", "k", "v")
    with pytest.raises(StoreNotFoundError):
        store.create_run("987654321")


def test_writes_are_seen_through_another_store_object_on_the_uri(backend: Backend) -> None:
    name = backend.name("experiment")
    experiment_id = backend.store.create_experiment(name)
    run = backend.store.create_run(experiment_id, tags={"k": "v"})
    other = backend.reopen()
    assert other.get_experiment_by_name(name) is not None
    assert other.get_run(run.run_id).tags["k"] == "v"
    other.set_run_tag(run.run_id, "k", "w")
    assert backend.store.get_run(run.run_id).tags["k"] == "w"


def test_memory_uris_name_shared_stores_and_plain_memory_is_private() -> None:
    assert MemoryStore().uri == "memory:"
    MemoryStore("memory:").create_experiment("private")
    assert MemoryStore("memory:").get_experiment_by_name("private") is None
    with pytest.raises(ValueError, match="not an in-memory store"):
        MemoryStore("sqlite:///x.db")


# -- runs -------------------------------------------------------------------------------
def test_a_run_starts_running_with_its_name_and_tags(store: Store, backend: Backend) -> None:
    experiment_id = store.create_experiment(backend.name("experiment"))
    before = int(time.time() * 1000)
    run = store.create_run(experiment_id, run_name="registration", tags={"slug": "a-b"})
    assert run.experiment_id == experiment_id and run.status == "RUNNING"
    assert run.run_name == "registration" and run.tags["slug"] == "a-b"
    assert run.params == {} and run.artifact_uri
    assert before - 5_000 <= run.start_time <= int(time.time() * 1000) + 5_000
    assert store.get_run(run.run_id) == run


def test_runs_are_listed_oldest_first_per_experiment(store: Store, backend: Backend) -> None:
    first = store.create_experiment(backend.name("first"))
    second = store.create_experiment(backend.name("second"))
    assert store.search_runs(first) == []
    made = []
    for i in range(3):
        made.append(store.create_run(first, run_name=f"run-{i}").run_id)
        store.create_run(second)
        time.sleep(0.01)
    listed = store.search_runs(first)
    assert [r.run_id for r in listed] == made
    assert [r.start_time for r in listed] == sorted(r.start_time for r in listed)


def test_a_missing_run_is_not_found(store: Store) -> None:
    for call in (
        lambda: store.get_run(MISSING_RUN),
        lambda: store.set_run_status(MISSING_RUN, "FINISHED"),
        lambda: store.log_param(MISSING_RUN, "k", "v"),
        lambda: store.claim(MISSING_RUN, "k", "v"),
        lambda: store.log_metric(MISSING_RUN, "k", 1.0),
        lambda: store.set_run_tag(MISSING_RUN, "k", "v"),
        lambda: store.list_artifacts(MISSING_RUN),
        lambda: store.read_artifact(MISSING_RUN, "record.json"),
    ):
        with pytest.raises(StoreNotFoundError):
            call()


def test_status_tags_and_metrics_are_written(store: Store, run_id: str) -> None:
    before = store.get_run(run_id)
    store.set_run_tag(run_id, "state", "one")
    store.set_run_tag(run_id, "state", "two")
    store.log_metric(run_id, "seconds", 1.5)
    store.set_run_status(run_id, "FINISHED")
    after = store.get_run(run_id)
    assert after.status == "FINISHED" and after.tags["state"] == "two"
    assert before.status == "RUNNING" and "state" not in before.tags  # a snapshot


def test_a_returned_run_is_a_copy_the_caller_cannot_change(store: Store, run_id: str) -> None:
    store.log_param(run_id, "k", "v")
    got = store.get_run(run_id)
    got.params["k"] = "changed"  # type: ignore[index]
    got.tags["extra"] = "x"  # type: ignore[index]
    again = store.get_run(run_id)
    assert again.params["k"] == "v" and "extra" not in again.tags


def test_params_are_write_once(store: Store, run_id: str) -> None:
    store.log_param(run_id, "sequence", "7")
    store.log_param(run_id, "sequence", "7")  # the same value again is no change
    with pytest.raises(StoreConflictError):
        store.log_param(run_id, "sequence", "8")
    assert store.get_run(run_id).params["sequence"] == "7"


def test_a_claim_is_won_once_and_kept(store: Store, run_id: str) -> None:
    assert store.claim(run_id, "seq.1", "entry-a") is True
    assert store.claim(run_id, "seq.1", "entry-a") is True  # holds exactly this value
    assert store.claim(run_id, "seq.1", "entry-b") is False
    assert store.get_run(run_id).params["seq.1"] == "entry-a"


def test_racing_claims_have_exactly_one_winner(store: Store, run_id: str) -> None:
    for key in ("seq.1", "seq.2"):
        results = race(THREADS, lambda i, key=key: store.claim(run_id, key, f"writer-{i}"))
        assert all(isinstance(r, bool) for r in results), results
        winners = [i for i, won in enumerate(results) if won]
        assert len(winners) == 1, results
        assert store.get_run(run_id).params[key] == f"writer-{winners[0]}"


# -- artifacts --------------------------------------------------------------------------
def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    """A folder: record.json, model/model.skops (binary), model/explain/shap.json."""
    root = tmp_path / "upload"
    (root / "model" / "explain").mkdir(parents=True)
    (root / "record.json").write_text('{"slug": "a"}', encoding="utf-8")
    (root / "model" / "model.skops").write_bytes(bytes(range(256)))
    (root / "model" / "explain" / "shap.json").write_text("[1, 2]", encoding="utf-8")
    return root


def test_artifact_folders_are_listed_one_level_by_path(
    store: Store, run_id: str, files: Path
) -> None:
    store.log_artifacts(run_id, files)
    store.log_artifact(run_id, files / "record.json", "extra/deep")
    assert store.list_artifacts(run_id) == [
        ArtifactInfo(path="extra", is_dir=True, size=None),
        ArtifactInfo(path="model", is_dir=True, size=None),
        ArtifactInfo(path="record.json", is_dir=False, size=13),
    ]
    assert store.list_artifacts(run_id, "model") == [
        ArtifactInfo(path="model/explain", is_dir=True, size=None),
        ArtifactInfo(path="model/model.skops", is_dir=False, size=256),
    ]
    assert [a.path for a in store.list_artifacts(run_id, "extra/deep")] == [
        "extra/deep/record.json"
    ]
    assert store.list_artifacts(run_id, "nothing-here") == []
    assert store.list_artifacts(run_id, "record.json") == []  # a file holds no entries


def test_a_run_without_files_lists_nothing(store: Store, run_id: str) -> None:
    assert store.list_artifacts(run_id) == []


def test_artifacts_read_back_byte_for_byte(store: Store, run_id: str, files: Path) -> None:
    store.log_artifacts(run_id, files / "model", "bundle")
    store.log_artifact(run_id, files / "record.json")
    assert store.read_artifact(run_id, "bundle/model.skops") == bytes(range(256))
    assert store.read_artifact(run_id, "bundle/explain/shap.json") == b"[1, 2]"
    assert store.read_artifact(run_id, "record.json") == b'{"slug": "a"}'


def test_a_later_upload_replaces_a_file(store: Store, run_id: str, tmp_path: Path) -> None:
    local = tmp_path / "note.txt"
    local.write_text("first", encoding="utf-8")
    store.log_artifact(run_id, local)
    local.write_text("second", encoding="utf-8")
    store.log_artifact(run_id, local)
    assert store.read_artifact(run_id, "note.txt") == b"second"


def test_a_missing_or_folder_artifact_is_not_found(
    store: Store, run_id: str, files: Path, tmp_path: Path
) -> None:
    store.log_artifacts(run_id, files)
    for path in ("absent.json", "model/absent.json", "model"):
        with pytest.raises(StoreNotFoundError):
            store.read_artifact(run_id, path)
    with pytest.raises(StoreNotFoundError):
        store.download_artifacts(run_id, "absent.json", tmp_path / "down")


def test_downloads_write_real_files_under_the_destination(
    store: Store, run_id: str, files: Path, tmp_path: Path
) -> None:
    store.log_artifacts(run_id, files)
    one = store.download_artifacts(run_id, "model/model.skops", tmp_path / "one")
    assert one == tmp_path / "one" / "model.skops"  # under its last name, as MLflow does
    assert one.read_bytes() == bytes(range(256))
    folder = store.download_artifacts(run_id, "model", tmp_path / "two")
    assert folder == tmp_path / "two" / "model" and folder.is_dir()
    assert _tree(folder) == _tree(files / "model")
    nested = store.download_artifacts(run_id, "model/explain", tmp_path / "three")
    assert nested == tmp_path / "three" / "explain"
    assert _tree(nested) == {"shap.json": b"[1, 2]"}
    everything = store.download_artifacts(run_id, "", tmp_path / "four")
    assert everything == tmp_path / "four" and _tree(everything) == _tree(files)
