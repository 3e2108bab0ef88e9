"""Compute SHAP values in the estimator's (transformed) feature space.

All shap imports happen here, lazily. Guarantee of :func:`compute_values`:
``values.sum(axis=1) + base_value`` equals the estimator output on the chosen
scale for every row (up to floating point), and the same inputs + seed give
bit-identical values.

Tree hook: every tree computation goes through :func:`_tree_values`; a faster
exact engine (``explainers._treeshap``) can replace its body without touching
anything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import UNSUPPORTED_MODEL, ExplanationError
from ._select import Choice

if TYPE_CHECKING:
    from ._agnostic import AgnosticResult, Plan

Progress = Callable[[int, int], None]

CHUNK_ROWS = {"tree": 64, "linear": 4096}
FAST_TREE_CHUNK_ROWS = 512
FAST_TREE_ENGINE = "insyn TreeSHAP (numba; equal to shap.TreeExplainer on a verified sample)"
VERIFY_ROWS = 16
VERIFY_ATOL = 1e-9
LOGGER = logging.getLogger(__name__)


def predict_on_scale(model: Any, data: Any, choice: Choice) -> np.ndarray:
    """The model's own output on ``choice.scale`` (independent of SHAP), one float per row."""
    if choice.scale == "probability":
        return np.asarray(model.predict_proba(data), dtype=np.float64)[:, choice.class_index]
    if choice.scale == "log_odds":
        scores = np.asarray(model.decision_function(data), dtype=np.float64)
        if scores.ndim == 1:
            return scores if choice.class_index == 1 else -scores
        return scores[:, choice.class_index]
    out = np.asarray(model.predict(data), dtype=np.float64)
    if out.ndim > 1 and out.shape[1] != 1:
        raise ExplanationError(
            UNSUPPORTED_MODEL.format(detail="the model predicts several outputs")
        )
    return out.reshape(-1)


def _pick_output(
    raw: Any, expected: Any, class_index: int | None, scale: str
) -> tuple[np.ndarray, float]:
    """Select the explained output from shap's result (n×m or n×m×k) -> (n×m, base)."""
    if isinstance(raw, list):
        raw = np.stack([np.asarray(v) for v in raw], axis=-1)
    values = np.asarray(raw, dtype=np.float64)
    bases = np.ravel(np.asarray(expected, dtype=np.float64))
    if values.ndim == 3:
        index = 0 if class_index is None else class_index
        return np.ascontiguousarray(values[:, :, index]), float(bases[index])
    base = float(bases[0])
    if class_index is None or class_index == 1:
        return np.ascontiguousarray(values), base
    if class_index == 0:  # single-output binary model explains classes_[1]: flip it
        return np.ascontiguousarray(-values), (1.0 - base if scale == "probability" else -base)
    raise ExplanationError(
        UNSUPPORTED_MODEL.format(detail="cannot select the class from the SHAP output")
    )


def _tree_values(
    estimator: Any,
    X: np.ndarray,
    background: np.ndarray,
    model_output: str,
    *,
    class_index: int | None = None,
) -> tuple[np.ndarray, float]:
    """Exact interventional TreeSHAP: (values n×m_transformed, base_value) for one output.

    ``model_output`` is "probability" (classifiers) or "raw" (regressors);
    ``class_index`` indexes ``estimator.classes_`` (None for regressors).
    This is the single hook for a faster exact engine (``explainers._treeshap``).
    """
    import shap

    float32_model = type(estimator).__module__.startswith("sklearn")
    if float32_model:  # scikit-learn trees see float32 inputs: give shap the same numbers
        X = X.astype(np.float32).astype(np.float64)
        background = background.astype(np.float32).astype(np.float64)
    explainer = shap.TreeExplainer(
        estimator,
        data=background,
        feature_perturbation="interventional",
        model_output=model_output,
    )
    if float32_model:
        _match_sklearn_thresholds(explainer.model)
    raw = explainer.shap_values(X, check_additivity=False)
    return _pick_output(raw, explainer.expected_value, class_index, model_output)


def _match_sklearn_thresholds(tree_model: Any) -> None:
    """Make shap's float32 split test agree with scikit-learn's ``float32(x) <= float64(t)``.

    shap 0.51's interventional engine compares in float32, so a threshold t that
    rounds UP to float32 sends x == float32(t) left where scikit-learn sends it
    right. Replacing such t by the next float32 below float32(t) gives identical
    routing for every float32 x (measured: additivity 2e-8 instead of 2e-2).
    """
    thresholds = getattr(tree_model, "thresholds", None)
    if not isinstance(thresholds, np.ndarray) or thresholds.dtype != np.float64:
        return
    as32 = thresholds.astype(np.float32)
    rounded_up = as32.astype(np.float64) > thresholds
    thresholds[rounded_up] = np.nextafter(as32[rounded_up], np.float32(-np.inf)).astype(np.float64)


