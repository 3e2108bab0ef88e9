"""The public entry points :func:`explain`, :func:`explain_local` and :func:`explain_rows`."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import numpy as np
import pandas as pd

from ._agnostic import AgnosticResult
from ._background import background_policy, background_positions, draw_background, take_rows
from ._compute import Progress, compute_values, margins, predict_on_scale
from ._definitions import definition, margin_definition
from ._dependence import dependence_table, global_importance
from ._errors import (
    ADDITIVITY_FAILED,
    BAD_BACKGROUND_SIZE,
    ExplanationError,
)
from ._features import ModelParts, align_columns, group_sum, split_model, transform
from ._local import LocalExplainer
from ._result import Explanation, ExplanationMetadata, LocalExplanation, fingerprint
from ._select import Choice, choose
from ._tree import prepare_engine, run_chunks

ADDITIVITY_TOLERANCE = 1e-6
"""explain() fails if the additivity error exceeds this x the spread of the model's output
(max - min over the explained rows), or the rounding floor if that is larger."""
ROUNDING_FLOOR = 1e-12
"""Floor of the additivity tolerance, x max(1, max |output|): float64 rounding of the sums."""
FLOAT32_ROUNDING_FLOOR = 2e-5
"""The same floor for models whose own output is float32: XGBoost sums its trees in float32,
so its own output drifts from the exact sum by up to ~1e-6 relative per 100 trees (measured
2.4e-6 on 100 trees of depth 6); a misrouted row moves it by a whole leaf value instead."""
VERIFIED_BY_ADDITIVITY = (
    "additivity against the model's own output on every explained row (no other reference)"
)


def additivity_tolerance(outputs: np.ndarray, *, float32_output: bool = False) -> float:
    """Absolute tolerance for ``|sum(values) + base - output|``: ADDITIVITY_TOLERANCE x the
    output's spread, never below the rounding floor. A large constant offset (1e9 + small
    signal) does not widen it beyond float64 rounding of the offset itself."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.size == 0:
        return 0.0
    spread = float(np.max(outputs) - np.min(outputs))
    floor = FLOAT32_ROUNDING_FLOOR if float32_output else ROUNDING_FLOOR
    return max(ADDITIVITY_TOLERANCE * spread, floor * max(1.0, float(np.max(np.abs(outputs)))))


def float32_output(estimator: Any) -> bool:
    """True when the estimator's own predictions are float32 (XGBoost)."""
    return type(estimator).__module__.split(".")[0] == "xgboost"


