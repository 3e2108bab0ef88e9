"""What would change the outcome: small, plausible changes to changeable inputs that
lead to the favourable outcome.

:func:`find_counterfactuals` asks the model itself (``predict_proba``), never
shap or mlflow. Guarantees:

- only features named in ``changeable`` and not in ``protected`` are ever changed, a
  number only in its ``directions`` entry's direction (``lower`` / ``higher``) and a
  category only to one of its ``targets`` entry's values, when those are given;
- every value tried is plausible (:mod:`explainers._cf_steps`): a number stays within
  the feature's observed ``[minimum, maximum]`` and on its own step (whole numbers
  for integer features, the observed grid such as 0.5 steps or 1-6 scores when the
  profile records one); a category is one of its known ``categories``;
- with ``favourable_class`` (one of ``model.classes_``) suggestions move only toward
  it: every suggestion returned was checked with the model and has the favourable
  outcome, and the person's own row has not. The outcome is decided so:

  - two classes: by the positive class's probability against ``threshold`` (the
    positive class when it is ``>= threshold``, the other class below it), so a
    favourable class that is the positive one needs ``>= threshold`` and the other
    class needs ``< threshold``;
  - more classes: the favourable outcome is when the favourable class has the
    highest probability, strictly above every other class (a tie is not favourable);
    ``threshold`` is not used;

  when the person already has the favourable outcome there are no suggestions and
  :attr:`CounterfactualResult.already_favourable` is True;
- without ``favourable_class`` (records that do not name a favourable outcome)
  the direction is not known: a suggestion only puts the positive-class probability
  on the other side of ``threshold``, whichever side that is. A portal should not
  present such changes as advice;
- the result is deterministic (a fixed grid, ties broken by name and value) and the
  cheapest changes come first. The cost is defined in :mod:`explainers._cf_steps`:
  the shift in the reference data's percentile for a number (the share of the range
  for profiles without stored quantiles), :data:`CATEGORY_COST` for a category,
  summed over the changed features;
- changes costing more than ``max_cost`` in total are not "reasonable" and
  never offered; an empty ``suggestions`` means nothing reasonable reaches it;
- at most :data:`MAX_ROWS` candidate rows are asked of the model, in one call
  (``complete`` is False when two-input candidates had to be cut).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._cf_result import CounterfactualChange, CounterfactualResult, Suggestion
from ._cf_steps import CATEGORY_COST, FeatureLike, candidates, thin
from ._errors import ExplanationError
from ._select import resolve_class

__all__ = [
    "CATEGORY_COST",
    "CounterfactualChange",
    "CounterfactualResult",
    "Suggestion",
    "find_counterfactuals",
]

NOT_ONE_ROW = "find_counterfactuals needs exactly one row of input values, got {count}"
NO_PREDICT_PROBA = "find_counterfactuals needs a classifier with predict_proba; {name} has none"
BAD_THRESHOLD = "threshold must be strictly between 0 and 1, got {value!r}"
UNKNOWN_FAVOURABLE = "the favourable class {value!r} is not one of the model's classes {classes}"

# Grid points per numeric feature for one-feature changes (each side of the value).
SINGLE_STEPS = 60
# Grid points per numeric feature for two-feature changes (each side of the value).
PAIR_STEPS = 8
# Most candidate rows asked of the model in one search (keeps it well under a second).
MAX_ROWS = 6000
# Changes costing more than this in total (moving past more than half of the people in
# the reference data) are not "reasonable" and are not offered.
DEFAULT_MAX_COST = 0.5


def positive_probability(model: Any, frame: pd.DataFrame, positive_class: Any = None) -> np.ndarray:
    """The model's probability of ``positive_class`` for every row of ``frame``."""
    if not hasattr(model, "predict_proba"):
        raise ExplanationError(NO_PREDICT_PROBA.format(name=type(model).__name__))
    index = resolve_class(list(model.classes_), positive_class)
    return np.asarray(model.predict_proba(frame), dtype=float)[:, index]


