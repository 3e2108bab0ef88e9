"""The audit trail: an append-only, hash-chained log of everything that happens in the register.

Where it lives: an MLflow experiment next to the register's (``<experiment>.audit``)
holds one run, the log. Each entry is one JSON artifact
``entries/<sequence:08d>-<hash[:16]>.json``; entry ``n`` carries the SHA-256 of
entry ``n-1`` (``previous_hash``; the first carries 64 zeros) and of every
artifact it refers to (model files, record, explanation, checks, review).

Concurrent appends: the log run's *parameters* are the sequence. An append
writes its entry file, then logs the parameter ``entry.<sequence:08d>`` = its
hash. MLflow refuses to change a logged parameter, so of two processes
appending the same sequence number exactly one wins; the other reads the new
head and retries (up to :data:`MAX_ATTEMPTS` times, with a short random wait).
The loser's file stays behind unclaimed and is ignored by verification. Which
run is the log is decided once, by whoever creates the audit experiment (a
unique name); that process records the run id as an experiment tag.

What verification (``register._audit_verify``) proves: every claimed entry
exists, is unchanged, is in its place, links to the entry before, and every
artifact it names still has the logged hash. Cutting entries off the end is
visible only against a head hash recorded elsewhere; the portal and exports show
:func:`head` for that reason.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register._errors import InsynError
from register._results import _ReadOnly

if TYPE_CHECKING:
    from register._store import Register

AUDIT_SUFFIX = ".audit"
LOG_RUN_NAME = "audit-log"
LOG_RUN_TAG = "insyn.audit.log_run"
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
FORMAT_VERSION = 1

LOG_MISSING_MESSAGE = "The audit experiment {name!r} exists but cannot be read; try again."
UNKNOWN_EVENT_MESSAGE = "Unknown audit event {event!r}; known events: {known}."
APPEND_CONFLICT_MESSAGE = (
    "Could not append {event!r} to the audit log: {attempts} other appends won the same "
    "place in a row. Nothing was written; try again."
)


class AuditError(InsynError, RuntimeError):
    """An audit-log append that could not be completed (nothing was claimed)."""


class AuditEntry(_ReadOnly):
    """One entry of the audit log (read-only)."""

    _fields = (
        "sequence",
        "event",
        "time",
        "slug",
        "version",
        "details",
        "artifacts",
        "previous_hash",
        "hash",
    )
    if TYPE_CHECKING:
        sequence: int
        event: str
        time: str
        slug: str
        version: int | None
        details: dict[str, Any]
        artifacts: tuple[dict[str, str], ...]
        previous_hash: str
        hash: str

    def to_dict(self) -> dict[str, Any]:
        """The entry as stored (JSON-safe)."""
        return {
            f: (list(getattr(self, f)) if f == "artifacts" else getattr(self, f))
            for f in self._fields
        }


class AuditHead(_ReadOnly):
    """The last entry's sequence number and hash (sequence 0 and 64 zeros for an empty log)."""

    _fields = ("sequence", "hash")
    if TYPE_CHECKING:
        sequence: int
        hash: str


class AuditProblem(_ReadOnly):
    """Where verification found the log broken: entry, event, artifact path and what is wrong."""

    _fields = ("sequence", "event", "artifact", "message")
    if TYPE_CHECKING:
        sequence: int
        event: str | None
        artifact: str | None
        message: str


