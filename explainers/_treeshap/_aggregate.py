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

from . import _kernel, _lists, _tables

MAX_TABLE_FEATURES = 10
"""A leaf with more distinct path features keeps a pattern list instead of 3 x 2^d floats."""
MAX_PATTERN_FEATURES = 62
"""Patterns are 64-bit masks: a tree with a longer list of distinct path features is walked."""
TABLE_BUDGET_BYTES = 512 * 2**20
"""All tables of one prepared model together stay within this many bytes."""
LIST_BUDGET_BYTES = 512 * 2**20
"""All pattern lists of one prepared model together: a tree whose lists would pass this
(with the trees before it) is walked instead."""
LIST_MIN_BACKGROUND = 300
"""Below this many background rows a tree that needs pattern lists is walked instead: the
walk was as fast at 100 rows (8.1 vs 8.7 ms a row, 100 full-depth trees) and 2.3x slower at
1,000 (benchmarks/explain_speed.py), and it holds no tables."""
BLOCK_ROWS = 8_192
"""Background rows counted per block: the background never has to fit in memory at once."""


class TablePlan:
    """Which trees of an ensemble get tables, known before any background is read.

    ``lpos``/``leaf_d``/``leaf_feat_off``/``leaf_feats`` describe every tree's paths
    (see :func:`._tables.layout`). In ``table_roots`` (every tree whose paths have at
    most :data:`MAX_PATTERN_FEATURES` distinct features) a leaf with at most
    ``max_features`` gets a ``2^d`` table placed at ``leaf_off`` while the tables fit,
    with those before them, within ``budget_bytes``; every other leaf keeps a pattern
    list (``leaf_slot`` is its index among its tree's ``list_leaves``), unless
    ``lists`` is False or the background has fewer than :data:`LIST_MIN_BACKGROUND` rows
    (``background_rows``): then such a tree is walked. ``walk_roots`` are the trees
    walked; ``table_bytes`` is what the tables will hold.
    """

    def __init__(
        self,
        ensemble: Any,
        *,
        budget_bytes: int | None = None,
        max_features: int | None = None,
        background_rows: int | None = None,
        lists: bool = True,
    ) -> None:
        e = ensemble
        if budget_bytes is None:
            budget_bytes = TABLE_BUDGET_BYTES
        if max_features is None:
            max_features = MAX_TABLE_FEATURES
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
        self.list_leaves: dict[int, np.ndarray] = {}
        self.leaf_slot = np.full(n_nodes, -1, dtype=np.int64)
        self.max_list_features = 0
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
            if worst > MAX_PATTERN_FEATURES:
                rest.append(int(root))
                continue
            d = self.leaf_d[leaves]
            table = d <= max_features
            sizes = np.left_shift(1, d[table])
            if used + 24 * int(sizes.sum()) > budget_bytes:
                table[:] = False
                sizes = sizes[:0]
            self.leaf_off[leaves[table]] = floats + np.cumsum(sizes) - sizes
            floats += int(sizes.sum())
            used += 24 * int(sizes.sum())
            listed = leaves[~table]
            few = background_rows is not None and background_rows < LIST_MIN_BACKGROUND
            if listed.shape[0] and (few or not lists):
                self.leaf_off[leaves[table]] = 0
                floats -= int(sizes.sum())
                used -= 24 * int(sizes.sum())
                rest.append(int(root))
                continue
            self.leaf_slot[listed] = np.arange(listed.shape[0])
            self.list_leaves[int(root)] = listed
            self.max_list_features = max(self.max_list_features, int(d.max(initial=0)))
            chosen.append(int(root))
            self.leaves[int(root)] = leaves
        self.has_lists = bool(np.any(self.leaf_slot >= 0))
        self.table_roots = np.asarray(chosen, dtype=np.int32)
        self.walk_roots = np.asarray(rest, dtype=np.int32)
        self.table_floats = floats
        self.table_bytes = used


