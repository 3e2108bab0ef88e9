"""The Register facade over the store seam: any Store, one bounded cache, insyn's types.

Runs on the in-memory store (no sqlite, no server): versions are written straight into
the store in the register's file layout, as registration leaves them.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from register import Register, TrackingUnreachableError, VersionInfo, load_record
from register._facade import (
    CLIENT_DEPRECATED_MESSAGE,
    NO_CLIENT_MESSAGE,
    STORE_AND_URI_MESSAGE,
)
from register.record._schema import TransparencyRecord, parse_record
from register.store import MemoryStore, MlflowStore, Store, StoreView
from register.store import _catalogue as cat
from register.store._paths import COMPLETE_TAG
from register.store._uri import UNREACHABLE_MESSAGE

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "models" / "benefits-uptake" / "record.yaml"


def _record(slug: str, name: str) -> TransparencyRecord:
    data = load_record(RECORD).to_json_dict()
    data["slug"] = slug
    data["name"] = {**data["name"], "sv": name}
    return parse_record(data)


def _store_version(
    store: Store, tmp_path: Path, record: TransparencyRecord, *, publish: bool = True
) -> int:
    """Write one complete version of ``record`` as registration leaves it."""
    found = store.get_experiment_by_name("insyn")
    experiment = found.experiment_id if found else store.create_experiment("insyn")
    run = store.create_run(experiment)
    folder = tmp_path / run.run_id / "insyn"
    folder.mkdir(parents=True)
    (folder / "record.json").write_text(json.dumps(record.to_json_dict()), encoding="utf-8")
    (folder / "input_profile.json").write_text(json.dumps({"features": []}), encoding="utf-8")
    store.log_artifacts(run.run_id, folder, "insyn")
    try:
        store.get_registered_model(record.slug)
    except LookupError:
        store.create_registered_model(record.slug)
    version = store.create_model_version(
        record.slug,
        source=f"runs:/{run.run_id}/model",
        run_id=run.run_id,
        tags={COMPLETE_TAG: "true"},
    )
    if publish:
        store.set_alias(record.slug, cat.PUBLISHED_ALIAS, version.version)
        tags = cat.catalogue_tags(record, status=record.status.value)
        tags[cat.PUBLISHED] = "true"
        tags[cat.PUBLISHED_VERSION] = str(version.version)
        for key, value in tags.items():
            store.set_registered_model_tag(record.slug, key, value)
    return version.version


def test_a_register_reads_any_store_through_its_view(tmp_path: Path) -> None:
    store = MemoryStore()
    reg = Register(store=store)
    assert reg.store is store
    assert isinstance(reg.view, StoreView)
    assert reg.view.store is store
    assert reg.tracking_uri == store.uri
    reg.check_reachable()  # delegated to the store's ping
    _store_version(store, tmp_path, _record("alpha", "Alfa stöd"))
    _store_version(store, tmp_path, _record("alpha", "Alfa stöd två"))
    got = reg.get("alpha")
    assert (got.version, got.aliases, got.record.name.sv) == (2, ("published",), "Alfa stöd två")
    assert [v.version for v in reg.versions("alpha")] == [1, 2]
    assert all(isinstance(v, VersionInfo) for v in reg.versions("alpha"))
    assert [c.changed_fields for c in reg.history("alpha")] == [(), ("name.sv",)]


def test_search_asks_the_store_with_a_tag_query(tmp_path: Path) -> None:
    store = MemoryStore()
    reg = Register(store=store)
    _store_version(store, tmp_path, _record("alpha", "Bostadsbidrag prognos"))
    _store_version(store, tmp_path, _record("beta", "Skolplacering"), publish=False)
    assert [a.slug for a in reg.search("bostadsbidrag").items] == ["alpha"]
    assert reg.search("saknas").items == []
    assert [a.slug for a in reg.list_algorithms()] == ["alpha"]
    # Not published: only its managed tag marks it, so it is found only when asked for.
    store.set_registered_model_tag("beta", cat.MANAGED, "true")
    assert [a.slug for a in reg.list_algorithms(include_unpublished=True)] == ["alpha", "beta"]
    assert reg.filter_options().organisations == [reg.get("alpha").record.organisation]


def test_cache_entries_bounds_what_a_register_keeps(tmp_path: Path) -> None:
    store = MemoryStore()
    reg = Register(store=store, cache_entries=3)
    for n in range(6):
        _store_version(store, tmp_path, _record(f"alg-{n}", f"Namn {n}"))
    for n in range(6):
        assert reg.get(f"alg-{n}").record.slug == f"alg-{n}"
        assert reg.view.cache_size() <= 3
    assert reg.get("alg-0").record.name.sv == "Namn 0"  # evicted, read again


def test_a_register_takes_a_uri_or_a_store_not_both() -> None:
    with pytest.raises(ValueError) as raised:
        Register("sqlite:///x.db", store=MemoryStore())
    assert str(raised.value) == STORE_AND_URI_MESSAGE


def test_client_is_deprecated_and_only_for_mlflow(tmp_path: Path) -> None:
    memory = Register(store=MemoryStore())
    with pytest.raises(AttributeError) as raised:
        memory.client  # noqa: B018
    assert str(raised.value) == NO_CLIENT_MESSAGE.format(store=memory.store)
    mlflow = Register(store=MlflowStore(f"sqlite:///{tmp_path / 'm.db'}"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = mlflow.client
    ours = [w for w in caught if w.category is DeprecationWarning and w.filename == __file__]
    assert [str(w.message) for w in ours] == [CLIENT_DEPRECATED_MESSAGE]
    assert client is mlflow.client


class _Down(MemoryStore):
    def ping(self, timeout: float = 5.0) -> None:
        raise TrackingUnreachableError(UNREACHABLE_MESSAGE.format(uri=self.uri, reason="down"))


def test_check_reachable_asks_the_store() -> None:
    reg = Register(store=_Down())
    with pytest.raises(TrackingUnreachableError) as raised:
        reg.check_reachable()
    assert str(raised.value) == UNREACHABLE_MESSAGE.format(uri="memory:", reason="down")
