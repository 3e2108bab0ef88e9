"""StoreView over the in-memory store: the register's wording for what is missing, its
bounded cache, and its reads of a run's JSON files (unit layer: no sqlite, no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from register._errors import NotFoundError
from register.store import MemoryStore, StoreView
from register.store._view import (
    NOT_FOUND_MESSAGE,
    NOT_PUBLISHED_MESSAGE,
    PUBLISHED_ALIAS,
    VERSION_NOT_FOUND_MESSAGE,
)

SLUG = "benefits-uptake"


@pytest.fixture()
def view(tmp_path: Path) -> StoreView:
    """A register holding ``SLUG`` version 1 (its run has insyn/record.json)."""
    store = MemoryStore()
    experiment = store.create_experiment("insyn")
    run = store.create_run(experiment)
    folder = tmp_path / "insyn"
    folder.mkdir()
    (folder / "record.json").write_text(json.dumps({"slug": SLUG}), encoding="utf-8")
    store.log_artifacts(run.run_id, folder, "insyn")
    store.create_registered_model(SLUG)
    store.create_model_version(SLUG, source=f"{run.artifact_uri}/model", run_id=run.run_id)
    return StoreView(store, experiment="insyn", cache_entries=3)


def test_a_missing_algorithm_version_or_publication_is_named_in_the_registers_words(
    view: StoreView,
) -> None:
    with pytest.raises(NotFoundError) as missing:
        view.registered("no-such-algorithm")
    assert str(missing.value) == NOT_FOUND_MESSAGE.format(slug="no-such-algorithm")
    with pytest.raises(NotFoundError) as version:
        view.version(SLUG, 7)
    assert str(version.value) == VERSION_NOT_FOUND_MESSAGE.format(slug=SLUG, version=7)
    with pytest.raises(NotFoundError) as unpublished:
        view.version(SLUG)
    assert str(unpublished.value) == NOT_PUBLISHED_MESSAGE.format(slug=SLUG)
    view.store.set_alias(SLUG, PUBLISHED_ALIAS, 1)
    assert view.version(SLUG).version == 1 == view.version(SLUG, 1).version


@pytest.mark.parametrize("hostile", ["a/b", "<script>x</script>", "x" * 500, "Ä-slug", ""])
def test_a_name_no_algorithm_can_have_is_not_found_without_echoing_it_whole(
    view: StoreView, hostile: str
) -> None:
    with pytest.raises(NotFoundError) as missing:
        view.registered(hostile)
    assert len(str(missing.value)) < 200
    assert str(missing.value).startswith(NOT_FOUND_MESSAGE.split("{")[0])


def test_the_cache_keeps_at_most_its_bound_dropping_the_least_recently_used(
    view: StoreView,
) -> None:
    computed: list[str] = []

    def compute(key: str) -> str:
        computed.append(key)
        return key.upper()

    for key in ("a", "b", "c"):
        assert view.cached((key,), lambda key=key: compute(key)) == key.upper()
    view.cached(("a",), lambda: compute("a"))  # used again: now the most recent
    view.cached(("d",), lambda: compute("d"))  # over the bound: "b" goes
    assert view.cache_size() == 3
    view.cached(("a",), lambda: compute("a"))
    view.cached(("b",), lambda: compute("b"))
    assert computed == ["a", "b", "c", "d", "b"]
    view.forget(("b",))
    view.forget(("never-cached",))
    assert view.cache_size() == 2


def test_run_files_are_read_once_and_a_missing_one_is_none(view: StoreView, tmp_path: Path) -> None:
    run_id = view.store.get_model_version(SLUG, 1).run_id
    assert view.artifact_json(run_id, "insyn/record.json") == {"slug": SLUG}
    changed = tmp_path / "record.json"
    changed.write_text(json.dumps({"slug": "changed"}), encoding="utf-8")
    view.store.log_artifact(run_id, changed, "insyn")
    # A run's files never change once written, so the view keeps what it read.
    assert view.optional_json(run_id, "insyn/record.json") == {"slug": SLUG}
    assert view.optional_json(run_id, "insyn/absent.json") is None
    assert view.optional_json(run_id, "absent.json") is None
    assert view.uri == "memory:" and view.experiment == "insyn"
