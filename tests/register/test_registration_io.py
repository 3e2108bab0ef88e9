"""Registration does each step once: the model is serialised once, and nothing it has just
written is read back from the store (publishing right after registering included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io

from register import Register
from register.store import MemoryStore, MlflowStore, Store


class CountingStore:
    """A :class:`Store` that delegates to ``inner`` and records every artifact read."""

    def __init__(self, inner: Store) -> None:
        self._inner = inner
        self.reads: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    @property
    def uri(self) -> str:
        return self._inner.uri

    def read_artifact(self, run_id: str, path: str) -> bytes:
        self.reads.append((run_id, path))
        return self._inner.read_artifact(run_id, path)

    def download_artifacts(self, run_id: str, path: str, destination: Path) -> Path:
        self.reads.append((run_id, path))
        return self._inner.download_artifacts(run_id, path, destination)


@pytest.fixture(params=["mlflow", "memory"])
def counted(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Register, CountingStore]:
    if request.param == "memory":
        inner: Store = MemoryStore()
    else:
        inner = MlflowStore(request.getfixturevalue("empty_store_uri"))
    store = CountingStore(inner)
    return Register(store=store), store


def _fresh(reg: Register) -> Register:
    """Another register on the same store (its own cache): what a new process reads."""
    inner = reg.store._inner  # type: ignore[attr-defined]
    return Register(store=inner) if isinstance(inner, MemoryStore) else Register(reg.tracking_uri)


def test_registering_and_publishing_reads_back_nothing_it_wrote(
    counted, small_model, small_reference, benefits_record
):
    reg, store = counted
    version = reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    assert version.is_published
    own = [path for run_id, path in store.reads if run_id == version.run_id]
    assert own == []
    # What registration returns is what a reader of the store gets.
    for stored in (reg.get("benefits-uptake"), _fresh(reg).get("benefits-uptake")):
        for field in ("slug", "version", "record", "run_id", "created_at", "aliases", "status"):
            assert getattr(stored, field) == getattr(version, field), field
        assert stored.input_profile.to_dict() == version.input_profile.to_dict()
        assert stored.explanation_fingerprint == version.explanation_fingerprint
        assert stored.explainer == version.explainer
    np.testing.assert_array_equal(
        reg.load_model("benefits-uptake", 1).predict_proba(small_reference),
        small_model.predict_proba(small_reference),
    )


def test_registration_serialises_the_model_once(
    counted, small_model, small_reference, benefits_record, monkeypatch
):
    reg, _ = counted
    calls: list[str] = []
    real_dumps, real_dump = skops.io.dumps, skops.io.dump

    def dumps(*args: Any, **kwargs: Any) -> bytes:
        calls.append("dumps")
        return real_dumps(*args, **kwargs)

    def dump(*args: Any, **kwargs: Any) -> None:
        calls.append("dump")
        real_dump(*args, **kwargs)

    monkeypatch.setattr(skops.io, "dumps", dumps)
    monkeypatch.setattr(skops.io, "dump", dump)
    reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    assert calls == ["dumps"]


def test_the_audit_entries_hash_the_files_as_stored(
    counted, small_model, small_reference, benefits_record
):
    """The hashes registration computed locally are the stored files' hashes: the
    published entry (from the local hashes) verifies against the store."""
    reg, _ = counted
    reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    fresh = _fresh(reg)
    [published] = [e for e in fresh.audit_entries("benefits-uptake") if e.event == "published"]
    [registered] = [e for e in fresh.audit_entries("benefits-uptake") if e.event == "registered"]
    by_path = {ref["path"]: ref["sha256"] for ref in registered.artifacts}
    assert published.artifacts and all(
        by_path[ref["path"]] == ref["sha256"] for ref in published.artifacts
    )
    assert fresh.verify_audit().ok
