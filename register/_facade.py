"""The register: an MLflow-backed store of algorithms, their records and explanations.

Each algorithm is an MLflow registered model named by its slug; each
registration is a new model version whose run holds the record
(``insyn/record.json``), the input profile, the explanation and the model
(skops). A version is public only while it holds the ``published`` alias.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register._errors import NotFoundError
from register.audit._api import AuditTrail, Reviews
from register.audit._types import AuditEntry
from register.audit._writer import AuditWriter, Publication, writer_for
from register.lifecycle import _publication
from register.record._errors import SLUG_MAX_CHARS, is_slug
from register.record._inputs import InputProfile
from register.record._schema import parse_record
from register.store import _catalogue as cat
from register.store._mlflow import MlflowStore
from register.store._model_io import load_model
from register.store._paths import (
    COMPLETE_TAG,
    EXPLANATION_PATH,
    MODEL_PATH,
    PROFILE_PATH,
    RECORD_PATH,
)
from register.store._results import (
    AlgorithmSummary,
    AlgorithmVersion,
    FilterOptions,
    SearchPage,
    VersionChange,
)
from register.store._uri import (
    EXPERIMENT_NAME,
    artifact_root_for,
    resolve_tracking_uri,
    unreachable,
)
from register.store._view import StoreView

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient

    from explainers import Explanation

# Artifact downloads are the register's business, not a progress bar in a citizen's logs.
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

NOT_FOUND_MESSAGE = "The register holds no algorithm called {slug!r}."
VERSION_NOT_FOUND_MESSAGE = "The algorithm {slug!r} has no version {version}."
NOT_PUBLISHED_MESSAGE = "The algorithm {slug!r} has no published version."

__all__ = [
    "COMPLETE_TAG",
    "EXPLANATION_PATH",
    "MODEL_PATH",
    "PROFILE_PATH",
    "RECORD_PATH",
    "Register",
]

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
        return _publication.publish(self._reg, writer, slug, version, details=details)

    def retire(
        self, writer: AuditWriter, slug: str, *, details: dict[str, Any] | None = None
    ) -> AuditEntry:
        return _publication.retire(self._reg, writer, slug, details=details)


class Register:
    """A register of algorithms in one MLflow tracking store, picked by URI.

    ``tracking_uri=None`` uses ``$MLFLOW_TRACKING_URI`` or the embedded default
    (sqlite plus local artifacts under ``$INSYN_HOME``, default ``./.insyn``).
    Reads of immutable things (a version's record, explanation, model) are cached.
    """

    def __init__(self, tracking_uri: str | None = None, *, experiment: str = EXPERIMENT_NAME):
        self._uri = resolve_tracking_uri(tracking_uri)
        self._experiment = experiment
        self._lock = threading.Lock()
        self._store = MlflowStore(self._uri)
        self._view = StoreView(self._store, experiment=experiment)
        # Until the facade reads through the view (store-seam), its own reads share the
        # view's cache so the parts see one cache.
        self._cache: dict[tuple[str, ...], Any] = self._view._cache
        self.audit = AuditTrail(self._view, writer=self.writer, reads=self)
        self.reviews = Reviews(self._view, writer=self.writer)

    @property
    def tracking_uri(self) -> str:
        """The MLflow tracking URI this register reads and writes."""
        return self._uri

    @property
    def store(self) -> MlflowStore:
        """The store this register reads and writes."""
        return self._store

    @property
    def view(self) -> StoreView:
        """The view of the store every part of the register is given."""
        return self._view

    @property
    def client(self) -> MlflowClient:
        """The MLflow client bound to :attr:`tracking_uri` (created on first use)."""
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
    def get_fairness(self, slug: str, version: int) -> Any:
        """See :meth:`register.audit._api.AuditTrail.get_fairness`."""
        return self.audit.get_fairness(slug, version)

    def get_checks(self, slug: str, version: int) -> Any:
        """See :meth:`register.audit._api.AuditTrail.get_checks`."""
        return self.audit.get_checks(slug, version)

    def recheck(self, slug: str, version: int, **data: Any) -> Any:
        """See :meth:`register.audit._api.AuditTrail.recheck`."""
        return self.audit.recheck(slug, version, **data)

    def add_review(self, slug: str, version: int, **fields: Any) -> Any:
        """See :meth:`register.audit._api.Reviews.add`."""
        return self.reviews.add(slug, version, **fields)

    def review_notes(self, slug: str, version: int | None = None) -> list[str]:
        """See :meth:`register.audit._api.Reviews.notes`."""
        return self.reviews.notes(slug, version)

    def audit_head(self) -> Any:
        """See :meth:`register.audit._api.AuditTrail.head`."""
        return self.audit.head()

    def audit_entries(self, slug: str | None = None) -> list[AuditEntry]:
        """See :meth:`register.audit._api.AuditTrail.entries`."""
        return self.audit.entries(slug)

    def signed_head(self) -> Any:
        """See :meth:`register.audit._api.AuditTrail.signed_head`."""
        return self.audit.signed_head()

    def verify_audit(self, **options: Any) -> Any:
        """See :meth:`register.audit._api.AuditTrail.verify`."""
        return self.audit.verify(**options)

    def publication_state(self, slug: str) -> Any:
        """See :meth:`register.audit._api.AuditTrail.publication_state`."""
        return self.audit.publication_state(slug)

    # -- health ---------------------------------------------------------------
    def check_reachable(self, timeout: float = 5.0) -> None:
        """Return if the tracking store answers; else raise TrackingUnreachableError."""
        if self._uri.startswith(("http://", "https://")):
            try:
                with urllib.request.urlopen(self._uri.rstrip("/") + "/health", timeout=timeout):
                    return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
                raise unreachable(self._uri, f"HTTP {exc.code}") from exc
            except (urllib.error.URLError, OSError) as exc:
                raise unreachable(self._uri, getattr(exc, "reason", exc)) from exc
        try:
            self.client.search_experiments(max_results=1)
        except Exception as exc:
            raise unreachable(self._uri, exc) from exc

    def experiment_id(self) -> str:
        """The id of the register's experiment, created on first use."""
        with self._lock:
            found = self.client.get_experiment_by_name(self._experiment)
            if found is not None:
                return str(found.experiment_id)
            return str(
                self.client.create_experiment(
                    self._experiment, artifact_location=artifact_root_for(self._uri)
                )
            )

    # -- catalogue ------------------------------------------------------------
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
        """One page of algorithms whose catalogue entry matches every condition.

        Free ``text`` matches words in the name, description, organisation and
        department in either language. Results are ordered by slug.
        """
        from register.record._schema import LocalizedText

        filters = {
            "organisation": organisation,
            "theme": theme,
            "status": status,
            "risk_category": risk,
        }
        query = cat.build_filter(text, filters=filters, include_unpublished=include_unpublished)
        found = self.client.search_registered_models(
            filter_string=query,
            max_results=max_results,
            order_by=["name ASC"],
            page_token=page_token,
        )
        items = []
        for model in found:
            tags = dict(model.tags)
            items.append(
                AlgorithmSummary(
                    slug=model.name,
                    name=LocalizedText(
                        sv=tags.get("insyn.name.sv") or model.name,
                        en=tags.get("insyn.name.en") or None,
                    ),
                    short_description=LocalizedText(
                        sv=tags.get("insyn.description.sv") or "-",
                        en=tags.get("insyn.description.en") or None,
                    ),
                    **cat.summary_fields(tags),
                )
            )
        return SearchPage(items=items, next_page_token=found.token or None)

    def list_algorithms(self, *, include_unpublished: bool = False) -> list[AlgorithmSummary]:
        """Every algorithm in the catalogue (all pages), ordered by slug."""
        items: list[AlgorithmSummary] = []
        token: str | None = None
        while True:
            page = self.search(
                include_unpublished=include_unpublished, max_results=200, page_token=token
            )
            items += page.items
            token = page.next_page_token
            if not token:
                return items

    def filter_options(self) -> FilterOptions:
        """The distinct organisations, themes, statuses and risk categories published
        (read from tags only, cached for a short while; see register.store._catalogue_index)."""
        from register.store._catalogue_index import filter_options

        return filter_options(self)

    # -- one algorithm -----------------------------------------------------------
    def _registered(self, slug: str) -> Any:
        from mlflow.exceptions import MlflowException

        if not is_slug(slug):  # a/b, markup, very long: no algorithm can have it; MLflow not asked
            shown = slug[:SLUG_MAX_CHARS] + "..." if len(slug) > SLUG_MAX_CHARS else slug
            raise NotFoundError(NOT_FOUND_MESSAGE.format(slug=shown))
        try:
            return self.client.get_registered_model(slug)
        except MlflowException as exc:
            # An auth-enabled server answers 403 for a model that does not exist.
            code = str(exc.error_code)
            if (
                "RESOURCE_DOES_NOT_EXIST" in code
                or "PERMISSION_DENIED" in code
                or ("not found" in str(exc).lower())
            ):
                raise NotFoundError(NOT_FOUND_MESSAGE.format(slug=slug)) from exc
            raise

    def _model_version(self, slug: str, version: int | None) -> Any:
        from mlflow.exceptions import MlflowException

        registered = self._registered(slug)
        try:
            if version is None:
                return self.client.get_model_version_by_alias(slug, cat.PUBLISHED_ALIAS)
            return self.client.get_model_version(slug, str(version))
        except MlflowException as exc:
            if version is None:
                raise NotFoundError(NOT_PUBLISHED_MESSAGE.format(slug=slug)) from exc
            raise NotFoundError(
                VERSION_NOT_FOUND_MESSAGE.format(slug=slug, version=version)
            ) from exc
        finally:
            del registered

    def _artifact_json(self, run_id: str, path: str) -> Any:
        key = ("json", run_id, path)
        if key not in self._cache:
            with tempfile.TemporaryDirectory() as tmp:
                local = self.client.download_artifacts(run_id, path, tmp)
                self._cache[key] = json.loads(Path(local).read_text(encoding="utf-8"))
        return self._cache[key]

    def get(self, slug: str, version: int | None = None) -> AlgorithmVersion:
        """The stored version (default: the published one) with its record.

        Raises :class:`NotFoundError` for an unknown slug or version.
        """
        mv = self._model_version(slug, version)
        registered = self._registered(slug)
        record = parse_record(self._artifact_json(mv.run_id, RECORD_PATH))
        profile = InputProfile.from_dict(self._artifact_json(mv.run_id, PROFILE_PATH))
        aliases = tuple(a for a, v in registered.aliases.items() if str(v) == str(mv.version))
        return AlgorithmVersion(
            slug=slug,
            version=int(mv.version),
            record=record,
            run_id=mv.run_id,
            created_at=datetime.fromtimestamp(mv.creation_timestamp / 1000, tz=UTC),
            aliases=aliases,
            status=self._status_of(registered, mv, record.status.value),
            input_profile=profile,
            explanation_fingerprint=mv.tags.get("insyn.explanation_fingerprint", ""),
            explainer=mv.tags.get("insyn.explainer", ""),
        )

    @staticmethod
    def _status_of(registered: Any, mv: Any, record_status: str) -> str:
        return str(mv.tags.get("insyn.status") or record_status)

    def get_explanation(self, slug: str, version: int) -> Explanation:
        """The stored explanation of ``slug`` version ``version`` (identical numbers)."""
        from explainers import Explanation

        mv = self._model_version(slug, version)
        key = ("explanation", mv.run_id)
        if key not in self._cache:
            with tempfile.TemporaryDirectory() as tmp:
                local = self.client.download_artifacts(mv.run_id, EXPLANATION_PATH, tmp)
                self._cache[key] = Explanation.load(Path(local))
        explanation: Explanation = self._cache[key]
        return explanation

    def load_model(self, slug: str, version: int) -> Any:
        """The fitted model of ``slug`` version ``version``, loaded with skops and
        insyn's allowlist of trusted types (never unpickled)."""
        mv = self._model_version(slug, version)
        key = ("model", mv.run_id)
        if key not in self._cache:
            with tempfile.TemporaryDirectory() as tmp:
                local = self.client.download_artifacts(mv.run_id, MODEL_PATH, tmp)
                self._cache[key] = load_model(Path(local), uri=f"models:/{slug}/{version}")
        return self._cache[key]

    def versions(self, slug: str) -> list[Any]:
        """MLflow model versions of ``slug``, oldest first (completed ones only)."""
        self._registered(slug)
        found = self.client.search_model_versions(f"name = '{slug}'", max_results=10000)
        complete = [mv for mv in found if mv.tags.get(COMPLETE_TAG) == "true"]
        return sorted(complete, key=lambda mv: int(mv.version))

    def history(self, slug: str) -> list[VersionChange]:
        """All complete versions of ``slug``, oldest first, with the record fields
        that changed against the version before."""
        registered = self._registered(slug)
        changes: list[VersionChange] = []
        previous = None
        for mv in self.versions(slug):
            record = parse_record(self._artifact_json(mv.run_id, RECORD_PATH))
            changed = tuple(previous.diff(record)) if previous is not None else ()
            aliases = tuple(a for a, v in registered.aliases.items() if str(v) == str(mv.version))
            changes.append(
                VersionChange(
                    version=int(mv.version),
                    created_at=datetime.fromtimestamp(mv.creation_timestamp / 1000, tz=UTC),
                    status=self._status_of(registered, mv, record.status.value),
                    aliases=aliases,
                    changed_fields=changed,
                )
            )
            previous = record
        return changes

    # -- writes (see register.lifecycle._publish) ---------------------------------------
    def register_algorithm(
        self,
        model: Any,
        record: Any,
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
        from register.lifecycle._publish import register_algorithm
        from register.shared._auth import refusals_explained

        slug = str(getattr(record, "slug", None) or dict(record).get("slug", ""))
        organisation = getattr(record, "organisation", None)
        with refusals_explained(self, slug, organisation, step="registering"):
            return register_algorithm(
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
        from register.lifecycle import _evidence
        from register.lifecycle._publish import publish
        from register.shared._auth import refusals_explained

        reason = _evidence.override_reason(despite_failed_checks)
        with refusals_explained(self, slug, step="publishing"):
            checks = self.get_checks(slug, version)
            failed = _evidence.failed_checks(None if checks is None else checks.to_dict())
            details = _evidence.publish_gate(slug, version, failed, reason)
            return publish(self, slug, version, details=details)

    def retire(self, slug: str, *, details: dict[str, Any] | None = None) -> AlgorithmVersion:
        """Mark the published version of ``slug`` as retired (it stays public, as retired);
        the ``retired`` entry is appended first."""
        from register.lifecycle._publish import retire
        from register.shared._auth import refusals_explained

        with refusals_explained(self, slug, step="retiring"):
            return retire(self, slug, details=details)
