"""Interventional Shapley values by stratified antithetic permutation sampling, with their error.

The estimated quantity is exactly the one :mod:`explainers._exact` enumerates
(same background, same v(S)), written as an average over background rows b and
orderings pi of the input columns:

    phi_i = mean over b in B of E_pi[ f(x on P + i, b elsewhere) - f(x on P, b elsewhere) ]

with P the columns before i in the ordering pi.

One *round* draws, for every background row b, a random ordering and uses it
together with its reverse (antithetic pair): 2 (M - 1) model evaluations per b.
Each b is used exactly once per round (stratified), so after any number of rounds
the contributions of each pair sum to f(x) - f(b) and the estimate is additive:
``values.sum(axis=1) == f(x) - mean(f(B))`` up to rounding, by construction.

Standard error: the stratified estimate's variance, (1 / |B|^2) * sum over b of
s_b^2 / R, with s_b^2 the sample variance of b's R pair averages (unbiased for
R >= 2). A pilot of at least :data:`MIN_ROUNDS` rounds and :data:`MIN_PILOT_PAIRS`
pairs estimates each row's error; the row then gets the rounds its largest standard
error needs to reach ``target`` (error ~ 1/sqrt(rounds)), at most ``max_rounds``, and
its standard errors are re-estimated from all its rounds. Deciding once, after the
pilot, avoids the optimism of stopping at the first lucky estimate.

Determinism: each row draws from its own generator seeded by (seed, SHA-256 of the
row), so a row's values do not depend on which other rows are explained with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

from ._hybrid import ModelFunction, Players, evaluate, rows_per_call

Progress = Callable[[int, int], None]

MIN_ROUNDS = 4
"""Pilot rounds every row gets at least (4 x |B| antithetic pairs)."""
MIN_PILOT_PAIRS = 400
"""The pilot has at least this many antithetic pairs (more rounds for a small background)."""
BLOCK_ROWS = 64
"""At most this many rows are sampled together (one progress call per block)."""


def row_generator(seed: int, row: np.ndarray) -> np.random.Generator:
    """The generator of one explained row: seeded by ``seed`` and the row's float64 bytes."""
    digest = hashlib.sha256(np.ascontiguousarray(row, dtype="<f8").tobytes()).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 32, 4)]
    return np.random.default_rng(np.random.SeedSequence([int(seed), *words]))


def round_cost(count: int, background: int) -> int:
    """Model evaluations of one round for one row."""
    return 2 * (count - 1) * background


def _one_round(
    f: ModelFunction,
    X: np.ndarray,
    B: np.ndarray,
    players: Players,
    f_x: np.ndarray,
    f_b: np.ndarray,
    ranks: np.ndarray,
) -> np.ndarray:
    """Pair averages (a, |B|, M) of the marginal contributions for the orderings ``ranks``.

    ``ranks[r, b, j]`` is the position of player j in the ordering of row r and
    background row b.
    """
    a, size, count = ranks.shape
    k = np.arange(1, count)
    forward = ranks[:, :, None, :] < k[None, None, :, None]
    reverse = ranks[:, :, None, :] >= (count - k)[None, None, :, None]
    masks = players.columns(np.concatenate([forward, reverse], axis=2))
    inner = 2 * (count - 1)
    flat = masks.reshape(a * size * inner, -1)
    row = np.repeat(np.arange(a), size * inner)
    back = np.tile(np.repeat(np.arange(size), inner), a)
    values = evaluate(f, X, B, flat, row, back, np.arange(len(row)))
    values = values.reshape(a, size, inner)
    start = np.broadcast_to(f_b[None, :, None], (a, size, 1))
    end = np.broadcast_to(f_x[:, None, None], (a, size, 1))
    chain = np.concatenate([start, values[:, :, : count - 1], end], axis=2)
    back_chain = np.concatenate([start, values[:, :, count - 1 :], end], axis=2)
    ahead = np.take_along_axis(chain, ranks + 1, axis=2) - np.take_along_axis(chain, ranks, axis=2)
    behind = np.take_along_axis(back_chain, count - ranks, axis=2) - np.take_along_axis(
        back_chain, count - 1 - ranks, axis=2
    )
    return 0.5 * (ahead + behind)