def _batch(row: pd.DataFrame, changes: list[dict[str, Any]]) -> pd.DataFrame:
    """``row`` repeated once per change, each copy with its change applied."""
    frame = row.iloc[np.zeros(len(changes), dtype=int)].reset_index(drop=True)
    for column in sorted({name for change in changes for name in change}):
        base = row.iloc[0][column]
        values = [change.get(column, base) for change in changes]
        frame[column] = pd.Series(values, dtype=row[column].dtype)
    return frame


def _class_index(classes: list[Any], value: Any) -> int:
    """Index of ``value`` in ``classes``: equal, equal as text, or equal as numbers."""
    for i, label in enumerate(classes):
        if label == value or str(label) == str(value):
            return i
    for i, label in enumerate(classes):
        try:
            if float(label) == float(value):
                return i
        except (TypeError, ValueError):
            continue
    shown = ", ".join(str(c) for c in classes)
    raise ExplanationError(UNKNOWN_FAVOURABLE.format(value=value, classes=shown))


def _outcomes(
    probabilities: np.ndarray,
    positive: int,
    favourable: int | None,
    threshold: float,
) -> np.ndarray:
    """Per row, whether it reaches the outcome wanted (module guarantees): the
    favourable one, or (no favourable class) the other side of ``threshold`` from row 0."""
    p = probabilities[:, positive]
    if favourable is None:
        return (p >= threshold) != (p[0] >= threshold)
    if probabilities.shape[1] == 2:
        return p >= threshold if favourable == positive else p < threshold
    others = np.delete(probabilities, favourable, axis=1).max(axis=1)
    return probabilities[:, favourable] > others


def _search_features(
    specs: Iterable[FeatureLike], changeable: Collection[str], protected: Collection[str]
) -> list[FeatureLike]:
    allowed = set(changeable) - set(protected)
    return sorted((s for s in specs if s.name in allowed), key=lambda s: s.name)


def _allowed(
    options: list[tuple[float, Any]], given: Any, direction: str, targets: Collection[str]
) -> list[tuple[float, Any]]:
    """The candidates a person could really move to: lower or higher numbers only when
    ``direction`` says so, and only the ``targets`` categories when any are named."""
    if targets:
        allowed = {str(t) for t in targets}
        options = [(c, v) for c, v in options if not isinstance(v, str) or v in allowed]
    if direction == "lower":
        return [(c, v) for c, v in options if isinstance(v, str) or v < given]
    if direction == "higher":
        return [(c, v) for c, v in options if isinstance(v, str) or v > given]
    return options


