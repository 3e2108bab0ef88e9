"""Verifying the audit trail: recompute the hash chain and every artifact hash.

See :mod:`register._audit` for the log's layout. Problems name the entry number,
its event, the artifact path and what is wrong; messages are the constants below.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register._audit import (
    ENTRY_DIR,
    GENESIS_HASH,
    AuditProblem,
    AuditVerification,
    _claims,
    _download,
    entry_hash,
    entry_path,
    head,
    log_run,
    sha256_file,
)

if TYPE_CHECKING:
    from register._store import Register

ENTRY_GAP = "entry {sequence} is missing from the log (the sequence jumps from {before} to {after})"
ENTRY_FILE_MISSING = "entry {sequence}: its file {path} is missing from the log"
ENTRY_UNREADABLE = "entry {sequence}: its file {path} is not valid JSON ({detail})"
ENTRY_ALTERED = "entry {sequence} ({event}): its content does not match its hash; it was changed"
ENTRY_OUT_OF_PLACE = (
    "entry {sequence} ({event}): the file says it is entry {claimed}; entries were reordered"
)
CHAIN_BROKEN = (
    "entry {sequence} ({event}): its previous-entry hash does not match entry {previous}; "
    "the chain is broken"
)
ARTIFACT_MISSING = "entry {sequence} ({event}): the artifact {path} of run {run_id} is missing"
ARTIFACT_CHANGED = (
    "entry {sequence} ({event}): the artifact {path} of run {run_id} has changed "
    "(SHA-256 now {actual}, logged {expected})"
)


def verify(reg: Register) -> AuditVerification:
    """Recompute the chain and every artifact hash (downloading the artifacts).

    Guarantees: every problem names the entry number, its event when readable, the
    artifact path when an artifact is at fault, and what is wrong; ``ok`` is True
    only when there is none.
    """
    run_id = log_run(reg, create=False)
    if run_id is None:
        return AuditVerification(
            entries=0,
            head=head(reg),
            problems=(),
            unclaimed_files=(),
            unsigned=0,
            key_ids=(),
            keys_pinned=False,
            heads_checked=0,
        )
    claims = _claims(reg, run_id)
    files = {f.path for f in reg.client.list_artifacts(run_id, ENTRY_DIR)}
    problems: list[AuditProblem] = []
    previous, expected = GENESIS_HASH, 1
    with tempfile.TemporaryDirectory() as tmp:
        artifact_hashes: dict[tuple[str, str], str | None] = {}
        for sequence, claimed in claims:
            if sequence != expected:
                problems.append(
                    _problem(
                        sequence,
                        None,
                        None,
                        ENTRY_GAP.format(sequence=expected, before=expected - 1, after=sequence),
                    )
                )
            expected = sequence + 1
            path = entry_path(sequence, claimed)
            data = _read_entry(reg, run_id, path, sequence, files, Path(tmp), problems)
            if data is not None:
                _check_entry(
                    reg, data, sequence, claimed, previous, Path(tmp), artifact_hashes, problems
                )
            previous = claimed
    claimed_paths = {entry_path(s, h) for s, h in claims}
    return AuditVerification(
        entries=len(claims),
        head=head(reg),
        problems=tuple(problems),
        unclaimed_files=tuple(sorted(files - claimed_paths)),
        unsigned=0,
        key_ids=(),
        keys_pinned=False,
        heads_checked=0,
    )


def _problem(sequence: int, event: str | None, artifact: str | None, message: str) -> AuditProblem:
    return AuditProblem(
        sequence=sequence, event=event, artifact=artifact, slug=None, message=message
    )


def _read_entry(
    reg: Register,
    run_id: str,
    path: str,
    sequence: int,
    files: set[str],
    tmp: Path,
    problems: list[AuditProblem],
) -> dict[str, Any] | None:
    local = _download(reg, run_id, path, tmp / "entries") if path in files else None
    if local is None:
        problems.append(
            _problem(sequence, None, path, ENTRY_FILE_MISSING.format(sequence=sequence, path=path))
        )
        return None
    try:
        data = json.loads(local.read_bytes())
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    except ValueError as exc:
        problems.append(
            _problem(
                sequence,
                None,
                path,
                ENTRY_UNREADABLE.format(sequence=sequence, path=path, detail=exc),
            )
        )
        return None


def _check_entry(
    reg: Register,
    data: dict[str, Any],
    sequence: int,
    claimed: str,
    previous: str,
    tmp: Path,
    artifact_hashes: dict[tuple[str, str], str | None],
    problems: list[AuditProblem],
) -> None:
    event = str(data.get("event"))
    path = entry_path(sequence, claimed)
    if entry_hash(data) != claimed or data.get("hash") != claimed:
        problems.append(
            _problem(sequence, event, path, ENTRY_ALTERED.format(sequence=sequence, event=event))
        )
    if data.get("sequence") != sequence:
        problems.append(
            _problem(
                sequence,
                event,
                path,
                ENTRY_OUT_OF_PLACE.format(
                    sequence=sequence, event=event, claimed=data.get("sequence")
                ),
            )
        )
    if data.get("previous_hash") != previous:
        problems.append(
            _problem(
                sequence,
                event,
                path,
                CHAIN_BROKEN.format(sequence=sequence, event=event, previous=sequence - 1),
            )
        )
    for ref in data.get("artifacts") or ():
        key = (str(ref.get("run_id")), str(ref.get("path")))
        if key not in artifact_hashes:
            local = _download(reg, key[0], key[1], tmp / "artifacts" / key[0])
            artifact_hashes[key] = sha256_file(local) if local and local.is_file() else None
        actual = artifact_hashes[key]
        fields = {"sequence": sequence, "event": event, "path": key[1], "run_id": key[0]}
        if actual is None:
            problems.append(_problem(sequence, event, key[1], ARTIFACT_MISSING.format(**fields)))
        elif actual != ref.get("sha256"):
            problems.append(
                _problem(
                    sequence,
                    event,
                    key[1],
                    ARTIFACT_CHANGED.format(
                        **fields, actual=actual[:16], expected=str(ref.get("sha256"))[:16]
                    ),
                )
            )
