"""Publishing and retiring with the audit log as the commit point.

``publish`` first appends the signed ``published`` entry (with the hashes of the
version's record and model files and any ``details``, such as an override of
failed checks); only then does it move the ``published`` alias and converge the
catalogue tags to what the log says. If the append fails nothing has moved. If
the process dies after the append, the log is ahead of the alias: verification
names the unfinished publication, readers do not treat the version as published
(the alias still names the version before), and running ``publish`` again
finishes it without a second entry. ``retire`` works the same way.

:func:`publication_state` (kept in :mod:`register.audit._publication_state`, which
reads the log) is what readers use to tell an agreed publication from an unfinished
one or one made outside insyn.

A version's record and file hashes never change once written, so they are read
through the :class:`StoreView`'s cache (:func:`stored_record`, :func:`stored_refs`);
registration puts what it has just written there, so publishing right after
registering downloads nothing.
"""

from __future__ import annotations

from typing import Any

from register._errors import InsynError, NotFoundError
from register.audit import _chain as _audit
from register.audit._publication_state import (
    STATES,
    PublicationState,
    expected_tags,
    logged_publication,
    logged_retired,
    publication_state,
    versioned_entries,
)
from register.audit._types import AuditEntry
from register.audit._writer import AuditWriter
from register.record._schema import TransparencyRecord, parse_record
from register.store import _catalogue as cat
from register.store import _catalogue_index
from register.store._paths import COMPLETE_TAG, MODEL_PATH, RECORD_PATH, STATUS_TAG
from register.store._protocol import StoreDeniedError
from register.store._view import StoreView, view_of

__all__ = [
    "STATES",
    "PublicationError",
    "PublicationState",
    "PublicationUnfinishedError",
    "Publisher",
    "converge",
    "expected_tags",
    "logged_publication",
    "logged_retired",
    "publication_state",
    "publish",
    "retire",
    "stored_record",
    "stored_refs",
]

INCOMPLETE_MESSAGE = (
    "Version {version} of {slug!r} is incomplete (its registration did not finish) "
    "and cannot be published."
)
PUBLISH_FAILED_MESSAGE = (
    "Publishing version {version} of {slug!r} failed while writing the audit log: {reason}. "
    "Nothing was published."
)
RETIRE_FAILED_MESSAGE = (
    "Retiring version {version} of {slug!r} failed while writing the audit log: {reason}. "
    "Nothing was retired."
)
UNFINISHED_MESSAGE = (
    "The {event} of version {version} of {slug!r} is logged, but updating the catalogue "
    "failed: {reason}. Run 'insyn {command}' to finish it."
)
NOT_PUBLISHED_MESSAGE = "The algorithm {slug!r} has no published version."
MAX_CONVERGE_ROUNDS = 10


class PublicationError(InsynError, RuntimeError):
    """Publishing or retiring failed; the message says whether anything moved."""


class PublicationUnfinishedError(PublicationError):
    """The entry is in the log but the alias or catalogue did not follow; the message says
    which command finishes it."""


def record_key(run_id: str) -> tuple[str, ...]:
    """The cache key of the parsed record of run ``run_id``."""
    return ("record", run_id)


def refs_key(run_id: str, *paths: str) -> tuple[str, ...]:
    """The cache key of the file references of ``paths`` in run ``run_id``."""
    return ("sha256", run_id, *paths)


def stored_record(view: StoreView, run_id: str) -> TransparencyRecord:
    """The record of run ``run_id``, parsed once per view (a run's files never change)."""
    return view.cached(
        record_key(run_id), lambda: parse_record(view.artifact_json(run_id, RECORD_PATH))
    )


def stored_refs(view: StoreView, run_id: str, *paths: str) -> list[dict[str, str]]:
    """References (path, SHA-256) to the stored files under ``paths`` of run ``run_id``,
    hashed once per view."""
    refs = view.cached(refs_key(run_id, *paths), lambda: _audit.remote_refs(view, run_id, *paths))
    return [dict(ref) for ref in refs]


def _refused(exc: BaseException) -> bool:
    """A 401/403 the caller explains in plain words (see register.shared._auth)."""
    return isinstance(exc, StoreDeniedError)


def _may_change(view: StoreView, slug: str) -> None:
    """Refuse before anything is logged when the caller may not change ``slug``: a write
    that changes nothing (the managed tag, already set) needs the same right as moving the
    alias, so a tracking server answers 403 here and nothing is appended."""
    view.store.set_registered_model_tag(slug, cat.MANAGED, "true")