def find_counterfactuals(
    model: Any,
    row: pd.DataFrame,
    features: Sequence[FeatureLike],
    *,
    changeable: Collection[str],
    protected: Collection[str] = (),
    positive_class: Any = None,
    threshold: float = 0.5,
    limit: int = 3,
    max_features: int = 2,
    max_cost: float = DEFAULT_MAX_COST,
    favourable_class: Any = None,
    directions: Mapping[str, str] | None = None,
    targets: Mapping[str, Collection[str]] | None = None,
) -> CounterfactualResult:
    """Up to ``limit`` cheapest plausible changes to one row that lead to
    ``favourable_class`` (or, without it, put the positive-class probability on the
    other side of ``threshold``); see the module guarantees.

    ``row`` is one validated row in the model's column order; ``features`` its
    input profile. One- and (when ``max_features >= 2``) two-input changes are
    tried; a two-input change is only offered when neither input alone reaches it.
    Raises :class:`ExplanationError` for a favourable class the model does not have.
    """
    started = time.perf_counter()
    if not isinstance(row, pd.DataFrame) or len(row) != 1:
        raise ExplanationError(NOT_ONE_ROW.format(count=len(row) if hasattr(row, "__len__") else 0))
    if not 0 < threshold < 1:
        raise ExplanationError(BAD_THRESHOLD.format(value=threshold))
    row = row.reset_index(drop=True)
    specs = _search_features(features, changeable, protected)
    given = {s.name: row.iloc[0][s.name] for s in specs}
    options = {
        s.name: _allowed(
            candidates(s, given[s.name], SINGLE_STEPS),
            given[s.name],
            (directions or {}).get(s.name, "either"),
            (targets or {}).get(s.name, ()),
        )
        for s in specs
    }
    singles = [(cost, {name: value}) for name in options for cost, value in options[name]]
    pairs: list[tuple[float, dict[str, Any]]] = []
    if max_features >= 2:
        for first, second in itertools.combinations(sorted(options), 2):
            a = thin(options[first], 2 * PAIR_STEPS)
            b = thin(options[second], 2 * PAIR_STEPS)
            pairs += [(ca + cb, {first: va, second: vb}) for ca, va in a for cb, vb in b]
    complete = len(singles) + len(pairs) <= MAX_ROWS
    pairs = pairs[: max(0, MAX_ROWS - len(singles))]
    changes = [c for _, c in singles] + [c for _, c in pairs]
    if not hasattr(model, "predict_proba"):
        raise ExplanationError(NO_PREDICT_PROBA.format(name=type(model).__name__))
    classes = list(model.classes_)
    favourable = None if favourable_class is None else _class_index(classes, favourable_class)
    if positive_class is None and favourable is not None and len(classes) > 2:
        positive_class = classes[favourable]  # multiclass: report the favourable class
    positive = resolve_class(classes, positive_class)
    # One call: the original row first, then every candidate.
    matrix = np.asarray(model.predict_proba(_batch(row, [{}, *changes])), dtype=float)
    reaches = _outcomes(matrix, positive, favourable, threshold)
    probabilities = matrix[:, positive]
    original = float(probabilities[0])
    already = favourable is not None and bool(reaches[0])
    if already:
        reaches = np.zeros_like(reaches)
    single_p, pair_p = probabilities[1 : 1 + len(singles)], probabilities[1 + len(singles) :]
    single_ok, pair_ok = reaches[1 : 1 + len(singles)], reaches[1 + len(singles) :]

    def suggestion(change: dict[str, Any], probability: float, cost: float) -> Suggestion:
        parts = [
            CounterfactualChange(feature=name, given=_plain(given[name]), suggested=_plain(value))
            for name, value in sorted(change.items())
        ]
        return Suggestion(changes=parts, probability=probability, cost=cost)

    found: list[Suggestion] = []
    flipped_alone: set[str] = set()
    for (cost, change), probability, ok in zip(singles, single_p, single_ok, strict=True):
        name = next(iter(change))
        if cost <= max_cost and name not in flipped_alone and ok:
            flipped_alone.add(name)
            found.append(suggestion(change, float(probability), cost))
    # Two inputs together, only where neither input reaches the outcome alone.
    best_pair: dict[tuple[str, ...], tuple[float, str, dict[str, Any], float]] = {}
    for (cost, change), probability, ok in zip(pairs, pair_p, pair_ok, strict=True):
        key = tuple(sorted(change))
        if cost > max_cost or flipped_alone.intersection(key) or not ok:
            continue
        rank = (cost, repr(sorted(change.items())))
        if key not in best_pair or rank < best_pair[key][:2]:
            best_pair[key] = (cost, rank[1], change, float(probability))
    for cost, _, change, probability in best_pair.values():
        found.append(suggestion(change, probability, cost))

    found.sort(key=lambda s: (s.cost, s.features, repr([c.suggested for c in s.changes])))
    return CounterfactualResult(
        probability=original,
        threshold=threshold,
        suggestions=found[:limit],
        searched=[s.name for s in specs],
        seconds=time.perf_counter() - started,
        complete=complete,
        favourable_class=None if favourable is None else _plain(classes[favourable]),
        already_favourable=already,
    )


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value
