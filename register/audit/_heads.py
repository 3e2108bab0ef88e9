"""Remembered audit heads: the consistency check, and the portal's memory of them.

:func:`check_heads` proves that the log still holds every head a client
remembered (same entry number, same hash), as clients of a transparency log do.

The portal keeps, per tracking URI, the newest head it has shown and the key id it
first saw, in a small JSON file (default ``$INSYN_HOME/portal-heads.json``). Each
time it shows the audit trail it checks that the log still holds the remembered
entry with the same hash (else the log was cut off or rewritten) and that the head
is signed by the key it first saw (else the key changed). A problem is reported
and the memory is left as it was, so the warning stays until someone resolves it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from register.audit._chain import GENESIS_HASH, claims, log_run, signed_head
from register.audit._signing import verify_signature
from register.audit._types import AuditProblem
from register.store._uri import home
from register.store._view import StoreView

HEAD_TRUNCATED = (
    "the remembered head #{sequence} ({digest}) is gone: the log now ends at entry {last}; "
    "entries were removed"
)
HEAD_REWRITTEN = (
    "the remembered head #{sequence} ({digest}) is gone: entry {sequence} now has hash "
    "{actual}; the log was rewritten"
)
HEAD_NOT_FOUND = "the remembered head {digest} is not in the log; the log was rewritten"
HEAD_SIGNATURE = (
    "the remembered head #{sequence} ({digest}) carries a signature that does not verify "
    "with key {key_id}"
)
HEADS_FILE = "portal-heads.json"
HEADS_ENV = "INSYN_PORTAL_HEADS"


@dataclass(frozen=True, kw_only=True, slots=True)
class HeadCheck:
    """The outcome of :func:`check_remembered_head`.

    ``state``: ``ok`` (the log still holds the remembered head; the memory now holds
    the current head), ``rewritten`` (the remembered entry is gone or has another
    hash), ``key_changed`` (the head is signed by another key than the one first seen).
    """

    state: str
    sequence: int
    hash: str
    first_key_id: str | None
    key_id: str | None


def heads_file() -> Path:
    """Where the portal remembers heads: ``$INSYN_PORTAL_HEADS`` or
    ``$INSYN_HOME/portal-heads.json``."""
    explicit = os.environ.get(HEADS_ENV)
    return Path(explicit) if explicit else home() / HEADS_FILE


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".heads-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def check_remembered_head(view: StoreView, path: Path | None = None) -> HeadCheck:
    """Check the current log against the head remembered for this register, and remember
    the current head when all is well (see the module docstring)."""
    path = path or heads_file()
    memory = _load(path)
    remembered = memory.get(view.uri)
    remembered = remembered if isinstance(remembered, dict) else {}
    current = signed_head(view)
    first_key = remembered.get("first_key_id") or current.key_id
    sequence = int(remembered.get("sequence") or 0)
    digest = str(remembered.get("hash") or "")
    state = "ok"
    if sequence > 0:
        run_id = log_run(view, create=False)
        claimed = dict(claims(view, run_id)) if run_id else {}
        if claimed.get(sequence) != digest:
            state = "rewritten"
    if state == "ok" and current.key_id and first_key and current.key_id != first_key:
        state = "key_changed"
    if state == "ok" and current.sequence >= sequence:
        memory[view.uri] = {
            "sequence": current.sequence,
            "hash": current.hash,
            "key_id": current.key_id,
            "first_key_id": first_key,
        }
        with contextlib.suppress(OSError):  # a read-only home: the check still ran
            _save(path, memory)
    return HeadCheck(
        state=state,
        sequence=sequence,
        hash=digest,
        first_key_id=first_key,
        key_id=current.key_id,
    )


def as_heads(heads: Iterable[Any]) -> list[tuple[int | None, str, str | None, str | None]]:
    """Remembered heads as (sequence or None, hash, key id, signature): accepts head
    objects, dicts with ``hash`` (and ``sequence``, ``key_id``, ``signature``), and
    ``(sequence, hash)`` pairs."""
    out: list[tuple[int | None, str, str | None, str | None]] = []
    for item in heads:
        if isinstance(item, Mapping):
            data = dict(item)
        elif isinstance(item, tuple | list):
            data = {"sequence": item[0], "hash": item[1]}
        else:
            data = {f: getattr(item, f, None) for f in ("sequence", "hash", "key_id", "signature")}
        sequence = data.get("sequence")
        out.append(
            (
                None if sequence is None else int(sequence),
                str(data["hash"]).lower(),
                data.get("key_id"),
                data.get("signature"),
            )
        )
    return out


def _head_problem(sequence: int, event: None, artifact: None, message: str) -> AuditProblem:
    return AuditProblem(
        sequence=sequence, event=event, artifact=artifact, slug=None, message=message
    )


def check_heads(
    heads: list[tuple[int | None, str, str | None, str | None]],
    claims: list[tuple[int, str]],
    pinned: dict[str, Ed25519PublicKey] | None,
) -> list[AuditProblem]:
    """The remembered heads the log no longer holds (consistency check), one problem each;
    with ``pinned`` keys, a head's own signature must verify with one of them."""
    problems: list[AuditProblem] = []

    by_sequence = dict(claims)
    hashes = set(by_sequence.values())
    last = claims[-1][0] if claims else 0
    for sequence, digest, key_id, signature in heads:
        fields = {"sequence": sequence, "digest": digest[:16]}
        if sequence is None:
            if digest not in hashes and digest != GENESIS_HASH:
                problems.append(_head_problem(0, None, None, HEAD_NOT_FOUND.format(**fields)))
            continue
        if sequence == 0:
            continue
        if sequence not in by_sequence:
            problems.append(
                _head_problem(sequence, None, None, HEAD_TRUNCATED.format(**fields, last=last))
            )
        elif by_sequence[sequence] != digest:
            actual = by_sequence[sequence][:16]
            problems.append(
                _head_problem(sequence, None, None, HEAD_REWRITTEN.format(**fields, actual=actual))
            )
        if pinned is not None and signature and key_id:
            key = pinned.get(str(key_id))
            if key is None or not verify_signature(key, digest, str(signature)):
                problems.append(
                    _head_problem(
                        sequence, None, None, HEAD_SIGNATURE.format(**fields, key_id=key_id)
                    )
                )
    return problems
