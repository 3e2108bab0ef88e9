"""Tampering with the embedded store by someone who can write its files but lacks the key.

Each case starts from a fresh copy of one small register (benefits-uptake: version 1
and 2 published, a review of version 2, version 3 registered but not published) and
must be caught by ``verify`` with the entry (or the algorithm) named.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from register import Register
from register.audit import _catalogue_check as ac
from register.audit import _chain as audit
from register.audit import _verify as av
from register.audit._signing import Signer, load_public_file
from register.audit._writer import Author, LocalWriter, WriterRefusedError
from register.cli import main
from tests.register import _tamper

SLUG = "benefits-uptake"


@pytest.fixture()
def reg(audit_base: Path, tmp_path: Path) -> Iterator[Register]:
    """A fresh copy of the base register (same key, as a restored backup)."""
    yield Register(_tamper.clone_store(audit_base, tmp_path / "store"))


def fresh(reg: Register) -> Register:
    return Register(reg.tracking_uri)


def messages(result: Any) -> str:
    return "\n".join(p.message for p in result.problems)


def _key_file(reg: Register, tmp_path: Path) -> Path:
    run_id = audit.log_run(reg.view) or ""
    [key_id] = audit.published_key_ids(reg.view, run_id)
    target = tmp_path / "trusted.pem"
    target.write_bytes((_tamper.run_folder(reg, run_id) / "keys" / f"{key_id}.pem").read_bytes())
    return target


def test_the_copy_verifies_and_every_entry_is_signed_by_its_author(reg: Register) -> None:
    result = reg.verify_audit()
    assert result.ok, result.problems
    assert result.unsigned == 0 and len(result.key_ids) == 1 and not result.keys_pinned
    for entry in reg.audit_entries():
        assert entry.signed and entry.key_id == result.key_ids[0]
        assert entry.author is not None and entry.author["role"] == "local"


def test_deleting_the_last_entry_is_caught_against_a_saved_head(
    reg: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    heads = tmp_path / "heads.jsonl"
    assert main(["--tracking-uri", reg.tracking_uri, "head", "--save", str(heads)]) == 0
    saved = json.loads(heads.read_text().splitlines()[-1])
    assert saved == reg.signed_head().to_dict() and saved["signature"]
    dropped = _tamper.drop_last_entry(reg)
    assert dropped == saved["sequence"]
    assert fresh(reg).verify_audit().ok  # without a remembered head, a cut end is invisible
    result = fresh(reg).verify_audit(expected_heads=[saved])
    assert [(p.sequence, p.message) for p in result.problems] == [
        (
            dropped,
            av.HEAD_TRUNCATED.format(sequence=dropped, digest=saved["hash"][:16], last=dropped - 1),
        )
    ]
    capsys.readouterr()
    assert main(["--tracking-uri", reg.tracking_uri, "verify", "--heads", str(heads)]) == 1
    assert f"the remembered head #{dropped}" in capsys.readouterr().err
    expect = f"{dropped}:{saved['hash']}"
    assert main(["--tracking-uri", reg.tracking_uri, "verify", "--expect-head", expect]) == 1


def test_a_saved_head_still_in_the_log_passes(reg: Register, tmp_path: Path) -> None:
    earlier = reg.signed_head()
    reg.audit.writer().append("record_changed", slug=SLUG, version=3, details={})
    key = _key_file(reg, tmp_path)
    result = fresh(reg).verify_audit(expected_heads=[earlier], trusted_keys=[load_public_file(key)])
    assert result.ok, result.problems
    assert result.heads_checked == 1 and result.keys_pinned


def test_rebuilt_chain_after_dropping_an_entry_fails_its_signatures(reg: Register) -> None:
    entries = _tamper.log_entries(reg)
    published = [e for e in entries if e["event"] == "published"]
    dropped = published[0]["sequence"]
    _tamper.rewrite_log(reg, [e for e in entries if e["sequence"] != dropped])
    result = fresh(reg).verify_audit()
    bad = sorted({p.sequence for p in result.problems if "signature does not verify" in p.message})
    assert bad == list(range(dropped, len(entries)))  # every re-hashed entry is named
    assert result.problems[0].message == av.BAD_SIGNATURE.format(
        sequence=dropped, event=entries[dropped]["event"], key_id=entries[0]["key_id"]
    )


def test_rebuilt_chain_after_swapping_entries_is_caught_by_a_pinned_key_and_a_head(
    reg: Register, tmp_path: Path
) -> None:
    trusted = load_public_file(_key_file(reg, tmp_path))
    saved = reg.signed_head()
    entries = _tamper.log_entries(reg)
    entries[1], entries[2] = entries[2], entries[1]
    forger = Signer.generate()  # re-signed with a key of their own, published beside ours
    _tamper.rewrite_log(reg, entries, signer=forger)
    assert fresh(reg).verify_audit().ok  # the store's own published keys vouch for it ...
    pinned = fresh(reg).verify_audit(trusted_keys=[trusted])
    assert {p.sequence for p in pinned.problems} == set(range(1, len(entries) + 1)) | {0}
    assert pinned.problems[0].message == av.UNKNOWN_KEY.format(
        sequence=1, event=entries[0]["event"], key_id=forger.key_id, where=av.WHERE_TRUSTED
    )
    against_head = fresh(reg).verify_audit(expected_heads=[saved])
    [problem] = against_head.problems
    assert problem.sequence == saved.sequence and "the log was rewritten" in problem.message


@pytest.mark.parametrize("path", ["insyn/record.json", "model/"])
def test_replaced_file_and_rehashed_entries_are_caught(reg: Register, path: str) -> None:
    run_id = str(reg.client.get_model_version(SLUG, "2").run_id)
    entries = _tamper.log_entries(reg)
    if path.startswith("model/"):  # the model file itself, whatever its name
        path = next(
            r["path"] for e in entries for r in e["artifacts"] if r["path"].endswith(".skops")
        )
    target = _tamper.version_file(reg, SLUG, 2, path)
    target.write_bytes(target.read_bytes() + b" ")
    digest = audit.sha256_file(target)
    changed = []
    for entry in entries:
        for ref in entry["artifacts"]:
            if ref["path"] == path and ref["run_id"] == run_id:
                ref["sha256"] = digest
                changed.append(entry["sequence"])
    assert changed  # the registered entry (and the publication) named the file
    _tamper.rewrite_log(reg, entries)
    result = fresh(reg).verify_audit()
    named = {p.sequence for p in result.problems if "signature does not verify" in p.message}
    assert set(changed) <= named
    assert all("has changed" not in p.message for p in result.problems)  # hashes agree now


def test_edited_catalogue_tags_are_caught(reg: Register) -> None:
    reg.client.set_registered_model_tag(SLUG, "status", "retired")
    reg.client.set_registered_model_tag(SLUG, "organisation", "Grannkommun")
    reg.client.set_model_version_tag(SLUG, "2", "insyn.status", "retired")
    result = fresh(reg).verify_audit()
    text = messages(result)
    status = reg.get(SLUG, 2).record.status.value
    assert (
        ac.TAG_DISAGREES.format(slug=SLUG, key="status", actual="'retired'", expected=f"'{status}'")
        in text
    )
    assert "catalogue tag 'organisation' is 'Grannkommun'" in text
    assert (
        ac.STATUS_DISAGREES.format(
            slug=SLUG, version=2, actual="'retired'", expected="not 'retired'"
        )
        in text
    )
    assert {p.slug for p in result.problems} == {SLUG}


def test_publishing_with_a_plain_mlflow_client_is_reported(reg: Register) -> None:
    reg.client.set_registered_model_alias(SLUG, "published", "3")
    result = fresh(reg).verify_audit()
    assert [p.message for p in result.problems] == [ac.PUBLISHED_OUTSIDE.format(slug=SLUG, alias=3)]
    assert fresh(reg).publication_state(SLUG).state == "outside"
    fresh(reg).publish(SLUG, 3)  # publishing it properly makes log and alias agree
    assert fresh(reg).verify_audit().ok


def test_forged_entries_without_author_or_signature_are_named(reg: Register) -> None:
    unsigned = _tamper.append_raw(
        reg, {"format": 1, "event": "retired", "slug": SLUG, "version": 2}
    )
    result = fresh(reg).verify_audit()
    assert [p.sequence for p in result.problems] == [unsigned]
    assert result.problems[0].message == av.UNSIGNED_AFTER_SIGNED.format(
        sequence=unsigned, event="retired"
    )
    assert all(e.sequence != unsigned for e in fresh(reg).audit_entries())  # readers skip it
    forger = Signer.generate()
    anonymous = _tamper.append_raw(
        reg, {"event": "retired", "slug": SLUG, "version": 2}, signer=forger
    )
    problems = [p for p in fresh(reg).verify_audit().problems if p.sequence == anonymous]
    assert [p.message for p in problems] == [
        av.NO_AUTHOR.format(
            sequence=anonymous, event="retired", roles="organisation, auditor, admin, local"
        ),
        av.UNKNOWN_KEY.format(
            sequence=anonymous, event="retired", key_id=forger.key_id, where=av.WHERE_PUBLISHED
        ),
    ]


def test_the_writer_refuses_entries_outside_the_authors_role(reg: Register) -> None:
    signer = reg.audit.writer()._signer  # type: ignore[attr-defined]
    head = reg.audit_head()
    auditor = LocalWriter(reg.view, signer, Author(username="revisor", role="auditor"))
    with pytest.raises(WriterRefusedError, match="may only add reviews"):
        auditor.append("retired", slug=SLUG, version=2)
    other = LocalWriter(
        reg.view, signer, Author(username="anna", role="organisation", organisation="Grannkommun")
    )
    with pytest.raises(WriterRefusedError, match="belongs to"):
        other.publish(SLUG, 3)
    assert reg.audit_head() == head
    assert reg.get(SLUG).version == 2


def test_a_version_whose_run_lives_in_another_organisations_experiment_is_named(
    reg: Register,
) -> None:
    other = reg.client.create_experiment("insyn/Grannkommun")
    run_id = reg.client.get_model_version(SLUG, "2").run_id
    with sqlite3.connect(_tamper.db_path(reg)) as db:
        db.execute("UPDATE runs SET experiment_id = ? WHERE run_uuid = ?", (other, run_id))
    result = fresh(reg).verify_audit()
    [problem] = result.problems
    assert problem.slug == SLUG and problem.event == "registered"
    assert "lives in the experiment 'insyn/Grannkommun'" in problem.message


def test_empty_review_and_overwritten_entry_are_named_and_the_rest_is_read(
    reg: Register,
) -> None:
    empty = reg.audit.writer().append("review_added", slug=SLUG, version=2, details={"review": {}})
    entries = _tamper.log_entries(reg)
    victim = entries[4]  # explanation_computed of version 2
    path = _tamper.run_folder(reg, audit.log_run(reg.view) or "") / audit.entry_path(
        victim["sequence"], victim["hash"]
    )
    path.write_bytes(b'{"garbage": tru')
    again = fresh(reg)
    result = again.verify_audit()
    assert {p.sequence for p in result.problems} == {empty.sequence, victim["sequence"]}
    assert f"entry {empty.sequence} (review_added): the review cannot be read" in messages(result)
    assert f"entry {victim['sequence']}: its file" in messages(result)
    assert [r.outcome for r in again.reviews(SLUG, 2)] == ["approved"]
    assert len(again.review_notes(SLUG, 2)) == 1
    assert len(again.audit_entries()) == len(entries) - 1
    assert main(["--tracking-uri", reg.tracking_uri, "audit", SLUG, "--version", "2"]) == 1