def _linear_explainer(estimator: Any, background: np.ndarray) -> Any:
    import shap

    masker = shap.maskers.Independent(background, max_samples=len(background))
    return shap.LinearExplainer(estimator, masker)


def _model_function(estimator: Any, choice: Choice) -> Callable[[np.ndarray], np.ndarray]:
    names = getattr(estimator, "feature_names_in_", None)
    columns = None if names is None else list(names)

    def output(X: np.ndarray) -> np.ndarray:
        data: Any = X if columns is None else pd.DataFrame(X, columns=columns)
        return predict_on_scale(estimator, data, choice)

    return output


def fast_tree_engine(
    estimator: Any,
    X: np.ndarray,
    background: np.ndarray,
    model_output: str,
    class_index: int | None,
) -> tuple[bool, str]:
    """``(True, "")`` when insyn's numba TreeSHAP supports ``estimator`` and equals
    shap.TreeExplainer (≤ 1e-9) on a sample of ``X``; otherwise ``(False, reason)``."""
    from ._treeshap import supports, verify_against_shap

    ok, why = supports(estimator, model_output=model_output)
    if not ok:
        return False, why
    try:
        verify_against_shap(
            estimator,
            X[:VERIFY_ROWS],
            background,
            model_output=model_output,
            positive_class_index=class_index or 0,
            atol=VERIFY_ATOL,
        )
    except Exception as error:  # any disagreement or failure means: use shap itself
        return False, f"the fast engine did not equal shap on a sample ({error})"
    return True, ""


def compute_values(
    estimator: Any,
    choice: Choice,
    X: np.ndarray,
    background: np.ndarray,
    *,
    seed: int,
    progress: Progress | None = None,
    engines: list[str] | None = None,
    sources: Sequence[int] | None = None,
    plan: Plan | None = None,
    estimates: list[AgnosticResult] | None = None,
) -> tuple[np.ndarray, float]:
    """SHAP values (n×m_transformed) and base value for rows ``X`` against ``background``.

    Rows are processed in chunks; ``progress(done, total)`` is called after each.
    Model-agnostic values (``choice.kind == "agnostic"``) are Shapley values over the
    input columns ``sources`` (one per transformed column), each put on its input's
    first transformed column so that summing per input gives it back; ``plan``
    fixes exact vs. sampling (default: :func:`explainers._agnostic.plan_for`) and the
    full result, with standard errors, is appended to ``estimates``. Sampling draws
    from per-row generators: numpy's global random state is never touched.
    """
    if choice.kind == "agnostic":
        from ._agnostic import agnostic_values

        result = agnostic_values(
            _model_function(estimator, choice),
            X,
            background,
            sources=sources,
            seed=seed,
            plan=plan,
            progress=progress,
        )
        if engines is not None:
            engines.append(result.engine)
        if estimates is not None:
            estimates.append(result)
        return result.players.spread(result.values), result.base_value

    total = X.shape[0]
    parts: list[np.ndarray] = []
    base = 0.0
    fast, why = False, "not asked for"
    if choice.kind == "tree":
        model_output = "probability" if choice.scale == "probability" else "raw"
        if engines is not None:
            fast, why = fast_tree_engine(estimator, X, background, model_output, choice.class_index)
            if not fast:
                LOGGER.warning("Explaining with shap.TreeExplainer instead: %s", why)
            engines.append(FAST_TREE_ENGINE if fast else "shap.TreeExplainer")

        def run(chunk: np.ndarray, start: int) -> tuple[np.ndarray, float]:
            if fast:
                from ._treeshap import tree_shap

                result = tree_shap(
                    estimator,
                    chunk,
                    background,
                    model_output=model_output,
                    positive_class_index=choice.class_index or 0,
                )
                assert result.values is not None
                return result.values, result.base_value
            return _tree_values(
                estimator, chunk, background, model_output, class_index=choice.class_index
            )

    elif choice.kind == "linear":
        linear = _linear_explainer(estimator, background)

        def run(chunk: np.ndarray, start: int) -> tuple[np.ndarray, float]:
            return _pick_output(
                linear.shap_values(chunk), linear.expected_value, choice.class_index, choice.scale
            )

    else:
        raise ExplanationError(UNSUPPORTED_MODEL.format(detail=f"no explainer {choice.kind!r}"))

    step = FAST_TREE_CHUNK_ROWS if fast else CHUNK_ROWS[choice.kind]
    for start in range(0, total, step):
        values, base = run(X[start : start + step], start)
        parts.append(values)
        if progress is not None:
            progress(min(start + step, total), total)
    return np.ascontiguousarray(np.concatenate(parts, axis=0)), base
