"""The audit log's read-only result objects (see :mod:`register.audit._chain`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from register.store._results import _ReadOnly


class AuditEntry(_ReadOnly):
    """One entry of the audit log (read-only). Format 2 entries name their ``author``
    ({username, role, organisation}) and carry the writer's ``key_id`` and ``signature``;
    format 1 entries (written before signing) have None there."""

    _fields = (
        "format",
        "sequence",
        "event",
        "time",
        "slug",
        "version",
        "details",
        "artifacts",
        "previous_hash",
        "author",
        "key_id",
        "hash",
        "signature",
    )
    if TYPE_CHECKING:
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
            for f in self._fields
        }
        if self.format < 2:
            for key in ("author", "key_id", "signature"):
                data.pop(key)
        return data


class AuditHead(_ReadOnly):
    """The last entry's sequence number and hash (sequence 0 and 64 zeros for an empty log)."""

    _fields = ("sequence", "hash")
    if TYPE_CHECKING:
        sequence: int
        hash: str


class SignedHead(_ReadOnly):
    """A head anyone can check with the writer's public key: the last entry's sequence,
    hash and time, the key id and the entry's signature (None for an empty log or a
    format 1 head). Remember it; :func:`register.audit._verify.verify` with
    ``expected_heads`` proves the log still contains it."""

    _fields = ("sequence", "hash", "time", "key_id", "signature")
    if TYPE_CHECKING:
        sequence: int
        hash: str
        time: str | None
        key_id: str | None
        signature: str | None

    def to_dict(self) -> dict[str, Any]:
        """The head as JSON (one line of a heads file)."""
        return {f: getattr(self, f) for f in self._fields}


class AuditProblem(_ReadOnly):
    """Where verification found the log broken: entry (0 when the problem is the
    catalogue's or a remembered head's, not one entry's), event, artifact path, the
    algorithm when one is concerned, and what is wrong."""

    _fields = ("sequence", "event", "artifact", "slug", "message")
    if TYPE_CHECKING:
        sequence: int
        event: str | None
        artifact: str | None
        slug: str | None
        message: str


class AuditVerification(_ReadOnly):
    """The outcome of :func:`verify`; ``ok`` only when ``problems`` is empty.

    ``unsigned`` counts format 1 entries (written before signing; verified by hash only),
    ``key_ids`` the keys that signed the rest, ``keys_pinned`` whether those keys were
    checked against keys the caller trusts (else only against the keys the store
    publishes), ``heads_checked`` how many remembered heads were found intact."""

    _fields = (
        "entries",
        "head",
        "problems",
        "unclaimed_files",
        "unsigned",
        "key_ids",
        "keys_pinned",
        "heads_checked",
    )
    if TYPE_CHECKING:
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
