"""Model-agnostic Shapley values: exact when affordable, sampled with a stated error otherwise.

For every estimator that is neither a tree model nor a linear model (MLP, SVC with
probabilities, k-NN, naive Bayes, ...). The game is over the model's original input
columns (see :mod:`explainers._hybrid`) with the interventional value function
v(S) = mean over the background of f(x on S, background row elsewhere), where f is
the explained output (the chosen class's probability, or the prediction).

Which method, stated (:func:`plan_for`):

* **exact enumeration** (:mod:`explainers._exact`) when M <= :data:`EXACT_MAX_FEATURES`
  and ``rows * 2**M * |B|`` <= :data:`EXACT_BUDGET` model evaluations, or when one
  exact row costs no more than the least sampling would;
* otherwise **sampling** (:mod:`explainers._sampling`): rounds of stratified
  antithetic permutations until every value's standard error is at most
  :data:`TARGET_RELATIVE_ERROR` x the standard deviation of f over the background,
  or until ``max_rounds`` (from :data:`SAMPLING_BUDGET`), whichever comes first.

The plan is stored with the explanation, so re-computations (the reproducibility
check) follow the same method and give identical numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._exact import exact_values
from ._hybrid import ModelFunction, Players
from ._sampling import MIN_ROUNDS, round_cost, sampled_values

Progress = Callable[[int, int], None]
Method = Literal["exact_enumeration", "permutation_sampling"]

EXACT_MAX_FEATURES = 12
"""Exact enumeration is never used above this many input columns (2**12 = 4096 coalitions)."""
EXACT_BUDGET = 50_000_000
"""Model evaluations (rows x 2**M x background rows) exact enumeration may cost in total.
About 2.5 minutes for a scikit-learn MLP on a 2-core machine (3 microseconds each)."""
SAMPLING_BUDGET = 50_000_000
"""Model evaluations sampling may cost in total; sets the most rounds per row."""
MAX_ROUNDS = 64
"""Never more rounds per row than this (also for a single what-if row)."""
TARGET_RELATIVE_ERROR = 0.01
"""Sampling stops a row when every standard error is at most this x the output's scale
(the standard deviation of the explained output over the background rows)."""
ENGINES: dict[str, str] = {
    "exact_enumeration": "insyn exact Shapley (every coalition of input columns)",
    "permutation_sampling": "insyn Shapley sampling (stratified antithetic permutations)",
}


@dataclass(frozen=True)
class Plan:
    """How the values are computed: the method and, for sampling, the most rounds per row."""

    method: Method
    max_rounds: int = 0

    @classmethod
    def from_estimation(cls, estimation: Mapping[str, Any] | None) -> Plan | None:
        """The plan stored in an explanation's ``metadata.estimation`` (None when absent)."""
        if not estimation or estimation.get("method") not in ENGINES:
            return None
        return cls(estimation["method"], int(estimation.get("max_rounds") or 0))


def plan_for(players: int, background: int, rows: int) -> Plan:
    """The stated choice between exact enumeration and sampling (see the module docstring)."""
    exact_row = 2**players * background
    cheaper_than_sampling = exact_row <= MIN_ROUNDS * round_cost(players, background)
    if players < 2 or (
        players <= EXACT_MAX_FEATURES
        and (rows * exact_row <= EXACT_BUDGET or cheaper_than_sampling)
    ):
        return Plan("exact_enumeration")
    rounds = SAMPLING_BUDGET // max(1, rows * round_cost(players, background))
    return Plan("permutation_sampling", int(np.clip(rounds, MIN_ROUNDS, MAX_ROUNDS)))


@dataclass(frozen=True)
class AgnosticResult:
    """Values per player, their standard errors (0 when exact) and how they were made."""

    values: np.ndarray
    standard_errors: np.ndarray
    base_value: float
    plan: Plan
    players: Players
    evaluations: int
    rounds: np.ndarray
    output_scale: float
    target: float

    @property
    def engine(self) -> str:
        return ENGINES[self.plan.method]

    def estimation(self, features: Sequence[str], background_rows: int) -> dict[str, Any]:
        """JSON-safe summary for the explanation metadata: method, cost and estimated error.

        Relative errors are divided by the largest |value| of the whole explanation.
        """
        exact = self.plan.method == "exact_enumeration"
        largest = float(np.max(np.abs(self.values))) if self.values.size else 0.0
        errors = self.standard_errors
        worst = float(errors.max()) if errors.size else 0.0
        typical = float(np.median(errors)) if errors.size else 0.0
        count = self.players.count
        out: dict[str, Any] = {
            "method": self.plan.method,
            "exact": exact,
            "players": [str(features[i]) for i in self.players.features],
            "coalitions_per_row": 2**count if exact else None,
            "max_rounds": self.plan.max_rounds,
            "permutations_per_row": None,
            "model_evaluations": int(self.evaluations),
            "budget": EXACT_BUDGET if exact else SAMPLING_BUDGET,
            "exact_max_features": EXACT_MAX_FEATURES,
            "output_scale": self.output_scale,
            "target_standard_error": None if exact else self.target,
            "standard_error_max": worst,
            "standard_error_typical": typical,
            "standard_error_max_relative": worst / largest if largest > 0 else 0.0,
            "standard_error_typical_relative": typical / largest if largest > 0 else 0.0,
            "largest_abs_value": largest,
        }
        if not exact:
            pairs = self.rounds * background_rows
            out["permutations_per_row"] = {
                "min": int(2 * pairs.min()),
                "max": int(2 * pairs.max()),
                "mean": float(2 * pairs.mean()),
            }
        return out


def agnostic_values(
    f: ModelFunction,
    X: np.ndarray,
    B: np.ndarray,
    *,
    sources: Sequence[int] | None,
    seed: int,
    plan: Plan | None = None,
    progress: Progress | None = None,
) -> AgnosticResult:
    """Shapley values of f for the rows ``X`` (estimator input) against ``B``.

    ``sources[j]`` is the input column of transformed column j (None: each column
    is its own input). Without ``plan``, :func:`plan_for` chooses for ``len(X)`` rows.
    """
    players = Players(sources, X.shape[1])
    f_b = np.asarray(f(B), dtype=np.float64).reshape(-1)
    f_x = np.asarray(f(X), dtype=np.float64).reshape(-1)
    base = float(f_b.mean())
    scale = float(f_b.std())
    plan = plan or plan_for(players.count, len(B), len(X))
    target = TARGET_RELATIVE_ERROR * scale
    if plan.method == "exact_enumeration" or players.count < 2:
        values, evaluations = exact_values(f, X, B, players, f_x, base, progress)
        errors = np.zeros_like(values)
        rounds = np.zeros(len(X), dtype=np.int64)
    else:
        values, errors, rounds, evaluations = sampled_values(
            f,
            X,
            B,
            players,
            f_x,
            f_b,
            target=target,
            max_rounds=plan.max_rounds,
            seed=seed,
            progress=progress,
        )
    return AgnosticResult(
        values=values,
        standard_errors=errors,
        base_value=base,
        plan=plan,
        players=players,
        evaluations=evaluations + len(X) + len(B),
        rounds=rounds,
        output_scale=scale,
        target=target,
    )
