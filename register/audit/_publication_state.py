"""What the audit log says about publication, and whether the catalogue agrees.

The log is the commit point of publishing and retiring (see
:mod:`register.lifecycle._publication`, which writes; this module only reads):
:func:`logged_publication` and :func:`logged_retired` read the log,
:func:`expected_tags` is what the catalogue must say for it, and
:func:`publication_state` tells an agreed publication from an unfinished one or
one made outside insyn (the alias moved with a plain MLflow client, with no
``published`` entry).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from register.audit._chain import entries
from register.audit._types import AuditEntry
from register.store import _catalogue as cat
from register.store._protocol import StoreError
from register.store._view import StoreView

__all__ = [
    "STATES",
    "PublicationState",
    "expected_tags",
    "logged_publication",
    "logged_retired",
    "publication_state",
]

STATES = ("none", "agreed", "unfinished", "outside", "missing")


@dataclass(frozen=True, kw_only=True, slots=True)
class PublicationState:
    """How an algorithm's ``published`` alias compares with the log.

    ``state``: ``none`` (neither alias nor entry), ``agreed`` (the alias names the
    version of the log's last ``published`` entry), ``unfinished`` (the log is ahead:
    its last publication is not yet on the alias), ``outside`` (the alias names a
    version the log never published: moved outside insyn), ``missing`` (the log's
    published version no longer exists)."""

    slug: str
    state: str
    alias_version: int | None
    log_version: int | None


def versioned_entries(view: StoreView, slug: str) -> list[AuditEntry]:
    """The log's entries about a version of ``slug`` (readable ones, in order)."""
    return [e for e in entries(view, slug=slug) if e.version is not None]


def logged_publication(view: StoreView, slug: str) -> int | None:
    """The version of the log's last ``published`` entry for ``slug`` (None if none)."""
    published = [e for e in versioned_entries(view, slug) if e.event == "published"]
    return published[-1].version if published else None


def logged_retired(view: StoreView, slug: str, version: int) -> bool:
    """Whether the log holds a ``retired`` entry for ``slug`` version ``version``."""
    return any(e.event == "retired" and e.version == version for e in versioned_entries(view, slug))


def publication_state(view: StoreView, slug: str, alias: int | None = None) -> PublicationState:
    """Compare the alias of ``slug`` (read now unless given) with the log; raises
    ``NotFoundError`` for an unknown slug."""
    if alias is None:
        alias = view.registered(slug).aliases.get(cat.PUBLISHED_ALIAS)
    published = [e.version for e in versioned_entries(view, slug) if e.event == "published"]
    logged = published[-1] if published else None
    if alias is None and logged is None:
        state = "none"
    elif alias == logged:
        state = "agreed"
    elif alias is not None and alias not in published:
        state = "outside"
    elif not _version_exists(view, slug, logged):
        state = "missing"
    else:
        state = "unfinished"
    return PublicationState(slug=slug, state=state, alias_version=alias, log_version=logged)


def _version_exists(view: StoreView, slug: str, version: int | None) -> bool:
    if version is None:
        return False
    try:
        view.store.get_model_version(slug, version)
    except StoreError:
        return False
    return True


def expected_tags(record: Any, version: int, retired: bool) -> dict[str, str]:
    """The catalogue tags the log implies for published ``version`` with ``record``."""
    tags = cat.catalogue_tags(record, status="retired" if retired else record.status.value)
    tags[cat.PUBLISHED] = "true"
    tags[cat.PUBLISHED_VERSION] = str(version)
    return tags
