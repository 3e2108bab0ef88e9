"""The auditor's side of the register, as two parts the facade is built from.

:class:`AuditTrail` (``reg.audit``) reads the signed log, verifies it, compares
publication with it and reads the evidence stored with each version (checks,
fairness); :class:`Reviews` (``reg.reviews``) records and reads auditors' reviews.
Both are given a :class:`~register.store.StoreView` and a writer factory (a
callable returning the :class:`~register.audit._writer.AuditWriter` to append
through), never a :class:`register.Register`; they cache only immutable files,
in the view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from explainers import Explanation, ExplanationChecks, run_checks
from register.audit._chain import entries, head, signed_head
from register.audit._fairness import FairnessReport
from register.audit._newest import Keep, LoggedEvent, logged_events, newest_entries, newest_of
from register.audit._publication_state import PublicationState, publication_state
from register.audit._reviews import Review, add_review, read_reviews, reviews
from register.audit._types import AuditEntry, AuditHead, AuditVerification, SignedHead
from register.audit._verify import verify
from register.audit._writer import AuditWriter
from register.record._schema import parse_record
from register.store._paths import CHECKS_PATH, COMPLETE_TAG, FAIRNESS_PATH, RECORD_PATH
from register.store._view import StoreView

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AuditTrail", "Reviews", "VersionReads", "WriterFactory"]

WriterFactory = Callable[[], AuditWriter]


class VersionReads(Protocol):
    """What :meth:`AuditTrail.recheck` loads through the register (which caches models
    and explanations): the fitted model and the stored explanation of one version."""

    def load_model(self, slug: str, version: int) -> Any:
        """The fitted model of ``slug`` version ``version``."""
        ...

    def get_explanation(self, slug: str, version: int) -> Explanation:
        """The stored explanation of ``slug`` version ``version``."""
        ...


class AuditTrail:
    """The audit trail of one register: the log, its verification, publication as the log
    sees it, and each version's stored evidence.

    ``writer`` returns the writer appends go through (see
    :func:`register.audit._writer.writer_for`); ``reads`` loads models and explanations
    for :meth:`recheck`.
    """

    def __init__(self, view: StoreView, *, writer: WriterFactory, reads: VersionReads) -> None:
        self._view = view
        self._writer = writer
        self._reads = reads

    @property
    def view(self) -> StoreView:
        """The store view read."""
        return self._view

    def writer(self) -> AuditWriter:
        """The writer this register appends through (local, or the writer service)."""
        return self._writer()

    # -- the log ---------------------------------------------------------------------
    def head(self) -> AuditHead:
        """The audit log's last entry number and hash (64 zeros when empty)."""
        return head(self._view)

    def entries(self, slug: str | None = None) -> list[AuditEntry]:
        """The audit log's entries (of one slug when given), in order."""
        return entries(self._view, slug=slug)

    def newest(
        self, limit: int, *, where: Keep | None = None, slugs: Iterable[str] | None = None
    ) -> list[AuditEntry]:
        """Up to ``limit`` of the newest entries for which ``where`` holds (about one of
        ``slugs`` when given), newest first; see :func:`register.audit._newest.newest_entries`
        (read from the end of the log) and :func:`~register.audit._newest.newest_of`."""
        if slugs is not None:
            return newest_of(self._view, slugs, limit, where=where)
        return newest_entries(self._view, limit, where=where)

    def events(self) -> tuple[LoggedEvent, ...]:
        """Every readable entry's sequence, event, time, slug and version, in order; each
        entry is read once per register (see :func:`register.audit._newest.logged_events`)."""
        return logged_events(self._view)

    def signed_head(self) -> SignedHead:
        """The head with the last entry's time, key id and signature: remember it and pass
        it to :meth:`verify` later to prove the log still contains it."""
        return signed_head(self._view)

    def verify(
        self,
        *,
        expected_heads: Iterable[Any] = (),
        trusted_keys: Iterable[Ed25519PublicKey] | Mapping[str, Ed25519PublicKey] | None = None,
    ) -> AuditVerification:
        """Verify the chain, signatures, remembered heads, every artifact hash and the
        catalogue against the log; see :func:`register.audit._verify.verify`."""
        return verify(self._view, expected_heads=expected_heads, trusted_keys=trusted_keys)

    def publication_state(self, slug: str) -> PublicationState:
        """Whether the ``published`` alias of ``slug`` agrees with the log (see
        :class:`register.audit._publication_state.PublicationState`)."""
        return publication_state(self._view, slug)

    # -- evidence stored with a version -------------------------------------------------
    def _optional_json(self, slug: str, version: int, path: str) -> Any:
        mv = self._view.version(slug, version)
        return self._view.optional_json(mv.run_id, path)

    def get_fairness(self, slug: str, version: int) -> FairnessReport | None:
        """The stored public fairness result of a version (small groups suppressed), or
        None when it was registered without evaluation data."""
        data = self._optional_json(slug, version, FAIRNESS_PATH)
        return None if data is None else FairnessReport.from_public_dict(data)

    def get_checks(self, slug: str, version: int) -> ExplanationChecks | None:
        """The explanation checks stored at registration, or None for older versions."""
        data = self._optional_json(slug, version, CHECKS_PATH)
        return None if data is None else ExplanationChecks.from_dict(data)

    def recheck(
        self,
        slug: str,
        version: int,
        *,
        reference_data: pd.DataFrame | None = None,
        evaluation_data: pd.DataFrame | None = None,
    ) -> ExplanationChecks:
        """Re-run the explanation checks from the stored model and explanation.

        Without data the stored background rows and model output stand in for the
        reference data; proxies need ``evaluation_data``. Nothing is written. Raises
        ``NotFoundError`` for an unknown slug or version.
        """
        number = int(version)
        mv = self._view.version(slug, number)
        earlier = [
            v.version
            for v in self._view.store.search_model_versions(slug)
            if v.tags.get(COMPLETE_TAG) == "true" and v.version < number
        ]
        previous = earlier[-1] if earlier else None
        record = parse_record(self._view.artifact_json(mv.run_id, RECORD_PATH))
        reads = self._reads
        return run_checks(
            reads.load_model(slug, number),
            reads.get_explanation(slug, number),
            reference=reference_data,
            previous_model=reads.load_model(slug, previous) if previous else None,
            previous_explanation=reads.get_explanation(slug, previous) if previous else None,
            evaluation=evaluation_data,
            protected=record.data.protected_attributes,
        )


