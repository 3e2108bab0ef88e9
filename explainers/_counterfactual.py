"""What would change the outcome: small changes to changeable inputs that flip it.

:func:`find_counterfactuals` asks the model itself (``predict_proba``), never
shap or mlflow. Guarantees:

- only features named in ``changeable`` and not in ``protected`` are ever changed;
- a numeric change stays within the feature's ``[minimum, maximum]`` (whole
  numbers for integer features), a categorical change uses one of its known
  ``categories``;
- every suggestion returned was checked with the model: its probability of the
  positive class is on the other side of ``threshold`` from the original's;
- the result is deterministic (a fixed grid, ties broken by name and value) and
  smallest changes come first (cost: the share of a numeric feature's range
  moved, 1 for a category, summed over the changed features);
- changes costing more than ``max_cost`` in total are not "reasonable" and
  never offered; an empty ``suggestions`` means nothing reasonable flips it;
- at most :data:`MAX_ROWS` candidate rows are asked of the model, in one call
  (``complete`` is False when two-input candidates had to be cut).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ._errors import ExplanationError
from ._select import resolve_class

__all__ = ["CounterfactualChange", "CounterfactualResult", "Suggestion", "find_counterfactuals"]

NOT_ONE_ROW = "find_counterfactuals needs exactly one row of input values, got {count}"
NO_PREDICT_PROBA = "find_counterfactuals needs a classifier with predict_proba; {name} has none"
BAD_THRESHOLD = "threshold must be strictly between 0 and 1, got {value!r}"

# Grid points per numeric feature for one-feature changes (each side of the value).
SINGLE_STEPS = 60
# Grid points per numeric feature for two-feature changes (each side of the value).
PAIR_STEPS = 8
# Most candidate rows asked of the model in one search (keeps it well under a second).
MAX_ROWS = 6000
# A categorical change costs as much as moving a numeric input half its range.
CATEGORY_COST = 0.5
# Changes costing more than this in total are not "reasonable" and are not offered.
DEFAULT_MAX_COST = 1.0


class FeatureLike(Protocol):
    """What the search needs of an input (``register.FeatureSpec`` fits)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def minimum(self) -> float | None: ...
    @property
    def maximum(self) -> float | None: ...
    @property
    def integer(self) -> bool: ...
    @property
    def categories(self) -> tuple[str, ...]: ...


class CounterfactualChange:
    """One input changed: its name, the value given and the suggested value. Read-only."""

    __slots__ = ("_feature", "_given", "_suggested")

    def __init__(self, *, feature: str, given: Any, suggested: Any) -> None:
        self._feature, self._given, self._suggested = feature, given, suggested

    feature = property(lambda self: self._feature, doc="The input's column name.")
    given = property(lambda self: self._given, doc="The value the person entered.")
    suggested = property(lambda self: self._suggested, doc="The value that flips the outcome.")

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self._feature, "given": self._given, "suggested": self._suggested}

    def __repr__(self) -> str:
        return f"CounterfactualChange({self.to_dict()!r})"


class Suggestion:
    """A set of changes (one or two inputs) and the probability it leads to. Read-only."""

    __slots__ = ("_changes", "_cost", "_probability")

    def __init__(
        self, *, changes: Sequence[CounterfactualChange], probability: float, cost: float
    ) -> None:
        self._changes = tuple(changes)
        self._probability, self._cost = float(probability), float(cost)

    changes = property(lambda self: self._changes, doc="The inputs changed, by name.")
    probability = property(
        lambda self: self._probability, doc="Positive-class probability after the changes."
    )
    cost = property(lambda self: self._cost, doc="How big the change is (smaller is nearer).")

    @property
    def features(self) -> tuple[str, ...]:
        """The names of the inputs changed."""
        return tuple(c.feature for c in self._changes)

    def values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """``given`` with this suggestion's changes applied."""
        return {**given, **{c.feature: c.suggested for c in self._changes}}

    def __repr__(self) -> str:
        changes = [c.to_dict() for c in self._changes]
        return f"Suggestion(changes={changes!r}, probability={self._probability:.4f})"


class CounterfactualResult:
    """The outcome of a search: the original probability and up to ``limit`` suggestions."""

    __slots__ = ("_complete", "_probability", "_searched", "_seconds", "_suggestions", "_threshold")

    def __init__(
        self,
        *,
        probability: float,
        threshold: float,
        suggestions: Sequence[Suggestion],
        searched: Sequence[str],
        seconds: float,
        complete: bool,
    ) -> None:
        self._probability, self._threshold = float(probability), float(threshold)
        self._suggestions, self._searched = tuple(suggestions), tuple(searched)
        self._seconds, self._complete = float(seconds), bool(complete)

    probability = property(lambda self: self._probability, doc="The original probability.")
    threshold = property(lambda self: self._threshold, doc="The decision threshold used.")
    suggestions = property(lambda self: self._suggestions, doc="Nearest flips first.")
    searched = property(lambda self: self._searched, doc="The inputs the search could change.")
    seconds = property(lambda self: self._seconds, doc="Time the search took.")
    complete = property(lambda self: self._complete, doc="False when candidates were cut.")

    @property
    def positive(self) -> bool:
        """Whether the original outcome is the positive class (probability >= threshold)."""
        return self._probability >= self._threshold


def positive_probability(model: Any, frame: pd.DataFrame, positive_class: Any = None) -> np.ndarray:
    """The model's probability of ``positive_class`` for every row of ``frame``."""
    if not hasattr(model, "predict_proba"):
        raise ExplanationError(NO_PREDICT_PROBA.format(name=type(model).__name__))
    index = resolve_class(list(model.classes_), positive_class)
    return np.asarray(model.predict_proba(frame), dtype=float)[:, index]


