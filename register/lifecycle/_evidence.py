"""What registration stores for auditors, and the audit events it appends.

:func:`fairness` and :func:`checks` run before anything is written (so bad
evaluation data stops a registration with nothing stored); :func:`log_registration`
appends ``registered``, ``explanation_computed`` and, when the record differs from
the previous version's, ``record_changed``, each with the SHA-256 of the files it
refers to.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

import explainers
from explainers import Explanation
from explainers._explain import ADDITIVITY_TOLERANCE
from register._errors import ChecksFailedError, InsynError
from register.audit import _chain as _audit
from register.audit._fairness import fairness_report
from register.audit._writer import AuditWriter
from register.lifecycle._publication import stored_record
from register.record._schema import TransparencyRecord
from register.store._model_io import stored_model
from register.store._paths import (
    CHECKS_PATH,
    COMPLETE_TAG,
    EXPLANATION_PATH,
    FAIRNESS_PATH,
    MODEL_PATH,
    PROFILE_PATH,
    RECORD_PATH,
)
from register.store._protocol import StoreNotFoundError
from register.store._view import StoreView

__all__ = [
    "CHECKS_PATH",
    "FAIRNESS_PATH",
    "Evidence",
    "describe_failed",
    "explanation_key",
    "failed_checks",
    "fairness",
    "log_registration",
    "override_reason",
    "prepare",
    "publish_gate",
    "stored_explanation",
    "write_files",
]
NOT_A_FRAME_MESSAGE = "evaluation_data must be a pandas DataFrame, not {kind}."
CHECKS_FAILED_MESSAGE = (
    "{subject} was not published: the {names} check failed ({numbers}). "
    "Find the cause (model, reference data) and register again; to publish anyway, give a "
    'reason: publish_despite_failed_checks="..." in Python, '
    "--publish-despite-failed-checks REASON on the command line. The reason is written to "
    "the audit log and shown to auditors as a warning."
)
OVERRIDE_REASON_MESSAGE = (
    "publish_despite_failed_checks must be a reason in words (at least {minimum} "
    "characters), not {value!r}."
)
OVERRIDE_MIN_CHARS = 10
GATED_CHECKS = ("additivity", "reproducibility")


@dataclass(frozen=True, kw_only=True, slots=True)
class Evidence:
    """Files to store with a new version and what it is compared with (read-only).

    ``files``: artifact path -> JSON payload (a read-only mapping).
    """

    files: Mapping[str, Any]
    previous_version: int | None
    previous_record: TransparencyRecord | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))

    @property
    def checks(self) -> dict[str, Any]:
        """The stored checks (a copy; empty when there are none)."""
        return dict(self.files.get(CHECKS_PATH) or {})


def fairness(
    model: Any, record: TransparencyRecord, evaluation_data: Any, label: str | None
) -> dict[str, Any] | None:
    """The public fairness result, or None without evaluation data.

    Raises :class:`InsynError` when the evaluation data does not fit (missing
    protected attribute, label or input; labels outside the model's classes).
    """
    if evaluation_data is None:
        return None
    if not isinstance(evaluation_data, pd.DataFrame):
        raise InsynError(NOT_A_FRAME_MESSAGE.format(kind=type(evaluation_data).__name__))
    report = fairness_report(
        model,
        evaluation_data,
        label=label,
        protected_attributes=record.data.protected_attributes,
        positive_class=record.technical.positive_class,
    )
    return report.public_dict()


def explanation_key(run_id: str) -> tuple[str, ...]:
    """The :class:`StoreView` cache key of the explanation of run ``run_id``."""
    return ("explanation", run_id)


def stored_explanation(view: StoreView, run_id: str) -> Explanation:
    """The explanation stored in run ``run_id``, loaded once per view."""

    def download() -> Explanation:
        with tempfile.TemporaryDirectory() as tmp:
            return Explanation.load(
                view.store.download_artifacts(run_id, EXPLANATION_PATH, Path(tmp))
            )

    return view.cached(explanation_key(run_id), download)


def _previous(view: StoreView, slug: str) -> tuple[int, Any, Any, TransparencyRecord] | None:
    """The last complete version of ``slug``: number, model, explanation and record (the
    model and explanation None when they cannot be read)."""
    try:
        versions = view.store.search_model_versions(slug)
    except StoreNotFoundError:
        return None
    complete = [mv for mv in versions if mv.tags.get(COMPLETE_TAG) == "true"]
    if not complete:
        return None
    mv = max(complete, key=lambda found: found.version)
    record = stored_record(view, mv.run_id)
    try:
        model = stored_model(view, mv.run_id, uri=f"models:/{slug}/{mv.version}")
        return mv.version, model, stored_explanation(view, mv.run_id), record
    except Exception:  # an unreadable previous version: compare records only
        return mv.version, None, None, record


def prepare(
    view: StoreView,
    model: Any,
    record: TransparencyRecord,
    explanation: Any,
    reference: pd.DataFrame,
    evaluation_data: pd.DataFrame | None,
    fairness_result: dict[str, Any] | None,
) -> Evidence:
    """Run the explanation checks (against the previous version when there is one)."""
    previous = _previous(view, record.slug)
    try:
        checks = explainers.run_checks(
            model,
            explanation,
            reference=reference,
            previous_model=previous[1] if previous else None,
            previous_explanation=previous[2] if previous else None,
            evaluation=evaluation_data,
            protected=record.data.protected_attributes,
        )
    except explainers.ExplanationError as exc:
        raise InsynError(str(exc)) from exc
    files: dict[str, Any] = {
        CHECKS_PATH: {**checks.to_dict(), "previous_version": previous and previous[0]}
    }
    if fairness_result is not None:
        files[FAIRNESS_PATH] = fairness_result
    return Evidence(
        files=files,
        previous_version=previous[0] if previous else None,
        previous_record=previous[3] if previous else None,
    )


def write_files(root: Path, evidence: Evidence | None) -> dict[str, Any]:
    """Write the evidence files under ``root`` (their artifact paths), if any; returns
    each file's content as a reader parses it back (artifact path -> JSON value)."""
    written: dict[str, Any] = {}
    for path, data in (evidence.files if evidence is not None else {}).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
        target.write_text(text + "\n", encoding="utf-8")
        written[path] = json.loads(text)
    return written


def log_registration(
    writer: AuditWriter,
    record: TransparencyRecord,
    version: int,
    run_id: str,
    hashes: dict[str, str],
    evidence: Evidence | None,
    explanation: Any,
) -> None:
    """Append the registration's events through ``writer``; every artifact is referenced
    by its SHA-256 (``hashes``: of the files as written, by artifact path)."""
    slug = record.slug
    writer.append(
        "registered",
        slug=slug,
        version=version,
        details={"organisation": record.organisation, "run_id": run_id},
        artifacts=_audit.artifact_refs(
            run_id, hashes, MODEL_PATH, RECORD_PATH, PROFILE_PATH, FAIRNESS_PATH
        ),
    )
    meta = explanation.metadata
    writer.append(
        "explanation_computed",
        slug=slug,
        version=version,
        details={
            "fingerprint": meta.fingerprint,
            "explainer": meta.explainer,
            "shap_version": meta.shap_version,
            "seed": meta.seed,
            "background_sha256": meta.background_sha256,
        },
        artifacts=_audit.artifact_refs(run_id, hashes, EXPLANATION_PATH, CHECKS_PATH),
    )
    before = evidence.previous_record if evidence is not None else None
    if evidence is not None and before is not None and before != record:
        writer.append(
            "record_changed",
            slug=slug,
            version=version,
            details={
                "previous_version": evidence.previous_version,
                "changed_fields": before.diff(record),
            },
            artifacts=_audit.artifact_refs(run_id, hashes, RECORD_PATH),
        )


def override_reason(value: Any) -> str | None:
    """The stripped reason for publishing despite failed checks, or None when not given.

    Raises :class:`InsynError` for anything but text of at least
    :data:`OVERRIDE_MIN_CHARS` characters (an empty or blank reason is refused).
    """
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) < OVERRIDE_MIN_CHARS:
        raise InsynError(OVERRIDE_REASON_MESSAGE.format(minimum=OVERRIDE_MIN_CHARS, value=value))
    return value.strip()


