"""Writing to the register: register, publish, retire.

Registration validates and explains everything before it writes anything, and
publishes last, so a failure part-way never leaves anything public. Each step does
its work once: the model is serialised once (into the folder that is uploaded, and
checked and load-verified from that folder), the files are hashed once as written
(those hashes go into the audit entries), uploaded in one call, and what was just
written is put into the :class:`StoreView`'s cache instead of being read back.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from register._errors import InsynError, NotFoundError, RegistrationError
from register.audit import _chain as _audit
from register.audit._writer import AuditWriter
from register.lifecycle import _evidence
from register.lifecycle._checks import (
    NOT_A_FRAME_MESSAGE,
    as_record,
    check_favourable,
    check_features,
    check_owner,
    check_predicts,
    explain,
    input_rows,
)
from register.lifecycle._families import check_supported
from register.lifecycle._labels_check import warn_missing_labels
from register.lifecycle._publication import (
    NOT_PUBLISHED_MESSAGE,
    PublicationUnfinishedError,
    logged_publication,
    record_key,
    refs_key,
)
from register.record._inputs import InputProfile, profile_from
from register.record._schema import TransparencyRecord
from register.store import _catalogue as cat
from register.store import _model_io
from register.store._paths import (
    COMPLETE_TAG,
    EXPLANATION_PATH,
    MODEL_PATH,
    ORG_EXPERIMENT,
    PROFILE_PATH,
    RECORD_PATH,
)
from register.store._protocol import (
    StoreConflictError,
    StoreDeniedError,
    StoreError,
    VersionInfo,
)
from register.store._results import AlgorithmVersion
from register.store._view import StoreView, view_of

__all__ = [
    "Deployment",
    "Progress",
    "WriterFactory",
    "publish",
    "register_algorithm",
    "retire",
]

STEP_FAILED_MESSAGE = (
    "Registration of {slug!r} failed while {step}: {reason}. Nothing was published."
)
ROUND_TRIP_ROWS = 200
"""Reference rows on which the stored model must predict exactly as the given one."""

Progress = Callable[[str, int, int], None]
WriterFactory = Callable[[], AuditWriter]
"""Makes the audit writer when registration first appends (finding or creating the log
touches the store, which must not happen before everything is checked)."""


def _quiet(label: str, done: int, total: int) -> None:
    """No progress report."""


def _no_share(slug: str, organisation: str) -> object:
    return None


def _no_explanation(
    exc: BaseException, *, slug: str, organisation: str | None, step: str
) -> InsynError | None:
    return None


@dataclass(frozen=True, kw_only=True)
class Deployment:
    """What registration asks of the deployment around the store; the facade gives it
    from :mod:`register.shared._auth`, the defaults suit an embedded store.

    ``share(slug, organisation)`` lets the organisation's other members manage a slug
    (a shared server's grants); ``explain_refusal(exc, slug=, organisation=, step=)`` is
    the plain-words error for a 401/403, or None for any other error.
    """

    share: Callable[[str, str], object] = _no_share
    explain_refusal: Callable[..., InsynError | None] = _no_explanation


def _write_json(path: Path, data: Any) -> Any:
    """Write ``data`` as the register's JSON files are written; return it as a reader
    parses it back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    path.write_text(text, "utf-8")
    return json.loads(text)


def register_algorithm(
    view: StoreView,
    writer: WriterFactory,
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
    deployment: Deployment | None = None,
) -> AlgorithmVersion:
    """See :meth:`register.Register.register_algorithm`; ``writer()`` gives the audit
    writer that appends the entries and publishes (asked for only once everything is
    checked and stored), ``deployment`` is the shared server's part, if any."""
    view = view_of(view)
    rec = as_record(record)
    check_supported(model)
    if not isinstance(reference_data, pd.DataFrame):
        raise InsynError(NOT_A_FRAME_MESSAGE.format(kind=type(reference_data).__name__))
    override = _evidence.override_reason(publish_despite_failed_checks)
    step = progress or _quiet
    step("checking", 0, 1)
    fairness = _evidence.fairness(model, rec, evaluation_data, label)  # before any store access
    view.store.ping()
    check_owner(view, rec)
    check_features(model, rec, reference_data)
    check_favourable(model, rec)
    with tempfile.TemporaryDirectory(prefix="insyn-registration-") as tmp:
        root = Path(tmp)
        # The one serialisation: checked for untrusted types as it is written.
        signature = _model_io.signature_for(reference_data)
        _model_io.write_model(model, root / MODEL_PATH, signature=signature)
        check_predicts(model, reference_data)
        explanation = explain(
            model,
            rec,
            reference_data,
            seed=seed,
            progress=lambda done, total: step("explaining", done, total),
        )
        # After the explanation, which refuses an unfitted model in its own words.
        rows = input_rows(model, reference_data).head(ROUND_TRIP_ROWS)
        loaded = _model_io.verify_model(model, root / MODEL_PATH, rows)
        profile = profile_from(model, reference_data)
        warn_missing_labels(rec, profile, evaluation_data, getattr(model, "classes_", ()))
        evidence = _evidence.prepare(
            view, model, rec, explanation, reference_data, evaluation_data, fairness
        )
        failed = _evidence.failed_checks(evidence.checks)
        details = _evidence.publish_gate(rec.slug, None, failed, override) if publish else None
        step("checking", 1, 1)
        written = _Written(
            root=root, record=rec, explanation=explanation, profile=profile, evidence=evidence
        )
        return _write(
            view, writer, deployment or Deployment(), written, loaded, publish, step, details
        )


@dataclass(frozen=True, kw_only=True)
class _Written:
    """What one registration writes: the local folder (``model/`` already in it) and
    what goes into ``insyn/``."""

    root: Path
    record: TransparencyRecord
    explanation: Any
    profile: InputProfile
    evidence: _evidence.Evidence


def _organisation_experiment(view: StoreView, organisation: str) -> str:
    """The organisation's own experiment ``insyn/<organisation>`` when it exists (a shared
    server's administrator creates it), else the register's experiment."""
    found = view.store.get_experiment_by_name(ORG_EXPERIMENT.format(organisation=organisation))
    return found.experiment_id if found is not None else view.experiment_id()


def _write(
    view: StoreView,
    writer: WriterFactory,
    deployment: Deployment,
    written: _Written,
    loaded: Any,
    publish_now: bool,
    step: Progress,
    publish_details: dict[str, Any] | None,
) -> AlgorithmVersion:
    store = view.store
    rec = written.record
    run_id: str | None = None
    version: int | None = None
    where = "starting the run"
    try:
        tags = rec.tags()  # the record's tags, once: for the run, the version and the catalogue
        experiment_id = _organisation_experiment(view, rec.organisation)
        run = store.create_run(
            experiment_id, run_name=rec.slug, tags={"insyn.slug": rec.slug, **tags}
        )
        run_id = run.run_id
        where = "storing the record, explanation and model"
        step("storing", 0, 4)
        files = _write_files(written)
        hashes = _audit.hash_tree(written.root)  # the files as written, hashed once
        store.log_artifacts(run_id, written.root)  # insyn/ and model/, uploaded once
        step("storing", 2, 4)
        meta = written.explanation.metadata
        store.log_param(run_id, "explainer", meta.explainer)
        store.log_metric(run_id, "additivity_max_error", float(meta.additivity_max_error))
        store.log_metric(run_id, "explain_seconds", float(meta.seconds))
        where = "creating the registered model"
        _ensure_registered_model(view, rec, deployment)
        where = "creating the model version"
        mv = store.create_model_version(
            rec.slug,
            source=f"{run.artifact_uri}/{MODEL_PATH}",
            run_id=run_id,
            tags={
                "insyn.explanation_fingerprint": meta.fingerprint,
                "insyn.explainer": meta.explainer,
                **tags,
            },
            description=rec.short_description.sv,
        )
        version = mv.version
        store.set_model_version_tag(rec.slug, version, COMPLETE_TAG, "true")
        _remember(view, run_id, rec, files, hashes, loaded)
        step("storing", 3, 4)
        where = "writing the audit trail"
        log = writer()
        _evidence.log_registration(
            log, rec, version, run_id, hashes, written.evidence, written.explanation
        )
        store.set_run_status(run_id, "FINISHED")
        step("storing", 4, 4)
        if publish_now:
            where = "publishing"
            step("publishing", 0, 1)
            log.publish(rec.slug, version, details=publish_details)
            step("publishing", 1, 1)
    except PublicationUnfinishedError:
        raise  # the publication is logged: keep the version so 'insyn publish' can finish it
    except StoreDeniedError as exc:
        _undo(view, rec.slug, run_id, version)
        explained = deployment.explain_refusal(
            exc, slug=rec.slug, organisation=rec.organisation, step=where
        )
        raise (explained or exc) from exc
    except StoreError as exc:  # the store refused or lost something: said as a step
        _undo(view, rec.slug, run_id, version)
        raise RegistrationError(
            STEP_FAILED_MESSAGE.format(slug=rec.slug, step=where, reason=exc)
        ) from exc
    except InsynError:
        _undo(view, rec.slug, run_id, version)
        raise
    except Exception as exc:
        _undo(view, rec.slug, run_id, version)
        denied = deployment.explain_refusal(
            exc, slug=rec.slug, organisation=rec.organisation, step=where
        )
        if denied is not None:
            raise denied from exc
        raise RegistrationError(
            STEP_FAILED_MESSAGE.format(slug=rec.slug, step=where, reason=exc)
        ) from exc
    return _registered_version(rec, mv, files, meta, published=publish_now)


def _write_files(written: _Written) -> dict[str, Any]:
    """Write ``insyn/`` next to ``model/``; returns each JSON file as a reader parses it."""
    root = written.root
    files = {
        RECORD_PATH: _write_json(root / RECORD_PATH, written.record.to_json_dict()),
        PROFILE_PATH: _write_json(root / PROFILE_PATH, written.profile.to_dict()),
    }
    written.explanation.save(root / EXPLANATION_PATH)
    files.update(_evidence.write_files(root, written.evidence))
    return files


def _remember(
    view: StoreView,
    run_id: str,
    rec: TransparencyRecord,
    files: dict[str, Any],
    hashes: dict[str, str],
    loaded: Any,
) -> None:
    """Put what was just written into the view's cache (run files never change), so
    publishing and the first reads download nothing."""
    for path, data in files.items():
        view.put(("json", run_id, path), data)
    view.put(record_key(run_id), rec)
    view.put(_model_io.model_key(run_id), loaded)
    for paths in ((RECORD_PATH, MODEL_PATH), (RECORD_PATH,)):
        view.put(refs_key(run_id, *paths), _audit.artifact_refs(run_id, hashes, *paths))


def _registered_version(
    rec: TransparencyRecord, mv: VersionInfo, files: dict[str, Any], meta: Any, *, published: bool
) -> AlgorithmVersion:
    """The new version as :meth:`register.Register.get` reads it, from what was written."""
    return AlgorithmVersion(
        slug=rec.slug,
        version=mv.version,
        record=rec,
        run_id=mv.run_id,
        created_at=datetime.fromtimestamp(mv.created_at / 1000, tz=UTC),
        aliases=(cat.PUBLISHED_ALIAS,) if published else (),
        status=rec.status.value,
        input_profile=InputProfile.from_dict(files[PROFILE_PATH]),
        explanation_fingerprint=meta.fingerprint,
        explainer=meta.explainer,
    )


def _ensure_registered_model(
    view: StoreView, rec: TransparencyRecord, deployment: Deployment
) -> None:
    tags = cat.catalogue_tags(rec)
    tags[cat.PUBLISHED] = "false"
    try:
        view.store.create_registered_model(
            rec.slug, tags=tags, description=rec.short_description.sv
        )
    except StoreConflictError:
        check_owner(view, rec)
    deployment.share(rec.slug, rec.organisation)  # idempotent; a no-op on an embedded store


def _undo(view: StoreView, slug: str, run_id: str | None, version: int | None) -> None:
    """Best effort: leave nothing of a failed registration that could look complete."""
    store = view.store
    if version is not None:
        try:
            if store.get_registered_model(slug).aliases.get(cat.PUBLISHED_ALIAS) == version:
                store.delete_alias(slug, cat.PUBLISHED_ALIAS)
            store.delete_model_version(slug, version)
        except Exception:  # the store may be down; the version then stays incomplete
            pass
    if run_id is not None:
        # The store may be down; the run then stays unfinished, never complete.
        with contextlib.suppress(Exception):
            store.set_run_status(run_id, "FAILED")


def publish(
    view: StoreView,
    writer: AuditWriter,
    slug: str,
    version: int,
    *,
    details: dict[str, Any] | None = None,
) -> int:
    """Publish ``slug`` version ``version`` through ``writer`` (the log is the commit
    point; see :mod:`register.lifecycle._publication`); returns the version."""
    writer.publish(slug, int(version), details=details)
    return int(version)


def retire(
    view: StoreView, writer: AuditWriter, slug: str, *, details: dict[str, Any] | None = None
) -> int:
    """Retire the published version of ``slug`` through ``writer``; returns that version."""
    writer.retire(slug, details=details)
    version = logged_publication(view_of(view), slug)
    if version is None:  # the writer logged it, so the log names it; said plainly if not
        raise NotFoundError(NOT_PUBLISHED_MESSAGE.format(slug=slug))
    return version
