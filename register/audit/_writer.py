"""The audit log's one writer: who appends, in which role, signed with which key.

Everything in the register that appends to the log (registration's entries,
publish, retire, reviews) goes through :func:`writer_for` (the facade hands its
parts a factory that calls it). Today that is a
:class:`LocalWriter` in this process, with the local signing key and the operating
system's user as author (role ``local``). A writer service for a shared deployment
runs a :class:`LocalWriter` server-side with the caller's authenticated
:class:`Author`; the role rules are enforced here, so they hold there too:

- ``organisation``: entries about its own algorithms only (the registered model's
  ``organisation`` tag), and no reviews;
- ``auditor``: reviews only;
- ``admin`` and ``local``: any entry.

Publishing and retiring move the alias and the catalogue after the entry is
logged; that is the lifecycle's work, so a :class:`LocalWriter` is given it as a
:class:`Publication` by whoever builds the writer (audit never imports lifecycle).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any, Protocol

from register._errors import InsynError
from register.audit import _chain
from register.audit._chain import log_run, review_id
from register.audit._signing import Signer, published_key_ids, signer_for
from register.audit._types import AuditEntry
from register.audit._writer_http import http_writer_for, missing_audit_log
from register.store._catalogue import ORGANISATION
from register.store._credentials import is_server, tracking_username
from register.store._protocol import StoreDeniedError, StoreError
from register.store._view import StoreView

ROLES = ("organisation", "auditor", "admin", "local")
BAD_ROLE_MESSAGE = "Author role must be one of {allowed}; got {value!r}."
ORGANISATION_REQUIRED_MESSAGE = "An author in the role 'organisation' must name its organisation."
AUDITOR_ONLY_REVIEWS_MESSAGE = (
    "The auditor {username!r} may only add reviews to the audit log, not {event!r} entries. "
    "Nothing was written."
)
NOT_OWN_ALGORITHM_MESSAGE = (
    "{username!r} of the organisation {organisation!r} may not write {event!r} for the "
    "algorithm {slug!r}: it belongs to {owner!r}. Nothing was written."
)
ORGANISATION_NO_REVIEW_MESSAGE = (
    "{username!r} of the organisation {organisation!r} may not review algorithms; reviews "
    "are the auditors'. Nothing was written."
)
NO_PUBLICATION_MESSAGE = (
    "This audit writer was built without the register's publication steps, so it cannot "
    "{action}; use the register's writer (Register.publish / Register.retire). Nothing was "
    "written."
)


class WriterRefusedError(InsynError, PermissionError):
    """The writer refused an entry outside its author's role (nothing was written)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Author:
    """Who an entry is written for: account name, role and (for an organisation) its name."""

    username: str
    role: str
    organisation: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(BAD_ROLE_MESSAGE.format(allowed=", ".join(ROLES), value=self.role))
        if self.role == "organisation" and not self.organisation:
            raise ValueError(ORGANISATION_REQUIRED_MESSAGE)
        object.__setattr__(self, "username", str(self.username))

    def to_dict(self) -> dict[str, Any]:
        """The author as stored in an entry."""
        return {"username": self.username, "role": self.role, "organisation": self.organisation}


class AuditWriter(Protocol):
    """What appends to the audit log; every method returns the entry it wrote."""

    def append(
        self,
        event: str,
        *,
        slug: str,
        version: int | None = None,
        details: dict[str, Any] | None = None,
        artifacts: list[dict[str, str]] | tuple[dict[str, str], ...] = (),
    ) -> AuditEntry:
        """Append one entry."""
        ...

    def publish(
        self, slug: str, version: int, *, details: dict[str, Any] | None = None
    ) -> AuditEntry:
        """Log the publication, then move the alias and the catalogue tags."""
        ...

    def retire(self, slug: str, *, details: dict[str, Any] | None = None) -> AuditEntry:
        """Log the retirement of the published version, then update the catalogue."""
        ...

    def add_review(self, slug: str, version: int, review: dict[str, Any]) -> AuditEntry:
        """Log a review (its content inline in the entry)."""
        ...


