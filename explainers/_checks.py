"""Checks an auditor can re-run on a stored explanation: :func:`run_checks`.

* additivity – the largest ``|sum(SHAP) + base - model output|`` over all rows;
* reproducibility – the stored background matches its SHA-256, the same rows are
  redrawn from the reference data by the stored seed, size and sampling rule (a
  stratified draw's strata from the model's output on the reference), and SHAP values
  recomputed with the stored seed for rows the background shares with the
  reference data equal the stored ones (identical, or the largest difference);
* stability – against the previous version: Spearman rank correlation of global
  importances, features that entered or left the top 5, and the share of rows
  whose decision changed (positive class predicted / probability >= 0.5);
* protected influence – the share of total |SHAP| carried by protected
  attributes that are model inputs, and by their strongest proxies among the
  inputs (|Pearson correlation| when both are numeric or yes/no, else normalised
  mutual information on quintile-binned values), each proxy named.

Everything works from a stored :class:`Explanation` and the model alone; the
reference, evaluation data and previous version make the checks fuller when given.
Only aggregates are returned: no row of data leaves this module.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pandas as pd

from ._agnostic import Plan
from ._background import background_positions, stored_positions, take_rows
from ._compute import compute_values, predict_on_scale
from ._explain import (
    _prepare,
    additivity_tolerance,
    background_sha256,
    float32_output,
)
from ._features import align_columns, group_sum, transform
from ._result import Explanation, json_safe

TOP_FEATURES = 5
DECISION_THRESHOLD = 0.5
REPRODUCIBILITY_ROWS = 25
"""Background rows whose SHAP values are recomputed (each is also a reference row)."""
PROXIES_PER_ATTRIBUTE = 3
PROXY_CORRELATION = 0.3
"""An input whose |correlation| with a protected attribute reaches this is a proxy."""
PROXY_MUTUAL_INFORMATION = 0.1
"""An input whose normalised mutual information with a protected attribute reaches this
is a proxy."""
MI_BINS = 5
IDENTICAL_TOLERANCE = 0.0
FORMAT_VERSION = 1
CHECK_NAMES = ("additivity", "reproducibility", "stability", "protected_influence")


__all__ = ["background_positions", "run_checks"]


def _additivity(
    model: Any, explanation: Explanation, reference: pd.DataFrame | None
) -> dict[str, Any]:
    meta = explanation.metadata
    parts, choice = _prepare(model, meta.positive_class)
    values = explanation.values.to_numpy(dtype=np.float64)
    if reference is not None:
        outputs = predict_on_scale(model, align_columns(reference, parts.features), choice)
        source = "model output on the reference data"
    else:
        outputs = explanation.predictions
        source = "stored model output"
    error = float(np.max(np.abs(values.sum(axis=1) + meta.base_value - outputs)))
    tolerance = additivity_tolerance(outputs, float32_output=float32_output(parts.estimator))
    stored = explanation.predictions
    positions = stored_positions(
        meta.rows, meta.background_size, meta.seed, meta.background_sampling, stored
    )
    background = align_columns(explanation.background, parts.features, what="background")
    live = predict_on_scale(model, background, choice)
    drift = float(np.max(np.abs(live - stored[positions])))
    return {
        "max_error": error,
        "tolerance": tolerance,
        "passed": bool(error <= tolerance),
        "rows": len(values),
        "source": source,
        "stored_output_max_difference": drift,
    }


def _reproducibility(
    model: Any, explanation: Explanation, reference: pd.DataFrame | None, rows: int
) -> dict[str, Any]:
    meta = explanation.metadata
    parts, choice = _prepare(model, meta.positive_class)
    stored_background = explanation.background
    matches = background_sha256(stored_background) == meta.background_sha256
    resampled: bool | None = None
    sampling = meta.background_sampling
    if reference is not None:
        aligned = align_columns(reference, parts.features)
        outputs = explanation.predictions
        if sampling is not None:  # the strata come from the model's output, redrawn live
            outputs = predict_on_scale(model, aligned, choice)
        redrawn = take_rows(
            aligned,
            stored_positions(len(aligned), meta.background_size, meta.seed, sampling, outputs),
        )
        resampled = background_sha256(redrawn) == meta.background_sha256
    positions = stored_positions(
        meta.rows, meta.background_size, meta.seed, sampling, explanation.predictions
    )
    count = min(rows, len(positions))
    background = align_columns(stored_background, parts.features, what="background")
    X = transform(parts, background.iloc[:count])
    raw, base = compute_values(
        parts.estimator,
        choice,
        X,
        transform(parts, background),
        seed=meta.seed,
        sources=parts.sources,
        plan=Plan.from_estimation(meta.estimation),
    )
    recomputed = group_sum(raw, parts.sources, len(parts.features))
    stored = explanation.values.to_numpy(dtype=np.float64)[positions[:count]]
    difference = float(np.max(np.abs(recomputed - stored))) if count else 0.0
    base_difference = abs(float(base) - float(meta.base_value))
    identical = bool(difference <= IDENTICAL_TOLERANCE and base_difference <= IDENTICAL_TOLERANCE)
    tolerance = additivity_tolerance(
        explanation.predictions, float32_output=float32_output(parts.estimator)
    )
    return {
        "seed": int(meta.seed),
        "background_sha256": meta.background_sha256,
        "background_matches": bool(matches),
        "background_resampled_matches": resampled,
        "rows_recomputed": int(count),
        "identical": identical,
        "max_difference": difference,
        "base_value_difference": base_difference,
        "tolerance": tolerance,
        "passed": bool(
            matches
            and resampled is not False
            and difference <= tolerance
            and base_difference <= tolerance
        ),
    }


def decisions(model: Any, data: pd.DataFrame, positive_class: Any = None) -> np.ndarray | None:
    """True where the model decides for the positive class (probability >= 0.5 when it
    has ``predict_proba``); None when the model is not a classifier or lacks inputs."""
    classes = list(getattr(model, "classes_", []))
    names = [str(n) for n in getattr(model, "feature_names_in_", data.columns)]
    if not classes or any(n not in data.columns for n in names):
        return None
    index = next(
        (i for i, c in enumerate(classes) if str(c) == str(positive_class)), len(classes) - 1
    )
    frame = data.loc[:, names]
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(frame))[:, index] >= DECISION_THRESHOLD
    return np.asarray(model.predict(frame)).astype(str) == str(classes[index])


def _importances(explanation: Explanation) -> pd.Series:
    frame = explanation.global_importance
    return pd.Series(frame["mean_abs_shap"].to_numpy(float), index=frame["feature"].astype(str))


def _stability(
    model: Any,
    explanation: Explanation,
    previous_model: Any,
    previous: Explanation | None,
    rows: pd.DataFrame,
) -> dict[str, Any] | None:
    if previous is None:
        return None
    # scipy.stats takes seconds to import; only this check needs it
    from scipy.stats import spearmanr  # noqa: PLC0415

    now, before = _importances(explanation), _importances(previous)
    features = sorted(set(now.index) | set(before.index))
    a = now.reindex(features).fillna(0.0).to_numpy()
    b = before.reindex(features).fillna(0.0).to_numpy()
    rho = float(spearmanr(a, b).statistic) if len(features) > 1 else math.nan
    top_now = list(now.sort_values(ascending=False).index[:TOP_FEATURES])
    top_before = list(before.sort_values(ascending=False).index[:TOP_FEATURES])
    positive = explanation.metadata.positive_class
    changed: float | None = None
    if previous_model is not None:
        current = decisions(model, rows, positive)
        earlier = decisions(previous_model, rows, previous.metadata.positive_class)
        if current is not None and earlier is not None and len(rows):
            changed = float(np.mean(current != earlier))
    return {
        "spearman": rho,
        "top_now": top_now,
        "top_before": top_before,
        "entered_top": [f for f in top_now if f not in top_before],
        "left_top": [f for f in top_before if f not in top_now],
        "decision_changed_share": changed,
        "decision_rows": len(rows),
    }


def _as_numeric(series: pd.Series) -> pd.Series | None:
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    values = sorted(series.dropna().astype(str).unique())
    if len(values) == 2:
        return (series.astype(str) == values[1]).astype(float).where(series.notna())
    return None


def _binned(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and series.nunique() > MI_BINS:
        return pd.qcut(series.astype(float), MI_BINS, duplicates="drop").astype(str)
    return series.astype(str)


def association(attribute: pd.Series, feature: pd.Series) -> tuple[str, float]:
    """How strongly ``feature`` tracks ``attribute``: ("correlation", |Pearson r|) when both
    are numeric or yes/no, else ("mutual_information", normalised mutual information)."""
    # scikit-learn takes seconds to import; the portal imports explainers without it
    from sklearn.metrics import normalized_mutual_info_score  # noqa: PLC0415

    left, right = _as_numeric(attribute), _as_numeric(feature)
    if left is not None and right is not None:
        both = pd.concat([left, right], axis=1).dropna()
        if len(both) < 3 or both.iloc[:, 0].std() == 0 or both.iloc[:, 1].std() == 0:
            return "correlation", 0.0
        return "correlation", abs(float(np.corrcoef(both.iloc[:, 0], both.iloc[:, 1])[0, 1]))
    return "mutual_information", float(
        normalized_mutual_info_score(_binned(attribute), _binned(feature))
    )


def _protected_influence(
    explanation: Explanation, evaluation: pd.DataFrame | None, protected: tuple[str, ...]
) -> dict[str, Any]:
    importance = _importances(explanation)
    total = float(importance.sum())
    share = (importance / total) if total > 0 else importance * 0.0
    features = list(explanation.metadata.features)
    out = []
    for attribute in protected:
        direct = float(share.get(attribute, 0.0)) if attribute in features else None
        proxies: list[dict[str, Any]] = []
        if evaluation is not None and attribute in evaluation.columns:
            found = []
            for feature in features:
                if feature == attribute or feature in protected or feature not in evaluation:
                    continue
                measure, value = association(evaluation[attribute], evaluation[feature])
                limit = PROXY_CORRELATION if measure == "correlation" else PROXY_MUTUAL_INFORMATION
                found.append(
                    {
                        "feature": feature,
                        "measure": measure,
                        "association": value,
                        "strong": bool(value >= limit),
                        "shap_share": float(share.get(feature, 0.0)),
                    }
                )
            proxies = sorted(found, key=lambda p: -p["association"])[:PROXIES_PER_ATTRIBUTE]
        out.append(
            {
                "attribute": attribute,
                "is_input": attribute in features,
                "direct_share": direct,
                "proxies": proxies,
                "proxy_share": float(sum(p["shap_share"] for p in proxies if p["strong"])),
                "proxies_computed": evaluation is not None and attribute in evaluation.columns,
            }
        )
    return {
        "thresholds": {
            "correlation": PROXY_CORRELATION,
            "mutual_information": PROXY_MUTUAL_INFORMATION,
        },
        "attributes": out,
    }


def run_checks(
    model: Any,
    explanation: Explanation,
    *,
    reference: pd.DataFrame | None = None,
    previous_model: Any = None,
    previous_explanation: Explanation | None = None,
    evaluation: pd.DataFrame | None = None,
    protected: tuple[str, ...] | list[str] = (),
    reproducibility_rows: int = REPRODUCIBILITY_ROWS,
) -> ExplanationChecks:
    """All four checks of ``explanation`` of ``model`` (see the module docstring).

    Guarantees: only aggregates are returned; without ``reference`` the stored
    model output and background rows stand in for it; stability is None without
    a previous explanation. Raises :class:`ExplanationError` when the model does
    not fit the explanation's features.
    """
    started = time.perf_counter()
    rows = reference if reference is not None else explanation.background
    result = {
        "additivity": _additivity(model, explanation, reference),
        "reproducibility": _reproducibility(model, explanation, reference, reproducibility_rows),
        "stability": _stability(model, explanation, previous_model, previous_explanation, rows),
        "protected_influence": _protected_influence(explanation, evaluation, tuple(protected)),
    }
    return ExplanationChecks(
        fingerprint=explanation.metadata.fingerprint,
        results=json_safe(result),
        seconds=time.perf_counter() - started,
    )


class ExplanationChecks:
    """The results of :func:`run_checks` (read-only; ``to_dict`` is JSON-safe)."""

    def __init__(self, *, fingerprint: str, results: dict[str, Any], seconds: float) -> None:
        self._fingerprint = str(fingerprint)
        self._results = dict(results)
        self._seconds = float(seconds)

    fingerprint = property(
        lambda self: self._fingerprint, doc="Fingerprint of the checked explanation."
    )
    seconds = property(lambda self: self._seconds, doc="Wall time of the checks.")
    additivity = property(lambda self: dict(self._results["additivity"]))
    reproducibility = property(lambda self: dict(self._results["reproducibility"]))
    stability = property(
        lambda self: (
            None if self._results.get("stability") is None else dict(self._results["stability"])
        )
    )
    protected_influence = property(lambda self: dict(self._results["protected_influence"]))

    @property
    def passed(self) -> bool:
        """Additivity and reproducibility both passed."""
        return bool(
            self._results["additivity"]["passed"] and self._results["reproducibility"]["passed"]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (no row of data)."""
        return json_safe(
            {
                "format": FORMAT_VERSION,
                "fingerprint": self._fingerprint,
                "seconds": self._seconds,
                **self._results,
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExplanationChecks:
        """Inverse of :meth:`to_dict`."""
        return cls(
            fingerprint=data["fingerprint"],
            results={name: data.get(name) for name in CHECK_NAMES},
            seconds=float(data.get("seconds", 0.0)),
        )
