"""Exact interventional Shapley values by enumerating every coalition of input columns.

For a row x, background B (rows b) and model output f:

    v(S)  = mean over b in B of f(x on the columns of S, b elsewhere)
    phi_i = sum over S not containing i of |S|! (M - |S| - 1)! / M! * (v(S + i) - v(S))

Guarantees of :func:`exact_values`: the values are the definition above evaluated
in float64 (no sampling, no approximation); v(empty) is the background mean of f and
v(all) is f(x), so ``values.sum(axis=1) == f(X) - mean(f(B))`` up to rounding.
Cost: ``(2**M - 2) * len(B)`` model evaluations per row.
"""

from __future__ import annotations

from collections.abc import Callable
from math import comb

import numpy as np

from ._hybrid import ModelFunction, Players, evaluate, rows_per_call

Progress = Callable[[int, int], None]


def coalition_table(count: int) -> np.ndarray:
    """All 2**count coalitions as booleans (coalition index = bit mask; bit i = player i)."""
    codes = np.arange(2**count, dtype=np.int64)
    return ((codes[:, None] >> np.arange(count, dtype=np.int64)) & 1).astype(bool)


def shapley_weights(count: int) -> np.ndarray:
    """w[s] = s! (M - s - 1)! / M! for coalition sizes s = 0 .. M - 1."""
    return np.array([1.0 / (count * comb(count - 1, s)) for s in range(count)], dtype=np.float64)


def values_from_game(v: np.ndarray, count: int) -> np.ndarray:
    """Shapley values (n, M) from the coalition values ``v`` (n, 2**M) by the subset formula."""
    codes = np.arange(2**count, dtype=np.int64)
    sizes = np.array([int(c).bit_count() for c in codes], dtype=np.int64)
    weights = shapley_weights(count)
    out = np.empty((v.shape[0], count), dtype=np.float64)
    for i in range(count):
        without = codes[(codes >> i) & 1 == 0]
        out[:, i] = (v[:, without | (1 << i)] - v[:, without]) @ weights[sizes[without]]
    return out


def exact_values(
    f: ModelFunction,
    X: np.ndarray,
    B: np.ndarray,
    players: Players,
    f_x: np.ndarray,
    base: float,
    progress: Progress | None = None,
) -> tuple[np.ndarray, int]:
    """(Shapley values (n, M), model evaluations) for the rows ``X`` against ``B``.

    ``f_x`` is f on ``X`` and ``base`` the mean of f on ``B``; they are v(all) and
    v(empty). ``progress(done, total)`` is called after each block of rows.
    """
    count, rows, size = players.count, X.shape[0], B.shape[0]
    inner = 2**count - 2
    masks = players.columns(coalition_table(count))
    step = rows_per_call(X.shape[1])
    per_row = inner * size
    block = max(1, (4 * step) // max(1, per_row))
    values = np.empty((rows, count), dtype=np.float64)
    evaluations = 0
    for start in range(0, rows, block):
        stop = min(start + block, rows)
        r = stop - start
        totals = np.zeros(r * inner, dtype=np.float64)
        for first in range(0, r * per_row, step):
            flat = np.arange(first, min(first + step, r * per_row), dtype=np.int64)
            row, rest = np.divmod(flat, per_row)
            coalition, back = np.divmod(rest, size)
            out = evaluate(f, X[start:stop], B, masks, row, back, coalition + 1)
            totals += np.bincount(row * inner + coalition, weights=out, minlength=r * inner)
            evaluations += out.size
        v = np.empty((r, inner + 2), dtype=np.float64)
        v[:, 0] = base
        v[:, -1] = f_x[start:stop]
        v[:, 1:-1] = totals.reshape(r, inner) / size
        values[start:stop] = values_from_game(v, count)
        if progress is not None:
            progress(stop, rows)
    return values, evaluations