def sample_background(reference: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """``min(size, len(reference))`` rows drawn without replacement by ``default_rng(seed)``.

    Rows keep reference order; the index is reset (reference indexes may be identifiers).
    Object columns holding only text become the ``str`` dtype so saving and loading
    restores the same frame. This is the uniform draw of an explicit ``background_size``
    (and of every explanation stored before stratified draws).
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ExplanationError(BAD_BACKGROUND_SIZE.format(value=size))
    return take_rows(reference, background_positions(len(reference), int(size), seed))


def background_sha256(background: pd.DataFrame) -> str:
    """SHA-256 of a canonical CSV (sorted columns, ``%.17g`` floats, no index, LF line ends)."""
    ordered = background.reindex(columns=sorted(background.columns))
    text = ordered.to_csv(index=False, float_format="%.17g", lineterminator="\n", na_rep="")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _prepare(model: Any, positive_class: Any) -> tuple[ModelParts, Choice]:
    parts = split_model(model)
    return parts, choose(parts.estimator, positive_class)


def _versions() -> tuple[str, str]:
    # shap and scikit-learn take seconds to import; the portal imports explainers without them
    import shap  # noqa: PLC0415
    import sklearn  # noqa: PLC0415

    return str(shap.__version__), str(sklearn.__version__)


def explain(
    model: Any,
    reference_data: pd.DataFrame,
    *,
    seed: int = 0,
    positive_class: Any = None,
    background_size: int | None = None,
    progress: Progress | None = None,
) -> Explanation:
    """Explain every row of ``reference_data`` in the model's original input features.

    Guarantees: ``values`` has one column per model input (one-hot outputs summed back),
    ``values.sum(axis=1) + base_value`` reproduces ``predictions`` (the model's own
    output on ``scale``) within ``additivity_max_error`` (explain fails above
    :func:`additivity_tolerance`), and the same model + data + seed give identical values
    and fingerprint. ``background_size=None`` lets the engine choose
    (:func:`~._background.background_policy`): the whole reference set up to
    REFERENCE_BACKGROUND_CAP rows for tree models whose exact cost does not depend on the
    background size (above it a seeded sample stratified by the predicted outcome), up to
    GROWING_COST_BACKGROUND_CAP for tree models whose cost grows with it, 100 for linear
    and model-agnostic models; an int takes ``min(background_size, rows)`` rows by
    :func:`sample_background`. The background is used whole; ``metadata.background_drawn``
    says which rows, how many, how drawn and why, ``metadata.background_sampling`` the
    stratification rule, and ``metadata.definition`` what the values are. Tree models
    are explained by insyn's exact float64 engine; binary boosted classifiers also get
    the exact margin (log-odds) view in ``margin_values``. Raises ExplanationError for unfitted or
    unsupported models, missing columns or empty data.
    """
    started = time.perf_counter()
    parts, choice = _prepare(model, positive_class)
    reference = align_columns(reference_data, parts.features)
    policy = background_policy(parts.estimator, choice, background_size)
    predictions = predict_on_scale(model, reference, choice)
    drawn = draw_background(policy, choice, reference, predictions, seed=seed)
    background = drawn.frame
    X = transform(parts, reference)
    B = transform(parts, background)
    engines: list[str] = []
    estimates: list[AgnosticResult] = []
    raw, base = compute_values(
        parts.estimator,
        choice,
        X,
        B,
        seed=seed,
        progress=progress,
        engines=engines,
        sources=parts.sources,
        estimates=estimates,
    )
    values = group_sum(raw, parts.sources, len(parts.features))
    float32 = float32_output(parts.estimator)
    error = _checked_additivity(values, base, predictions, float32)
    frame = pd.DataFrame(values, columns=list(parts.features), index=reference.index)
    margin = _margin_view(model, parts, choice, reference, X, B, float32)
    shap_version, sklearn_version = _versions()
    metadata = ExplanationMetadata(
        explainer=choice.kind,
        explainer_class=engines[0] if engines else choice.explainer_class,
        estimator_class=type(parts.estimator).__name__,
        shap_version=shap_version,
        sklearn_version=sklearn_version,
        background_size=len(background),
        background_sha256=background_sha256(background),
        seed=seed,
        rows=len(reference),
        seconds=time.perf_counter() - started,
        scale=choice.scale,
        positive_class=choice.positive_class_label,
        base_value=base,
        additivity_max_error=error,
        features=list(parts.features),
        fingerprint=fingerprint(values),
        definition=definition(choice),
        background_drawn=drawn.drawn,
        background_sampling=drawn.sampling,
        verification=engines[1] if len(engines) > 1 else VERIFIED_BY_ADDITIVITY,
        margin_definition=margin_definition(choice) if margin is not None else None,
        margin_base_value=None if margin is None else margin[1],
        margin_fingerprint=None if margin is None else fingerprint(margin[0]),
        estimation=estimates[0].estimation(parts.features, len(background)) if estimates else None,
    )
    return Explanation(
        metadata=metadata,
        values=frame,
        predictions=predictions,
        background=background,
        global_importance=global_importance(frame),
        dependence=dependence_table(reference, frame),
        margin_values=None
        if margin is None
        else pd.DataFrame(margin[0], columns=list(parts.features), index=reference.index),
    )


def _checked_additivity(
    values: np.ndarray, base: float, outputs: np.ndarray, float32: bool
) -> float:
    """Largest additivity error; raises ExplanationError above :func:`additivity_tolerance`."""
    error = float(np.max(np.abs(values.sum(axis=1) + base - outputs)))
    tolerance = additivity_tolerance(outputs, float32_output=float32)
    if not error <= tolerance:
        raise ExplanationError(ADDITIVITY_FAILED.format(error=error, tolerance=tolerance))
    return error


def _margin_view(
    model: Any,
    parts: ModelParts,
    choice: Choice,
    reference: pd.DataFrame,
    X: np.ndarray,
    B: np.ndarray,
    float32: bool,
) -> tuple[np.ndarray, float] | None:
    """Binary boosted classifiers: the exact margin (log-odds) values and base, checked
    for additivity against the model's own margin; None for every other model."""
    if margin_definition(choice) is None:
        return None
    prepared = prepare_engine(parts.estimator, choice, B, output="raw")
    values = group_sum(run_chunks(prepared, X), parts.sources, len(parts.features))
    outputs = margins(model, reference).reshape(-1)
    if choice.class_index == 0:
        outputs = -outputs
    _checked_additivity(values, float(prepared.base_value), outputs, float32)
    return values, float(prepared.base_value)


def explain_rows(
    model: Any,
    rows: pd.DataFrame,
    background: pd.DataFrame,
    *,
    positive_class: Any = None,
    seed: int = 0,
) -> tuple[LocalExplanation, ...]:
    """One :class:`LocalExplanation` per row of ``rows``, against ``background`` as given.

    Same explainer choice as :func:`explain`; contributions sum to prediction - base_value.
    For many calls on one model, keep a :class:`LocalExplainer` instead.
    """
    explainer = LocalExplainer(
        model, background, positive_class=positive_class, seed=seed, fast_engine=False
    )
    return explainer.explain_rows(rows)


def explain_local(
    model: Any,
    row: pd.DataFrame,
    background: pd.DataFrame,
    *,
    positive_class: Any = None,
    seed: int = 0,
) -> LocalExplanation:
    """Explain exactly one row (DataFrame with one row, Series or dict) against ``background``.

    Guarantees ``contributions.shap.sum() + base_value == prediction`` up to
    ``additivity_error``; contributions are sorted by |shap| descending.
    """
    explainer = LocalExplainer(
        model, background, positive_class=positive_class, seed=seed, fast_engine=False
    )
    return explainer.explain(row)