class BackgroundTables:
    """Per-leaf pattern tables of a background for the trees a :class:`TablePlan` chose.

    Guarantees: ``explain_into(X, out)`` adds, for the trees in ``roots``, exactly the
    interventional SHAP values (identity output) against the whole background, its rows
    weighted equally; ``background_rows`` is how many were read. A tree whose pattern
    lists would take those of the trees before it over :data:`LIST_BUDGET_BYTES` is left
    out (``over_budget``: the caller walks it), the same trees on every run.
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
        self.met = np.zeros(n_nodes, dtype=np.int64)
        parts: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {
            root: [] for root in chosen
        }
        block_list = [np.ascontiguousarray(b, dtype=np.float64) for b in blocks]
        total = sum(b.shape[0] for b in block_list)

        def count(root: int) -> None:
            listed = plan.list_leaves[root].shape[0]
            for rows in block_list:
                buf = np.zeros((listed, rows.shape[0]), dtype=np.int64)
                _tables.count_patterns(
                    rows,
                    root,
                    plan.max_depth,
                    tr,
                    plan.lpos,
                    plan.leaf_d,
                    plan.leaf_off,
                    plan.leaf_slot,
                    counts,
                    buf,
                    self.met,
                )
                if listed:
                    parts[root].append(_lists.distinct_patterns(buf, rows.shape[0]))

        # trees in order, a few at a time: the lists kept never pass the lists' budget by
        # more than one batch, and the same trees are kept on every run
        kept: list[int] = []
        self.over_budget: list[int] = []
        used = 0
        batch = 8
        for at in range(0, len(chosen), batch):
            group = chosen[at : at + batch]
            list(map_(count, group))
            for root in group:
                size = 16 * sum(int(p.shape[0]) for p, _c, _n in parts[root])
                if size and used + size > LIST_BUDGET_BYTES:
                    parts[root] = []
                    self.over_budget.append(root)
                    continue
                used += size
                kept.append(root)
        self.background_rows = total
        chosen = kept
        self.roots = np.asarray(chosen, dtype=np.int32)
        self.lists = _pattern_lists(plan, chosen, parts, n_nodes)
        self.H = np.zeros(plan.table_floats, dtype=np.float64)
        self.G = np.zeros(plan.table_floats, dtype=np.float64)
        self.K = np.zeros(plan.table_floats, dtype=np.float64)
        W = _kernel.weight_table(max(1, plan.max_features, plan.max_list_features))
        value = e.value
        self._list_args = (*self.lists, value, 1.0 / max(total, 1), W)

        def build(root: int) -> None:
            for leaf in plan.leaves[root]:
                d = int(plan.leaf_d[leaf])
                if d and plan.leaf_slot[leaf] < 0:  # a table leaf
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
        """Memory the tables and pattern lists hold."""
        return self.plan.table_bytes + int(self.lists[2].nbytes + self.lists[3].nbytes)

    def explain_into(self, X: np.ndarray, out: np.ndarray) -> None:
        """Add the table trees' SHAP values of the rows of ``X`` to ``out`` (n x m)."""
        p = self.plan
        if self.roots.shape[0] == 0:
            return
        _tables.shap_rows_tables(
            X,
            self.roots,
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
            self._list_args,
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


def _pattern_lists(
    plan: TablePlan,
    chosen: list[int],
    parts: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]],
    n_nodes: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(list_off, list_len, patterns, counts)``: each pattern-list leaf's distinct
    patterns and counts at ``list_off[leaf]`` (``list_len`` is -1 for other nodes),
    merged over the background's blocks."""
    list_off = np.zeros(n_nodes, dtype=np.int64)
    list_len = np.full(n_nodes, -1, dtype=np.int64)
    pats: list[np.ndarray] = []
    cnts: list[np.ndarray] = []
    at = 0
    for root in chosen:
        leaves = plan.list_leaves[root]
        if not leaves.shape[0] or not parts[root]:
            continue
        if len(parts[root]) == 1:
            p, c, lengths = parts[root][0]
        else:
            p, c, lengths = _merge_blocks(parts[root], leaves.shape[0])
        list_off[leaves] = at + np.cumsum(lengths) - lengths
        list_len[leaves] = lengths
        at += int(lengths.sum())
        pats.append(p)
        cnts.append(c)
    patterns = np.concatenate(pats) if pats else np.zeros(0, dtype=np.int64)
    counts = np.concatenate(cnts) if cnts else np.zeros(0, dtype=np.float64)
    return list_off, list_len, patterns, counts


def _merge_blocks(
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]], slots: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One tree's per-block distinct patterns merged into one list per leaf."""
    slot_ids, pats, cnts = [], [], []
    for p, c, lengths in blocks:
        slot_ids.append(np.repeat(np.arange(slots), lengths))
        pats.append(p)
        cnts.append(c)
    slot = np.concatenate(slot_ids)
    pat = np.concatenate(pats)
    cnt = np.concatenate(cnts)
    keys = np.stack([slot, pat], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    merged = np.bincount(inverse.reshape(-1), weights=cnt, minlength=unique.shape[0])
    lengths = np.bincount(unique[:, 0], minlength=slots).astype(np.int64)
    return unique[:, 1].copy(), merged, lengths