def publish(
    view: StoreView,
    writer: AuditWriter,
    slug: str,
    version: int,
    *,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append ``published`` for ``slug`` version ``version`` (unless the log's last
    publication of ``slug`` already is this version), then move the alias and converge
    the catalogue. Raises :class:`PublicationError`: "Nothing was published" when the
    append failed, or how to finish when only the catalogue update failed."""
    view = view_of(view)
    mv = view.version(slug, version)
    if mv.tags.get(COMPLETE_TAG) != "true":
        raise InsynError(INCOMPLETE_MESSAGE.format(slug=slug, version=version))
    stored_record(view, mv.run_id)  # readable before it is public
    _may_change(view, slug)
    previous = [e for e in versioned_entries(view, slug) if e.event == "published"]
    if previous and previous[-1].version == int(version):
        entry = previous[-1]
    else:
        try:
            entry = writer.append(
                "published",
                slug=slug,
                version=int(version),
                details={**(details or {}), "run_id": mv.run_id},
                artifacts=stored_refs(view, mv.run_id, RECORD_PATH, MODEL_PATH),
            )
        except InsynError:
            raise
        except Exception as exc:
            if _refused(exc):
                raise
            raise PublicationError(
                PUBLISH_FAILED_MESSAGE.format(slug=slug, version=version, reason=exc)
            ) from exc
    _finish(view, slug, "publication", int(version), f"publish {slug} {int(version)}")
    return entry


def retire(
    view: StoreView, writer: AuditWriter, slug: str, *, details: dict[str, Any] | None = None
) -> AuditEntry:
    """Append ``retired`` for the version the log last published (once), then converge
    the catalogue (status ``retired``). Raises :class:`NotFoundError` when nothing is
    published, :class:`PublicationError` as :func:`publish` does."""
    view = view_of(view)
    version = logged_publication(view, slug)
    if version is None:
        raise NotFoundError(NOT_PUBLISHED_MESSAGE.format(slug=slug))
    _may_change(view, slug)
    done = [
        e for e in versioned_entries(view, slug) if e.event == "retired" and e.version == version
    ]
    if done:
        entry = done[-1]
    else:
        mv = view.version(slug, version)
        try:
            entry = writer.append(
                "retired",
                slug=slug,
                version=version,
                details=dict(details or {}),
                artifacts=stored_refs(view, mv.run_id, RECORD_PATH),
            )
        except InsynError:
            raise
        except Exception as exc:
            if _refused(exc):
                raise
            raise PublicationError(
                RETIRE_FAILED_MESSAGE.format(slug=slug, version=version, reason=exc)
            ) from exc
    _finish(view, slug, "retirement", version, f"retire {slug}")
    return entry


def _finish(view: StoreView, slug: str, event: str, version: int, command: str) -> None:
    try:
        converge(view, slug)
    except Exception as exc:
        if _refused(exc):
            raise
        raise PublicationUnfinishedError(
            UNFINISHED_MESSAGE.format(
                event=event, version=version, slug=slug, reason=exc, command=command
            )
        ) from exc


def converge(view: StoreView, slug: str) -> None:
    """Move the alias to the log's last published version and write the catalogue tags
    it implies, until alias, tags and log agree (concurrent publishers each repair
    after their last write, so the last one leaves the log's state). Only what differs
    is written; the record comes from the view's cache."""
    view = view_of(view)
    store = view.store
    _catalogue_index.forget(view)
    for _ in range(MAX_CONVERGE_ROUNDS):
        target = logged_publication(view, slug)
        if target is None:
            return
        registered = store.get_registered_model(slug)
        if registered.aliases.get(cat.PUBLISHED_ALIAS) != target:
            store.set_alias(slug, cat.PUBLISHED_ALIAS, target)
        mv = store.get_model_version(slug, target)
        record = stored_record(view, mv.run_id)
        retired = logged_retired(view, slug, target)
        if retired and mv.tags.get(STATUS_TAG) != "retired":
            store.set_model_version_tag(slug, target, STATUS_TAG, "retired")
        for key, value in expected_tags(record, target, retired).items():
            if registered.tags.get(key) != value:
                store.set_registered_model_tag(slug, key, value)
        if registered.description != record.short_description.sv:
            store.set_description(slug, record.short_description.sv)
        holder = store.get_registered_model(slug).aliases.get(cat.PUBLISHED_ALIAS)
        if holder == target and logged_publication(view, slug) == target:
            _catalogue_index.forget(view)
            return


class Publisher:
    """Publishing and retiring for one register (a
    :class:`register.audit._writer.Publication`, given to its writer)."""

    def __init__(self, view: StoreView) -> None:
        self._view = view

    def publish(
        self,
        writer: AuditWriter,
        slug: str,
        version: int,
        *,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """See :func:`publish`."""
        return publish(self._view, writer, slug, version, details=details)

    def retire(
        self, writer: AuditWriter, slug: str, *, details: dict[str, Any] | None = None
    ) -> AuditEntry:
        """See :func:`retire`."""
        return retire(self._view, writer, slug, details=details)
