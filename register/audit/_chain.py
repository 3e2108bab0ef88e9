"""The audit trail: an append-only, hash-chained log of everything that happens in the register.

Where it lives: an experiment of the store next to the register's (``<experiment>.audit``)
holds one run, the log. Each entry is one JSON artifact
``entries/<sequence:08d>-<hash[:16]>.json``; entry ``n`` carries the SHA-256 of
entry ``n-1`` (``previous_hash``; the first carries 64 zeros) and of every
artifact it refers to (model files, record, explanation, checks, review).

Concurrent appends: the log run's *parameters* are the sequence. An append
writes its entry file, then logs the parameter ``entry.<sequence:08d>`` = its
hash. The store's :meth:`~register.store.Store.claim` sets a parameter once, so of two
processes appending the same sequence number exactly one wins; the other reads the new
head and retries (up to :data:`MAX_ATTEMPTS` times, with a short random wait).
The loser's file stays behind unclaimed and is ignored by verification. Which
run is the log is decided once, by whoever creates the audit experiment (a
unique name); that process records the run id as an experiment tag.

Format 2 entries (this release) name their ``author`` (username, role,
organisation) and are signed: ``key_id`` names the writer's Ed25519 key and
``signature`` signs the entry hash, which covers every field but ``hash`` and
``signature``. The writer (``register.audit._writer``) holds the key, outside the
store; the public keys are published in the log run as ``keys/<key id>.pem``.
Format 1 entries (earlier releases) have neither and verify as unsigned.

What verification (``register.audit._verify``) proves: every claimed entry
exists, is unchanged, is in its place, links to the entry before, is signed by
a known (or pinned) key, and every artifact it names still has the logged hash;
remembered heads (``register.audit._heads``) must still be in the log, which makes
cutting entries off the end visible; and the catalogue must agree with the log.
Readers (:func:`entries`) skip entries that are unreadable, altered, wrongly
signed, or unsigned after signed ones.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from register._errors import InsynError
from register.audit._signing import (
    KEY_DIR,
    Signer,
    publish_key,
    published_key_ids,
    signature_holds,
)
from register.audit._types import (
    AuditEntry,
    AuditHead,
    AuditProblem,
    AuditVerification,
    SignedHead,
)
from register.store._protocol import StoreConflictError
from register.store._view import StoreView

AUDIT_SUFFIX = ".audit"
LOG_RUN_NAME = "audit-log"
LOG_RUN_TAG = "insyn.audit.log_run"
WRITER_URL_TAG = "insyn.audit.writer_url"  # set by the administrator's setup (shared/_admin)
ENTRY_DIR = "entries"
CLAIM_PREFIX = "entry."
GENESIS_HASH = "0" * 64
EVENTS = (
    "registered",
    "explanation_computed",
    "record_changed",
    "published",
    "retired",
    "review_added",
)
MAX_ATTEMPTS = 25
LOG_RUN_WAIT_SECONDS = 10.0
FORMAT_VERSION = 2
UNHASHED = ("hash", "signature")

LOG_MISSING_MESSAGE = "The audit experiment {name!r} exists but cannot be read; try again."
UNKNOWN_EVENT_MESSAGE = "Unknown audit event {event!r}; known events: {known}."
APPEND_CONFLICT_MESSAGE = (
    "Could not append {event!r} to the audit log: {attempts} other appends won the same "
    "place in a row. Nothing was written; try again."
)

_LOG_RUN_KEY = ("audit", "log_run")


class AuditError(InsynError, RuntimeError):
    """An audit-log append that could not be completed (nothing was claimed)."""


__all__ = [
    "KEY_DIR",
    "AuditEntry",
    "AuditError",
    "AuditHead",
    "AuditProblem",
    "AuditVerification",
    "SignedHead",
    "publish_key",
    "published_key_ids",
]


def canonical(data: Any) -> bytes:
    """The bytes that are hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def review_id(data: dict[str, Any]) -> str:
    """The first 16 hex digits of the SHA-256 of a review's canonical JSON (its id)."""
    return hashlib.sha256(canonical(data)).hexdigest()[:16]


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 of an entry without its own ``hash`` and ``signature`` fields."""
    return hashlib.sha256(
        canonical({k: v for k, v in entry.items() if k not in UNHASHED})
    ).hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_tree(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, keyed by its POSIX path relative to ``root``."""
    return {
        p.relative_to(root).as_posix(): sha256_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def artifact_refs(run_id: str, hashes: dict[str, str], *prefixes: str) -> list[dict[str, str]]:
    """References to the files in ``hashes`` under any of ``prefixes`` (a file or folder path)."""
    return [
        {"run_id": run_id, "path": path, "sha256": digest}
        for path, digest in sorted(hashes.items())
        if any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)
    ]


