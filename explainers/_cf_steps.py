"""Plausible steps for the counterfactual search: which values an input may take, and
what a change costs.

Candidates (:func:`candidates`):

- a numeric input only takes values within its observed ``[minimum, maximum]``, on
  its own ``step`` (whole numbers for integer inputs; the observed grid, such as
  ``0.5`` steps or 1-6 scores, when the profile records one); when the grid has at
  most ``2 * steps`` points every point is tried, else a round grid of about
  ``steps`` points (a multiple of the step) plus the stored quantiles, snapped to a
  five times finer round grid (still a multiple of the step);
- a categorical input takes one of its known ``categories``.

Cost (:func:`numeric_cost`): how far the person moves within the reference data.
For a numeric input it is the shift in the reference data's percentile,
``|F(new) - F(given)|`` in ``[0, 1]``, where ``F`` interpolates linearly between the
profile's stored quantiles (a value met by several quantiles, as on a 1-6 score,
stands at the middle of their shares). So 25 -> 2 costs the share of people between
them, not "a few units". Beyond the observed range each share of the range counts
in full. A profile without quantiles (registered before they were stored) falls
back to the share of the range moved, ``|new - given| / (maximum - minimum)``. A
categorical change costs :data:`CATEGORY_COST`. A change of several inputs costs
the sum.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

__all__ = ["CATEGORY_COST", "FeatureLike", "candidates", "numeric_cost", "thin"]

# A categorical change costs as much as moving a numeric input across half the people.
CATEGORY_COST = 0.5


class FeatureLike(Protocol):
    """What the search needs of an input (``register.FeatureSpec`` fits; ``step`` and
    ``quantiles`` are read when present)."""

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


def _step(spec: FeatureLike) -> float | None:
    """The input's own step: the recorded grid, else 1 for whole numbers, else None."""
    step = getattr(spec, "step", None)
    if step is not None and float(step) > 0:
        return max(float(step), 1.0) if spec.integer else float(step)
    return 1.0 if spec.integer else None


def _percentile_curve(spec: FeatureLike) -> tuple[np.ndarray, np.ndarray] | None:
    """Distinct quantile values and the share each stands at (middle of equal ones)."""
    quantiles = np.asarray(getattr(spec, "quantiles", ()) or (), dtype=float)
    if len(quantiles) < 2 or not np.all(np.isfinite(quantiles)):
        return None
    levels = np.linspace(0.0, 1.0, len(quantiles))
    values = np.unique(quantiles)
    if len(values) < 2:
        return None
    shares = np.array([levels[quantiles == v].mean() for v in values])
    return values, shares


def _position(value: float, curve: tuple[np.ndarray, np.ndarray], span: float) -> float:
    values, shares = curve
    if value < values[0]:
        return float(shares[0] - (values[0] - value) / span)
    if value > values[-1]:
        return float(shares[-1] + (value - values[-1]) / span)
    return float(np.interp(value, values, shares))


def numeric_cost(spec: FeatureLike, given: float, value: float) -> float:
    """The cost of moving a numeric input from ``given`` to ``value`` (module docstring)."""
    return _costs(spec, given, [value])[0]


def _costs(spec: FeatureLike, given: float, values: list[float]) -> list[float]:
    """:func:`numeric_cost` for many values (the percentile curve is built once)."""
    low, high = spec.minimum, spec.maximum
    span = float(high) - float(low) if low is not None and high is not None else 0.0
    if not span > 0:
        return [0.0 if value == given else math.inf for value in values]
    curve = _percentile_curve(spec)
    if curve is None:
        return [abs(float(value) - float(given)) / span for value in values]
    start = _position(float(given), curve, span)
    return [abs(_position(float(value), curve, span) - start) for value in values]


def _nice_step(span: float, steps: int) -> float:
    """A 1-2-5 step near ``span / steps``."""
    raw = span / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return float(factor * magnitude)
    return float(10 * magnitude)  # pragma: no cover - the loop always returns


def _snap(value: float, step: float | None) -> float:
    if step is None:
        return float(value)
    return round(round(value / step) * step, 10)


def _grid(spec: FeatureLike, steps: int) -> set[float]:
    """Every value the search may suggest for a numeric input, within its range."""
    low, high = float(spec.minimum), float(spec.maximum)  # type: ignore[arg-type]
    step = _step(spec)
    if step is not None and (high - low) / step <= 2 * steps:
        first, last = math.ceil(low / step - 1e-6), math.floor(high / step + 1e-6)
        values = {round(k * step, 10) for k in range(first, last + 1)}
        inside = {v for v in values if low <= v <= high}
        # The observed ends may carry float32 noise (0.0560000001 for 0.056): when no
        # grid point stands for an end, the end is tried as seen.
        for end in (low, high):
            if not any(abs(v - end) <= 1e-6 * max(1.0, abs(end)) for v in inside):
                inside.add(end)
        return inside
    nice = _nice_step(high - low, steps)
    # Denser where people are: the quantiles and the ends, on a five times finer grid.
    fine = _nice_step(high - low, 5 * steps)
    if step is not None:
        nice = max(step, round(nice / step) * step)
        fine = max(step, round(fine / step) * step)
    values = {
        round(k * nice, 10) for k in range(math.ceil(low / nice), math.floor(high / nice) + 1)
    }
    values |= {_snap(q, fine) for q in getattr(spec, "quantiles", ()) or ()}
    values |= {round(math.ceil(low / fine - 1e-9) * fine, 10)}
    values |= {round(math.floor(high / fine + 1e-9) * fine, 10)}
    return {v for v in values if low <= v <= high}


def _numeric_candidates(spec: FeatureLike, given: float, steps: int) -> list[tuple[float, Any]]:
    low, high = spec.minimum, spec.maximum
    if low is None or high is None or not float(high) > float(low):
        return []
    values = sorted({float(round(v)) if spec.integer else v for v in _grid(spec, steps)} - {given})
    costs = _costs(spec, given, values)
    out = {(c, int(v) if spec.integer else v) for c, v in zip(costs, values, strict=True)}
    return sorted(out, key=lambda item: (item[0], float(item[1])))


def candidates(spec: FeatureLike, given: Any, steps: int) -> list[tuple[float, Any]]:
    """``(cost, value)`` for every value the search may try for ``spec``, nearest first."""
    if spec.kind == "categorical":
        return [(CATEGORY_COST, c) for c in sorted(spec.categories) if c != str(given)]
    return _numeric_candidates(spec, float(given), steps)


def thin(options: list[tuple[float, Any]], keep: int) -> list[tuple[float, Any]]:
    """At most ``keep`` candidates spread evenly over the list, keeping its order."""
    if len(options) <= keep:
        return options
    picks = np.linspace(0, len(options) - 1, keep).round().astype(int)
    return [options[i] for i in sorted(set(picks.tolist()))]
