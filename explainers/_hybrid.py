"""Hybrid rows for model-agnostic Shapley values: ``x`` on a coalition, a background row elsewhere.

Coalitions are over the model's ORIGINAL input columns. A pipeline's preprocessing
maps each output column to exactly one input column (``explainers._features``
guarantees it or refuses the model), and every supported transformer works column
by column, so putting ``x``'s transformed columns of the coalition's inputs next
to a background row's other transformed columns is the transform of the raw
hybrid row. The model is therefore called on transformed hybrids: one call per
block, never one per row, and never more than :data:`MEMORY_BYTES` of hybrids at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

ModelFunction = Callable[[np.ndarray], np.ndarray]

MEMORY_BYTES = 48 * 2**20
"""Upper bound on the hybrid rows built for one model call (float64 bytes)."""


class Players:
    """The players of the game: the input columns that reach the estimator.

    ``columns[k]`` lists the transformed columns of player ``k``; ``features[k]``
    is its index among the model's input columns. An input the preprocessing drops
    is no player: its Shapley value is 0 (it cannot change the output).
    """

    def __init__(self, sources: Sequence[int] | None, width: int) -> None:
        chosen = list(range(width)) if sources is None else [int(s) for s in sources]
        if len(chosen) != width:
            raise ValueError("sources must name one input column per transformed column")
        self.features: tuple[int, ...] = tuple(sorted(set(chosen)))
        self.width = width
        self._of_column = np.array([self.features.index(s) for s in chosen], dtype=np.intp)
        self.first_column = np.array(
            [chosen.index(f) for f in self.features], dtype=np.intp
        ).reshape(-1)

    @property
    def count(self) -> int:
        return len(self.features)

    def columns(self, masks: np.ndarray) -> np.ndarray:
        """Player masks (..., M) -> transformed-column masks (..., width)."""
        return masks[..., self._of_column]

    def spread(self, values: np.ndarray) -> np.ndarray:
        """Player values (n, M) -> (n, width): each player's value on its first column,
        zeros elsewhere, so summing columns per input gives the player's value back."""
        out = np.zeros((values.shape[0], self.width), dtype=np.float64)
        out[:, self.first_column] = values
        return out


def rows_per_call(width: int) -> int:
    """How many hybrid rows one model call may get under :data:`MEMORY_BYTES`."""
    return max(256, MEMORY_BYTES // (8 * 3 * max(1, width)))


def evaluate(
    f: ModelFunction,
    X: np.ndarray,
    B: np.ndarray,
    masks: np.ndarray,
    row: np.ndarray,
    back: np.ndarray,
    mask: np.ndarray,
) -> np.ndarray:
    """``f(where(masks[mask[p]], X[row[p]], B[back[p]]))`` for every p, in bounded calls.

    ``masks`` are transformed-column masks (True: take the explained row's column).
    Returns float64, one value per p, in order.
    """
    total = len(row)
    out = np.empty(total, dtype=np.float64)
    step = rows_per_call(X.shape[1])
    for start in range(0, total, step):
        part = slice(start, min(start + step, total))
        hybrid = np.where(masks[mask[part]], X[row[part]], B[back[part]])
        out[part] = np.asarray(f(hybrid), dtype=np.float64).reshape(-1)
    return out
