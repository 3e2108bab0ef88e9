"""The audit log's read-only result objects (see :mod:`register.audit._chain`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditEntry:
    """One entry of the audit log (read-only). Format 2 entries name their ``author``
    ({username, role, organisation}) and carry the writer's ``key_id`` and ``signature``;
    format 1 entries (written before signing) have None there."""

    format: int
    sequence: int
    event: str
    time: str
    slug: str
    version: int | None
    details: dict[str, Any]
    artifacts: tuple[dict[str, str], ...]
    previous_hash: str
    author: dict[str, Any] | None
    key_id: str | None
    hash: str
    signature: str | None

    @property
    def signed(self) -> bool:
        """Whether the entry carries a signature (format 2)."""
        return self.signature is not None

    def to_dict(self) -> dict[str, Any]:
        """The entry as stored (JSON-safe); format 1 entries without the format 2 fields."""
        data = {
            f: (list(getattr(self, f)) if f == "artifacts" else getattr(self, f))
            for f in _names(self)
        }
        if self.format < 2:
            for key in ("author", "key_id", "signature"):
                data.pop(key)
        return data


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditHead:
    """The last entry's sequence number and hash (sequence 0 and 64 zeros for an empty log)."""

    sequence: int
    hash: str


@dataclass(frozen=True, kw_only=True, slots=True)
class SignedHead:
    """A head anyone can check with the writer's public key: the last entry's sequence,
    hash and time, the key id and the entry's signature (None for an empty log or a
    format 1 head). Remember it; :func:`register.audit._verify.verify` with
    ``expected_heads`` proves the log still contains it."""

    sequence: int
    hash: str
    time: str | None
    key_id: str | None
    signature: str | None

    def to_dict(self) -> dict[str, Any]:
        """The head as JSON (one line of a heads file)."""
        return {f: getattr(self, f) for f in _names(self)}


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditProblem:
    """Where verification found the log broken: entry (0 when the problem is the
    catalogue's or a remembered head's, not one entry's), event, artifact path, the
    algorithm when one is concerned, and what is wrong."""

    sequence: int
    event: str | None
    artifact: str | None
    slug: str | None
    message: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditVerification:
    """The outcome of :func:`verify`; ``ok`` only when ``problems`` is empty.

    ``unsigned`` counts format 1 entries (written before signing; verified by hash only),
    ``key_ids`` the keys that signed the rest, ``keys_pinned`` whether those keys were
    checked against keys the caller trusts (else only against the keys the store
    publishes), ``heads_checked`` how many remembered heads were found intact."""

    entries: int
    head: AuditHead
    problems: tuple[AuditProblem, ...]
    unclaimed_files: tuple[str, ...]
    unsigned: int
    key_ids: tuple[str, ...]
    keys_pinned: bool
    heads_checked: int

    @property
    def ok(self) -> bool:
        """True when every entry and artifact verified."""
        return not self.problems


def _names(result: Any) -> tuple[str, ...]:
    """The field names of a result object, in declaration order."""
    return tuple(f.name for f in fields(result))
