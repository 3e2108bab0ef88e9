"""The client side of the writer service: an :class:`register.audit._writer.AuditWriter` over HTTP.

On a shared server the register appends through the writer service
(:mod:`register.shared._writer_service`) instead of writing the audit experiment itself
(which it may not). Where the service answers: ``$INSYN_WRITER_URL``, else the
audit experiment's ``insyn.audit.writer_url`` tag (written by the administrator's
setup). The client sends the credentials the MLflow client uses
(``MLFLOW_TRACKING_USERNAME``/``PASSWORD`` or ``~/.mlflow/credentials``); the
service's refusals come back as the register's own errors with the service's
plain message: 401 :class:`register.AuthenticationError`, 403
:class:`register.PermissionDeniedError`, 404 ``NotFoundError``, an
unreachable service :class:`register._errors.TrackingUnreachableError`; never a
raw HTTP error.
"""

from __future__ import annotations

import os
from typing import Any

import requests

from register._errors import (
    AuthenticationError,
    InsynError,
    NotFoundError,
    PermissionDeniedError,
    TrackingUnreachableError,
)
from register.audit._chain import WRITER_URL_TAG, entry_from_dict, experiment_name
from register.audit._types import AuditEntry
from register.store import _catalogue_index
from register.store._credentials import is_server, tracking_credentials
from register.store._view import StoreView

WRITER_URL_ENV = "INSYN_WRITER_URL"
TIMEOUT_SECONDS = 900.0

AUDIT_MISSING_MESSAGE = (
    "The audit experiment {name!r} does not exist on {uri}. Only the register's "
    "administrator creates it ('insyn admin add-user --role writer ...'); ask them. "
    "Nothing was written."
)
UNREACHABLE_MESSAGE = (
    "The register's writer service at {url} cannot be reached ({reason}). Nothing was written."
)
NO_ANSWER_MESSAGE = (
    "The register's writer service at {url} did not answer within {seconds:.0f} s. The entry "
    "may or may not be in the audit log: run the same command again (publishing or retiring "
    "again finishes what is logged without a second entry)."
)
REFUSED_MESSAGE = "The writer service at {url} answered HTTP {status}: {message}"


class WriterServiceError(InsynError, RuntimeError):
    """The writer service refused or failed a request (its message says why)."""


def writer_url(view: StoreView) -> str | None:
    """Where this shared register's writer service answers, or None when none is named.

    None too when the audit experiment does not exist yet: a plain tracking server without
    accounts then gets it from the first client that appends (:func:`missing_audit_log`
    words the refusal a shared deployment, whose guard reserves the name, answers)."""
    explicit = os.environ.get(WRITER_URL_ENV)
    if explicit:
        return explicit.rstrip("/")
    found = view.store.get_experiment_by_name(experiment_name(view))
    if found is None:
        return None
    url = dict(found.tags).get(WRITER_URL_TAG)
    return str(url).rstrip("/") if url else None


def missing_audit_log(view: StoreView) -> WriterServiceError:
    """The error for a shared server that refused this client creating the audit log."""
    name = experiment_name(view)
    return WriterServiceError(AUDIT_MISSING_MESSAGE.format(name=name, uri=view.uri))


def http_writer_for(view: StoreView) -> HttpWriter | None:
    """The HTTP writer of a shared register that names a writer service; None on an
    embedded store or a tracking server that names none (then the register appends
    itself, which a shared deployment set up by ``insyn admin`` refuses with 403)."""
    if not is_server(view.uri):
        return None
    url = writer_url(view)
    return None if url is None else HttpWriter(view, url)


class HttpWriter:
    """An :class:`register.audit._writer.AuditWriter` that posts to the writer service."""

    def __init__(self, view: StoreView, url: str) -> None:
        self._view = view
        self._url = url.rstrip("/")

    @property
    def url(self) -> str:
        """The service's base URL."""
        return self._url

    def append(
        self,
        event: str,
        *,
        slug: str,
        version: int | None = None,
        details: dict[str, Any] | None = None,
        artifacts: list[dict[str, str]] | tuple[dict[str, str], ...] = (),
    ) -> AuditEntry:
        """Post one registration entry; returns the signed entry the service wrote."""
        return self._post(
            "entries",
            {
                "event": event,
                "slug": slug,
                "version": version,
                "details": details or {},
                "artifacts": [dict(a) for a in artifacts],
            },
        )

    def publish(
        self, slug: str, version: int, *, details: dict[str, Any] | None = None
    ) -> AuditEntry:
        """Ask the service to log the publication and move the alias."""
        return self._post("publish", {"slug": slug, "version": int(version), "details": details})

    def retire(self, slug: str, *, details: dict[str, Any] | None = None) -> AuditEntry:
        """Ask the service to log the retirement and update the catalogue."""
        return self._post("retire", {"slug": slug, "details": details})

    def add_review(self, slug: str, version: int, review: dict[str, Any]) -> AuditEntry:
        """Post a review (fields as :func:`register.audit._reviews.build_review` takes them)."""
        text = review.get("text") or {}
        fields = {
            "outcome": review.get("outcome"),
            "text_sv": text.get("sv"),
            "text_en": text.get("en"),
            "organisation": review.get("organisation"),
            "date": review.get("date"),
            "checks": list(review.get("checks") or ()),
        }
        return self._post("reviews", {"slug": slug, "version": int(version), "review": fields})

    def _post(self, path: str, body: dict[str, Any]) -> AuditEntry:
        credentials = tracking_credentials()
        try:
            response = requests.post(
                f"{self._url}/v1/{path}", json=body, auth=credentials, timeout=TIMEOUT_SECONDS
            )
        except requests.ConnectionError as exc:  # connecting failed: nothing was sent
            raise TrackingUnreachableError(
                UNREACHABLE_MESSAGE.format(url=self._url, reason=type(exc).__name__)
            ) from None
        except requests.RequestException:  # sent, but no answer: the outcome is unknown
            raise WriterServiceError(
                NO_ANSWER_MESSAGE.format(url=self._url, seconds=TIMEOUT_SECONDS)
            ) from None
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if response.status_code == 200 and isinstance(payload.get("entry"), dict):
            _catalogue_index.forget(self._view)  # the service changed the log, maybe the catalogue
            return entry_from_dict(payload["entry"])
        message = str(payload.get("message") or response.text[:300] or response.reason)
        if response.status_code == 401:
            raise AuthenticationError(message)
        if response.status_code == 403:
            raise PermissionDeniedError(message)
        if response.status_code == 404:
            raise NotFoundError(message)
        raise WriterServiceError(
            REFUSED_MESSAGE.format(url=self._url, status=response.status_code, message=message)
        )
