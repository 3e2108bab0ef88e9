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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from register.record._schema import parse_record
from register.store import _catalogue as cat
from register.store import _catalogue_index

if TYPE_CHECKING:
    from register._facade import Register
    from register.audit._chain import AuditEntry
    from register.audit._writer import AuditWriter

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
__all__ = [
    "STATES",
    "PublicationError",
    "PublicationState",
    "PublicationUnfinishedError",
    "converge",
    "expected_tags",
    "logged_publication",
    "logged_retired",
    "publication_state",
    "publish",
    "retire",
]


class PublicationError(InsynError, RuntimeError):
    """Publishing or retiring failed; the message says whether anything moved."""


class PublicationUnfinishedError(PublicationError):
    """The entry is in the log but the alias or catalogue did not follow; the message says
    which command finishes it."""


def _entries(reg: Register, slug: str) -> list[AuditEntry]:
    return versioned_entries(reg.view, slug)


def _may_change(reg: Register, slug: str) -> None:
    """Refuse before anything is logged when the caller may not change ``slug``: a write
    that changes nothing (the managed tag, already set) needs the same right as moving the
    alias, so a tracking server answers 403 here and nothing is appended."""
    reg.client.set_registered_model_tag(slug, cat.MANAGED, "true")


def _refused(exc: BaseException) -> bool:
    from register.shared._auth import _status_of

    return _status_of(exc) is not None


def publish(
    reg: Register,
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
    from register._facade import COMPLETE_TAG, MODEL_PATH, RECORD_PATH

    mv = reg._model_version(slug, version)
    if mv.tags.get(COMPLETE_TAG) != "true":
        raise InsynError(INCOMPLETE_MESSAGE.format(slug=slug, version=version))
    parse_record(reg._artifact_json(mv.run_id, RECORD_PATH))  # readable before it is public
    _may_change(reg, slug)
    previous = [e for e in _entries(reg, slug) if e.event == "published"]
    if previous and previous[-1].version == int(version):
        entry = previous[-1]
    else:
        try:
            artifacts = _audit.remote_refs(reg.view, mv.run_id, RECORD_PATH, MODEL_PATH)
            entry = writer.append(
                "published",
                slug=slug,
                version=int(version),
                details={**(details or {}), "run_id": mv.run_id},
                artifacts=artifacts,
            )
        except InsynError:
            raise
        except Exception as exc:
            if _refused(exc):  # 401/403: explained by the caller (register.shared._auth)
                raise
            raise PublicationError(
                PUBLISH_FAILED_MESSAGE.format(slug=slug, version=version, reason=exc)
            ) from exc
    _finish(reg, slug, "publication", int(version), f"publish {slug} {int(version)}")
    return entry


def retire(
    reg: Register, writer: AuditWriter, slug: str, *, details: dict[str, Any] | None = None
) -> AuditEntry:
    """Append ``retired`` for the version the log last published (once), then converge
    the catalogue (status ``retired``). Raises :class:`NotFoundError` when nothing is
    published, :class:`PublicationError` as :func:`publish` does."""
    from register._facade import RECORD_PATH

    version = logged_publication(reg.view, slug)
    if version is None:
        raise NotFoundError(NOT_PUBLISHED_MESSAGE.format(slug=slug))
    _may_change(reg, slug)
    done = [e for e in _entries(reg, slug) if e.event == "retired" and e.version == version]
    if done:
        entry = done[-1]
    else:
        mv = reg._model_version(slug, version)
        try:
            entry = writer.append(
                "retired",
                slug=slug,
                version=version,
                details=dict(details or {}),
                artifacts=_audit.remote_refs(reg.view, mv.run_id, RECORD_PATH),
            )
        except InsynError:
            raise
        except Exception as exc:
            if _refused(exc):
                raise
            raise PublicationError(
                RETIRE_FAILED_MESSAGE.format(slug=slug, version=version, reason=exc)
            ) from exc
    _finish(reg, slug, "retirement", version, f"retire {slug}")
    return entry


def _finish(reg: Register, slug: str, event: str, version: int, command: str) -> None:
    try:
        converge(reg, slug)
    except Exception as exc:
        if _refused(exc):
            raise
        raise PublicationUnfinishedError(
            UNFINISHED_MESSAGE.format(
                event=event, version=version, slug=slug, reason=exc, command=command
            )
        ) from exc


def converge(reg: Register, slug: str) -> None:
    """Move the alias to the log's last published version and write the catalogue tags
    it implies, until alias, tags and log agree (concurrent publishers each repair
    after their last write, so the last one leaves the log's state)."""
    from register._facade import RECORD_PATH

    client = reg.client
    _catalogue_index.forget(reg.view)
    for _ in range(MAX_CONVERGE_ROUNDS):
        target = logged_publication(reg.view, slug)
        if target is None:
            return
        registered = client.get_registered_model(slug)
        if str(registered.aliases.get(cat.PUBLISHED_ALIAS)) != str(target):
            client.set_registered_model_alias(slug, cat.PUBLISHED_ALIAS, str(target))
        mv = client.get_model_version(slug, str(target))
        record = parse_record(reg._artifact_json(str(mv.run_id), RECORD_PATH))
        retired = logged_retired(reg.view, slug, target)
        if retired and mv.tags.get("insyn.status") != "retired":
            client.set_model_version_tag(slug, str(target), "insyn.status", "retired")
        current = dict(registered.tags)
        for key, value in expected_tags(record, target, retired).items():
            if current.get(key) != value:
                client.set_registered_model_tag(slug, key, value)
        if registered.description != record.short_description.sv:
            client.update_registered_model(slug, description=record.short_description.sv)
        holder = client.get_registered_model(slug).aliases.get(cat.PUBLISHED_ALIAS)
        if str(holder) == str(target) and logged_publication(reg.view, slug) == target:
            _catalogue_index.forget(reg.view)
            return
