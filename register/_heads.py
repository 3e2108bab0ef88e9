"""Remembering audit heads outside the store, as a client of a transparency log does.

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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register._results import _ReadOnly

if TYPE_CHECKING:
    from register._store import Register

HEADS_FILE = "portal-heads.json"
HEADS_ENV = "INSYN_PORTAL_HEADS"


class HeadCheck(_ReadOnly):
    """The outcome of :func:`check_remembered_head`.

    ``state``: ``ok`` (the log still holds the remembered head; the memory now holds
    the current head), ``rewritten`` (the remembered entry is gone or has another
    hash), ``key_changed`` (the head is signed by another key than the one first seen).
    """

    _fields = ("state", "sequence", "hash", "first_key_id", "key_id")
    if TYPE_CHECKING:
        state: str
        sequence: int
        hash: str
        first_key_id: str | None
        key_id: str | None


def heads_file() -> Path:
    """Where the portal remembers heads: ``$INSYN_PORTAL_HEADS`` or
    ``$INSYN_HOME/portal-heads.json``."""
    from register._tracking import home

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


def check_remembered_head(reg: Register, path: Path | None = None) -> HeadCheck:
    """Check the current log against the head remembered for this register, and remember
    the current head when all is well (see the module docstring)."""
    from register._audit import _claims, log_run, signed_head

    path = path or heads_file()
    memory = _load(path)
    remembered = memory.get(reg.tracking_uri)
    remembered = remembered if isinstance(remembered, dict) else {}
    current = signed_head(reg)
    first_key = remembered.get("first_key_id") or current.key_id
    sequence = int(remembered.get("sequence") or 0)
    digest = str(remembered.get("hash") or "")
    state = "ok"
    if sequence > 0:
        run_id = log_run(reg, create=False)
        claims = dict(_claims(reg, run_id)) if run_id else {}
        if claims.get(sequence) != digest:
            state = "rewritten"
    if state == "ok" and current.key_id and first_key and current.key_id != first_key:
        state = "key_changed"
    if state == "ok" and current.sequence >= sequence:
        memory[reg.tracking_uri] = {
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