def remote_refs(view: StoreView, run_id: str, *paths: str) -> list[dict[str, str]]:
    """References to stored artifacts of ``run_id`` (downloaded and hashed now)."""
    refs = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            local = view.store.download_artifacts(run_id, path, Path(tmp))
            files = (
                [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
            )
            for file in files:
                relative = path if file == local else f"{path}/{file.relative_to(local).as_posix()}"
                refs.append({"run_id": run_id, "path": relative, "sha256": sha256_file(file)})
    return refs


# -- the log run ---------------------------------------------------------------------
def experiment_name(view: StoreView) -> str:
    """The audit experiment's name: the register's experiment name plus ``.audit``."""
    return f"{view.experiment}{AUDIT_SUFFIX}"


def log_run(view: StoreView, *, create: bool = True) -> str | None:
    """The id of the log run (created with the audit experiment), or None when there is
    no log yet and ``create`` is False. A found id is cached in ``view``."""
    run_id = view.cached(_LOG_RUN_KEY, lambda: _find_log_run(view, create=create))
    if run_id is None:
        view.forget(_LOG_RUN_KEY)  # no log yet: ask again next time
    return run_id


def _find_log_run(view: StoreView, *, create: bool) -> str | None:
    store = view.store
    name = experiment_name(view)
    found = store.get_experiment_by_name(name)
    if found is None:
        if not create:
            return None
        try:
            experiment_id = store.create_experiment(name)
        except StoreConflictError:
            pass  # another process created it first: wait for its log run below
        else:
            run = store.create_run(
                experiment_id, run_name=LOG_RUN_NAME, tags={"insyn.audit": "log"}
            )
            store.set_experiment_tag(experiment_id, LOG_RUN_TAG, run.run_id)
            return run.run_id
        found = store.get_experiment_by_name(name)
        if found is None:
            raise AuditError(LOG_MISSING_MESSAGE.format(name=name))
    return _wait_for_log_run(view, found.experiment_id)


def _wait_for_log_run(view: StoreView, experiment_id: str) -> str:
    store = view.store
    deadline = time.monotonic() + LOG_RUN_WAIT_SECONDS
    while True:
        tags = store.get_experiment(experiment_id).tags
        if tags.get(LOG_RUN_TAG):
            return str(tags[LOG_RUN_TAG])
        if time.monotonic() > deadline:  # the creator died before tagging: take the oldest run
            runs = store.search_runs(experiment_id)
            if runs:
                store.set_experiment_tag(experiment_id, LOG_RUN_TAG, runs[0].run_id)
                return runs[0].run_id
            run = store.create_run(experiment_id, run_name=LOG_RUN_NAME)
            store.set_experiment_tag(experiment_id, LOG_RUN_TAG, run.run_id)
            return run.run_id
        time.sleep(0.2)


def claims(view: StoreView, run_id: str) -> list[tuple[int, str]]:
    """The log's claimed entries as (sequence, hash), in order (the log run's params)."""
    params = view.store.get_run(run_id).params
    return sorted(
        (int(k[len(CLAIM_PREFIX) :]), v) for k, v in params.items() if k.startswith(CLAIM_PREFIX)
    )


def head(view: StoreView) -> AuditHead:
    """The log's last entry (sequence and hash) as claimed; no verification."""
    run_id = log_run(view, create=False)
    claimed = claims(view, run_id) if run_id else []
    if not claimed:
        return AuditHead(sequence=0, hash=GENESIS_HASH)
    return AuditHead(sequence=claimed[-1][0], hash=claimed[-1][1])


def entry_path(sequence: int, digest: str) -> str:
    """Where entry ``sequence`` with hash ``digest`` is stored in the log run."""
    return f"{ENTRY_DIR}/{sequence:08d}-{digest[:16]}.json"


def append(
    view: StoreView,
    event: str,
    *,
    slug: str,
    version: int | None = None,
    details: dict[str, Any] | None = None,
    artifacts: list[dict[str, str]] | tuple[dict[str, str], ...] = (),
    author: dict[str, Any],
    signer: Signer,
) -> AuditEntry:
    """Append one signed entry by ``author`` and return it; safe when several processes
    append at once. Writers call this through :mod:`register.audit._writer`, which decides
    the author and holds the key.

    Guarantees: the entry links to the head it was appended after and is signed by
    ``signer`` (whose public key is published in the log run first); on a sequence
    conflict it retries on the new head; raises :class:`AuditError` after
    MAX_ATTEMPTS lost races (nothing claimed).
    """
    if event not in EVENTS:
        raise AuditError(UNKNOWN_EVENT_MESSAGE.format(event=event, known=", ".join(EVENTS)))
    run_id = log_run(view)
    assert run_id is not None
    store = view.store
    publish_key(view, run_id, signer)
    for _ in range(MAX_ATTEMPTS):
        last = head(view)
        entry: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "sequence": last.sequence + 1,
            "event": event,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "slug": slug,
            "version": version,
            "details": details or {},
            "artifacts": [dict(a) for a in artifacts],
            "previous_hash": last.hash,
            "author": dict(author),
            "key_id": signer.key_id,
        }
        entry["hash"] = entry_hash(entry)
        entry["signature"] = signer.sign(entry["hash"])
        path = entry_path(entry["sequence"], entry["hash"])
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / Path(path).name
            local.write_bytes(canonical(entry) + b"\n")
            store.log_artifact(run_id, local, ENTRY_DIR)
        if store.claim(run_id, f"{CLAIM_PREFIX}{entry['sequence']:08d}", entry["hash"]):
            return entry_from_dict(entry)
        time.sleep(random.uniform(0.01, 0.1))  # lost the place to another append; jitter
    raise AuditError(APPEND_CONFLICT_MESSAGE.format(event=event, attempts=MAX_ATTEMPTS))


