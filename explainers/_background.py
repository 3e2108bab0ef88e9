"""Which reference rows become the background, how many, how drawn and why.

Guarantees:
- :func:`background_policy` states the background's size for a model: the whole
  reference set up to :data:`REFERENCE_BACKGROUND_CAP` when the exact tree engine's cost
  does not depend on the background size; up to :data:`GROWING_COST_BACKGROUND_CAP`
  for tree models whose exact cost grows with it; :data:`DEFAULT_BACKGROUND_SIZE` for
  every other model (as before); an explicit size is used as given.
- :func:`background_positions` is the only draw: the same ``rows``, ``size``, ``seed``
  and (for a stratified draw) the same explained outputs pick the same rows, in
  reference order. The strata are computed from the explained output stored with
  every explanation (:func:`outcome_strata`), so an auditor redraws the background
  from the stored explanation alone, with or without the reference data.
- A stratified draw gives each stratum ``floor(size x its rows / rows)`` rows plus one
  for the largest remainders (exact integer arithmetic), so each stratum's share of the
  background differs from its share of the reference by less than one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._definitions import background_drawn
from ._errors import BAD_BACKGROUND_SIZE, ExplanationError
from ._select import Choice

DEFAULT_BACKGROUND_SIZE = 100
"""Background rows for linear and model-agnostic models: their cost grows with it."""
REFERENCE_BACKGROUND_CAP = 5000
"""Tree models whose exact cost does not depend on the background: the whole reference
set up to this many rows (above it, a seeded stratified sample of this many)."""
GROWING_COST_BACKGROUND_CAP = 1000
"""Tree models whose exact cost grows with the background (a boosted classifier's
probability view, trees too deep for the engine's tables): at most this many rows."""
OUTPUT_BINS = 10
"""Equal-count bins of the explained output that stratify a regressor's (or a class
margin's) background."""
DECISION_THRESHOLD = 0.5
"""A classifier's rows are stratified by whether the explained class's probability reaches
this (the register's decision threshold)."""

STRATA_DECISION = "decision"
STRATA_OUTPUT_BINS = "output_bins"

REASON_TABLES = "the exact tree engine's cost does not depend on the background size"
REASON_LOGISTIC = (
    "the exact tree engine's cost grows with the background size for a boosted "
    "classifier's probability (each background row's own output rescales its attributions)"
)
REASON_TREE_GROWS = "the exact tree engine's cost grows with the background size for this model"
REASON_NOT_TREE = "the cost of explaining a {kind} model grows with the background size"
REASON_NO_ENGINE = (
    "shap.TreeExplainer, which explains this tree model, costs time in proportion to "
    "the background size"
)
CAPPED = "{reason}, and at most {cap:,} rows are used"
ALL_ROWS_POLICY = "all {rows:,} reference rows: {reason}"
UNIFORM_POLICY = (
    "a seeded sample of {size:,} of the {rows:,} reference rows, drawn without replacement "
    "by numpy.random.default_rng({seed}) and kept in reference order, because {reason}"
)
STRATIFIED_POLICY = (
    "a seeded stratified sample of {size:,} of the {rows:,} reference rows, because {reason}: "
    "the rows are split into strata by {strata}, each stratum gets its share of the "
    "{size:,} rows (largest remainders, so every share is within one row of the "
    "reference's), drawn without replacement by numpy.random.default_rng({seed}) stratum "
    "by stratum, and kept in reference order"
)
STRATA_BY_DECISION = (
    "the model's decision for class {label} (its probability at least {threshold} or not)"
)
STRATA_BY_BINS = "{bins} equal-count bins of the model's {output} (rows ranked stably)"


@dataclass(frozen=True, kw_only=True)
class BackgroundPolicy:
    """How many background rows a model gets and why.

    ``cap``: at most this many rows; ``stratified``: above the cap, draw by strata of
    the predicted outcome (else a uniform seeded draw); ``reason``: why, in words
    (None for an explicitly requested size).
    """

    cap: int
    stratified: bool
    reason: str | None


def background_policy(estimator: Any, choice: Choice, requested: int | None) -> BackgroundPolicy:
    """The stated background policy for ``estimator`` explained as ``choice``.

    ``requested`` (a positive int) is used as given, drawn uniformly as before; None is
    the engine's choice (see the module docstring). Raises ExplanationError for a
    requested size that is not a positive integer.
    """
    if requested is not None:
        if isinstance(requested, bool) or not isinstance(requested, (int, np.integer)):
            raise ExplanationError(BAD_BACKGROUND_SIZE.format(value=requested))
        if requested < 1:
            raise ExplanationError(BAD_BACKGROUND_SIZE.format(value=requested))
        return BackgroundPolicy(cap=int(requested), stratified=False, reason=None)
    if choice.kind != "tree":
        reason = REASON_NOT_TREE.format(kind=choice.kind)
        return BackgroundPolicy(cap=DEFAULT_BACKGROUND_SIZE, stratified=False, reason=reason)
    # the numba-jitted engine compiles on first import; only tree models need it
    from ._tree import engine_output, engine_supports  # noqa: PLC0415
    from ._treeshap import cost_grows_with_background  # noqa: PLC0415

    if not engine_supports(estimator, choice)[0]:
        return BackgroundPolicy(
            cap=DEFAULT_BACKGROUND_SIZE, stratified=False, reason=REASON_NO_ENGINE
        )
    output = engine_output(choice)
    if not cost_grows_with_background(estimator, model_output=output):
        return BackgroundPolicy(cap=REFERENCE_BACKGROUND_CAP, stratified=True, reason=REASON_TABLES)
    reason = REASON_LOGISTIC if choice.boosted and output == "probability" else REASON_TREE_GROWS
    return BackgroundPolicy(cap=GROWING_COST_BACKGROUND_CAP, stratified=True, reason=reason)


def strata_rule(choice: Choice) -> dict[str, Any]:
    """How a stratified draw splits the reference rows for ``choice`` (stored in the
    metadata's ``background_sampling``): a classifier's probability by its decision,
    anything else (a regressor's prediction, a class margin) by equal-count bins."""
    if choice.is_classifier and choice.scale == "probability":
        return {"by": STRATA_DECISION, "threshold": DECISION_THRESHOLD}
    return {"by": STRATA_OUTPUT_BINS, "bins": OUTPUT_BINS}


def outcome_strata(outputs: np.ndarray, rule: dict[str, Any]) -> np.ndarray:
    """One stratum number per row from the explained output (``rule`` from
    :func:`strata_rule`): 1 where the probability reaches the threshold, else 0; or the
    equal-count bin of the row's rank (stable sort: ties keep reference order)."""
    outputs = np.asarray(outputs, dtype=np.float64).reshape(-1)
    if rule["by"] == STRATA_DECISION:
        return (outputs >= float(rule["threshold"])).astype(np.int64)
    bins = int(rule["bins"])
    ranks = np.empty(outputs.shape[0], dtype=np.int64)
    ranks[np.argsort(outputs, kind="stable")] = np.arange(outputs.shape[0])
    return (ranks * bins) // max(outputs.shape[0], 1)


def allocation(counts: np.ndarray, size: int) -> np.ndarray:
    """Rows per stratum: proportional shares of ``size`` by largest remainders (integers;
    ties go to the lower stratum); never more than a stratum holds."""
    counts = np.asarray(counts, dtype=np.int64)
    rows = int(counts.sum())
    size = min(int(size), rows)
    base = (size * counts) // rows
    remainder = (size * counts) % rows
    order = np.lexsort((np.arange(counts.shape[0]), -remainder))
    base[order[: size - int(base.sum())]] += 1
    return base


def background_positions(
    rows: int, size: int, seed: int, strata: np.ndarray | None = None
) -> np.ndarray:
    """Positions in the reference data of the background rows, in reference order.

    Without ``strata``: ``min(size, rows)`` positions drawn without replacement by
    ``default_rng(seed)`` (the draw of every explanation before strata existed). With
    ``strata`` (one number per reference row): :func:`allocation` rows per stratum,
    drawn by one ``default_rng(seed)`` stratum by stratum in increasing stratum order.
    """
    rng = np.random.default_rng(seed)
    if strata is None or int(size) >= rows:
        return np.sort(rng.choice(rows, size=min(int(size), rows), replace=False))
    labels, inverse = np.unique(np.asarray(strata), return_inverse=True)
    counts = np.bincount(inverse, minlength=labels.shape[0])
    picked = []
    for stratum, take in enumerate(allocation(counts, size)):
        members = np.flatnonzero(inverse == stratum)
        picked.append(members[rng.choice(members.shape[0], size=int(take), replace=False)])
    return np.sort(np.concatenate(picked))


def stratum_counts(strata: np.ndarray, positions: np.ndarray) -> list[list[int]]:
    """``[reference rows, background rows]`` per stratum, in stratum order."""
    labels, inverse = np.unique(np.asarray(strata), return_inverse=True)
    total = np.bincount(inverse, minlength=labels.shape[0])
    drawn = np.bincount(inverse[positions], minlength=labels.shape[0])
    return [[int(a), int(b)] for a, b in zip(total, drawn, strict=True)]


def strata_text(rule: dict[str, Any], choice: Choice) -> str:
    """The strata of ``rule`` in words."""
    if rule["by"] == STRATA_DECISION:
        label = repr(choice.positive_class_label)
        return STRATA_BY_DECISION.format(label=label, threshold=rule["threshold"])
    output = (
        f"margin of class {choice.positive_class_label!r}"
        if choice.is_classifier
        else ("prediction")
    )
    return STRATA_BY_BINS.format(bins=rule["bins"], output=output)


def take_rows(reference: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """The reference rows at ``positions`` with a reset index and text column names;
    object columns holding only text become the ``str`` dtype so saving and loading
    restores the same frame."""
    background = reference.iloc[positions].reset_index(drop=True)
    background.columns = pd.Index([str(c) for c in background.columns], dtype="str")
    for column in background.columns:
        series = background[column]
        if series.dtype == object and series.dropna().map(type).eq(str).all():
            background[column] = series.astype("str")
    return background


@dataclass(frozen=True, kw_only=True)
class DrawnBackground:
    """The background, how it was drawn in words, and the stored sampling rule (None for
    a uniform seeded draw or the whole reference: the rule of every older explanation)."""

    frame: pd.DataFrame
    drawn: str
    sampling: dict[str, Any] | None


def draw_background(
    policy: BackgroundPolicy,
    choice: Choice,
    reference: pd.DataFrame,
    outputs: np.ndarray,
    *,
    seed: int,
) -> DrawnBackground:
    """The background of an explanation of ``reference`` under ``policy``
    (:func:`background_policy`).

    ``outputs`` is the model's explained output on every reference row (it defines the
    strata). An explicitly requested size is drawn uniformly and described as before
    (:func:`~._definitions.background_drawn`).
    """
    rows = len(reference)
    size = min(policy.cap, rows)
    sampling: dict[str, Any] | None = None
    if policy.stratified and policy.cap < rows:
        rule = strata_rule(choice)
        strata = outcome_strata(outputs, rule)
        positions = background_positions(rows, size, seed, strata)
        sampling = {"method": "stratified", **rule, "strata": stratum_counts(strata, positions)}
    else:
        positions = background_positions(rows, size, seed)
    if policy.reason is None:
        drawn = background_drawn(policy.cap, rows, seed)
    else:
        reason = CAPPED.format(reason=policy.reason, cap=policy.cap)
        if size >= rows:
            drawn = ALL_ROWS_POLICY.format(rows=rows, reason=reason)
        elif sampling is None:
            drawn = UNIFORM_POLICY.format(size=size, rows=rows, seed=seed, reason=reason)
        else:
            strata_words = strata_text(sampling, choice)
            drawn = STRATIFIED_POLICY.format(
                size=size, rows=rows, seed=seed, reason=reason, strata=strata_words
            )
    return DrawnBackground(frame=take_rows(reference, positions), drawn=drawn, sampling=sampling)


def stored_positions(
    rows: int, size: int, seed: int, sampling: dict[str, Any] | None, outputs: np.ndarray
) -> np.ndarray:
    """The reference positions of a stored explanation's background: its ``rows``,
    ``background_size``, ``seed`` and ``background_sampling`` with the explained
    ``outputs`` (the stored predictions, or the model's output on the reference)."""
    strata = None if sampling is None else outcome_strata(outputs, sampling)
    return background_positions(rows, size, seed, strata)
