"""The background, aggregated once per (model, background) into per-leaf tables.

:class:`BackgroundTables` decides which trees get tables (every leaf's ``d``, its
distinct path features, at most :data:`MAX_TABLE_FEATURES`, and all tables together
within ``budget_bytes``); the other trees stay on the walk of :mod:`._kernel_union`
(the hybrid path). The background is read in blocks of :data:`BLOCK_ROWS`, so its
size is bounded by time, never by memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from . import _kernel, _tables

MAX_TABLE_FEATURES = 12
"""A leaf with more distinct path features keeps its tree on the walk (3 x 2^d floats per leaf)."""
TABLE_BUDGET_BYTES = 512 * 2**20
"""All tables of one prepared model together stay within this many bytes."""
BLOCK_ROWS = 65_536
"""Background rows counted per block: the background never has to fit in memory at once."""


class TablePlan:
    """Which trees of an ensemble get tables, known before any background is read.

    ``lpos``/``leaf_d``/``leaf_feat_off``/``leaf_feats`` describe every tree's paths
    (see :func:`._tables.layout`); ``table_roots`` are the trees whose every leaf has at
    most ``max_features`` distinct path features and whose tables fit, with the trees
    before them, within ``budget_bytes``; ``walk_roots`` the rest; ``leaf_off`` places
    each table leaf's ``2^d`` patterns; ``table_bytes`` is what the tables will hold.
    """

    def __init__(
        self,
        ensemble: Any,
        *,
        budget_bytes: int = TABLE_BUDGET_BYTES,
        max_features: int = MAX_TABLE_FEATURES,
    ) -> None:
        e = ensemble
        self.max_depth = int(e.max_depth)
        self.max_features = int(max_features)
        n_nodes = e.left.shape[0]
        self.lpos = np.zeros(n_nodes, dtype=np.int64)
        self.leaf_d = np.zeros(n_nodes, dtype=np.int64)
        self.leaf_off = np.zeros(n_nodes, dtype=np.int64)
        self.leaf_feat_off = np.zeros(n_nodes, dtype=np.int64)
        n_leaves = int(np.count_nonzero(e.left < 0))
        self.leaf_feats = np.zeros(
            max(1, n_leaves * min(self.max_depth, e.n_features)), dtype=np.int64
        )
        chosen: list[int] = []
        rest: list[int] = []
        self.leaves: dict[int, np.ndarray] = {}
        cursor = used = floats = 0
        for root in e.roots:
            cursor, worst = _tables.layout(
                int(root),
                e.left,
                e.right,
                e.feature,
                e.n_features,
                self.max_depth,
                self.lpos,
                self.leaf_d,
                self.leaf_feat_off,
                self.leaf_feats,
                cursor,
            )
            leaves = _leaves_of(e, int(root))
            sizes = np.left_shift(1, np.minimum(self.leaf_d[leaves], 62))
            size = int(sizes.sum()) if worst <= max_features else 0
            if worst <= max_features and used + 24 * size <= budget_bytes:
                self.leaf_off[leaves] = floats + np.cumsum(sizes) - sizes
                floats += size
                used += 24 * size
                chosen.append(int(root))
                self.leaves[int(root)] = leaves
            else:
                rest.append(int(root))
        self.table_roots = np.asarray(chosen, dtype=np.int32)
        self.walk_roots = np.asarray(rest, dtype=np.int32)
        self.table_floats = floats
        self.table_bytes = used


class BackgroundTables:
    """Per-leaf pattern tables of a background for the trees a :class:`TablePlan` chose.

    Guarantees: ``explain_into(X, out)`` adds, for the trees in ``plan.table_roots``,
    exactly the interventional SHAP values (identity output) against the whole
    background, its rows weighted equally; ``background_rows`` is how many were read.
    """

    def __init__(
        self,
        ensemble: Any,
        tr: tuple,
        blocks: Iterable[np.ndarray],
        plan: TablePlan,
        *,
        map_: Callable[..., Any] = map,
    ) -> None:
        e = ensemble
        self.tr = tr
        self.plan = plan
        chosen = [int(r) for r in plan.table_roots]
        n_nodes = e.left.shape[0]
        counts = np.zeros(plan.table_floats, dtype=np.float64)
        goes_left = np.zeros(n_nodes, dtype=np.int64)  # each tree writes its own nodes
        self.met = np.zeros(n_nodes, dtype=np.int64)
        total = 0
        for block in blocks:
            rows = np.ascontiguousarray(block, dtype=np.float64)
            weight = np.ones(rows.shape[0], dtype=np.float64)
            total += rows.shape[0]

            def count(root: int, rows: np.ndarray = rows, weight: np.ndarray = weight) -> None:
                _tables.count_patterns(
                    rows,
                    weight,
                    root,
                    plan.max_depth,
                    tr,
                    plan.lpos,
                    plan.leaf_d,
                    plan.leaf_off,
                    counts,
                    goes_left,
                    self.met,
                )

            list(map_(count, chosen))
        self.background_rows = total
        self.H = np.zeros(plan.table_floats, dtype=np.float64)
        self.G = np.zeros(plan.table_floats, dtype=np.float64)
        self.K = np.zeros(plan.table_floats, dtype=np.float64)
        W = _kernel.weight_table(max(1, plan.max_features))
        value = e.value

        def build(root: int) -> None:
            for leaf in plan.leaves[root]:
                d = int(plan.leaf_d[leaf])
                if d:
                    _tables.leaf_tables(
                        counts,
                        int(plan.leaf_off[leaf]),
                        d,
                        float(value[leaf]) / total,
                        W,
                        self.H,
                        self.G,
                        self.K,
                    )

        if total:
            list(map_(build, chosen))

    @property
    def table_bytes(self) -> int:
        return self.plan.table_bytes

    def explain_into(self, X: np.ndarray, out: np.ndarray) -> None:
        """Add the table trees' SHAP values of the rows of ``X`` to ``out`` (n x m)."""
        p = self.plan
        if p.table_roots.shape[0] == 0:
            return
        _tables.shap_rows_tables(
            X,
            p.table_roots,
            p.max_depth,
            self.tr,
            p.lpos,
            p.leaf_d,
            p.leaf_off,
            p.leaf_feat_off,
            p.leaf_feats,
            self.met,
            self.H,
            self.G,
            self.K,
            out,
        )


def _leaves_of(e: Any, root: int) -> np.ndarray:
    """Indices of the leaves of the tree at ``root``."""
    out, stack = [], [root]
    left, right = e.left, e.right
    while stack:
        node = stack.pop()
        if left[node] < 0:
            out.append(node)
        else:
            stack.append(int(right[node]))
            stack.append(int(left[node]))
    return np.asarray(out, dtype=np.int64)
