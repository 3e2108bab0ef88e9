"""The Store contract, part 2: registered models, their tags, aliases and versions.

Run against every backend of ``conftest.BACKENDS``, like part 1.
"""

from __future__ import annotations

import time

import pytest

from register.store import ModelInfo, Store, StoreConflictError, StoreNotFoundError
from tests.register.store.conftest import THREADS, Backend, race


@pytest.fixture()
def model(backend: Backend) -> str:
    """A registered model of this test."""
    return backend.model("algorithm", owner="Kommun A")


@pytest.fixture()
def source(backend: Backend, run_id: str) -> tuple[str, str]:
    """(run id, model source) of a version: the run's model folder (a tracking server
    refuses a source outside the run's artifacts)."""
    return run_id, backend.store.get_run(run_id).artifact_uri + "/model"


def test_a_registered_model_is_created_with_tags_and_description(
    store: Store, backend: Backend
) -> None:
    name = backend.name("algorithm")
    created = store.create_registered_model(name, tags={"owner": "A"}, description="Stöd")
    assert created == ModelInfo(name=name, tags={"owner": "A"}, aliases={}, description="Stöd")
    assert store.get_registered_model(name) == created
    bare = store.create_registered_model(backend.name("bare"))
    assert bare.tags == {} and bare.aliases == {} and bare.description == ""


def test_an_existing_model_conflicts_and_a_missing_one_is_not_found(
    store: Store, model: str, backend: Backend, source: tuple[str, str]
) -> None:
    with pytest.raises(StoreConflictError):
        store.create_registered_model(model)
    missing = backend.name("missing")
    for call in (
        lambda: store.get_registered_model(missing),
        lambda: store.set_registered_model_tag(missing, "k", "v"),
        lambda: store.set_description(missing, "text"),
        lambda: store.set_alias(missing, "published", 1),
        lambda: store.get_version_by_alias(missing, "published"),
        lambda: store.create_model_version(missing, source=source[1], run_id=source[0]),
        lambda: store.get_model_version(missing, 1),
        lambda: store.set_model_version_tag(missing, 1, "k", "v"),
        lambda: store.delete_model_version(missing, 1),
    ):
        with pytest.raises(StoreNotFoundError):
            call()
    assert store.search_model_versions(missing) == []
    store.delete_registered_model_tag(missing, "k")  # removing what is absent is no error
    store.delete_alias(missing, "published")


def test_model_tags_and_description_are_replaced_and_removed(store: Store, model: str) -> None:
    before = store.get_registered_model(model)
    store.set_registered_model_tag(model, "state", "draft")
    store.set_registered_model_tag(model, "state", "published")
    store.set_description(model, "Första")
    store.set_description(model, "Andra")
    after = store.get_registered_model(model)
    assert after.tags["state"] == "published" and after.description == "Andra"
    store.delete_registered_model_tag(model, "state")
    store.delete_registered_model_tag(model, "state")
    assert "state" not in store.get_registered_model(model).tags
    assert "state" not in before.tags and before.description == ""  # a snapshot


def test_a_returned_model_is_a_copy_the_caller_cannot_change(store: Store, model: str) -> None:
    got = store.get_registered_model(model)
    got.tags["owner"] = "Someone else"  # type: ignore[index]
    assert store.get_registered_model(model).tags["owner"] == "Kommun A"


def test_versions_are_numbered_from_one_and_listed_oldest_first(
    store: Store, model: str, source: tuple[str, str]
) -> None:
    run_id, uri = source
    before = int(time.time() * 1000)
    made = [
        store.create_model_version(model, source=uri, run_id=run_id, tags={"n": str(i)})
        for i in range(3)
    ]
    assert [v.version for v in made] == [1, 2, 3]
    first = made[0]
    assert (first.name, first.run_id, first.source, first.tags) == (model, run_id, uri, {"n": "0"})
    assert before - 5_000 <= first.created_at <= int(time.time() * 1000) + 5_000
    assert store.search_model_versions(model) == made
    assert store.get_model_version(model, 2) == made[1]
    with pytest.raises(StoreNotFoundError):
        store.get_model_version(model, 4)


def test_version_tags_are_set_and_earlier_snapshots_keep_theirs(
    store: Store, model: str, source: tuple[str, str]
) -> None:
    run_id, uri = source
    version = store.create_model_version(model, source=uri, run_id=run_id)
    store.set_model_version_tag(model, 1, "checks", "passed")
    store.set_model_version_tag(model, 1, "checks", "failed")
    assert store.get_model_version(model, 1).tags["checks"] == "failed"
    assert version.tags == {}
    with pytest.raises(StoreNotFoundError):
        store.set_model_version_tag(model, 2, "checks", "passed")


def test_aliases_point_move_and_go(store: Store, model: str, source: tuple[str, str]) -> None:
    run_id, uri = source
    for _ in range(2):
        store.create_model_version(model, source=uri, run_id=run_id)
    with pytest.raises(StoreNotFoundError):
        store.get_version_by_alias(model, "published")
    store.set_alias(model, "published", 1)
    shown = store.get_registered_model(model)
    assert shown.aliases == {"published": 1}
    assert store.get_version_by_alias(model, "published").version == 1
    store.set_alias(model, "published", 2)
    assert store.get_version_by_alias(model, "published").version == 2
    assert store.get_registered_model(model).aliases == {"published": 2}
    assert shown.aliases == {"published": 1}  # a snapshot
    with pytest.raises(StoreNotFoundError):
        store.set_alias(model, "published", 3)  # no such version
    store.delete_alias(model, "published")
    store.delete_alias(model, "published")
    assert store.get_registered_model(model).aliases == {}
    with pytest.raises(StoreNotFoundError):
        store.get_version_by_alias(model, "published")


def test_a_deleted_version_is_gone_with_its_aliases_and_its_number_is_not_reused(
    store: Store, model: str, source: tuple[str, str]
) -> None:
    run_id, uri = source
    for _ in range(2):
        store.create_model_version(model, source=uri, run_id=run_id)
    store.set_alias(model, "published", 2)
    store.delete_model_version(model, 2)
    with pytest.raises(StoreNotFoundError):
        store.get_model_version(model, 2)
    with pytest.raises(StoreNotFoundError):
        store.delete_model_version(model, 2)
    assert store.get_registered_model(model).aliases == {}
    assert [v.version for v in store.search_model_versions(model)] == [1]
    assert store.create_model_version(model, source=uri, run_id=run_id).version == 3


def test_racing_registrations_get_distinct_numbers(
    store: Store, model: str, source: tuple[str, str]
) -> None:
    run_id, uri = source
    count = THREADS // 2
    results = race(count, lambda i: store.create_model_version(model, source=uri, run_id=run_id))
    numbers = sorted(getattr(r, "version", r) for r in results)
    assert numbers == list(range(1, count + 1)), results
    assert [v.version for v in store.search_model_versions(model)] == numbers
