"""Honest small numbers: the denominator rule and exact 95 % intervals of published rates.

Every rate the fairness check publishes is a proportion ``k / n`` of people: the
selection rate (selected of the group), the true-positive rate (selected of the
group's actual positives), the false-positive rate (selected of the group's actual
negatives) and the precision (actual positives of the group's selected). Its
denominator ``n`` is the number of people the rate is about.

- **Denominator rule**: a rate is published only when its own denominator has at
  least :data:`MIN_DENOMINATOR` people; otherwise it is "too few to report" (no
  number, no interval, no denominator). This comes on top of the head-count rule
  for whole groups (``register.audit._fairness.MIN_GROUP_SIZE``). The rule is about
  reliability (a rate over a handful of people says little and is not compared), not
  disclosure control: a hidden rate can sometimes be worked out from published ones
  (a hidden precision from the same group's selection and true-positive rates, say).
  Protecting people is the head-count rule's task, which hides whole groups.
- **Counts** (a group's head-count) are not estimates and carry no interval; every
  published rate is a proportion, so no other kind of interval is needed.
- **Interval**: each published rate carries its exact binomial (Clopper–Pearson)
  95 % interval: the lower end is the ``alpha/2`` quantile of Beta(k, n − k + 1)
  (0 when k = 0) and the upper end the ``1 − alpha/2`` quantile of
  Beta(k + 1, n − k) (1 when k = n), ``alpha = 0.05``. Equivalently, the set of
  true rates ``p`` for which observing ``k`` or more (for the lower end) or ``k`` or
  fewer (for the upper end) of ``n`` has probability at least 2.5 %. It covers the
  true rate at least 95 % of the time for every ``n`` and ``p`` (it is conservative).
- **Clear difference**: two groups' rates differ clearly when their 95 % intervals
  do not overlap (one group's upper end lies below the other's lower end). This is
  what a reader can check by eye in the table; it is stricter than a test of the
  difference at the 5 % level, so a flagged difference is unlikely to be chance,
  and a difference whose intervals overlap is reported as one that "could be chance".
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

from scipy.stats import beta

MIN_DENOMINATOR = 10
"""A rate needs at least this many people in its own denominator to be published."""
CONFIDENCE = 0.95
"""The coverage of every published interval."""
BAD_COUNTS_MESSAGE = "need 0 <= successes <= trials and trials >= 1, got {successes} of {trials}"


def clopper_pearson(
    successes: int, trials: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """The exact binomial (Clopper–Pearson) interval of ``successes / trials``.

    Guarantees ``0 <= low <= successes / trials <= high <= 1``; ``low == 0`` when
    ``successes == 0`` and ``high == 1`` when ``successes == trials``. Raises
    ``ValueError`` unless ``0 <= successes <= trials`` and ``trials >= 1``.
    """
    k, n = int(successes), int(trials)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(BAD_COUNTS_MESSAGE.format(successes=k, trials=n))
    alpha = 1.0 - confidence
    low = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


def published_rate(successes: int | None, trials: int | None) -> dict[str, Any] | None:
    """``{"value", "low", "high", "denominator"}`` of a rate, or None when too few to report.

    None exactly when ``trials`` is missing or below :data:`MIN_DENOMINATOR` (a rate
    over nobody is too few too); otherwise the value is ``successes / trials`` and
    ``low``/``high`` its :func:`clopper_pearson` interval.
    """
    if successes is None or trials is None or trials < MIN_DENOMINATOR:
        return None
    low, high = clopper_pearson(successes, trials)
    return {
        "value": successes / trials,
        "low": low,
        "high": high,
        "denominator": int(trials),
    }


def separated(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """True when the intervals ``a`` and ``b`` (low, high) do not overlap."""
    return a[1] < b[0] or b[1] < a[0]


def clear_pair(
    rates: list[tuple[str, float, float, float]], exceeds: Any
) -> tuple[str, str] | None:
    """The (lower, higher) groups of the largest difference that is clear, or None.

    ``rates`` holds ``(group, value, low, high)`` per reported group; ``exceeds(lower,
    higher)`` says whether a pair's point values cross the threshold. A pair counts
    only when it crosses the threshold and its intervals do not overlap
    (:func:`separated`); among those, the largest point difference wins.
    """
    best: tuple[float, str, str] | None = None
    for one, two in combinations(rates, 2):
        lower, higher = (one, two) if one[1] <= two[1] else (two, one)
        if not exceeds(lower[1], higher[1]):
            continue
        if not separated(lower[2:], higher[2:]):
            continue
        difference = higher[1] - lower[1]
        if best is None or difference > best[0]:
            best = (difference, lower[0], higher[0])
    return None if best is None else (best[1], best[2])


def is_number(value: Any) -> bool:
    """True for a real number that is not NaN (a published value)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)