def entry_from_dict(data: dict[str, Any]) -> AuditEntry:
    """An entry read back from its JSON; raises ValueError, TypeError or KeyError when
    a field is missing or of the wrong kind (callers skip such entries)."""
    author = data.get("author")
    artifacts = data.get("artifacts") or ()
    details = data.get("details") or {}
    if not isinstance(details, dict) or not isinstance(artifacts, list | tuple):
        raise TypeError("details must be an object and artifacts a list")
    if author is not None and not isinstance(author, dict):
        raise TypeError("author must be an object")
    return AuditEntry(
        format=int(data.get("format") or 1),
        sequence=int(data["sequence"]),
        event=str(data["event"]),
        time=str(data["time"]),
        slug=str(data["slug"]),
        version=None if data.get("version") is None else int(data["version"]),
        details=dict(details),
        artifacts=tuple(dict(a) for a in artifacts),
        previous_hash=str(data["previous_hash"]),
        author=None if author is None else dict(author),
        key_id=None if data.get("key_id") is None else str(data["key_id"]),
        hash=str(data["hash"]),
        signature=None if data.get("signature") is None else str(data["signature"]),
    )


def read_bytes(view: StoreView, run_id: str, path: str) -> bytes | None:
    """The stored file ``path`` of ``run_id``, or None when it cannot be read (missing,
    a folder, or the store failed: readers skip it, verification names it)."""
    try:
        return view.store.read_artifact(run_id, path)
    except Exception:
        return None


def download(view: StoreView, run_id: str, path: str, folder: Path) -> Path | None:
    """The stored file or folder ``path`` of ``run_id`` copied under ``folder``, or None
    when it cannot be read (large artifacts are hashed from disk, not memory)."""
    try:
        return view.store.download_artifacts(run_id, path, folder)
    except Exception:
        return None


def _load_entry(view: StoreView, run_id: str, sequence: int, digest: str) -> AuditEntry | None:
    raw = read_bytes(view, run_id, entry_path(sequence, digest))
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        data = None
    return _readable(data, digest)


def entries(view: StoreView, *, slug: str | None = None) -> list[AuditEntry]:
    """The claimed entries (optionally of one slug) in order. Unreadable, malformed or
    altered entries, and unsigned entries after signed ones, are skipped (verification
    names them); signatures are checked by verification, not here."""
    run_id = log_run(view, create=False)
    if run_id is None:
        return []
    out = []
    signed_seen = False
    for sequence, digest in claims(view, run_id):
        found = view.cached(
            ("audit", "entry", digest), partial(_load_entry, view, run_id, sequence, digest)
        )
        if found is None:
            continue
        if found.signed:
            signed_seen = True
            if not _signature_ok(view, run_id, found):
                continue
        elif signed_seen:  # an unsigned entry after signed ones was not written by insyn
            continue
        if slug is None or found.slug == slug:
            out.append(found)
    return out


def _signature_ok(view: StoreView, run_id: str, entry: AuditEntry) -> bool:
    """Whether the entry's signature verifies with its published key; a good signature
    stays good (cached), a bad one is checked again next time."""
    key = ("audit", "signature_holds", entry.hash)
    holds = view.cached(
        key,
        lambda: signature_holds(view, run_id, entry.key_id, entry.hash, entry.signature),
    )
    if not holds:
        view.forget(key)
    return holds


def _readable(data: Any, digest: str) -> AuditEntry | None:
    if not isinstance(data, dict) or entry_hash(data) != digest or data.get("hash") != digest:
        return None
    try:
        return entry_from_dict(data)
    except (ValueError, TypeError, KeyError):
        return None


def signed_head(view: StoreView) -> SignedHead:
    """The head with the last entry's time, key id and signature (None where the log is
    empty or the last entry is unsigned or unreadable)."""
    run_id = log_run(view, create=False)
    claimed = claims(view, run_id) if run_id else []
    if not claimed or run_id is None:
        return SignedHead(sequence=0, hash=GENESIS_HASH, time=None, key_id=None, signature=None)
    sequence, digest = claimed[-1]
    found = _load_entry(view, run_id, sequence, digest)
    return SignedHead(
        sequence=sequence,
        hash=digest,
        time=found.time if found else None,
        key_id=found.key_id if found else None,
        signature=found.signature if found else None,
    )