class AuditVerification(_ReadOnly):
    """The outcome of :func:`verify`; ``ok`` only when ``problems`` is empty."""

    _fields = ("entries", "head", "problems", "unclaimed_files")
    if TYPE_CHECKING:
        entries: int
        head: AuditHead
        problems: tuple[AuditProblem, ...]
        unclaimed_files: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every entry and artifact verified."""
        return not self.problems


def canonical(data: Any) -> bytes:
    """The bytes that are hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 of an entry without its own ``hash`` field."""
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


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


def remote_refs(reg: Register, run_id: str, *paths: str) -> list[dict[str, str]]:
    """References to stored artifacts of ``run_id`` (downloaded and hashed now)."""
    refs = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            local = Path(reg.client.download_artifacts(run_id, path, tmp))
            files = (
                [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
            )
            for file in files:
                relative = path if file == local else f"{path}/{file.relative_to(local).as_posix()}"
                refs.append({"run_id": run_id, "path": relative, "sha256": sha256_file(file)})
    return refs


# -- the log run ---------------------------------------------------------------------
def _experiment_name(reg: Register) -> str:
    return f"{reg._experiment}{AUDIT_SUFFIX}"


def log_run(reg: Register, *, create: bool = True) -> str | None:
    """The id of the log run (created with the audit experiment), or None when there is
    no log yet and ``create`` is False."""
    key = ("audit", "log_run")
    if key in reg._cache:
        return str(reg._cache[key])
    from mlflow.exceptions import MlflowException

    from register._tracking import artifact_root_for

    client = reg.client
    name = _experiment_name(reg)
    found = client.get_experiment_by_name(name)
    if found is None:
        if not create:
            return None
        try:
            experiment_id = client.create_experiment(
                name, artifact_location=artifact_root_for(reg.tracking_uri)
            )
        except MlflowException as exc:
            if (
                "ALREADY_EXISTS" not in str(exc.error_code)
                and "already exists" not in str(exc).lower()
            ):
                raise
        else:
            run = client.create_run(
                experiment_id, run_name=LOG_RUN_NAME, tags={"insyn.audit": "log"}
            )
            client.set_experiment_tag(experiment_id, LOG_RUN_TAG, run.info.run_id)
            reg._cache[key] = run.info.run_id
            return str(run.info.run_id)
        found = client.get_experiment_by_name(name)
        if found is None:
            raise AuditError(LOG_MISSING_MESSAGE.format(name=name))
    run_id = _wait_for_log_run(reg, found.experiment_id)
    reg._cache[key] = run_id
    return run_id


def _wait_for_log_run(reg: Register, experiment_id: str) -> str:
    deadline = time.monotonic() + LOG_RUN_WAIT_SECONDS
    while True:
        tags = reg.client.get_experiment(experiment_id).tags
        if tags.get(LOG_RUN_TAG):
            return str(tags[LOG_RUN_TAG])
        if time.monotonic() > deadline:  # the creator died before tagging: take the oldest run
            runs = reg.client.search_runs([experiment_id], order_by=["attributes.start_time ASC"])
            if runs:
                reg.client.set_experiment_tag(experiment_id, LOG_RUN_TAG, runs[0].info.run_id)
                return str(runs[0].info.run_id)
            run = reg.client.create_run(experiment_id, run_name=LOG_RUN_NAME)
            reg.client.set_experiment_tag(experiment_id, LOG_RUN_TAG, run.info.run_id)
            return str(run.info.run_id)
        time.sleep(0.2)


def _claims(reg: Register, run_id: str) -> list[tuple[int, str]]:
    params = reg.client.get_run(run_id).data.params
    return sorted(
        (int(k[len(CLAIM_PREFIX) :]), v) for k, v in params.items() if k.startswith(CLAIM_PREFIX)
    )


def head(reg: Register) -> AuditHead:
    """The log's last entry (sequence and hash) as claimed; no verification."""
    run_id = log_run(reg, create=False)
    claims = _claims(reg, run_id) if run_id else []
    if not claims:
        return AuditHead(sequence=0, hash=GENESIS_HASH)
    return AuditHead(sequence=claims[-1][0], hash=claims[-1][1])


def entry_path(sequence: int, digest: str) -> str:
    """Where entry ``sequence`` with hash ``digest`` is stored in the log run."""
    return f"{ENTRY_DIR}/{sequence:08d}-{digest[:16]}.json"


def append(
    reg: Register,
    event: str,
    *,
    slug: str,
    version: int | None = None,
    details: dict[str, Any] | None = None,
    artifacts: list[dict[str, str]] | tuple[dict[str, str], ...] = (),
) -> AuditEntry:
    """Append one entry and return it; safe when several processes append at once.

    Guarantees: the entry links to the head it was appended after; on a sequence
    conflict it retries on the new head; raises :class:`AuditError` after
    MAX_ATTEMPTS lost races (nothing claimed).
    """
    if event not in EVENTS:
        raise AuditError(UNKNOWN_EVENT_MESSAGE.format(event=event, known=", ".join(EVENTS)))
    from mlflow.exceptions import MlflowException

    run_id = log_run(reg)
    assert run_id is not None
    client = reg.client
    for _ in range(MAX_ATTEMPTS):
        last = head(reg)
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
        }
        entry["hash"] = entry_hash(entry)
        path = entry_path(entry["sequence"], entry["hash"])
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / Path(path).name
            local.write_bytes(canonical(entry) + b"\n")
            client.log_artifact(run_id, str(local), ENTRY_DIR)
        try:
            client.log_param(run_id, f"{CLAIM_PREFIX}{entry['sequence']:08d}", entry["hash"])
        except MlflowException as exc:
            if "INVALID_PARAMETER_VALUE" not in str(exc.error_code) and "Changing param" not in str(
                exc
            ):
                raise
            time.sleep(random.uniform(0.01, 0.1))  # jitter, not security
            continue
        return _entry(entry)
    raise AuditError(APPEND_CONFLICT_MESSAGE.format(event=event, attempts=MAX_ATTEMPTS))


def _entry(data: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        sequence=int(data["sequence"]),
        event=str(data["event"]),
        time=str(data["time"]),
        slug=str(data["slug"]),
        version=None if data.get("version") is None else int(data["version"]),
        details=dict(data.get("details") or {}),
        artifacts=tuple(dict(a) for a in data.get("artifacts") or ()),
        previous_hash=str(data["previous_hash"]),
        hash=str(data["hash"]),
    )


def _download(reg: Register, run_id: str, path: str, folder: Path) -> Path | None:
    try:
        return Path(reg.client.download_artifacts(run_id, path, str(folder)))
    except Exception:
        return None


def entries(reg: Register, *, slug: str | None = None) -> list[AuditEntry]:
    """The claimed entries (optionally of one slug) in order; unreadable ones are skipped
    (use :func:`verify` to find them)."""
    run_id = log_run(reg, create=False)
    if run_id is None:
        return []
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for sequence, digest in _claims(reg, run_id):
            key = ("audit", "entry", digest)
            if key not in reg._cache:
                local = _download(reg, run_id, entry_path(sequence, digest), Path(tmp))
                try:
                    data = json.loads(local.read_bytes()) if local else None
                except ValueError:
                    data = None
                if data is None or entry_hash(data) != digest:
                    continue
                reg._cache[key] = _entry(data)
            found: AuditEntry = reg._cache[key]
            if slug is None or found.slug == slug:
                out.append(found)
    return out