def rounds_needed(worst: np.ndarray, target: float, pilot: int, max_rounds: int) -> np.ndarray:
    """Rounds per row for the largest standard error to reach ``target``, from the pilot's
    estimate (the error shrinks as 1/sqrt(rounds)), between ``pilot`` and ``max_rounds``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(worst <= target, 0.0, (worst / max(target, 1e-300)) ** 2)
    wanted = np.ceil(pilot * np.minimum(ratio, max_rounds))
    return np.clip(wanted, pilot, max_rounds).astype(np.int64)


def _variance(mean: np.ndarray, spread: np.ndarray, rounds: Any) -> np.ndarray:
    """Stratified variance (a, M) of the estimate: (1 / |B|^2) * sum_b s_b^2 / R, from the
    per-stratum running means and summed squared deviations (Welford)."""
    size = mean.shape[1]
    r = np.asarray(rounds, dtype=np.float64).reshape(-1, 1)
    return spread.sum(axis=1) / (r - 1) / r / size**2


def sampled_values(
    f: ModelFunction,
    X: np.ndarray,
    B: np.ndarray,
    players: Players,
    f_x: np.ndarray,
    f_b: np.ndarray,
    *,
    target: float,
    max_rounds: int,
    seed: int,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(values (n, M), standard errors (n, M), rounds per row (n,), model evaluations).

    ``f_x`` is f on ``X``, ``f_b`` f on ``B``; ``target`` is the absolute standard
    error each row's largest one should reach (see the module docstring);
    ``max_rounds`` bounds the rounds per row.
    """
    count, rows, size = players.count, X.shape[0], B.shape[0]
    if count < 2:
        raise ValueError("sampling needs at least two players")
    max_rounds = max(int(max_rounds), MIN_ROUNDS)
    pilot = min(max_rounds, max(MIN_ROUNDS, -(-MIN_PILOT_PAIRS // size)))
    cost = round_cost(count, size)
    block = int(np.clip((4 * rows_per_call(X.shape[1])) // cost, 1, BLOCK_ROWS))
    values = np.empty((rows, count), dtype=np.float64)
    errors = np.empty((rows, count), dtype=np.float64)
    rounds = np.zeros(rows, dtype=np.int64)
    evaluations = 0
    for start in range(0, rows, block):
        stop = min(start + block, rows)
        generators = [row_generator(seed, X[i]) for i in range(start, stop)]
        mean = np.zeros((stop - start, size, count), dtype=np.float64)
        spread = np.zeros_like(mean)
        active = np.arange(stop - start)
        needed = np.full(stop - start, pilot, dtype=np.int64)
        for done in range(1, max_rounds + 1):
            ranks = np.stack(
                [
                    generators[i].random((size, count)).argsort(axis=1).argsort(axis=1)
                    for i in active
                ]
            )
            pair = _one_round(f, X[start + active], B, players, f_x[start + active], f_b, ranks)
            evaluations += len(active) * cost
            delta = pair - mean[active]
            mean[active] += delta / done
            spread[active] += delta * (pair - mean[active])
            rounds[start + active] = done
            if done == pilot:
                worst = np.sqrt(_variance(mean, spread, done)).max(axis=1)
                needed = rounds_needed(worst, target, pilot, max_rounds)
            active = active[needed[active] > done]
            if len(active) == 0:
                break
        used = rounds[start:stop]
        values[start:stop] = mean.mean(axis=1)
        errors[start:stop] = np.sqrt(_variance(mean, spread, used))
        if progress is not None:
            progress(stop, rows)
    return values, errors, rounds, evaluations
