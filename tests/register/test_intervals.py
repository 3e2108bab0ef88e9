"""The exact binomial interval against a brute-force computation, and the overlap rule."""

from __future__ import annotations

import pytest
from scipy.stats import binom

from register.audit import _intervals as iv


def _bisect(inside: object, lo: float, hi: float) -> float:
    """The boundary between p where ``inside(p)`` is False (at lo) and True (at hi)."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if inside(mid):  # type: ignore[operator]
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def brute_force(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Clopper–Pearson by its definition: the p where P(X >= k) or P(X <= k) is alpha/2."""
    # lower end: the smallest p with P(X >= k | p) >= alpha/2 (0 when k = 0)
    low = 0.0 if k == 0 else _bisect(lambda p: binom.sf(k - 1, n, p) >= alpha / 2, 0.0, 1.0)
    # upper end: the largest p with P(X <= k | p) >= alpha/2 (1 when k = n)
    high = 1.0 if k == n else _bisect(lambda p: binom.cdf(k, n, p) < alpha / 2, 0.0, 1.0)
    return low, high


@pytest.mark.parametrize(
    ("k", "n"), [(0, 10), (1, 10), (2, 6), (5, 10), (9, 10), (10, 10), (3, 17), (12, 40)]
)
def test_interval_matches_a_brute_force_clopper_pearson(k: int, n: int) -> None:
    low, high = iv.clopper_pearson(k, n)
    expected = brute_force(k, n)
    assert low == pytest.approx(expected[0], abs=1e-9)
    assert high == pytest.approx(expected[1], abs=1e-9)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_a_known_textbook_value() -> None:
    # 0 of 10: the upper end is 1 - 0.025 ** (1/10) = 0.3085
    assert iv.clopper_pearson(0, 10) == (0.0, pytest.approx(1 - 0.025 ** (1 / 10)))


def test_the_denominator_rule() -> None:
    assert iv.published_rate(2, 6) is None
    assert iv.published_rate(0, 0) is None
    assert iv.published_rate(None, None) is None
    rate = iv.published_rate(3, iv.MIN_DENOMINATOR)
    assert rate is not None and rate["value"] == pytest.approx(0.3)
    assert rate["denominator"] == iv.MIN_DENOMINATOR
    assert rate["low"] < 0.3 < rate["high"]


def test_bad_counts_are_refused() -> None:
    for k, n in [(3, 2), (-1, 5), (0, 0)]:
        with pytest.raises(ValueError, match="need 0 <= successes <= trials"):
            iv.clopper_pearson(k, n)


def test_a_pair_is_clear_only_when_it_crosses_the_threshold_and_intervals_do_not_overlap() -> None:
    def exceeds(low: float, high: float) -> bool:
        return high - low > 0.1

    rates = [("a", 0.2, 0.15, 0.25), ("b", 0.5, 0.45, 0.55), ("c", 0.6, 0.1, 0.95)]
    # c is highest but overlaps a; b is clearly above a
    assert iv.clear_pair(rates, exceeds) == ("a", "b")
    assert iv.clear_pair([rates[0], rates[2]], exceeds) is None
    # separated but within the threshold: not a flag
    assert iv.clear_pair([("a", 0.2, 0.19, 0.21), ("b", 0.25, 0.24, 0.26)], exceeds) is None
