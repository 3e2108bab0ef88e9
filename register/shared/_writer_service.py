"""The writer service: the one component that appends to a shared register's audit log.

A small HTTP service (Starlette, served by uvicorn) beside the tracking server. It
holds the writer account's credentials and the writer's Ed25519 signing key (a file
outside the store, mode 0600); nobody else can write the audit experiment.

For every request it:

1. authenticates the caller with the credentials the deployment already uses (HTTP
   basic auth), by asking the tracking server for the caller's own roles with those
   credentials (``/api/3.0/mlflow/users/roles/list``); a success is remembered for
   ``cache_seconds`` (default :data:`DEFAULT_CACHE_SECONDS`), a failure never;
2. takes the caller's role from those roles: an organisation's data scientist holds
   ``insyn-org:<organisation>``, an auditor ``insyn-auditor``; anyone else is a reader;
3. refuses what is outside that role, with 403 and a plain message: an organisation
   writes only about its own algorithms (the registered model's ``organisation`` tag
   is one of the caller's organisations, and the version's run lives in that
   organisation's experiment ``insyn/<organisation>``, with every artifact an entry
   names in that run and with the hash the entry claims); an auditor only adds
   reviews; a reader writes nothing;
4. appends with a server-side :class:`register.audit._writer.LocalWriter` holding the
   writer's key and the caller as :class:`register.audit._writer.Author`, so the signed
   entry names who made it and in which role. Publish and retire log first, then
   move the alias (as the writer account; see :mod:`register.lifecycle._publication`).

The HTTP app around these rules is in :mod:`register.shared._writer_app`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from register._errors import InsynError
from register.audit import _chain as _audit
from register.audit._publication_state import logged_publication
from register.audit._reviews import build_review
from register.audit._writer import Author, LocalWriter, Publication
from register.record._catalogue_tags import ORGANISATION
from register.shared._admin import AUDITOR_ROLE, ORG_ROLE
from register.shared._auth import ORG_EXPERIMENT
from register.store._view import StoreView

if TYPE_CHECKING:
    from register.audit._signing import Signer

DEFAULT_CACHE_SECONDS = 10
ROLES_PATH = "/api/3.0/mlflow/users/roles/list"
ORG_PREFIX = ORG_ROLE.split("{", 1)[0]
ENTRY_EVENTS = ("registered", "explanation_computed", "record_changed")

NOT_AUTHENTICATED_MESSAGE = (
    "The writer service did not accept the credentials{who}: the tracking server at {uri} "
    "refused them (HTTP 401). Nothing was written."
)
NOT_OWNER_MESSAGE = (
    "The account {user!r} ({role}) may not write {what} for the algorithm {slug!r}: it "
    "belongs to the organisation {owner!r}, and only that organisation's data scientists "
    "may register, publish or retire it (HTTP 403). Nothing was written."
)
ROLE_NAMES = {
    "auditor": "an auditor, who may only add reviews",
    "reader": "a reader, who writes nothing",
}
NO_REVIEW_MESSAGE = (
    "The account {user!r} is not an auditor and may not add reviews (HTTP 403). "
    "Nothing was written."
)
WRONG_EXPERIMENT_MESSAGE = (
    "Version {version} of {slug!r} was not stored in the experiment {expected!r} of its "
    "organisation (its run lives in {actual!r}); the writer does not log it. Nothing was written."
)
BAD_ARTIFACT_MESSAGE = (
    "The entry names the artifact {path!r} of run {run_id!r}, which is not the run of version "
    "{version} of {slug!r}, or its SHA-256 is not the stored file's. Nothing was written."
)
BAD_REQUEST_MESSAGE = "The request to the writer service is malformed: {reason}."
UNKNOWN_EVENT_MESSAGE = (
    "Entries of kind {event!r} are not posted directly; allowed: {allowed} "
    "(publish, retire and reviews have their own requests). Nothing was written."
)
REGISTERED_DETAILS_MESSAGE = (
    "A 'registered' entry for version {version} of {slug!r} must name its organisation "
    "{owner!r} and its run {run_id!r} in its details. Nothing was written."
)
FAILED_MESSAGE = "The writer service could not complete the request: {reason}"
AUDIT_MISSING_MESSAGE = (
    "The audit experiment {name!r} does not exist on {uri}; the administrator creates it "
    "('insyn admin add-user --role writer ...'). The writer service did not start."
)


class Refused(InsynError):
    """A request the service refuses; ``status`` is its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, kw_only=True, slots=True)
