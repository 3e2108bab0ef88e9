"""The public entry points :func:`explain`, :func:`explain_local` and :func:`explain_rows`."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import numpy as np
import pandas as pd

from ._agnostic import AgnosticResult, definition
from ._compute import Progress, compute_values, predict_on_scale
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

ADDITIVITY_TOLERANCE = 1e-4
"""Relative bound: explain() fails if the additivity error exceeds this x max(1, |prediction|)."""


def sample_background(reference: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """``min(size, len(reference))`` rows drawn without replacement by ``default_rng(seed)``.

    Rows keep reference order; the index is reset (reference indexes may be identifiers).
    Object columns holding only text become the ``str`` dtype so saving and loading
    restores the same frame.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ExplanationError(BAD_BACKGROUND_SIZE.format(value=size))
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(len(reference), size=min(int(size), len(reference)), replace=False))
    background = reference.iloc[picked].reset_index(drop=True)
    background.columns = pd.Index([str(c) for c in background.columns], dtype="str")
    for column in background.columns:
        series = background[column]
        if series.dtype == object and series.dropna().map(type).eq(str).all():
            background[column] = series.astype("str")
    return background


def background_sha256(background: pd.DataFrame) -> str:
    """SHA-256 of a canonical CSV (sorted columns, ``%.17g`` floats, no index, LF line ends)."""
    ordered = background.reindex(columns=sorted(background.columns))
    text = ordered.to_csv(index=False, float_format="%.17g", lineterminator="\n", na_rep="")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def background_drawn(size: int, rows: int, seed: int) -> str:
    """How :func:`sample_background` drew the background, stated for the metadata."""
    if size >= rows:
        return f"all {rows} reference rows (background_size was not smaller)"
    return (
        f"{size} of the {rows} reference rows, drawn without replacement by "
        f"numpy.random.default_rng({seed}) and kept in reference order"
    )


def _output_text(choice: Choice) -> str:
    if choice.scale == "probability":
        return f"the model's probability of class {choice.positive_class_label}"
    return "the model's prediction"


def _prepare(model: Any, positive_class: Any) -> tuple[ModelParts, Choice]:
    parts = split_model(model)
    return parts, choose(parts.estimator, positive_class)


def _versions() -> tuple[str, str]:
    import shap
    import sklearn

    return str(shap.__version__), str(sklearn.__version__)


def explain(
    model: Any,
    reference_data: pd.DataFrame,
    *,
    seed: int = 0,
    positive_class: Any = None,
    background_size: int = 100,
    progress: Progress | None = None,
) -> Explanation:
    """Explain every row of ``reference_data`` in the model's original input features.

    Guarantees: ``values`` has one column per model input (one-hot outputs summed back),
    ``values.sum(axis=1) + base_value`` reproduces ``predictions`` (the model's own
    output on ``scale``) within ``additivity_max_error`` (explain fails above
    ADDITIVITY_TOLERANCE), and the same model + data + seed give identical values and
    fingerprint. Raises ExplanationError for unfitted/unsupported models, missing
    columns or empty data.
    """
    started = time.perf_counter()
    parts, choice = _prepare(model, positive_class)
    reference = align_columns(reference_data, parts.features)
    background = sample_background(reference, background_size, seed)
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
    predictions = predict_on_scale(model, reference, choice)
    error = float(np.max(np.abs(values.sum(axis=1) + base - predictions)))
    tolerance = ADDITIVITY_TOLERANCE * max(1.0, float(np.max(np.abs(predictions))))
    if not error <= tolerance:
        raise ExplanationError(ADDITIVITY_FAILED.format(error=error, tolerance=tolerance))
    frame = pd.DataFrame(values, columns=list(parts.features), index=reference.index)
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
        definition=definition(_output_text(choice)) if estimates else None,
        background_drawn=background_drawn(len(background), len(reference), seed),
        estimation=estimates[0].estimation(parts.features, len(background)) if estimates else None,
    )
    return Explanation(
        metadata=metadata,
        values=frame,
        predictions=predictions,
        background=background,
        global_importance=global_importance(frame),
        dependence=dependence_table(reference, frame),
    )


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