def failed_checks(checks: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The gated checks (additivity, reproducibility) that failed, each with its numbers."""
    failed: list[dict[str, Any]] = []
    for name in GATED_CHECKS:
        result = (checks or {}).get(name)
        if not isinstance(result, dict) or result.get("passed", True):
            continue
        if name == "additivity":
            numbers = {
                "max_error": result.get("max_error"),
                "tolerance": result.get("tolerance"),
            }
        else:
            numbers = {
                "max_difference": result.get("max_difference"),
                "base_value_difference": result.get("base_value_difference"),
                "tolerance": result.get("tolerance", _explain_tolerance()),
                "background_matches": result.get("background_matches"),
                "background_resampled_matches": result.get("background_resampled_matches"),
            }
        failed.append({"check": name, **numbers})
    return failed


def _explain_tolerance() -> float:
    return float(ADDITIVITY_TOLERANCE)


def _number(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def describe_failed(failed: list[dict[str, Any]]) -> tuple[str, str]:
    """(check names, their numbers) in plain words, for :data:`CHECKS_FAILED_MESSAGE`."""
    names = " and ".join(f["check"] for f in failed)
    parts = []
    for f in failed:
        if f["check"] == "additivity":
            parts.append(
                f"additivity: largest error {_number(f['max_error'])}, "
                f"tolerance {_number(f['tolerance'])}"
            )
        else:
            parts.append(
                f"reproducibility: largest difference {_number(f['max_difference'])}, "
                f"base value difference {_number(f['base_value_difference'])}, "
                f"tolerance {_number(f['tolerance'])}, "
                f"background matches its hash: {_number(f['background_matches'])}"
            )
    return names, "; ".join(parts)


def publish_gate(
    slug: str, version: int | None, failed: list[dict[str, Any]], reason: str | None
) -> dict[str, Any] | None:
    """The ``details`` for the ``published`` entry: None when every check passed, the
    override (reason and failed checks with their numbers) when a reason was given.

    Raises :class:`ChecksFailedError` when a check failed and no reason was given.
    """
    if not failed:
        return None
    if reason is None:
        names, numbers = describe_failed(failed)
        subject = f"{slug!r}" if version is None else f"{slug!r} version {version}"
        raise ChecksFailedError(
            CHECKS_FAILED_MESSAGE.format(subject=subject, names=names, numbers=numbers)
        )
    return {"override": {"reason": reason, "checks": failed}}
