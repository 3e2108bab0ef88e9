"""The register: a store of algorithms, their records and explanations.

Each algorithm is a registered model named by its slug; each registration is a new
model version whose run holds the record (``insyn/record.json``), the input profile,
the explanation and the model (skops). A version is public only while it holds the
``published`` alias. :class:`Register` is a small facade: it reads through a
:class:`register.store.StoreView` over a :class:`register.store.Store` (MLflow unless
another store is given) and hands the parts of the register (lifecycle, audit) that view.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from register.audit._api import AuditTrail, Reviews
from register.audit._writer import AuditWriter, Publication, writer_for
from register.record._schema import TransparencyRecord
from register.shared._auth import refusals_explained
from register.store._algorithms import Algorithms
from register.store._mlflow import MlflowStore
from register.store._paths import (
    COMPLETE_TAG,
    EXPLANATION_PATH,
    MODEL_PATH,
    PROFILE_PATH,
    RECORD_PATH,
)
from register.store._protocol import ModelInfo, Store, VersionInfo
from register.store._results import (
    AlgorithmSummary,
    AlgorithmVersion,
    FilterOptions,
    SearchPage,
    VersionChange,
)
from register.store._uri import EXPERIMENT_NAME, resolve_tracking_uri
from register.store._view import (
    DEFAULT_CACHE_ENTRIES,
    NOT_FOUND_MESSAGE,
    NOT_PUBLISHED_MESSAGE,
    VERSION_NOT_FOUND_MESSAGE,
    StoreView,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping

    import pandas as pd
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from explainers import Explanation, ExplanationChecks
    from register.audit._fairness import FairnessReport
    from register.audit._publication_state import PublicationState
    from register.audit._reviews import Review
    from register.audit._types import AuditEntry, AuditHead, AuditVerification, SignedHead
    from register.store._mlflow import MlflowClient  # MLflow is touched only in store/

__all__ = [
    "COMPLETE_TAG",
    "EXPLANATION_PATH",
    "MODEL_PATH",
    "NOT_FOUND_MESSAGE",
    "NOT_PUBLISHED_MESSAGE",
    "PROFILE_PATH",
    "RECORD_PATH",
    "VERSION_NOT_FOUND_MESSAGE",
    "Progress",
    "Register",
    "register_algorithm",
]

STORE_AND_URI_MESSAGE = (
    "Give the register either a tracking URI or a store, not both "
    "(the store already knows where it keeps things)."
)
NO_CLIENT_MESSAGE = (
    "Register.client exists only for a register kept in MLflow; this one is kept in {store!r}."
)
CLIENT_DEPRECATED_MESSAGE = (
    "Register.client is deprecated: use Register.store (a register.store.Store) instead."
)

Progress = Callable[[str, int, int], None]


class _LifecyclePublication:
    """The lifecycle's publish and retire steps, for this register's local writer
    (a :class:`register.audit._writer.Publication`)."""

    def __init__(self, reg: Register) -> None:
        self._reg = reg

    def publish(
        self,
        writer: AuditWriter,
        slug: str,
        version: int,
        *,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        from register.lifecycle import _publication  # transitional: lifecycle imports us

        return _publication.publish(self._reg, writer, slug, version, details=details)

    def retire(
        self, writer: AuditWriter, slug: str, *, details: dict[str, Any] | None = None
    ) -> AuditEntry:
        from register.lifecycle import _publication  # transitional: lifecycle imports us

        return _publication.retire(self._reg, writer, slug, details=details)


class Register:
    """A register of algorithms in one store.

    ``tracking_uri=None`` uses ``$MLFLOW_TRACKING_URI`` or the embedded default
    (sqlite plus local artifacts under ``$INSYN_HOME``, default ``./.insyn``); a
    ``store`` (any :class:`register.store.Store`, e.g. a ``MemoryStore``) is used as
    given instead. Reads of immutable things (a version's record, explanation, model)
    are cached; at most ``cache_entries`` of them are kept, least recently used
    dropped first.
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        store: Store | None = None,
        experiment: str = EXPERIMENT_NAME,
        cache_entries: int = DEFAULT_CACHE_ENTRIES,
    ) -> None:
        if store is not None and tracking_uri is not None:
            raise ValueError(STORE_AND_URI_MESSAGE)
        self._store: Store = (
            store if store is not None else MlflowStore(resolve_tracking_uri(tracking_uri))
        )
        self._view = StoreView(self._store, experiment=experiment, cache_entries=cache_entries)
        self.algorithms = Algorithms(self._view)
        """The catalogue and reads of one algorithm's versions and files."""
        self.audit = AuditTrail(self._view, writer=self.writer, reads=self)
        """The audit trail: the signed log, its verification, each version's evidence."""
        self.reviews = Reviews(self._view, writer=self.writer)
        """Auditors' reviews (``reg.reviews(slug, version)`` lists them, as it always did)."""

    def __repr__(self) -> str:
        return f"Register(store={self._store!r}, experiment={self._view.experiment!r})"

    @property
    def store(self) -> Store:
        """The store this register reads and writes."""
        return self._store

    @property
    def view(self) -> StoreView:
        """The register's reads of its store (what lifecycle and audit parts are given)."""
        return self._view

    @property
    def tracking_uri(self) -> str:
        """The URI of the store this register reads and writes."""
        return self._store.uri

    @property
    def client(self) -> MlflowClient:
        """Deprecated: MLflow's own client, for a register kept in MLflow only.

        Use :attr:`store` instead; insyn itself never uses this.
        """
        warnings.warn(CLIENT_DEPRECATED_MESSAGE, DeprecationWarning, stacklevel=2)
        if not isinstance(self._store, MlflowStore):
            raise AttributeError(NO_CLIENT_MESSAGE.format(store=self._store))
        return self._store.client

    @property
    def publication(self) -> Publication:
        """The lifecycle's publish and retire steps a local audit writer runs."""
        return _LifecyclePublication(self)

    def writer(self) -> AuditWriter:
        """The audit writer this register appends through (see
        :func:`register.audit._writer.writer_for`)."""
        return writer_for(self._view, publication=self.publication)

    # -- auditing (delegated to reg.audit and reg.reviews) -------------------------------
    def get_fairness(self, slug: str, version: int) -> FairnessReport | None:
        """See :meth:`register.audit._api.AuditTrail.get_fairness`."""
        return self.audit.get_fairness(slug, version)

    def get_checks(self, slug: str, version: int) -> ExplanationChecks | None:
        """See :meth:`register.audit._api.AuditTrail.get_checks`."""
        return self.audit.get_checks(slug, version)

    def recheck(
        self,
        slug: str,
        version: int,
        *,
        reference_data: pd.DataFrame | None = None,
        evaluation_data: pd.DataFrame | None = None,
    ) -> ExplanationChecks:
        """See :meth:`register.audit._api.AuditTrail.recheck`."""
        return self.audit.recheck(
            slug, version, reference_data=reference_data, evaluation_data=evaluation_data
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
        """See :meth:`register.audit._api.Reviews.add`."""
        return self.reviews.add(
            slug,
            version,
            outcome=outcome,
            text_sv=text_sv,
            text_en=text_en,
            organisation=organisation,
            date=date,
            checks=checks,
        )

    def review_notes(self, slug: str, version: int | None = None) -> list[str]:
        """See :meth:`register.audit._api.Reviews.notes`."""
        return self.reviews.notes(slug, version)

    def audit_head(self) -> AuditHead:
        """See :meth:`register.audit._api.AuditTrail.head`."""
        return self.audit.head()

    def audit_entries(self, slug: str | None = None) -> list[AuditEntry]:
        """See :meth:`register.audit._api.AuditTrail.entries`."""
        return self.audit.entries(slug)

    def signed_head(self) -> SignedHead:
        """See :meth:`register.audit._api.AuditTrail.signed_head`."""
        return self.audit.signed_head()

    def verify_audit(
        self,
        *,
        expected_heads: Iterable[Any] = (),
        trusted_keys: Iterable[Ed25519PublicKey] | Mapping[str, Ed25519PublicKey] | None = None,
    ) -> AuditVerification:
        """See :meth:`register.audit._api.AuditTrail.verify`."""
        return self.audit.verify(expected_heads=expected_heads, trusted_keys=trusted_keys)

    def publication_state(self, slug: str) -> PublicationState:
        """See :meth:`register.audit._api.AuditTrail.publication_state`."""
        return self.audit.publication_state(slug)

    # -- transitional: what lifecycle/ reads until it takes a StoreView ------
    def _registered(self, slug: str) -> ModelInfo:
        return self._view.registered(slug)

    def _model_version(self, slug: str, version: int | None) -> VersionInfo:
        return self._view.version(slug, version)

    def _artifact_json(self, run_id: str, path: str) -> Any:
        return self._view.artifact_json(run_id, path)

    # -- health ---------------------------------------------------------------
    def check_reachable(self, timeout: float = 5.0) -> None:
        """Return if the store answers; else raise TrackingUnreachableError."""
        self._store.ping(timeout)

    def experiment_id(self) -> str:
        """The id of the register's experiment, created on first use."""
        return self._view.experiment_id()

    # -- catalogue and reads (delegated to reg.algorithms) --------------------------------
    def search(
        self,
        text: str | None = None,
        *,
        organisation: str | None = None,
        theme: str | None = None,
        status: str | None = None,
        risk: str | None = None,
        include_unpublished: bool = False,
        max_results: int = 50,
        page_token: str | None = None,
    ) -> SearchPage:
        """See :meth:`register.store._algorithms.Algorithms.search`."""
        return self.algorithms.search(
            text,
            organisation=organisation,
            theme=theme,
            status=status,
            risk=risk,
            include_unpublished=include_unpublished,
            max_results=max_results,
            page_token=page_token,
        )

    def list_algorithms(self, *, include_unpublished: bool = False) -> list[AlgorithmSummary]:
        """See :meth:`register.store._algorithms.Algorithms.list_all`."""
        return self.algorithms.list_all(include_unpublished=include_unpublished)

    def filter_options(self) -> FilterOptions:
        """See :meth:`register.store._algorithms.Algorithms.filter_options`."""
        return self.algorithms.filter_options()

    def get(self, slug: str, version: int | None = None) -> AlgorithmVersion:
        """See :meth:`register.store._algorithms.Algorithms.get`."""
        return self.algorithms.get(slug, version)

    def get_explanation(self, slug: str, version: int) -> Explanation:
        """See :meth:`register.store._algorithms.Algorithms.explanation`."""
        return self.algorithms.explanation(slug, version)

    def load_model(self, slug: str, version: int) -> Any:
        """See :meth:`register.store._algorithms.Algorithms.model`."""
        return self.algorithms.model(slug, version)

    def versions(self, slug: str) -> list[VersionInfo]:
        """See :meth:`register.store._algorithms.Algorithms.versions`."""
        return self.algorithms.versions(slug)

    def history(self, slug: str) -> list[VersionChange]:
        """See :meth:`register.store._algorithms.Algorithms.history`."""
        return self.algorithms.history(slug)

    # -- writes (see register.lifecycle._publish) ---------------------------------------
    def register_algorithm(
        self,
        model: Any,
        record: TransparencyRecord | Mapping[str, Any],
        *,
        reference_data: pd.DataFrame,
        publish: bool = True,
        seed: int = 0,
        progress: Progress | None = None,
        evaluation_data: pd.DataFrame | None = None,
        label: str | None = None,
        publish_despite_failed_checks: str | None = None,
    ) -> AlgorithmVersion:
        """Store ``model`` with ``record`` and its explanation as a new version.

        Everything is validated and explained before anything is written. The
        version is published (alias ``published``) only after the model, the
        record and the explanation are all stored; a failure part-way leaves
        nothing public and raises an error that says which step failed.
        ``evaluation_data`` (labelled rows with the record's protected attributes,
        label column ``label``) adds fairness by group; see ``register.audit._fairness``.

        A model the register cannot store or explain (see ``register.lifecycle._families``) is
        refused before anything is read or written. When the additivity or
        reproducibility check fails, nothing is written and :class:`ChecksFailedError`
        names the check and its numbers, unless ``publish_despite_failed_checks``
        gives a reason: it is then written into the ``published`` audit entry with
        the failed checks, and auditors see it as a warning. With ``publish=False``
        the version is stored and the reason is asked for when it is published.
        ``progress(step, done, total)`` is called as registration advances
        (``checking``, ``explaining``, ``storing``, ``publishing``).
        """
        # transitional: lifecycle/ still imports this module's names
        from register.lifecycle._publish import register_algorithm as _register_algorithm

        slug = str(
            record.slug if isinstance(record, TransparencyRecord) else record.get("slug", "")
        )
        organisation = getattr(record, "organisation", None)
        with refusals_explained(self._view, slug, organisation, step="registering"):
            return _register_algorithm(
                self,
                model,
                record,
                reference_data=reference_data,
                publish=publish,
                seed=seed,
                progress=progress,
                evaluation_data=evaluation_data,
                label=label,
                publish_despite_failed_checks=publish_despite_failed_checks,
            )

    def publish(
        self, slug: str, version: int, *, despite_failed_checks: str | None = None
    ) -> AlgorithmVersion:
        """Make ``version`` the public one: the signed ``published`` entry is appended
        first, then the ``published`` alias moves. Publishing again finishes an
        unfinished publication.

        A version whose additivity or reproducibility check failed is published only
        with a reason (``despite_failed_checks``), which goes into the signed entry.
        """
        # transitional: lifecycle/ still imports this module's names
        from register.lifecycle import _evidence
        from register.lifecycle._publish import publish as _publish

        reason = _evidence.override_reason(despite_failed_checks)
        with refusals_explained(self._view, slug, step="publishing"):
            checks = self.get_checks(slug, version)
            failed = _evidence.failed_checks(None if checks is None else checks.to_dict())
            details = _evidence.publish_gate(slug, version, failed, reason)
            return _publish(self, slug, version, details=details)

    def retire(self, slug: str, *, details: dict[str, Any] | None = None) -> AlgorithmVersion:
        """Mark the published version of ``slug`` as retired (it stays public, as retired);
        the ``retired`` entry is appended first."""
        # transitional: lifecycle/ still imports this module's names
        from register.lifecycle._publish import retire as _retire

        with refusals_explained(self._view, slug, step="retiring"):
            return _retire(self, slug, details=details)


def register_algorithm(
    model: Any,
    record: TransparencyRecord | Mapping[str, Any],
    *,
    reference_data: pd.DataFrame,
    tracking_uri: str | None = None,
    publish: bool = True,
    seed: int = 0,
    progress: Progress | None = None,
    evaluation_data: pd.DataFrame | None = None,
    label: str | None = None,
    publish_despite_failed_checks: str | None = None,
) -> AlgorithmVersion:
    """Register ``model`` with ``record`` in the store at ``tracking_uri`` (see
    :meth:`Register.register_algorithm`, whose guarantees hold)."""
    return Register(tracking_uri).register_algorithm(
        model,
        record,
        reference_data=reference_data,
        publish=publish,
        seed=seed,
        progress=progress,
        evaluation_data=evaluation_data,
        label=label,
        publish_despite_failed_checks=publish_despite_failed_checks,
    )