class Reviews:
    """Auditors' reviews of one register's versions, kept in the audit log.

    Calling the object (``reg.reviews(slug, version)``) is :meth:`of`, so the register's
    long-standing ``reviews(...)`` method keeps working when this part takes its name.
    """

    def __init__(self, view: StoreView, *, writer: WriterFactory) -> None:
        self._view = view
        self._writer = writer

    def add(
        self,
        slug: str,
        version: int,
        *,
        outcome: str,
        text_sv: str,
        text_en: str | None = None,
        organisation: str,
        date: dt.date | str | None = None,
        checks: tuple[str, ...] | list[str] = (),
    ) -> Review:
        """Record a review of one version (see :func:`register.audit._reviews.add_review`)."""
        return add_review(
            self._view,
            self._writer,
            slug,
            version,
            outcome=outcome,
            text_sv=text_sv,
            text_en=text_en,
            organisation=organisation,
            date=date,
            checks=checks,
        )

    def of(self, slug: str, version: int | None = None) -> list[Review]:
        """Reviews of one version (all versions when None), oldest first."""
        return reviews(self._view, slug, version)

    def __call__(self, slug: str, version: int | None = None) -> list[Review]:
        """The same as :meth:`of`."""
        return self.of(slug, version)

    def notes(self, slug: str, version: int | None = None) -> list[str]:
        """Plain notes naming every review entry of ``slug`` that cannot be read."""
        return read_reviews(self._view, slug, version)[1]
