"""The auditor's side of :class:`register.Register`: fairness, checks, reviews, audit trail.

Kept out of ``_store.py`` as a mixin; every method reads or writes through the
register's MLflow client and caches only immutable files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from explainers import ExplanationChecks
    from register.audit._chain import AuditEntry, AuditHead, AuditVerification, SignedHead
    from register.audit._fairness import FairnessReport
    from register.audit._reviews import Review
    from register.lifecycle._publication import PublicationState


class AuditMixin:
    """Methods :class:`register.Register` gains for auditors."""

    def _optional_json(self, slug: str, version: int, path: str) -> Any:
        mv = self._model_version(slug, version)  # type: ignore[attr-defined]
        folder = path.rsplit("/", 1)[0]
        stored = {f.path for f in self.client.list_artifacts(mv.run_id, folder)}  # type: ignore[attr-defined]
        if path not in stored:
            return None
        return self._artifact_json(mv.run_id, path)  # type: ignore[attr-defined]

    def get_fairness(self, slug: str, version: int) -> FairnessReport | None:
        """The stored public fairness result of a version (small groups suppressed), or
        None when it was registered without evaluation data."""
        from register.audit._fairness import FairnessReport
        from register.lifecycle._evidence import FAIRNESS_PATH

        data = self._optional_json(slug, version, FAIRNESS_PATH)
        return None if data is None else FairnessReport.from_public_dict(data)

    def get_checks(self, slug: str, version: int) -> ExplanationChecks | None:
        """The explanation checks stored at registration, or None for older versions."""
        from explainers import ExplanationChecks
        from register.lifecycle._evidence import CHECKS_PATH

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
        reference data; proxies need ``evaluation_data``. Nothing is written.
        """
        import explainers

        number = int(version)
        earlier = [int(mv.version) for mv in self.versions(slug) if int(mv.version) < number]  # type: ignore[attr-defined]
        previous = earlier[-1] if earlier else None
        record = self.get(slug, number).record  # type: ignore[attr-defined]
        return explainers.run_checks(
            self.load_model(slug, number),  # type: ignore[attr-defined]
            self.get_explanation(slug, number),  # type: ignore[attr-defined]
            reference=reference_data,
            previous_model=self.load_model(slug, previous) if previous else None,  # type: ignore[attr-defined]
            previous_explanation=self.get_explanation(slug, previous) if previous else None,  # type: ignore[attr-defined]
            evaluation=evaluation_data,
            protected=record.data.protected_attributes,
        )

    def add_review(
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
        from register.audit._reviews import add_review

        return add_review(
            self,  # type: ignore[arg-type]
            slug,
            version,
            outcome=outcome,
            text_sv=text_sv,
            text_en=text_en,
            organisation=organisation,
            date=date,
            checks=checks,
        )

    def reviews(self, slug: str, version: int | None = None) -> list[Review]:
        """Reviews of one version (all versions when None), oldest first."""
        from register.audit._reviews import reviews

        return reviews(self, slug, version)  # type: ignore[arg-type]

    def audit_head(self) -> AuditHead:
        """The audit log's last entry number and hash (64 zeros when empty)."""
        from register.audit._chain import head

        return head(self)  # type: ignore[arg-type]

    def audit_entries(self, slug: str | None = None) -> list[AuditEntry]:
        """The audit log's entries (of one slug when given), in order."""
        from register.audit._chain import entries

        return entries(self, slug=slug)  # type: ignore[arg-type]

    def signed_head(self) -> SignedHead:
        """The head with the last entry's time, key id and signature: remember it and pass
        it to :meth:`verify_audit` later to prove the log still contains it."""
        from register.audit._chain import signed_head

        return signed_head(self)  # type: ignore[arg-type]

    def verify_audit(
        self,
        *,
        expected_heads: Iterable[Any] = (),
        trusted_keys: Iterable[Ed25519PublicKey] | None = None,
    ) -> AuditVerification:
        """Verify the chain, signatures, remembered heads, every artifact hash and the
        catalogue against the log; see :func:`register.audit._verify.verify`."""
        from register.audit._verify import verify

        return verify(self, expected_heads=expected_heads, trusted_keys=trusted_keys)  # type: ignore[arg-type]

    def publication_state(self, slug: str) -> PublicationState:
        """Whether the ``published`` alias of ``slug`` agrees with the log (see
        :class:`register.lifecycle._publication.PublicationState`)."""
        from register.lifecycle._publication import publication_state

        return publication_state(self, slug)  # type: ignore[arg-type]

    def review_notes(self, slug: str, version: int | None = None) -> list[str]:
        """Plain notes naming every review entry of ``slug`` that cannot be read."""
        from register.audit._reviews import read_reviews

        return read_reviews(self, slug, version)[1]  # type: ignore[arg-type]
