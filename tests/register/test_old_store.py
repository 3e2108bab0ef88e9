"""A register written by insyn 0.1 (before the redesign of register/) is read and extended
by today's code: same records, history, reviews, model and explanation, and its signed
audit log still verifies, also after today's code appends to it."""

from __future__ import annotations

import sqlite3
import tarfile
from pathlib import Path

import numpy as np
import pytest

from register import Register

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store-0.1.tar.gz"
WRITTEN_AT = "/tmp/oldstore/home"  # where make_store_0_1.py wrote it
SLUG = "old-format-check"
# Where MLflow's sqlite store keeps absolute artifact locations.
LOCATION_COLUMNS = (
    ("experiments", "artifact_location"),
    ("runs", "artifact_uri"),
    ("model_versions", "source"),
    ("model_versions", "storage_location"),
)


@pytest.fixture
def old_register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Register:
    """The 0.1 store unpacked under tmp_path, its artifact locations moved there (as an
    operator moving a register to another machine would)."""
    home = tmp_path / "home"
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(home, filter="data")
    with sqlite3.connect(home / "mlflow.db") as db:
        for table, column in LOCATION_COLUMNS:
            db.execute(
                f"UPDATE {table} SET {column} = replace({column}, ?, ?)",
                (WRITTEN_AT, str(home)),
            )
    monkeypatch.setenv("INSYN_HOME", str(home))
    # the 0.1 writer's signing key (a throwaway test key) comes with the fixture
    monkeypatch.setenv("INSYN_KEY_DIR", str(home / "keys"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return Register(f"sqlite:///{home / 'mlflow.db'}")


def test_records_versions_and_history_of_an_old_store_read(old_register: Register) -> None:
    reg = old_register
    published = reg.get(SLUG)
    assert published.version == 1
    assert "published" in published.aliases
    assert published.record.slug == SLUG
    assert [a.slug for a in reg.list_algorithms()] == [SLUG]
    history = reg.history(SLUG)
    assert [c.version for c in history] == [1, 2]
    assert "department" in history[1].changed_fields
    assert reg.get(SLUG, 2).record.department == "Socialförvaltningen"


def test_model_and_explanation_of_an_old_store_load_and_agree(old_register: Register) -> None:
    reg = old_register
    explanation = reg.get_explanation(SLUG, 1)
    values = explanation.values.to_numpy()
    base = explanation.metadata.base_value
    # additivity: base value plus the row's contributions is the model's output
    assert np.allclose(values.sum(axis=1) + base, explanation.predictions, atol=1e-6)
    model = reg.load_model(SLUG, 1)
    rows = explanation.background.head(5)
    probabilities = model.predict_proba(rows)
    assert probabilities.shape == (5, 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_reviews_and_audit_log_of_an_old_store_verify(old_register: Register) -> None:
    reg = old_register
    reviews = reg.reviews(SLUG, 1)
    assert [r.outcome for r in reviews] == ["approved"]
    events = [e.event for e in reg.audit_entries(SLUG)]
    assert events.count("registered") == 2
    assert "published" in events
    assert reg.verify_audit().ok


def test_todays_code_publishes_in_an_old_store_and_the_log_still_verifies(
    old_register: Register,
) -> None:
    reg = old_register
    before = len(reg.audit_entries())
    reg.publish(SLUG, 2)
    assert reg.get(SLUG).version == 2
    assert len(reg.audit_entries()) == before + 1
    assert reg.verify_audit().ok
