"""Comparison of the engine with ``shap.TreeExplainer`` on the same inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._engine import prepare
from ._errors import MSG_SHAP_MISMATCH, ShapMismatchError


def shap_reference(
    estimator: Any,
    X: np.ndarray,
    background: np.ndarray,
    *,
    model_output: str,
    positive_class_index: int = 1,
    whole_background: bool = False,
) -> tuple[np.ndarray, float]:
    """``shap.TreeExplainer`` interventional values (n x m) and expected value for one output.

    Single-output binary classifiers explain ``classes_[1]``; for class 0 the values
    are negated (margin -f, probability 1 - p). Scikit-learn models get
    float32-rounded rows and background, and thresholds whose float32 rounds up
    are moved to the next float32 below (so shap routes like scikit-learn).
    shap samples a background over 100 rows down to 100; ``whole_background=True``
    passes it through an ``Independent`` masker of its own size, so every row is used.
    """
    import shap  # noqa: PLC0415 - shap takes seconds to import; only explaining needs it

    sklearn_model = type(estimator).__module__.startswith("sklearn")
    X = np.asarray(X, dtype=np.float64)
    background = np.asarray(background, dtype=np.float64)
    if sklearn_model:
        X = X.astype(np.float32).astype(np.float64)
        background = background.astype(np.float32).astype(np.float64)
    data = background
    if whole_background:
        data = shap.maskers.Independent(background, max_samples=len(background))
    explainer = shap.TreeExplainer(
        estimator, data=data, feature_perturbation="interventional", model_output=model_output
    )
    thresholds = getattr(explainer.model, "thresholds", None)
    if sklearn_model and isinstance(thresholds, np.ndarray) and thresholds.dtype == np.float64:
        as32 = thresholds.astype(np.float32)
        up = as32.astype(np.float64) > thresholds
        thresholds[up] = np.nextafter(as32[up], np.float32(-np.inf)).astype(np.float64)
    values = np.asarray(explainer.shap_values(X, check_additivity=False))
    expected = np.asarray(explainer.expected_value, dtype=np.float64).reshape(-1)
    if values.ndim == 3:
        return values[:, :, positive_class_index], float(expected[positive_class_index])
    if positive_class_index == 0 and type(estimator).__name__.endswith("Classifier"):
        # one output explains classes_[1]; class 0 is its negated margin (1 - probability)
        flipped = 1.0 - expected[0] if model_output == "probability" else -expected[0]
        return -values, float(flipped)
    return values, float(expected[0])


def verify_against_shap(
    estimator: Any,
    X_sample: np.ndarray,
    background: np.ndarray,
    *,
    model_output: str,
    positive_class_index: int = 1,
    atol: float = 1e-9,
    precision: str = "shap",
    encoded_input: bool = False,
) -> float:
    """Max |engine - shap| over the values and the base value; raises if above ``atol``.

    With the default ``precision="shap"`` the engine reproduces shap's float32
    arithmetic, so agreement to ~1e-15 is expected. ``precision="exact"``
    compares the float64 engine; shap's own float32 rounding then shows as
    differences of order 1e-8 x the output scale, so pass a matching ``atol``.
    Raises :class:`ShapMismatchError` when the difference exceeds ``atol``.
    """
    prepared = prepare(
        estimator,
        background,
        model_output=model_output,
        positive_class_index=positive_class_index,
        precision=precision,
        encoded_input=encoded_input,
    )
    ours = prepared.explain(np.asarray(X_sample))
    theirs, expected = shap_reference(
        estimator,
        X_sample,
        background,
        model_output=model_output,
        positive_class_index=positive_class_index,
    )
    diff = max(
        float(np.max(np.abs(ours - theirs), initial=0.0)), abs(prepared.base_value - expected)
    )
    if not diff <= atol:
        raise ShapMismatchError(MSG_SHAP_MISMATCH.format(diff=diff, atol=atol))
    return diff
