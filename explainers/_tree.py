"""Tree models through insyn's exact engine: prepare, check, explain in chunks.

Guarantees of :func:`tree_values`: the values are the engine's float64
interventional Shapley values of the chosen output (see
:mod:`explainers._definitions`) against the background exactly as given (every
row, equal weight; no sampling here), rows routed as the model's own predict
routes them, bit-identical for the same inputs whatever the chunking.
:func:`check_engine` compares the engine with ``shap.TreeExplainer`` where shap
is right for the model, within shap's float32 rounding, and says so; where shap
is wrong or cannot explain the model it says why, and the explanation's
additivity against the model's own output (checked by ``explain``) is the check.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._errors import (
    BACKGROUND_TOO_LARGE,
    TREE_ENGINE_DISAGREES,
    UNSUPPORTED_MODEL,
    ExplanationError,
)
from ._features import encodes_inside
from ._select import Choice

FAST_TREE_ENGINE = "insyn TreeSHAP (numba, exact float64)"
FAST_TREE_CHUNK_ROWS = 512
VERIFY_ROWS = 16
SHAP_CHECK_BACKGROUND = 100
"""shap.TreeExplainer samples a larger background to 100 rows; the check gives both 100."""
FLOAT32_ROUNDING = 64 * float(np.finfo(np.float32).eps)
"""shap's float32 nodes: allowed |engine - shap| per unit of leaf mass (see check_engine)."""
SHAP_CHECKED = (
    "equal to shap.TreeExplainer within its float32 rounding on {rows} rows against "
    "{background} background rows (max |difference| {diff:.2e} <= {tolerance:.2e})"
)
SHAP_NOT_A_CHECK = (
    "not compared with shap.TreeExplainer ({reason}); checked against the model's own "
    "output instead (additivity on every explained row)"
)
SHAP_WRONG_FOR_HGB = (
    "shap 0.51 compares HistGradientBoosting splits in float32 and misroutes rows on its "
    "bin edges, and cannot read native categorical splits"
)
SHAP_NO_MULTICLASS = "shap 0.51 cannot explain the margin of one class of a multiclass {name}"
SHAP_NO_CATEGORICAL = "shap 0.51 cannot read categorical splits"
SHAP_FAILED = "shap.TreeExplainer could not explain this model: {error}"


def engine_output(choice: Choice) -> str:
    """The engine's ``model_output`` for a choice: the probability, or the raw margin."""
    return "probability" if choice.scale == "probability" else "raw"


def _class_index(choice: Choice) -> int:
    return 1 if choice.class_index is None else int(choice.class_index)


def engine_supports(estimator: Any, choice: Choice) -> tuple[bool, str]:
    """``(True, "")`` when the exact engine explains ``estimator`` for ``choice``."""
    # the numba-jitted engine compiles on first import; only tree models need it
    from ._treeshap import supports  # noqa: PLC0415

    return supports(
        estimator, model_output=engine_output(choice), positive_class_index=_class_index(choice)
    )


def prepare_engine(
    estimator: Any, choice: Choice, background: np.ndarray, *, output: str | None = None
) -> Any:
    """The engine prepared on ``background`` as given (float64, exact routing)."""
    # the numba-jitted engine compiles on first import; only tree models need it
    from ._treeshap import UnsupportedModelError, prepare  # noqa: PLC0415
    from ._treeshap._errors import BackgroundTooLargeError  # noqa: PLC0415

    try:
        return prepare(
            estimator,
            background,
            model_output=output or engine_output(choice),
            positive_class_index=_class_index(choice),
            precision="exact",
            encoded_input=encodes_inside(estimator),
        )
    except BackgroundTooLargeError as exc:
        raise ExplanationError(BACKGROUND_TOO_LARGE.format(rows=exc.rows, limit=exc.limit)) from exc
    except UnsupportedModelError as exc:
        raise ExplanationError(UNSUPPORTED_MODEL.format(detail=str(exc))) from exc


def shap_is_no_check(estimator: Any, choice: Choice) -> str | None:
    """Why ``shap.TreeExplainer`` cannot serve as a check for this model, or None."""
    name = type(estimator).__name__
    if name.startswith("HistGradientBoosting"):
        return SHAP_WRONG_FOR_HGB
    if choice.boosted and choice.n_classes > 2:
        return SHAP_NO_MULTICLASS.format(name=name)
    return None


def _leaf_mass(prepared: Any) -> float:
    """|base| + sum over trees of the largest |leaf value|: bounds every pair sum."""
    e = prepared.ensemble
    ends = np.append(e.roots, e.value.shape[0])
    mass = abs(float(e.base_offset))
    for start, stop in itertools.pairwise(ends):
        leaves = e.left[start:stop] < 0
        mass += float(np.max(np.abs(e.value[start:stop][leaves]), initial=0.0))
    return mass


def check_engine(
    estimator: Any, choice: Choice, prepared: Any, X: np.ndarray, background: np.ndarray
) -> str:
    """Compare the engine with shap on up to VERIFY_ROWS rows; return what was checked.

    The tolerance is shap's float32 rounding: FLOAT32_ROUNDING x the model's leaf
    mass. Raises ExplanationError naming both numbers when the engine differs more.
    """
    reason = shap_is_no_check(estimator, choice)
    if reason is None and prepared.ensemble.has_categorical:
        reason = SHAP_NO_CATEGORICAL
    if reason is not None:
        return SHAP_NOT_A_CHECK.format(reason=reason)
    # the numba-jitted engine compiles on first import; only tree models need it
    from ._treeshap._verify import shap_reference  # noqa: PLC0415

    sample = X[:VERIFY_ROWS]
    back = background[:SHAP_CHECK_BACKGROUND]
    engine = prepared
    if back.shape[0] != background.shape[0]:
        engine = prepare_engine(estimator, choice, back)
    ours = engine.explain(sample)
    try:
        theirs, expected = shap_reference(
            estimator,
            sample,
            back,
            model_output=engine_output(choice),
            positive_class_index=_class_index(choice),
        )
    except Exception as error:  # e.g. XGBoost random forests: NotImplementedError in shap
        return SHAP_NOT_A_CHECK.format(reason=SHAP_FAILED.format(error=error))
    diff = max(float(np.max(np.abs(ours - theirs), initial=0.0)), abs(engine.base_value - expected))
    tolerance = FLOAT32_ROUNDING * max(1.0, _leaf_mass(engine))
    if not diff <= tolerance:
        raise ExplanationError(TREE_ENGINE_DISAGREES.format(diff=diff, tolerance=tolerance))
    return SHAP_CHECKED.format(
        rows=sample.shape[0], background=back.shape[0], diff=diff, tolerance=tolerance
    )


def run_chunks(
    prepared: Any,
    X: np.ndarray,
    progress: Callable[[int, int], None] | None = None,
    *,
    n_jobs: int = -1,
) -> np.ndarray:
    """The prepared engine's values for every row of ``X`` in chunks, with progress."""
    total = X.shape[0]
    out = np.empty((total, X.shape[1]), dtype=np.float64)
    for start in range(0, total, FAST_TREE_CHUNK_ROWS):
        stop = min(start + FAST_TREE_CHUNK_ROWS, total)
        out[start:stop] = prepared.explain(X[start:stop], n_jobs)
        if progress is not None:
            progress(stop, total)
    return out
