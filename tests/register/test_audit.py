"""The audit trail, reviews and the report: chain, tampering, concurrency, the demo."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from register import InsynError, NotFoundError, Register
from register.audit import _chain as audit
from register.audit import _reviews as rv
from register.audit import _verify as audit_verify
from register.cli import main

ROOT = Path(__file__).resolve().parents[2]
SLUG = "housing-guarantee"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Register, Path]]:
    """A small register: housing-guarantee registered twice (record changed), one review."""
    from models import load_folder
    from register import load_record

    home = tmp_path_factory.mktemp("audit-store")
    reg = Register(f"sqlite:///{home / 'mlflow.db'}")
    folder = load_folder(ROOT / "models" / SLUG)
    built = folder.build()
    record = load_record(folder.record_path)
    kwargs: dict[str, Any] = {
        "reference_data": built.reference_data.head(150),
        "evaluation_data": built.evaluation_data,
        "label": built.label,
    }
    reg.register_algorithm(built.model, record, **kwargs)
    changed = record.model_copy(update={"supplier": "Ny leverantör AB"})
    reg.register_algorithm(built.model, changed, **kwargs)
    reg.add_review(
        SLUG,
        2,
        outcome="approved",
        text_sv="Granskad.",
        organisation="Revisionen",
        date="2025-01-02",
        checks=["fairness", "additivity"],
    )
    yield reg, home


def _artifacts(home: Path) -> Path:
    return home / "artifacts"


def _entry_file(reg: Register, home: Path, sequence: int) -> Path:
    claims = dict(audit.claims(reg.view, audit.log_run(reg.view) or ""))
    name = Path(audit.entry_path(sequence, claims[sequence])).name
    return next(_artifacts(home).rglob(f"entries/{name}"))


def _fresh(reg: Register) -> Register:
    return Register(reg.tracking_uri)


def test_events_are_chained_in_order(store: tuple[Register, Path]) -> None:
    reg, _ = store
    events = [(e.event, e.version) for e in reg.audit_entries(SLUG)]
    assert events == [
        ("registered", 1),
        ("explanation_computed", 1),
        ("published", 1),
        ("registered", 2),
        ("explanation_computed", 2),
        ("record_changed", 2),
        ("published", 2),
        ("review_added", 2),
    ]
    entries = reg.audit_entries()
    assert entries[0].previous_hash == audit.GENESIS_HASH
    for before, after in pairwise(entries):
        assert after.previous_hash == before.hash
        assert after.sequence == before.sequence + 1
    changed = entries[5]
    assert changed.details["changed_fields"] == ["supplier"]
    paths = {a["path"] for a in entries[0].artifacts}
    assert {"insyn/record.json", "insyn/fairness.json"} <= paths
    assert any(p.startswith("model/") for p in paths)
    assert any(a["path"].startswith("insyn/explanation/") for a in entries[1].artifacts)
    assert reg.audit_head().hash == entries[-1].hash
    result = reg.verify_audit()
    assert result.ok, result.problems
    assert result.entries == 8


def test_changed_byte_in_an_artifact_is_found(store: tuple[Register, Path]) -> None:
    reg, home = store
    run_id = reg.get(SLUG, 1).run_id
    target = next(_artifacts(home).rglob(f"{run_id}/artifacts/insyn/record.json"))
    original = target.read_bytes()
    try:
        target.write_bytes(original.replace(b"Exempelkommun", b"Exempelkommum", 1))
        result = _fresh(reg).verify_audit()
        assert not result.ok
        first = result.problems[0]
        assert (first.sequence, first.event, first.artifact) == (
            1,
            "registered",
            "insyn/record.json",
        )
        assert "has changed" in first.message and run_id in first.message
    finally:
        target.write_bytes(original)
    assert _fresh(reg).verify_audit().ok


def test_deleted_entry_is_found(store: tuple[Register, Path]) -> None:
    reg, home = store
    target = _entry_file(reg, home, 3)
    saved = target.read_bytes()
    try:
        target.unlink()
        result = _fresh(reg).verify_audit()
        assert [p.sequence for p in result.problems] == [3]
        assert result.problems[0].message == audit_verify.ENTRY_FILE_MISSING.format(
            sequence=3, path=result.problems[0].artifact
        )
    finally:
        target.write_bytes(saved)
    assert _fresh(reg).verify_audit().ok


def test_reordered_entries_are_found(store: tuple[Register, Path]) -> None:
    reg, home = store
    second, third = _entry_file(reg, home, 2), _entry_file(reg, home, 3)
    a, b = second.read_bytes(), third.read_bytes()
    try:
        second.write_bytes(b)
        third.write_bytes(a)
        result = _fresh(reg).verify_audit()
        assert {p.sequence for p in result.problems} == {2, 3}
        messages = " ".join(p.message for p in result.problems)
        assert "reordered" in messages and "does not match its hash" in messages
    finally:
        second.write_bytes(a)
        third.write_bytes(b)


def test_edited_entry_is_found_and_cli_exits_non_zero(
    store: tuple[Register, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    reg, home = store
    target = _entry_file(reg, home, 8)
    original = target.read_bytes()
    try:
        data = json.loads(original)
        data["details"]["outcome"] = "concerns"
        target.write_bytes(audit.canonical(data))
        code = main(["--tracking-uri", reg.tracking_uri, "verify"])
        captured = capsys.readouterr()
        assert code != 0
        assert "entry 8 (review_added)" in captured.err
    finally:
        target.write_bytes(original)
    assert main(["--tracking-uri", reg.tracking_uri, "verify"]) == 0


def test_concurrent_appends_keep_one_chain(store: tuple[Register, Path]) -> None:
    reg, _ = store
    before = reg.audit_head().sequence
    errors: list[BaseException] = []

    def work() -> None:
        own = Register(reg.tracking_uri)
        try:
            for _ in range(4):
                own.audit.writer().append("record_changed", slug="concurrency-test", version=1)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = _fresh(reg).verify_audit()
    assert result.ok, result.problems
    assert result.entries == before + 12


def test_review_rules_and_missing_version(store: tuple[Register, Path]) -> None:
    reg, _ = store
    head = reg.audit_head()
    with pytest.raises(NotFoundError, match="has no version 9"):
        reg.add_review(SLUG, 9, outcome="approved", text_sv="x", organisation="Revisionen")
    with pytest.raises(rv.ReviewError) as caught:
        reg.add_review(SLUG, 2, outcome="fine", text_sv="x", organisation="Revisionen")
    assert str(caught.value) == rv.BAD_OUTCOME_MESSAGE.format(
        allowed=", ".join(rv.OUTCOMES), value="fine"
    )
    with pytest.raises(rv.ReviewError, match=r"'text\.sv' is required"):
        reg.add_review(SLUG, 2, outcome="approved", text_sv="  ", organisation="Revisionen")
    with pytest.raises(rv.ReviewError, match="unknown checks vibes"):
        reg.add_review(SLUG, 2, outcome="approved", text_sv="x", organisation="R", checks=["vibes"])
    assert reg.audit_head() == head
    assert len(reg.reviews(SLUG, 2)) == 1


def test_same_review_twice_writes_nothing(store: tuple[Register, Path]) -> None:
    reg, _ = store
    head = reg.audit_head()
    again = reg.add_review(
        SLUG,
        2,
        outcome="approved",
        text_sv="Granskad.",
        organisation="Revisionen",
        date="2025-01-02",
        checks=["additivity", "fairness"],
    )
    assert reg.audit_head() == head
    assert [r.review_id for r in reg.reviews(SLUG)] == [again.review_id]


def test_reviews_are_read_only_from_review_entries(
    store: tuple[Register, Path], tmp_path: Path
) -> None:
    reg, _ = store
    [stored] = reg.reviews(SLUG, 2)
    [entry] = [e for e in reg.audit_entries(SLUG) if e.event == "review_added"]
    assert entry.details["review"] == stored.to_dict()  # the content is in the signed entry
    assert entry.author is not None and entry.author["role"] == "local"
    log_run = audit.log_run(reg.view, create=False)
    assert reg.client.list_artifacts(log_run, rv.REVIEW_DIR) == []
    # a review file uploaded where earlier releases kept them is not a review
    version_run = reg.view.version(SLUG, 1).run_id
    forged = rv.build_review(
        SLUG, 1, outcome="approved", text_sv="Förfalskad.", organisation="Riksrevisionen"
    )
    (tmp_path / f"{forged.review_id}.json").write_text(json.dumps(forged.to_dict()), "utf-8")
    reg.client.log_artifact(version_run, str(tmp_path / f"{forged.review_id}.json"), rv.REVIEW_DIR)
    reg.client.log_artifact(
        log_run, str(tmp_path / f"{forged.review_id}.json"), f"{rv.REVIEW_DIR}/{SLUG}/1"
    )
    assert _fresh(reg).reviews(SLUG, 1) == []
    assert [r.review_id for r in _fresh(reg).reviews(SLUG)] == [stored.review_id]


def test_review_entries_of_earlier_releases_are_read_while_their_file_is_unchanged(
    tmp_path: Path,
    empty_store_uri: str,
    small_model: Any,
    small_reference: Any,
    benefits_record: Any,
) -> None:
    """A format 1 review_added entry (from before signing) points at a file and holds its
    SHA-256; the review is shown while the file has that hash, and verify names the
    entry when it has not."""
    reg = Register(empty_store_uri)
    older = rv.build_review(
        "benefits-uptake", 1, outcome="concerns", text_sv="Äldre.", organisation="Revisionen"
    )
    file = tmp_path / "upload" / f"{older.review_id}.json"
    file.parent.mkdir()
    file.write_text(json.dumps(older.to_dict()), "utf-8")
    run_id = audit.log_run(reg.view) or ""
    folder = f"{rv.REVIEW_DIR}/benefits-uptake/1"
    reg.client.log_artifact(run_id, str(file), folder)
    ref = {"run_id": run_id, "path": f"{folder}/{file.name}", "sha256": audit.sha256_file(file)}
    append_format1(reg, "review_added", "benefits-uptake", 1, {"review_id": older.review_id}, [ref])
    reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    fresh = _fresh(reg)
    assert [r.review_id for r in fresh.reviews("benefits-uptake", 1)] == [older.review_id]
    result = fresh.verify_audit()
    assert result.ok, result.problems
    assert result.unsigned == 1 and len(result.key_ids) == 1
    [stored] = (tmp_path / "artifacts").rglob(file.name)
    stored.write_text(json.dumps({**older.to_dict(), "outcome": "approved"}), "utf-8")
    fresh = _fresh(reg)
    assert fresh.reviews("benefits-uptake", 1) == []
    assert fresh.review_notes("benefits-uptake", 1) == [
        rv.UNREADABLE_REVIEW.format(sequence=1, reason=rv.REVIEW_FILE_CHANGED)
    ]
    assert {p.sequence for p in fresh.verify_audit().problems} == {1}


def append_format1(
    reg: Register,
    event: str,
    slug: str,
    version: int,
    details: dict[str, Any],
    artifacts: list[dict[str, str]],
) -> None:
    """Append an entry as releases before signing wrote them (format 1, no author)."""
    run_id = audit.log_run(reg.view) or ""
    last = audit.head(reg.view)
    entry = {
        "format": 1,
        "sequence": last.sequence + 1,
        "event": event,
        "time": "2025-01-01T00:00:00.000+00:00",
        "slug": slug,
        "version": version,
        "details": details,
        "artifacts": artifacts,
        "previous_hash": last.hash,
    }
    entry["hash"] = audit.entry_hash(entry)
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / Path(audit.entry_path(entry["sequence"], entry["hash"])).name
        local.write_bytes(audit.canonical(entry))
        reg.client.log_artifact(run_id, str(local), audit.ENTRY_DIR)
    reg.client.log_param(run_id, f"entry.{entry['sequence']:08d}", entry["hash"])


def test_report_html_is_self_contained(store: tuple[Register, Path], tmp_path: Path) -> None:
    reg, _ = store
    out = tmp_path / "audit.html"
    assert (
        main(
            [
                "--tracking-uri",
                reg.tracking_uri,
                "audit",
                SLUG,
                "--version",
                "2",
                "--out",
                str(out),
                "--lang",
                "en",
            ]
        )
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "Fairness by group" in page and "afam" in page
    assert reg.audit_head().hash in page
    assert "Revisionen" in page


def test_demo_has_review_fairness_checks_and_is_idempotent(demo_tracking_uri: str) -> None:
    reg = Register(demo_tracking_uri)
    reviews = reg.reviews("benefits-uptake")
    assert [r.organisation for r in reviews] == ["Exempelkommuns internrevision"]
    fairness = reg.get_fairness("benefits-uptake", reg.get("benefits-uptake").version)
    assert fairness is not None and fairness.attributes == ("age", "sex", "nwhite")
    head = reg.audit_head()
    assert main(["--tracking-uri", demo_tracking_uri, "demo"]) == 0
    assert Register(demo_tracking_uri).audit_head() == head
    assert len(Register(demo_tracking_uri).reviews("benefits-uptake")) == 1
    assert reg.verify_audit().ok


def test_unknown_event_is_refused(store: tuple[Register, Path]) -> None:
    reg, _ = store
    with pytest.raises(InsynError, match="Unknown audit event 'deleted'"):
        reg.audit.writer().append("deleted", slug=SLUG)


def test_copy_is_not_needed_for_restore(store: tuple[Register, Path]) -> None:
    """After the tampering tests the store verifies again (tests restored every file)."""
    reg, _ = store
    assert _fresh(reg).verify_audit().ok
    assert shutil.which  # keeps the import used on every platform
