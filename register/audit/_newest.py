"""The newest entries of the audit log, read from the end (for change feeds).

:func:`register.audit._chain.entries` reads every claimed entry; a feed of the last
hundred events of a register with tens of thousands of entries must not. The log's
claims (one read of the log run's parameters) give every entry's place and hash, so
:func:`newest_entries` reads entry files from the newest back and stops as soon as it
has enough, applying the same rules as :func:`~register.audit._chain.entries`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from register.audit._chain import _load_entry, _signature_ok, claims, entries, log_run
from register.audit._types import AuditEntry
from register.store._view import StoreView

__all__ = ["LoggedEvent", "logged_events", "newest_entries", "newest_of"]

Keep = Callable[[AuditEntry], bool]


def newest_entries(view: StoreView, limit: int, *, where: Keep | None = None) -> list[AuditEntry]:
    """Up to ``limit`` of the log's readable entries for which ``where`` holds (every
    entry when None), newest first.

    Guarantees: the entries are exactly the last ``limit`` such entries that
    :func:`~register.audit._chain.entries` returns, in reverse order. Entry files are
    read from the newest back and reading stops once ``limit`` are found, so a full log
    costs one read of the claims and as many entry reads as it takes to find them
    (entries already read are cached in ``view``). Only when the window holds an
    unsigned (format 1) entry is the whole log read: whether such an entry counts
    depends on every entry before it.
    """
    if limit <= 0:
        return []
    run_id = log_run(view, create=False)
    if run_id is None:
        return []
    found: list[AuditEntry] = []
    for sequence, digest in reversed(claims(view, run_id)):
        entry = view.cached(
            ("audit", "entry", digest), partial(_load_entry, view, run_id, sequence, digest)
        )
        if entry is None:
            continue
        if not entry.signed:
            return _from_whole_log(view, limit, where)
        if not _signature_ok(view, run_id, entry):
            continue
        if where is None or where(entry):
            found.append(entry)
            if len(found) >= limit:
                break
    return found


def _from_whole_log(view: StoreView, limit: int, where: Keep | None) -> list[AuditEntry]:
    kept = [e for e in entries(view) if where is None or where(e)]
    return kept[::-1][:limit]


@dataclass(frozen=True, kw_only=True, slots=True)
class LoggedEvent:
    """The few fields of one audit entry a count over time needs."""

    sequence: int
    event: str
    time: str
    slug: str
    version: int | None
    hash: str


@dataclass(kw_only=True, slots=True)
class _Index:
    """What :func:`logged_events` has read of one log so far."""

    run_id: str
    claimed: int = 0  # claims walked
    signed_seen: bool = False
    events: list[LoggedEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


_INDEXES: weakref.WeakKeyDictionary[StoreView, _Index] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def logged_events(view: StoreView) -> tuple[LoggedEvent, ...]:
    """Every readable entry of the log as a :class:`LoggedEvent`, in order: the entries
    :func:`~register.audit._chain.entries` returns, as they were when first read.

    Guarantees: the log is append-only, so each entry is read once per ``view``: a later
    call reads only the entries claimed since (one read of the claims, plus those). An
    entry skipped once (unreadable, altered, wrongly signed) stays skipped for ``view``;
    verification names it.
    """
    run_id = log_run(view, create=False)
    if run_id is None:
        return ()
    with _INDEXES_LOCK:
        index = _INDEXES.get(view)
        if index is None or index.run_id != run_id:
            index = _INDEXES[view] = _Index(run_id=run_id)
    with index.lock:
        claimed = claims(view, run_id)
        for sequence, digest in claimed[index.claimed :]:
            entry = _load_entry(view, run_id, sequence, digest)
            index.claimed += 1
            if entry is None:
                continue
            if entry.signed:
                index.signed_seen = True
                if not _signature_ok(view, run_id, entry):
                    continue
            elif index.signed_seen:
                continue
            index.events.append(
                LoggedEvent(
                    sequence=entry.sequence,
                    event=entry.event,
                    time=entry.time,
                    slug=entry.slug,
                    version=entry.version,
                    hash=entry.hash,
                )
            )
        return tuple(index.events)


def newest_of(
    view: StoreView, slugs: Iterable[str], limit: int, *, where: Keep | None = None
) -> list[AuditEntry]:
    """Up to ``limit`` of the newest entries about any of ``slugs`` for which ``where``
    holds, newest first: the same entries :func:`newest_entries` would find with a
    ``where`` that also asks for the slug.

    Guarantees: finds them through :func:`logged_events` (each entry read once per
    ``view``), then reads only the entries it returns or rejects with ``where``; a few
    algorithms' events deep in a long log cost no walk through it.
    """
    wanted = set(slugs)
    run_id = log_run(view, create=False)
    if limit <= 0 or not wanted or run_id is None:
        return []
    found: list[AuditEntry] = []
    for event in reversed(logged_events(view)):
        if event.slug not in wanted:
            continue
        entry = view.cached(
            ("audit", "entry", event.hash),
            partial(_load_entry, view, run_id, event.sequence, event.hash),
        )
        if entry is not None and (where is None or where(entry)):
            found.append(entry)
            if len(found) >= limit:
                break
    return found
