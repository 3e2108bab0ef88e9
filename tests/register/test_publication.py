"""Publication with the log as the commit point: a failed append moves nothing, a failed or
killed alias move is named by verify and finished by publishing again."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from register import Register
from register.audit import _catalogue_check as ac
from register.audit import _chain as audit
from register.cli import main
from register.lifecycle import _publication as pub
from tests.register import _tamper

ROOT = Path(__file__).resolve().parents[2]
SLUG = "benefits-uptake"
KILL_SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture()
def reg(audit_base: Path, tmp_path: Path) -> Iterator[Register]:
    yield Register(_tamper.clone_store(audit_base, tmp_path / "store"))


def fresh(reg: Register) -> Register:
    return Register(reg.tracking_uri)


def published_entries(reg: Register, version: int) -> list[Any]:
    return [
        e for e in fresh(reg).audit_entries(SLUG) if e.event == "published" and e.version == version
    ]


def test_failed_append_publishes_nothing(reg: Register, monkeypatch: pytest.MonkeyPatch) -> None:
    head = reg.audit_head()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(audit, "append", broken)
    with pytest.raises(pub.PublicationError) as caught:
        reg.publish(SLUG, 3)
    assert str(caught.value) == pub.PUBLISH_FAILED_MESSAGE.format(
        slug=SLUG, version=3, reason="disk full"
    )
    assert "Nothing was published" in str(caught.value)
    again = fresh(reg)
    assert again.get(SLUG).version == 2
    assert str(again.client.get_registered_model(SLUG).aliases["published"]) == "2"
    assert dict(again.client.get_registered_model(SLUG).tags)["insyn.published_version"] == "2"
    assert again.audit_head() == head
    assert again.verify_audit().ok


def test_failed_alias_move_is_named_and_publishing_again_finishes_it(
    reg: Register, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("connection reset")

    monkeypatch.setattr(reg.client, "set_registered_model_alias", broken)
    with pytest.raises(pub.PublicationUnfinishedError) as caught:
        reg.publish(SLUG, 3)
    assert "Run 'insyn publish benefits-uptake 3' to finish it" in str(caught.value)
    assert "Nothing was published" not in str(caught.value)
    monkeypatch.undo()
    again = fresh(reg)
    [entry] = published_entries(reg, 3)
    assert again.get(SLUG).version == 2  # not shown as published until alias and log agree
    state = again.publication_state(SLUG)
    assert (state.state, state.alias_version, state.log_version) == ("unfinished", 2, 3)
    result = again.verify_audit()
    assert [p.message for p in result.problems] == [
        ac.PUBLICATION_UNFINISHED.format(
            slug=SLUG, logged=3, sequence=entry.sequence, alias="version 2"
        )
    ]
    capsys.readouterr()
    assert main(["--tracking-uri", reg.tracking_uri, "publish", SLUG, "3"]) == 0
    assert len(published_entries(reg, 3)) == 1  # finished, not logged twice
    assert fresh(reg).get(SLUG).version == 3
    assert fresh(reg).verify_audit().ok


def test_details_such_as_an_override_are_signed_into_the_published_entry(
    reg: Register,
) -> None:
    override = {"reason": "Checked by hand.", "checks": ["additivity"]}
    reg.audit.writer().publish(SLUG, 3, details={"override": override})
    [entry] = published_entries(reg, 3)
    assert entry.details["override"] == override and entry.signed
    assert {r["path"] for r in entry.artifacts} >= {"insyn/record.json"}
    assert any(r["path"].startswith("model/") for r in entry.artifacts)
    assert fresh(reg).verify_audit().ok


def test_retire_logs_first_and_is_not_logged_twice(
    reg: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(audit, "append", broken)
        with pytest.raises(pub.PublicationError, match="Nothing was retired"):
            reg.retire(SLUG)
    assert fresh(reg).get(SLUG).status != "retired"
    retired = reg.retire(SLUG)
    assert (retired.version, retired.status) == (2, "retired")
    head = fresh(reg).audit_head()
    fresh(reg).retire(SLUG)
    assert fresh(reg).audit_head() == head
    assert [i.slug for i in fresh(reg).search(status="retired").items] == [SLUG]
    assert fresh(reg).verify_audit().ok


def _start_worker(uri: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.register.publish_worker", uri, SLUG, "3"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
        text=True,
    )
    assert worker.stdout is not None and worker.stdin is not None
    assert worker.stdout.readline().strip() == "ready"
    worker.stdin.write("go\n")
    worker.stdin.flush()
    return worker


@pytest.fixture(scope="module")
def publish_seconds(audit_base: Path, tmp_path_factory: pytest.TempPathFactory) -> float:
    """How long one publication takes in a warm worker here (measured once), so the
    kills below land inside it."""
    uri = _tamper.clone_store(audit_base, tmp_path_factory.mktemp("timing") / "store")
    worker = _start_worker(uri)
    started = time.monotonic()
    assert worker.stdout is not None and worker.stdout.readline().strip() == "done"
    worker.wait(timeout=60)
    return time.monotonic() - started


def _kill_during_publish(uri: str, delay: float) -> str:
    worker = _start_worker(uri)
    time.sleep(delay)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    return "killed" if worker.returncode == -signal.SIGKILL else "finished"


@pytest.mark.parametrize("seed", KILL_SEEDS)
def test_kill_9_during_publish_then_verify_names_it_and_publishing_again_converges(
    audit_base: Path, tmp_path: Path, seed: int, publish_seconds: float
) -> None:
    uri = _tamper.clone_store(audit_base, tmp_path / "store")
    delay = publish_seconds * random.Random(seed).uniform(0.05, 1.0)
    outcome = _kill_during_publish(uri, delay)
    reg = Register(uri)
    result = reg.verify_audit()
    state = reg.publication_state(SLUG)
    logged = len(published_entries(reg, 3))
    print(
        f"seed {seed}: {outcome} after {delay:.2f} of {publish_seconds:.2f} s, {state.state}, "
        f"log has v3: {logged}, problems: {len(result.problems)}"
    )
    for problem in result.problems:  # whatever the moment, only the publication is unfinished
        assert problem.slug == SLUG, problem
        assert (
            "the publication is unfinished: run 'insyn publish benefits-uptake 3'"
            in problem.message
            or "the catalogue tag" in problem.message
        ), problem
    if state.state == "unfinished":
        assert reg.get(SLUG).version == 2
    else:
        assert state.state == "agreed"
    assert len(published_entries(reg, 3)) <= 1
    Register(uri).publish(SLUG, 3)
    after = Register(uri).verify_audit()
    assert after.ok, after.problems
    assert Register(uri).get(SLUG).version == 3
    assert len(published_entries(reg, 3)) == 1


def test_the_export_carries_a_signed_head_and_keys_that_verify_the_log(
    reg: Register, tmp_path: Path
) -> None:
    import json

    out = tmp_path / "exports"
    assert main(["--tracking-uri", reg.tracking_uri, "export", str(out)]) == 0
    anchor = json.loads((out / "audit-head.json").read_text(encoding="utf-8"))
    assert anchor["signed_head"] == reg.signed_head().to_dict()
    [(key_id, pem)] = anchor["public_keys"].items()
    assert key_id == anchor["signed_head"]["key_id"]
    catalogue = json.loads((out / "catalog.jsonld").read_text(encoding="utf-8"))
    [dataset] = catalogue["dcat:dataset"]
    assert dataset["dct:provenance"]["rdfs:seeAlso"] == {"@id": "audit-head.json"}
    key = tmp_path / "writer.pem"
    key.write_text(pem, encoding="ascii")
    head = anchor["signed_head"]
    args = ["--expect-head", f"{head['sequence']}:{head['hash']}", "--trusted-key", str(key)]
    assert main(["--tracking-uri", reg.tracking_uri, "verify", *args]) == 0
    _tamper.drop_last_entry(reg)
    assert main(["--tracking-uri", reg.tracking_uri, "verify", *args]) == 1