class Caller:
    """An authenticated account: ``role`` is organisation, auditor or reader."""

    username: str
    role: str
    organisations: tuple[str, ...]


def caller_from_roles(username: str, roles: list[dict[str, Any]]) -> Caller:
    """The caller's role from the names of the roles the tracking server lists."""
    names = [str(r.get("name", "")) for r in roles]
    organisations = tuple(sorted(n[len(ORG_PREFIX) :] for n in names if n.startswith(ORG_PREFIX)))
    if organisations:
        return Caller(username=username, role="organisation", organisations=organisations)
    role = "auditor" if AUDITOR_ROLE in names else "reader"
    return Caller(username=username, role=role, organisations=())


class CallerCheck:
    """Authenticates callers against the tracking server; successes are cached for
    ``cache_seconds`` (keyed by username and a keyed hash of the password)."""

    def __init__(self, tracking_uri: str, cache_seconds: float = DEFAULT_CACHE_SECONDS) -> None:
        self._uri = tracking_uri.rstrip("/")
        self._seconds = float(cache_seconds)
        self._key = secrets.token_bytes(32)
        self._cache: dict[tuple[str, bytes], tuple[float, Caller]] = {}
        self._lock = threading.Lock()

    def check(self, username: str | None, password: str | None) -> Caller:
        """The caller, or :class:`Refused` (401) when the server does not accept them."""
        if not username or password is None:
            raise Refused(
                401, NOT_AUTHENTICATED_MESSAGE.format(who=" (none were given)", uri=self._uri)
            )
        key = (username, hmac.new(self._key, password.encode(), hashlib.sha256).digest())
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
        response = requests.get(
            self._uri + ROLES_PATH,
            params={"username": username},
            auth=(username, password),
            timeout=30,
        )
        if response.status_code in (401, 403):
            raise Refused(
                401, NOT_AUTHENTICATED_MESSAGE.format(who=f" of {username!r}", uri=self._uri)
            )
        response.raise_for_status()
        caller = caller_from_roles(username, response.json().get("roles", []))
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            self._cache[key] = (now + self._seconds, caller)
        return caller


