"""The row budget of benchmarks/_harness.py: how many rows an engine may explain, at what cost."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from _harness import RowBudget, Timing


def _call(rows: int, cpu: float) -> Timing:
    return Timing(out=None, rows=rows, wall=cpu, cpu=cpu, mb=0.0)


def test_without_calls_every_row_is_planned() -> None:
    budget = RowBudget(seconds=10.0)
    assert budget.fit() is None
    assert budget.plan(5000) == 5000
    assert budget.per_row_at(5000) is None


def test_one_call_plans_proportionally_so_the_budget_holds() -> None:
    budget = RowBudget(seconds=10.0)
    budget.record(_call(5, 1.0))  # 0.2 s/row if it were all per-row cost
    assert budget.fit() == (0.0, 0.2)
    assert budget.plan(20) == 20
    assert budget.plan(500) == 50


def test_two_sizes_separate_the_fixed_cost_from_the_per_row_cost() -> None:
    budget = RowBudget(seconds=30.0)
    budget.record(_call(5, 20.5))
    budget.record(_call(105, 30.5))  # 20 s fixed + 0.1 s/row
    a, b = budget.fit() or (0.0, 0.0)
    assert a == pytest.approx(20.0)
    assert b == pytest.approx(0.1)
    assert budget.plan(5000) == 100
    assert budget.per_row_at(5000) == pytest.approx((20.0 + 500.0) / 5000)
    assert budget.largest is not None and budget.largest.rows == 105


def test_the_floor_keeps_a_few_rows_when_even_the_fixed_cost_is_over_budget() -> None:
    budget = RowBudget(seconds=10.0, floor=10)
    budget.record(_call(5, 20.0))
    budget.record(_call(25, 22.0))
    assert budget.plan(500) == 10
    assert budget.plan(3) == 3


def test_the_fit_spans_the_smallest_and_largest_call_so_noise_between_close_sizes_is_ignored() -> (
    None
):
    budget = RowBudget(seconds=30.0)
    for rows, cpu in ((5, 4.7), (495, 5.0), (500, 5.4)):
        budget.record(_call(rows, cpu))
    a, b = budget.fit() or (0.0, 0.0)
    assert b == pytest.approx(0.7 / 495)
    assert a == pytest.approx(5.4 - 500 * 0.7 / 495)
