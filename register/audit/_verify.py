"""Verifying the audit trail: chain, signatures, remembered heads, artifacts, catalogue.

See :mod:`register.audit._chain` for the log's layout. What :func:`verify` proves:

- every claimed entry exists, is unchanged, is in its place and links to the one
  before (hash chain);
- every format 2 entry names an author in a known role, is signed, and its
  signature verifies with a key the caller trusts (``trusted_keys``) or, without
  pinned keys, with a key the store publishes (which a writer of the store could
  replace: pin keys to close that gap);
- every remembered head (``expected_heads``) is still in the log with the same
  hash (a consistency check: truncation and rewrites are caught);
- every artifact an entry names still has the logged SHA-256;
- the catalogue agrees with the log (:mod:`register.audit._catalogue_check`).

Problems name the entry number (0 when the problem is a head's or the catalogue's),
its event, the artifact path and what is wrong; messages are the constants below.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from register.audit._catalogue_check import (  # noqa: F401 - OUTSIDE_ROLE is a verification message too
    OUTSIDE_ROLE,
    check_catalogue,
    check_entries,
)
from register.audit._chain import (
    ENTRY_DIR,
    GENESIS_HASH,
    KEY_DIR,
    AuditEntry,
    AuditProblem,
    AuditVerification,
    claims,
    download,
    entry_from_dict,
    entry_hash,
    entry_path,
    head,
    log_run,
    read_bytes,
    sha256_file,
)
from register.audit._heads import (  # noqa: F401 - the head messages belong to verification
    HEAD_NOT_FOUND,
    HEAD_REWRITTEN,
    HEAD_SIGNATURE,
    HEAD_TRUNCATED,
    as_heads,
    check_heads,
)
from register.audit._signing import key_id, load_public_pem, verify_signature
from register.audit._writer import ROLES
from register.store._view import StoreView

ENTRY_GAP = "entry {sequence} is missing from the log (the sequence jumps from {before} to {after})"
ENTRY_FILE_MISSING = "entry {sequence}: its file {path} is missing from the log"
ENTRY_UNREADABLE = "entry {sequence}: its file {path} is not valid JSON ({detail})"
ENTRY_MALFORMED = "entry {sequence} ({event}): it is malformed ({detail}); readers skip it"
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
UNSIGNED_AFTER_SIGNED = (
    "entry {sequence} ({event}): it is unsigned although earlier entries are signed; "
    "it was not written by the register's writer"
)
NO_AUTHOR = (
    "entry {sequence} ({event}): it names no author (username and a role of {roles}); "
    "it was not written by the register's writer"
)
BAD_SIGNATURE = (
    "entry {sequence} ({event}): its signature does not verify with key {key_id}; "
    "the entry was forged or re-hashed"
)
UNKNOWN_KEY = "entry {sequence} ({event}): it is signed with key {key_id}, which is not {where}"
KEY_FILE_WRONG = "the published key file {path} does not hold the key {key_id} it is named after"
NONE_SIGNED = "none of the {entries} entries is signed, so the trusted key vouches for nothing"
WHERE_TRUSTED = "one of the trusted keys"
WHERE_PUBLISHED = "published in the register (keys/<key id>.pem in the log run)"


def _problem(
    sequence: int,
    event: str | None,
    artifact: str | None,
    message: str,
    slug: str | None = None,
) -> AuditProblem:
    return AuditProblem(
        sequence=sequence, event=event, artifact=artifact, slug=slug, message=message
    )


def _as_keys(
    keys: Iterable[Ed25519PublicKey] | Mapping[str, Ed25519PublicKey] | None,
) -> dict[str, Ed25519PublicKey] | None:
    if keys is None:
        return None
    values = keys.values() if isinstance(keys, Mapping) else keys
    return {key_id(k): k for k in values}


def published_keys(
    view: StoreView, run_id: str, problems: list[AuditProblem]
) -> dict[str, Ed25519PublicKey]:
    """The public keys the log run publishes, by key id; a file whose key does not match
    its name is a problem."""
    found: dict[str, Ed25519PublicKey] = {}
    for info in view.store.list_artifacts(run_id, KEY_DIR):
        name = Path(info.path).stem
        data = read_bytes(view, run_id, info.path)
        public = load_public_pem(data) if data is not None else None
        if public is None or key_id(public) != name:
            problems.append(
                _problem(0, None, info.path, KEY_FILE_WRONG.format(path=info.path, key_id=name))
            )
            continue
        found[name] = public
    return found


def verify(
    view: StoreView,
    *,
    expected_heads: Iterable[Any] = (),
    trusted_keys: Iterable[Ed25519PublicKey] | Mapping[str, Ed25519PublicKey] | None = None,
    catalogue: bool = True,
) -> AuditVerification:
    """Verify the log (see the module docstring) and, with ``catalogue``, that the
    catalogue agrees with it.

    Guarantees: every problem names the entry number, its event when readable, the
    artifact path when an artifact is at fault, and what is wrong; ``ok`` is True
    only when there is none.
    """
    heads = as_heads(expected_heads)
    pinned = _as_keys(trusted_keys)
    run_id = log_run(view, create=False)
    claimed = claims(view, run_id) if run_id else []
    problems: list[AuditProblem] = []
    readable: list[AuditEntry] = []
    state = {"signed_seen": False, "unsigned": 0, "key_ids": set()}
    files: set[str] = set()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if run_id is not None:
            files = {f.path for f in view.store.list_artifacts(run_id, ENTRY_DIR)}
            published = published_keys(view, run_id, problems)
            keys, where = (
                (pinned, WHERE_TRUSTED) if pinned is not None else (published, WHERE_PUBLISHED)
            )
            previous, expected = GENESIS_HASH, 1
            artifact_hashes: dict[tuple[str, str], str | None] = {}
            for sequence, digest in claimed:
                if sequence != expected:
                    problems.append(
                        _problem(
                            sequence,
                            None,
                            None,
                            ENTRY_GAP.format(
                                sequence=expected, before=expected - 1, after=sequence
                            ),
                        )
                    )
                expected = sequence + 1
                path = entry_path(sequence, digest)
                data = _read_entry(view, run_id, path, sequence, files, problems)
                if data is not None:
                    entry = _check_entry(data, sequence, digest, previous, problems)
                    _check_artifacts(view, data, sequence, tmp, artifact_hashes, problems)
                    if entry is not None:
                        _check_signature(entry, keys, where, state, problems)
                        readable.append(entry)
                previous = digest
        problems += check_heads(heads, claimed, pinned)
        if pinned is not None and claimed and not state["key_ids"]:
            problems.append(_problem(0, None, None, NONE_SIGNED.format(entries=len(claimed))))
        if catalogue:
            faulty = {p.sequence for p in problems}
            readable = [e for e in readable if e.sequence not in faulty]  # as readers see it
            problems += check_entries(view, readable)
            problems += check_catalogue(view, readable)
    claimed_paths = {entry_path(s, h) for s, h in claimed}
    return AuditVerification(
        entries=len(claimed),
        head=head(view),
        problems=tuple(problems),
        unclaimed_files=tuple(sorted(files - claimed_paths)),
        unsigned=int(state["unsigned"]),  # type: ignore[call-overload]
        key_ids=tuple(sorted(state["key_ids"])),  # type: ignore[call-overload]
        keys_pinned=pinned is not None,
        heads_checked=len(heads),
    )


def _read_entry(
    view: StoreView,
    run_id: str,
    path: str,
    sequence: int,
    files: set[str],
    problems: list[AuditProblem],
) -> dict[str, Any] | None:
    raw = read_bytes(view, run_id, path) if path in files else None
    if raw is None:
        problems.append(
            _problem(sequence, None, path, ENTRY_FILE_MISSING.format(sequence=sequence, path=path))
        )
        return None
    try:
        data = json.loads(raw)
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
    data: dict[str, Any],
    sequence: int,
    claimed: str,
    previous: str,
    problems: list[AuditProblem],
) -> AuditEntry | None:
    """Hash, place and chain of one entry; the entry when it is intact and well-formed."""
    event = str(data.get("event"))
    path = entry_path(sequence, claimed)
    fields = {"sequence": sequence, "event": event}
    altered = entry_hash(data) != claimed or data.get("hash") != claimed
    if altered:
        problems.append(_problem(sequence, event, path, ENTRY_ALTERED.format(**fields)))
    if data.get("sequence") != sequence:
        problems.append(
            _problem(
                sequence,
                event,
                path,
                ENTRY_OUT_OF_PLACE.format(**fields, claimed=data.get("sequence")),
            )
        )
    if data.get("previous_hash") != previous:
        problems.append(
            _problem(sequence, event, path, CHAIN_BROKEN.format(**fields, previous=sequence - 1))
        )
    try:
        entry = entry_from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:
        detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        problems.append(
            _problem(sequence, event, path, ENTRY_MALFORMED.format(**fields, detail=detail))
        )
        return None
    return None if altered else entry


def _check_signature(
    entry: AuditEntry,
    keys: dict[str, Ed25519PublicKey],
    where: str,
    state: dict[str, Any],
    problems: list[AuditProblem],
) -> None:
    fields = {"sequence": entry.sequence, "event": entry.event}
    slug = entry.slug
    if entry.format < 2 and entry.signature is None:
        if state["signed_seen"]:
            problems.append(
                _problem(
                    entry.sequence, entry.event, None, UNSIGNED_AFTER_SIGNED.format(**fields), slug
                )
            )
        else:
            state["unsigned"] += 1
        return
    state["signed_seen"] = True
    author = entry.author or {}
    if not author.get("username") or author.get("role") not in ROLES:
        problems.append(
            _problem(
                entry.sequence,
                entry.event,
                None,
                NO_AUTHOR.format(**fields, roles=", ".join(ROLES)),
                slug,
            )
        )
    key = keys.get(str(entry.key_id))
    if key is None:
        problems.append(
            _problem(
                entry.sequence,
                entry.event,
                None,
                UNKNOWN_KEY.format(**fields, key_id=entry.key_id, where=where),
                slug,
            )
        )
    elif not entry.signature or not verify_signature(key, entry.hash, entry.signature):
        problems.append(
            _problem(
                entry.sequence,
                entry.event,
                None,
                BAD_SIGNATURE.format(**fields, key_id=entry.key_id),
                slug,
            )
        )
    else:
        state["key_ids"].add(str(entry.key_id))


def _check_artifacts(
    view: StoreView,
    data: dict[str, Any],
    sequence: int,
    tmp: Path,
    artifact_hashes: dict[tuple[str, str], str | None],
    problems: list[AuditProblem],
) -> None:
    event = str(data.get("event"))
    refs = data.get("artifacts")
    for ref in refs if isinstance(refs, list) else ():
        if not isinstance(ref, dict):
            continue
        key = (str(ref.get("run_id")), str(ref.get("path")))
        if key not in artifact_hashes:
            local = download(view, key[0], key[1], tmp / "artifacts" / key[0])
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