class WriterService:
    """The service's rules and its writes, independent of HTTP (see the module docstring)."""

    def __init__(
        self, view: StoreView, publication: Publication, signer: Signer, check: CallerCheck
    ) -> None:
        self._view = view
        self._publication = publication
        self._signer = signer
        self._check = check
        # The service is the log's only writer: appending one entry at a time means no
        # two appends race for a sequence number (the checks before run in parallel).
        self._append_lock = threading.Lock()

    @property
    def key_id(self) -> str:
        """The id of the key the service signs with."""
        return self._signer.key_id

    def authenticate(self, username: str | None, password: str | None) -> Caller:
        """See :meth:`CallerCheck.check`."""
        return self._check.check(username, password)

    def _writer(self, caller: Caller, organisation: str | None) -> Any:
        role = "organisation" if caller.role == "organisation" else "auditor"
        author = Author(username=caller.username, role=role, organisation=organisation)
        writer = LocalWriter(self._view, self._signer, author, publication=self._publication)
        return _Serialised(writer, self._append_lock)

    def _owned_version(self, caller: Caller, slug: str, version: int | None, what: str) -> str:
        """The organisation of ``slug`` after checking that ``caller`` may write for it."""
        model = self._view.registered(slug)  # NotFoundError when there is none
        owner = str(model.tags.get(ORGANISATION) or "")
        if owner not in caller.organisations:
            mine = ", ".join(repr(o) for o in caller.organisations)
            role = ROLE_NAMES.get(caller.role, f"a data scientist of {mine}")
            raise Refused(
                403,
                NOT_OWNER_MESSAGE.format(
                    user=caller.username, role=role, what=what, slug=slug, owner=owner
                ),
            )
        if version is not None:
            self._check_experiment(slug, version, owner)
        return owner

    def _check_experiment(self, slug: str, version: int, owner: str) -> str:
        store = self._view.store
        mv = self._view.version(slug, version)
        experiment = store.get_experiment(store.get_run(mv.run_id).experiment_id)
        expected = ORG_EXPERIMENT.format(organisation=owner)
        if experiment.name != expected:
            raise Refused(
                403,
                WRONG_EXPERIMENT_MESSAGE.format(
                    version=version, slug=slug, expected=expected, actual=experiment.name
                ),
            )
        return str(mv.run_id)

    def _check_artifacts(self, slug: str, version: int, run_id: str, refs: list[Any]) -> None:
        for ref in refs:
            if not isinstance(ref, dict) or set(ref) != {"run_id", "path", "sha256"}:
                raise Refused(
                    400,
                    BAD_REQUEST_MESSAGE.format(reason="an artifact is not {run_id, path, sha256}"),
                )
            fields = {
                "path": ref["path"],
                "run_id": ref["run_id"],
                "version": version,
                "slug": slug,
            }
            if ref["run_id"] != run_id:
                raise Refused(403, BAD_ARTIFACT_MESSAGE.format(**fields))
            try:
                [stored] = _audit.remote_refs(self._view, run_id, str(ref["path"]))
            except Exception:
                raise Refused(403, BAD_ARTIFACT_MESSAGE.format(**fields)) from None
            if stored["sha256"] != ref["sha256"]:
                raise Refused(403, BAD_ARTIFACT_MESSAGE.format(**fields))

    def append(self, caller: Caller, body: dict[str, Any]) -> Any:
        """An organisation's registration entry (registered, explanation_computed,
        record_changed) about a version of its own algorithm."""
        event, slug, version = body.get("event"), _text(body, "slug"), _version(body)
        owner = self._owned_version(caller, slug, version, f"{event!r} entries")
        if event not in ENTRY_EVENTS:
            raise Refused(
                400, UNKNOWN_EVENT_MESSAGE.format(event=event, allowed=", ".join(ENTRY_EVENTS))
            )
        run_id = self._check_experiment(slug, version, owner)
        details = _details(body)
        named = (details.get("organisation"), details.get("run_id"))
        if event == "registered" and named != (owner, run_id):
            raise Refused(
                403,
                REGISTERED_DETAILS_MESSAGE.format(
                    version=version, slug=slug, owner=owner, run_id=run_id
                ),
            )
        artifacts = list(body.get("artifacts") or [])
        self._check_artifacts(slug, version, run_id, artifacts)
        return self._writer(caller, owner).append(
            str(event), slug=slug, version=version, details=details, artifacts=artifacts
        )

    def publish(self, caller: Caller, body: dict[str, Any]) -> Any:
        """Log the publication of a version of the caller's own algorithm, then move the alias."""
        slug, version = _text(body, "slug"), _version(body)
        owner = self._owned_version(caller, slug, version, "a publication")
        return self._writer(caller, owner).publish(slug, version, details=_details(body))

    def retire(self, caller: Caller, body: dict[str, Any]) -> Any:
        """Log the retirement of the caller's own algorithm's published version."""
        slug = _text(body, "slug")
        owner = self._owned_version(caller, slug, None, "a retirement")
        version = logged_publication(self._view, slug)
        if version is not None:
            self._check_experiment(slug, version, owner)
        return self._writer(caller, owner).retire(slug, details=_details(body))

    def add_review(self, caller: Caller, body: dict[str, Any]) -> Any:
        """An auditor's review, validated as :func:`register.audit._reviews.build_review` does."""
        if caller.role != "auditor":
            raise Refused(403, NO_REVIEW_MESSAGE.format(user=caller.username))
        slug, version = _text(body, "slug"), _version(body)
        fields = body.get("review")
        if not isinstance(fields, dict):
            raise Refused(400, BAD_REQUEST_MESSAGE.format(reason="'review' must be an object"))
        allowed = ("outcome", "text_sv", "text_en", "organisation", "date", "checks")
        given: dict[str, Any] = {k: fields[k] for k in allowed if k in fields}
        try:
            review = build_review(slug, version, **given)
        except (TypeError, AttributeError):
            raise Refused(
                400, BAD_REQUEST_MESSAGE.format(reason="a review field has the wrong type")
            ) from None
        self._view.version(slug, version)  # NotFoundError when there is none
        return self._writer(caller, None).add_review(slug, version, review.to_dict())


class _Serialised:
    """A writer whose calls run one at a time under ``lock``."""

    def __init__(self, writer: Any, lock: threading.Lock) -> None:
        self._writer = writer
        self._lock = lock

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._writer, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return method(*args, **kwargs)

        return call


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise Refused(400, BAD_REQUEST_MESSAGE.format(reason=f"{key!r} must be a non-empty text"))
    return value


def _version(body: dict[str, Any]) -> int:
    value = body.get("version")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Refused(
            400, BAD_REQUEST_MESSAGE.format(reason="'version' must be a positive integer")
        )
    return value


def _details(body: dict[str, Any]) -> dict[str, Any]:
    details = body.get("details") or {}
    if not isinstance(details, dict):
        raise Refused(400, BAD_REQUEST_MESSAGE.format(reason="'details' must be an object"))
    return details