class Publication(Protocol):
    """The lifecycle's part of publishing and retiring, given to a :class:`LocalWriter`:
    append the entry through ``writer``, then move the alias and converge the catalogue
    (see :mod:`register.lifecycle._publication`)."""

    def publish(
        self,
        writer: AuditWriter,
        slug: str,
        version: int,
        *,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Log the publication through ``writer``, then move the alias and the tags."""
        ...

    def retire(
        self, writer: AuditWriter, slug: str, *, details: dict[str, Any] | None = None
    ) -> AuditEntry:
        """Log the retirement through ``writer``, then update the catalogue."""
        ...


class LocalWriter:
    """An :class:`AuditWriter` in this process: signs with ``signer``, records ``author``;
    publishes and retires with ``publication`` (without one, those two are refused)."""

    def __init__(
        self,
        view: StoreView,
        signer: Signer,
        author: Author,
        *,
        publication: Publication | None = None,
    ) -> None:
        self._view = view
        self._signer = signer
        self._author = author
        self._publication = publication

    @property
    def author(self) -> Author:
        """Who this writer's entries are written for."""
        return self._author

    @property
    def key_id(self) -> str:
        """The key id of the signing key."""
        return self._signer.key_id

    def append(
        self,
        event: str,
        *,
        slug: str,
        version: int | None = None,
        details: dict[str, Any] | None = None,
        artifacts: list[dict[str, str]] | tuple[dict[str, str], ...] = (),
    ) -> AuditEntry:
        """Append one signed entry by this writer's author after checking the author's role;
        raises :class:`WriterRefusedError` (nothing written) outside it."""
        self._check_role(event, slug)
        return _chain.append(
            self._view,
            event,
            slug=slug,
            version=version,
            details=details,
            artifacts=artifacts,
            author=self._author.to_dict(),
            signer=self._signer,
        )

    def publish(
        self, slug: str, version: int, *, details: dict[str, Any] | None = None
    ) -> AuditEntry:
        """See :func:`register.lifecycle._publication.publish` (the author's role is checked first,
        also when the entry exists and only the catalogue is converged)."""
        self._check_role("published", slug)
        return self._steps("publish").publish(self, slug, version, details=details)

    def retire(self, slug: str, *, details: dict[str, Any] | None = None) -> AuditEntry:
        """See :func:`register.lifecycle._publication.retire` (role checked first)."""
        self._check_role("retired", slug)
        return self._steps("retire").retire(self, slug, details=details)

    def _steps(self, action: str) -> Publication:
        if self._publication is None:
            raise WriterRefusedError(NO_PUBLICATION_MESSAGE.format(action=action))
        return self._publication

    def add_review(self, slug: str, version: int, review: dict[str, Any]) -> AuditEntry:
        """Append ``review_added`` with the review's content inline (``details.review``)."""
        return self.append(
            "review_added",
            slug=slug,
            version=int(version),
            details={"review_id": review_id(review), "review": dict(review)},
        )

    def _check_role(self, event: str, slug: str) -> None:
        author = self._author
        if author.role in ("admin", "local"):
            return
        fields = {"username": author.username, "event": event, "slug": slug}
        if author.role == "auditor":
            if event != "review_added":
                raise WriterRefusedError(AUDITOR_ONLY_REVIEWS_MESSAGE.format(**fields))
            return
        if event == "review_added":
            raise WriterRefusedError(
                ORGANISATION_NO_REVIEW_MESSAGE.format(**fields, organisation=author.organisation)
            )
        owner = _owner(self._view, slug)
        if owner != author.organisation:
            raise WriterRefusedError(
                NOT_OWN_ALGORITHM_MESSAGE.format(
                    **fields, organisation=author.organisation, owner=owner
                )
            )


def _owner(view: StoreView, slug: str) -> str | None:
    try:
        model = view.store.get_registered_model(slug)
    except StoreError:  # no such algorithm (or not visible): it has no owner
        return None
    owner = dict(model.tags).get(ORGANISATION)
    return str(owner) if owner else None


def local_author() -> Author:
    """The operating system's user, in the role ``local``."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Author(username=name, role="local", organisation=None)


def writer_for(view: StoreView, *, publication: Publication | None = None) -> AuditWriter:
    """The writer this register appends through: on a tracking server that names a writer
    service (``$INSYN_WRITER_URL`` or the audit experiment's writer-URL tag), the service
    (:class:`register.audit._writer_http.HttpWriter`); else a :class:`LocalWriter` with the
    local signing key (see :mod:`register.audit._signing`) and the local user (on a tracking
    server, the MLflow account) as author, in the role ``local``, publishing with
    ``publication``. The key and author are looked up once per view."""
    remote = http_writer_for(view)  # None on an embedded store
    if remote is not None:
        return remote
    signer, author = view.cached(("writer", "local"), lambda: _local_identity(view))
    return LocalWriter(view, signer, author, publication=publication)


def _local_identity(view: StoreView) -> tuple[Signer, Author]:
    shared = is_server(view.uri)
    try:
        run_id = log_run(view)
    except StoreDeniedError as exc:  # a shared deployment's guard reserves the name
        if exc.status == 403:
            raise missing_audit_log(view) from exc
        raise
    assert run_id is not None
    # A tracking server without a writer service: each client signs with its own key
    # (published on first use); an embedded store never gets a second key silently.
    published = () if shared else published_key_ids(view, run_id)
    signer = signer_for(view, run_id, published)
    author = local_author()
    user = tracking_username() if shared else None
    if user:
        author = Author(username=user, role="local")
    return signer, author
