"""Compute SHAP values in the estimator's (transformed) feature space.

All shap imports happen here, lazily. Guarantee of :func:`compute_values`:
``values.sum(axis=1) + base_value`` equals the estimator output on the chosen
scale for every row (up to floating point), and the same inputs + seed give
bit-identical values.

Tree models go through insyn's exact engine (:mod:`explainers._tree`); only a
tree configuration the engine does not read falls back to ``shap.TreeExplainer``
(:func:`_tree_values`), with the reason logged and named in the metadata.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._agnostic import agnostic_values
from ._errors import TREE_NOT_EXPLAINABLE, UNSUPPORTED_MODEL, ExplanationError
from ._select import Choice
from ._tree import FAST_TREE_ENGINE, check_engine, engine_supports, prepare_engine, run_chunks

if TYPE_CHECKING:
    from ._agnostic import AgnosticResult, Plan

Progress = Callable[[int, int], None]

CHUNK_ROWS = {"tree": 64, "linear": 4096}
__all__ = ["FAST_TREE_ENGINE", "compute_values", "predict_on_scale"]
LOGGER = logging.getLogger(__name__)


def predict_on_scale(model: Any, data: Any, choice: Choice) -> np.ndarray:
    """The model's own output on ``choice.scale`` (independent of SHAP), one float per row."""
    if choice.scale == "probability":
        return np.asarray(model.predict_proba(data), dtype=np.float64)[:, choice.class_index]
    if choice.scale == "log_odds":
        scores = margins(model, data)
        if scores.ndim == 1:
            return scores if choice.class_index == 1 else -scores
        return scores[:, choice.class_index]
    out = np.asarray(model.predict(data), dtype=np.float64)
    if out.ndim > 1 and out.shape[1] != 1:
        raise ExplanationError(
            UNSUPPORTED_MODEL.format(detail="the model predicts several outputs")
        )
    return out.reshape(-1)


def margins(model: Any, data: Any) -> np.ndarray:
    """The model's raw margin (decision function): one column per class, or one value per
    row for a single-output binary model (the margin of ``classes_[1]``)."""
    estimator, inputs = model, data
    if hasattr(model, "steps") and not hasattr(model, "decision_function"):
        estimator = model.steps[-1][1]
        inputs = model[:-1].transform(data) if len(model.steps) > 1 else data
    package = type(estimator).__module__.split(".")[0]
    if package == "xgboost":
        out = estimator.predict(inputs, output_margin=True)
    elif package == "lightgbm":
        out = estimator.predict(inputs, raw_score=True)
    else:
        out = estimator.decision_function(inputs)
    return np.asarray(out, dtype=np.float64)


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
    """shap.TreeExplainer's interventional values (n×m_transformed, base_value), float32
    node arithmetic: only the fallback for a tree configuration insyn's engine does not read.

    ``model_output`` is "probability" (classifiers) or "raw" (regressors);
    ``class_index`` indexes ``estimator.classes_`` (None for regressors).
    """
    import shap  # noqa: PLC0415 - shap takes seconds to import; only explaining needs it

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
    import shap  # noqa: PLC0415 - shap takes seconds to import; only explaining needs it

    masker = shap.maskers.Independent(background, max_samples=len(background))
    return shap.LinearExplainer(estimator, masker)


def _model_function(estimator: Any, choice: Choice) -> Callable[[np.ndarray], np.ndarray]:
    names = getattr(estimator, "feature_names_in_", None)
    columns = None if names is None else list(names)

    def output(X: np.ndarray) -> np.ndarray:
        data: Any = X if columns is None else pd.DataFrame(X, columns=columns)
        return predict_on_scale(estimator, data, choice)

    return output


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
    Tree models use insyn's exact engine on the background as given; with ``engines``
    given, it receives the explainer's name and what its values were checked against
    (shap where shap is right for the model; see :func:`explainers._tree.check_engine`).
    Model-agnostic values (``choice.kind == "agnostic"``) are Shapley values over the
    input columns ``sources`` (one per transformed column), each put on its input's
    first transformed column so that summing per input gives it back; ``plan``
    fixes exact vs. sampling (default: :func:`explainers._agnostic.plan_for`) and the
    full result, with standard errors, is appended to ``estimates``. Sampling draws
    from per-row generators: numpy's global random state is never touched.
    """
    if choice.kind == "agnostic":
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
    if choice.kind == "tree":
        supported, why = engine_supports(estimator, choice)
        if supported:
            prepared = prepare_engine(estimator, choice, background)
            if engines is not None:
                engines.append(FAST_TREE_ENGINE)
                engines.append(check_engine(estimator, choice, prepared, X, background))
            return run_chunks(prepared, X, progress), float(prepared.base_value)
        LOGGER.warning("Explaining with shap.TreeExplainer instead: %s", why)
        if engines is not None:
            engines.append("shap.TreeExplainer")
            engines.append(f"insyn's exact tree engine does not read this model: {why}")

        def run(chunk: np.ndarray, start: int) -> tuple[np.ndarray, float]:
            model_output = "probability" if choice.scale == "probability" else "raw"
            try:
                return _tree_values(
                    estimator, chunk, background, model_output, class_index=choice.class_index
                )
            except ExplanationError:
                raise
            except Exception as exc:  # shap's own refusals ("no known objective", ...)
                raise ExplanationError(TREE_NOT_EXPLAINABLE.format(engine=why, shap=exc)) from exc

    elif choice.kind == "linear":
        linear = _linear_explainer(estimator, background)

        def run(chunk: np.ndarray, start: int) -> tuple[np.ndarray, float]:
            return _pick_output(
                linear.shap_values(chunk), linear.expected_value, choice.class_index, choice.scale
            )

    else:
        raise ExplanationError(UNSUPPORTED_MODEL.format(detail=f"no explainer {choice.kind!r}"))

    step = CHUNK_ROWS[choice.kind]
    for start in range(0, total, step):
        values, base = run(X[start : start + step], start)
        parts.append(values)
        if progress is not None:
            progress(min(start + step, total), total)
    return np.ascontiguousarray(np.concatenate(parts, axis=0)), base
