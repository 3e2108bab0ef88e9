"""Writing to the register: register, publish, retire.

Registration validates and explains everything before it writes anything, and
publishes last, so a failure part-way never leaves anything public.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from register._errors import InsynError, NotFoundError, OwnershipError, RegistrationError
from register._facade import (
    COMPLETE_TAG,
    EXPLANATION_PATH,
    MODEL_PATH,
    PROFILE_PATH,
    RECORD_PATH,
    Progress,
)
from register.audit import _chain as _audit
from register.lifecycle import _evidence
from register.lifecycle._families import check_supported
from register.lifecycle._publication import PublicationUnfinishedError
from register.record._inputs import profile_from
from register.record._schema import TransparencyRecord, parse_record
from register.shared import _auth
from register.store import _catalogue as cat
from register.store import _model_io
from register.store._model_io import check_serializable

if TYPE_CHECKING:
    from register._facade import Register
    from register.store._results import AlgorithmVersion

OWNED_BY_OTHER_MESSAGE = (
    "The slug {slug!r} is already used by the organisation {owner!r}; "
    "{organisation!r} cannot register under it. Choose another slug."
)
NOT_A_FRAME_MESSAGE = "reference_data must be a pandas DataFrame, not {kind}."
FEATURES_MISSING_MESSAGE = (
    "The record's technical.features must describe every model input in plain words; "
    "missing: {missing}."
)
FEATURES_UNKNOWN_MESSAGE = (
    "The record's technical.features names columns the model does not take: {unknown}."
)
STEP_FAILED_MESSAGE = (
    "Registration of {slug!r} failed while {step}: {reason}. Nothing was published."
)
PREDICT_FAILED_MESSAGE = (
    "The model's own predict fails on the reference data: {reason}. insyn explains "
    "exactly the rows the model can predict; fix or remove the rows it cannot take."
)
MODEL_NOT_FITTED_ERRORS = ("not fitted", "NotFittedError")
ROUND_TRIP_ROWS = 200
"""Reference rows on which the stored model must predict exactly as the given one."""


def _as_record(record: TransparencyRecord | Mapping[str, Any]) -> TransparencyRecord:
    if isinstance(record, TransparencyRecord):
        return record
    return parse_record(record)


def _check_features(model: Any, record: TransparencyRecord, reference: pd.DataFrame) -> None:
    inputs = [str(c) for c in getattr(model, "feature_names_in_", reference.columns)]
    described = {f.name for f in record.technical.features}
    missing = [c for c in inputs if c not in described]
    if missing:
        raise InsynError(FEATURES_MISSING_MESSAGE.format(missing=", ".join(missing)))
    unknown = sorted(described - set(inputs))
    if unknown:
        raise InsynError(FEATURES_UNKNOWN_MESSAGE.format(unknown=", ".join(unknown)))


def _input_rows(model: Any, reference: pd.DataFrame) -> pd.DataFrame:
    names = [str(c) for c in getattr(model, "feature_names_in_", reference.columns)]
    return reference.loc[:, names] if set(names) <= set(reference.columns) else reference


def _check_predicts(model: Any, reference: pd.DataFrame) -> None:
    """Rows the model's own ``predict`` refuses (an unseen category with
    ``handle_unknown="error"``, a value it cannot convert) are refused the same way,
    in plain words; rows it predicts (NaN where the model takes NaN) go on."""
    from sklearn.exceptions import NotFittedError

    try:
        model.predict(_input_rows(model, reference))
    except NotFittedError:
        return  # the explainer says so in its own words
    except Exception as exc:  # whatever the model raises, said plainly
        raise InsynError(PREDICT_FAILED_MESSAGE.format(reason=exc)) from exc


def _check_owner(reg: Register, record: TransparencyRecord) -> None:
    try:
        existing = reg._registered(record.slug)
    except NotFoundError:
        return
    owner = dict(existing.tags).get(cat.ORGANISATION)
    if owner and owner != record.organisation:
        raise OwnershipError(
            OWNED_BY_OTHER_MESSAGE.format(
                slug=record.slug, owner=owner, organisation=record.organisation
            )
        )


def _explain(model: Any, record: TransparencyRecord, reference: pd.DataFrame, **kw: Any) -> Any:
    import explainers

    try:
        return explainers.explain(
            model, reference, positive_class=record.technical.positive_class, **kw
        )
    except explainers.ExplanationError as exc:
        raise InsynError(str(exc)) from exc


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), "utf-8")


def register_algorithm(
    reg: Register,
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
    """See :meth:`register.Register.register_algorithm`."""
    rec = _as_record(record)
    check_supported(model)
    if not isinstance(reference_data, pd.DataFrame):
        raise InsynError(NOT_A_FRAME_MESSAGE.format(kind=type(reference_data).__name__))
    override = _evidence.override_reason(publish_despite_failed_checks)
    step = progress or (lambda label, done, total: None)
    step("checking", 0, 1)
    fairness = _evidence.fairness(model, rec, evaluation_data, label)  # before any store access
    reg.check_reachable()
    _check_owner(reg, rec)
    _check_features(model, rec, reference_data)
    check_serializable(model)
    _check_predicts(model, reference_data)
    explanation = _explain(
        model,
        rec,
        reference_data,
        seed=seed,
        progress=lambda done, total: step("explaining", done, total),
    )
    profile = profile_from(model, reference_data)
    evidence = _evidence.prepare(
        reg, model, rec, explanation, reference_data, evaluation_data, fairness
    )
    failed = _evidence.failed_checks(evidence.checks)
    details = _evidence.publish_gate(rec.slug, None, failed, override) if publish else None
    step("checking", 1, 1)
    with _stored_model(model, reference_data) as model_dir:
        return _write(reg, model_dir, rec, explanation, profile, publish, step, evidence, details)


@contextlib.contextmanager
def _stored_model(model: Any, reference: pd.DataFrame) -> Iterator[Path]:
    """The model written as an MLflow model directory (no pickle) and read back: it must
    predict exactly as ``model`` on the first reference rows, else InsynError."""
    from mlflow.models import infer_signature

    rows = _input_rows(model, reference)
    signature = infer_signature(reference.head(0).astype(reference.dtypes.to_dict()))
    holder = _model_io.round_trip(
        model, rows.head(ROUND_TRIP_ROWS), signature=signature, checked=True
    )
    try:
        yield Path(holder.name) / MODEL_PATH
    finally:
        holder.cleanup()


def _write(
    reg: Register,
    model_dir: Path,
    rec: TransparencyRecord,
    explanation: Any,
    profile: Any,
    publish_now: bool,
    step: Progress,
    evidence: _evidence.Evidence | None = None,
    publish_details: dict[str, Any] | None = None,
) -> AlgorithmVersion:
    client = reg.client
    run_id: str | None = None
    version: str | None = None
    where = "starting the run"
    try:
        experiment_id = _auth.organisation_experiment_id(reg, rec.organisation)
        run = client.create_run(
            experiment_id,
            run_name=rec.slug,
            tags={"insyn.slug": rec.slug, **rec.tags()},
        )
        run_id = run.info.run_id
        where = "storing the record, explanation and model"
        step("storing", 0, 4)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            _write_json(root / RECORD_PATH, rec.to_json_dict())
            _write_json(root / PROFILE_PATH, profile.to_dict())
            explanation.save(root / EXPLANATION_PATH)
            _evidence.write_files(root, evidence)
            client.log_artifacts(run_id, str(root / "insyn"), "insyn")
            step("storing", 2, 4)
            shutil.copytree(model_dir, root / MODEL_PATH)
            client.log_artifacts(run_id, str(root / MODEL_PATH), MODEL_PATH)
            hashes = _audit.hash_tree(root)
            step("storing", 3, 4)
        meta = explanation.metadata
        client.log_param(run_id, "explainer", meta.explainer)
        client.log_metric(run_id, "additivity_max_error", float(meta.additivity_max_error))
        client.log_metric(run_id, "explain_seconds", float(meta.seconds))
        where = "creating the registered model"
        _ensure_registered_model(reg, rec)
        where = "creating the model version"
        source = f"{client.get_run(run_id).info.artifact_uri}/{MODEL_PATH}"
        mv = client.create_model_version(
            rec.slug,
            source,
            run_id=run_id,
            tags={
                "insyn.explanation_fingerprint": meta.fingerprint,
                "insyn.explainer": meta.explainer,
                **rec.tags(),
            },
            description=rec.short_description.sv,
        )
        version = str(mv.version)
        _wait_ready(client, rec.slug, version)
        client.set_model_version_tag(rec.slug, version, COMPLETE_TAG, "true")
        where = "writing the audit trail"
        _evidence.log_registration(reg, rec, int(version), run_id, hashes, evidence, explanation)
        client.set_terminated(run_id, "FINISHED")
        step("storing", 4, 4)
        if publish_now:
            where = "publishing"
            step("publishing", 0, 1)
            publish(reg, rec.slug, int(version), details=publish_details)
            step("publishing", 1, 1)
    except PublicationUnfinishedError:
        raise  # the publication is logged: keep the version so 'insyn publish' can finish it
    except InsynError:
        _undo(reg, rec.slug, run_id, version)
        raise
    except Exception as exc:
        _undo(reg, rec.slug, run_id, version)
        denied = _auth.translate(reg, exc, slug=rec.slug, organisation=rec.organisation, step=where)
        if denied is not None:
            raise denied from exc
        raise RegistrationError(
            STEP_FAILED_MESSAGE.format(slug=rec.slug, step=where, reason=exc)
        ) from exc
    return reg.get(rec.slug, int(version))


def _ensure_registered_model(reg: Register, rec: TransparencyRecord) -> None:
    from mlflow.exceptions import MlflowException

    tags = cat.catalogue_tags(rec)
    tags[cat.PUBLISHED] = "false"
    try:
        reg.client.create_registered_model(
            rec.slug, tags=tags, description=rec.short_description.sv
        )
    except MlflowException as exc:
        if "ALREADY_EXISTS" not in str(exc.error_code):
            raise
        _check_owner(reg, rec)
    _auth.share_with_organisation(reg, rec.slug, rec.organisation)  # idempotent; shared server


def _wait_ready(client: Any, slug: str, version: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get_model_version(slug, version).status
        if status == "READY":
            return
        if status == "FAILED_REGISTRATION" or time.monotonic() > deadline:
            raise RuntimeError(f"model version {version} ended as {status}")
        time.sleep(0.2)


def _undo(reg: Register, slug: str, run_id: str | None, version: str | None) -> None:
    """Best effort: leave nothing of a failed registration that could look complete."""
    client = reg.client
    if version is not None:
        try:
            if client.get_registered_model(slug).aliases.get(cat.PUBLISHED_ALIAS) == version:
                client.delete_registered_model_alias(slug, cat.PUBLISHED_ALIAS)
            client.delete_model_version(slug, version)
        except Exception:  # the store may be down; the version then stays incomplete
            pass
    if run_id is not None:
        # The store may be down; the run then stays unfinished, never complete.
        with contextlib.suppress(Exception):
            client.set_terminated(run_id, "FAILED")


def publish(
    reg: Register, slug: str, version: int, *, details: dict[str, Any] | None = None
) -> AlgorithmVersion:
    """See :meth:`register.Register.publish` (the log is the commit point; see
    :mod:`register.lifecycle._publication`)."""
    reg.audit.writer().publish(slug, int(version), details=details)
    return reg.get(slug, version)


def retire(reg: Register, slug: str, *, details: dict[str, Any] | None = None) -> AlgorithmVersion:
    """See :meth:`register.Register.retire`."""
    from register.lifecycle._publication import logged_publication

    reg.audit.writer().retire(slug, details=details)
    version = logged_publication(reg.view, slug)
    return reg.get(slug, version)