def _nice_step(span: float, steps: int) -> float:
    """A 1-2-5 step near ``span / steps``."""
    raw = span / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return float(factor * magnitude)
    return float(10 * magnitude)  # pragma: no cover - the loop always returns


def _numeric_candidates(spec: FeatureLike, given: float, steps: int) -> list[tuple[float, Any]]:
    """``(cost, value)`` on a round grid within the feature's range, nearest first."""
    low, high = spec.minimum, spec.maximum
    if low is None or high is None or not high > low:
        return []
    span = float(high) - float(low)
    step = max(_nice_step(span, steps), 1.0) if spec.integer else _nice_step(span, steps)
    values = set()
    start = math.ceil(float(low) / step)
    for k in range(start, math.floor(float(high) / step) + 1):
        values.add(round(k * step, 10))
    values.update({float(low), float(high)})
    out = []
    for value in values:
        if spec.integer:
            value = float(round(value))
        if value == given or not float(low) <= value <= float(high):
            continue
        out.append((abs(value - given) / span, int(value) if spec.integer else value))
    return sorted(set(out), key=lambda item: (item[0], float(item[1])))


def _candidates(spec: FeatureLike, given: Any, steps: int) -> list[tuple[float, Any]]:
    if spec.kind == "categorical":
        return [(CATEGORY_COST, c) for c in sorted(spec.categories) if c != str(given)]
    return _numeric_candidates(spec, float(given), steps)


def _thin(candidates: list[tuple[float, Any]], keep: int) -> list[tuple[float, Any]]:
    """At most ``keep`` candidates spread evenly over the list, keeping its order."""
    if len(candidates) <= keep:
        return candidates
    picks = np.linspace(0, len(candidates) - 1, keep).round().astype(int)
    return [candidates[i] for i in sorted(set(picks.tolist()))]


def _batch(row: pd.DataFrame, changes: list[dict[str, Any]]) -> pd.DataFrame:
    """``row`` repeated once per change, each copy with its change applied."""
    frame = row.iloc[np.zeros(len(changes), dtype=int)].reset_index(drop=True)
    for column in sorted({name for change in changes for name in change}):
        base = row.iloc[0][column]
        values = [change.get(column, base) for change in changes]
        frame[column] = pd.Series(values, dtype=row[column].dtype)
    return frame


def _flips(probability: float, original: float, threshold: float) -> bool:
    return (probability >= threshold) != (original >= threshold)


def _search_features(
    specs: Iterable[FeatureLike], changeable: Collection[str], protected: Collection[str]
) -> list[FeatureLike]:
    allowed = set(changeable) - set(protected)
    return sorted((s for s in specs if s.name in allowed), key=lambda s: s.name)


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
) -> CounterfactualResult:
    """Up to ``limit`` nearest changes to one row that put the positive-class
    probability on the other side of ``threshold`` (see the module guarantees).

    ``row`` is one validated row in the model's column order; ``features`` its
    input profile. One- and (when ``max_features >= 2``) two-input changes are
    tried; a two-input change is only offered when neither input alone flips it.
    """
    started = time.perf_counter()
    if not isinstance(row, pd.DataFrame) or len(row) != 1:
        raise ExplanationError(NOT_ONE_ROW.format(count=len(row) if hasattr(row, "__len__") else 0))
    if not 0 < threshold < 1:
        raise ExplanationError(BAD_THRESHOLD.format(value=threshold))
    row = row.reset_index(drop=True)
    specs = _search_features(features, changeable, protected)
    given = {s.name: row.iloc[0][s.name] for s in specs}
    options = {s.name: _candidates(s, given[s.name], SINGLE_STEPS) for s in specs}
    singles = [(cost, {name: value}) for name in options for cost, value in options[name]]
    pairs: list[tuple[float, dict[str, Any]]] = []
    if max_features >= 2:
        for first, second in itertools.combinations(sorted(options), 2):
            a = _thin(options[first], 2 * PAIR_STEPS)
            b = _thin(options[second], 2 * PAIR_STEPS)
            pairs += [(ca + cb, {first: va, second: vb}) for ca, va in a for cb, vb in b]
    complete = len(singles) + len(pairs) <= MAX_ROWS
    pairs = pairs[: max(0, MAX_ROWS - len(singles))]
    changes = [c for _, c in singles] + [c for _, c in pairs]
    # One call: the original row first, then every candidate.
    probabilities = positive_probability(model, _batch(row, [{}, *changes]), positive_class)
    original = float(probabilities[0])
    single_p, pair_p = probabilities[1 : 1 + len(singles)], probabilities[1 + len(singles) :]

    def suggestion(change: dict[str, Any], probability: float, cost: float) -> Suggestion:
        parts = [
            CounterfactualChange(feature=name, given=_plain(given[name]), suggested=_plain(value))
            for name, value in sorted(change.items())
        ]
        return Suggestion(changes=parts, probability=probability, cost=cost)

    found: list[Suggestion] = []
    flipped_alone: set[str] = set()
    for (cost, change), probability in zip(singles, single_p, strict=True):
        name = next(iter(change))
        if (
            cost <= max_cost
            and name not in flipped_alone
            and _flips(probability, original, threshold)
        ):
            flipped_alone.add(name)
            found.append(suggestion(change, float(probability), cost))
    # Two inputs together, only where neither input flips the outcome alone.
    best_pair: dict[tuple[str, ...], tuple[float, str, dict[str, Any], float]] = {}
    for (cost, change), probability in zip(pairs, pair_p, strict=True):
        key = tuple(sorted(change))
        if cost > max_cost or flipped_alone.intersection(key):
            continue
        if not _flips(probability, original, threshold):
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
    )


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value
