"""A model and background prepared once: the tables, the walk, and the thread pool."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from . import _kernel, _kernel_union
from ._aggregate import BLOCK_ROWS, BackgroundTables, TablePlan
from ._ensemble import TreeEnsemble
from ._errors import (
    MSG_BAD_SHAPE,
    MSG_BIG_BACKGROUND,
    MSG_CATEGORICAL_BEYOND_SHAP,
    WHY_LISTS,
    WHY_MEMORY,
    WHY_TABLES,
    WHY_WALK,
    BackgroundTooLargeError,
    UnsupportedModelError,
)

PRECISIONS = ("exact", "shap")
SHAP_MAX_BACKGROUND = 100  # shap.maskers.Independent(max_samples=100)
MAX_BACKGROUND = 1000
"""The walk keeps a bit per (node, background row): trees on the walk take at most this many."""
MAX_TABLE_BACKGROUND = 1_000_000
"""The tables read the background in blocks; beyond this many rows only time grows."""
MAX_LIST_BACKGROUND = 10_000
"""Pattern-list leaves keep up to one pattern per background row: at most this many rows."""


class Prepared:
    """A model and background converted once, ready to explain any number of chunks.

    ``precision="exact"`` (default): float64 throughout, rows routed exactly as the
    model's own ``predict`` (inputs cast to the model's dtype first), and the
    background used exactly as given (every row, equal weight). On an identity output
    (forest probabilities, margins, regressions) the background is aggregated into
    per-leaf tables (:mod:`._aggregate`) so a row's cost does not depend on its size;
    trees too deep for tables, and a logistic (boosted probability) output, whose exact
    values rescale every background row by its own output, stay on the walk
    (:mod:`._kernel_union`, at most :data:`MAX_BACKGROUND` rows). ``engine_path`` says
    which: ``"insyn-tables"``, ``"insyn-tables+walk"`` or ``"insyn-numba"`` (walk).
    ``precision="shap"``: reproduces shap 0.51's C++ arithmetic on the walk, float32
    node thresholds/values/weights, NaN always to the default child and, like shap's
    ``Independent`` masker, a background over 100 rows replaced by shap's 100-row
    sample (``background_rows`` says how many were used), so the values match shap to
    ~1e-15. It exists to compare with shap, not to publish.
    """

    def __init__(
        self,
        ensemble: TreeEnsemble,
        background: np.ndarray,
        precision: str = "exact",
        *,
        plan: TablePlan | None = None,
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        if precision == "shap" and ensemble.has_categorical:
            raise UnsupportedModelError(MSG_CATEGORICAL_BEYOND_SHAP)
        self.ensemble = ensemble
        self.precision = precision
        e = ensemble
        self.tr = _tuple(e, e.threshold, e.value, e.missing_mode)
        self.plan: TablePlan | None = None
        if precision == "shap":
            plain = np.zeros_like(e.missing_mode)
            thr_pred, thr_walk = _shap_thresholds(e)
            self.tr_pred = _tuple(e, thr_pred, e.value, plain)
            self.tr_walk = _tuple(e, thr_walk, e.value.astype(np.float32), plain)
            bg = _as_float64(background, e)
            if bg.shape[0] > SHAP_MAX_BACKGROUND:
                # shap's Independent masker keeps a fixed sample of 100 rows; shap takes
                # seconds to import and only this large-background case needs it
                import shap  # noqa: PLC0415

                bg = np.asarray(shap.utils.sample(bg, SHAP_MAX_BACKGROUND), dtype=np.float64)
            self.background = np.ascontiguousarray(bg)
            self.weights = _kernel.shap_weight_table(e.max_depth)
        else:
            self.tr_pred = self.tr_walk = self.tr
            self.background = to_input(background, ensemble)
            self.weights = _kernel.weight_table(min(e.max_depth, e.n_features))
            if e.transform == "identity":
                rows = int(self.background.shape[0])
                self.plan = plan if plan is not None else TablePlan(e, background_rows=rows)
        self.walk_roots = e.roots if self.plan is None else self.plan.walk_roots
        rows = int(self.background.shape[0])
        walk = bool(self.walk_roots.shape[0])
        listed = self.plan is not None and self.plan.has_lists
        limit = MAX_BACKGROUND if walk else MAX_LIST_BACKGROUND if listed else MAX_TABLE_BACKGROUND
        if rows > limit:
            why = WHY_WALK if walk else WHY_LISTS if listed else WHY_TABLES
            raise BackgroundTooLargeError(
                MSG_BIG_BACKGROUND.format(got=rows, limit=limit, why=why), rows=rows, limit=limit
            )
        self.background_rows = rows
        self.margin_r = np.concatenate(
            [
                _kernel.predict_margin(
                    self.background[a : a + BLOCK_ROWS], e.roots, self.tr_pred, e.base_offset
                )
                for a in range(0, rows, BLOCK_ROWS)
            ]
        )
        if e.transform == "logistic":
            outputs = 1.0 / (1.0 + np.exp(-self.margin_r))
        else:
            outputs = self.margin_r
        self.base_value = float(np.mean(outputs))
        self.tables: BackgroundTables | None = None
        self.classes: np.ndarray | None = None
        self.left_bits: np.ndarray | None = None
        self.all_bits: np.ndarray | None = None
        self._ready = False

    @property
    def engine_path(self) -> str:
        """How the values are computed: ``insyn-tables`` (every tree on 2^d tables),
        ``insyn-tables+lists`` (some leaves on pattern lists), ``+walk`` when some trees
        are walked, ``insyn-numba`` when every tree is walked."""
        plan = self.plan
        if plan is None or plan.table_roots.shape[0] == 0:
            return "insyn-numba"
        if self.tables is not None and self.tables.roots.shape[0] == 0:
            return "insyn-numba"
        listed = self.tables.lists[1] if self.tables is not None else None
        has_lists = plan.has_lists if listed is None else bool(np.any(listed >= 0))
        path = "insyn-tables+lists" if has_lists else "insyn-tables"
        return path + "+walk" if self.walk_roots.shape[0] else path

    @property
    def table_bytes(self) -> int:
        """Memory held by the background's tables and pattern lists (0 on the walk)."""
        if self.tables is not None:
            return self.tables.table_bytes
        return 0 if self.plan is None else self.plan.table_bytes

    def explain(self, X: np.ndarray, n_jobs: int = -1) -> np.ndarray:
        """SHAP values of the rows of ``X`` (n x m float64), rows split over ``n_jobs`` threads."""
        rows = self._input(X)
        cores = _kernel.thread_count(n_jobs)
        self._ensure_ready(cores)
        threads = min(cores, max(1, rows.shape[0]))
        if threads == 1:
            values = self._explain_block(rows)
        else:
            parts = np.array_split(np.arange(rows.shape[0]), threads)
            blocks = list(_pool(threads).map(lambda idx: self._explain_block(rows[idx]), parts))
            values = np.concatenate(blocks, axis=0)
        return self._to_original_columns(values)

    def _to_original_columns(self, values: np.ndarray) -> np.ndarray:
        columns = self.ensemble.columns
        if columns is None:
            return values
        out = np.empty_like(values)
        out[:, columns] = values
        return out

    def _ensure_ready(self, threads: int) -> None:
        """Tables and walk structures, built once per prepared model (per process)."""
        if self._ready:
            return
        with _LOCK:
            if self._ready:
                return
            map_ = _pool(threads).map if threads > 1 else map
            if self.plan is not None:
                bg = self.background
                blocks = (bg[a : a + BLOCK_ROWS] for a in range(0, bg.shape[0], BLOCK_ROWS))
                self.tables = BackgroundTables(self.ensemble, self.tr, blocks, self.plan, map_=map_)
                if self.tables.over_budget:
                    # pattern lists beyond the memory budget: those trees are walked
                    self._walk_instead(self.tables.over_budget)
            if self.walk_roots.shape[0] and self.plan is None:
                goes_left = _kernel_union.left_matrix(self.background, self.tr_walk, map_)
                self.classes, self.left_bits, self.all_bits = _kernel_union.background_classes(
                    goes_left, self.ensemble.roots
                )
            elif self.walk_roots.shape[0]:
                self.classes, self.left_bits, self.all_bits = _kernel_union.walk_classes(
                    self.background, self.tr_walk, self.ensemble.roots, self.walk_roots, map_
                )
            self._ready = True  # last: other threads test this one

    def _walk_instead(self, roots: list[int]) -> None:
        """Walk ``roots`` too; a background over the walk's limit is refused as for any walk."""
        rows = int(self.background.shape[0])
        if rows > MAX_BACKGROUND:
            raise BackgroundTooLargeError(
                MSG_BIG_BACKGROUND.format(got=rows, limit=MAX_BACKGROUND, why=WHY_MEMORY),
                rows=rows,
                limit=MAX_BACKGROUND,
            )
        walk = np.concatenate([self.walk_roots, np.asarray(roots, dtype=np.int32)])
        self.walk_roots = np.sort(walk).astype(np.int32)

    def _explain_block(self, X: np.ndarray) -> np.ndarray:
        e = self.ensemble
        out = np.zeros((X.shape[0], e.n_features), dtype=np.float64)
        if self.tables is not None:
            self.tables.explain_into(X, out)
        if self.walk_roots.shape[0]:
            assert self.left_bits is not None, "explain() builds the walk's classes first"
            out += _kernel_union.shap_rows_union(
                X,
                self.margin_r,
                self.walk_roots,
                self.tr_walk,
                self.tr_pred,
                e.base_offset,
                e.transform == "logistic",
                self.weights,
                e.max_depth,
                self.left_bits,
                self.classes,
                self.all_bits,
            )
        return out

    def _input(self, X: np.ndarray) -> np.ndarray:
        if self.precision == "exact":
            return to_input(X, self.ensemble)
        return _as_float64(X, self.ensemble)

    def explain_pairwise(self, X: np.ndarray) -> np.ndarray:
        """Same values through the reference pair-by-pair kernel (slower)."""
        e = self.ensemble
        values = _kernel.shap_rows(
            self._input(X),
            self.background,
            self.margin_r,
            e.roots,
            self.tr_walk,
            self.tr_pred,
            e.base_offset,
            e.transform == "logistic",
            self.weights,
            e.max_depth,
        )
        return self._to_original_columns(values)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        # rebuilt where they are used (e.g. on a Dask worker)
        state["left_bits"] = state["classes"] = state["all_bits"] = state["tables"] = None
        state["_ready"] = False
        return state


_LOCK = threading.Lock()  # tables and walk classes
_POOL_LOCK = threading.Lock()
_POOLS: dict[int, ThreadPoolExecutor] = {}


def _pool(threads: int) -> ThreadPoolExecutor:
    """A shared pool per thread count (the numba kernels release the GIL)."""
    with _POOL_LOCK:
        if threads not in _POOLS:
            _POOLS[threads] = ThreadPoolExecutor(
                max_workers=threads, thread_name_prefix="insyn-shap"
            )
        return _POOLS[threads]


def _tuple(e: TreeEnsemble, threshold: np.ndarray, value: np.ndarray, missing: np.ndarray) -> tuple:
    return (
        e.left,
        e.right,
        e.feature,
        threshold,
        e.default_left,
        missing,
        e.cat_row,
        e.cat_left,
        e.cat_known,
        value,
    )


def is_sklearn(ensemble: TreeEnsemble) -> bool:
    return ensemble.family.startswith("sklearn.")


def _shap_thresholds(e: TreeEnsemble) -> tuple[np.ndarray, np.ndarray]:
    """(predict, walk) thresholds as shap 0.51 uses them, with insyn's sklearn fix.

    shap walks with ``float32(t)``. For scikit-learn models ``explainers._compute``
    (and :func:`._verify.shap_reference`) replace every ``t`` whose float32 rounds
    up by the next float32 below, so float32 inputs route exactly like sklearn.
    """
    as32 = e.threshold.astype(np.float32)
    pred = e.threshold.copy()
    if is_sklearn(e):
        up = as32.astype(np.float64) > e.threshold
        as32[up] = np.nextafter(as32[up], np.float32(-np.inf))
        pred[up] = as32[up].astype(np.float64)
    return pred, as32.astype(np.float64)


def _as_float64(X: Any, ensemble: TreeEnsemble) -> np.ndarray:
    """Inputs as shap sees them: scikit-learn models get float32-rounded rows (as in
    ``explainers._compute``), other models shap's input dtype; then double."""
    arr = np.asarray(X)
    if arr.ndim != 2 or arr.shape[1] != ensemble.n_features:
        raise ValueError(
            MSG_BAD_SHAPE.format(got=arr.shape[-1] if arr.ndim else 0, expected=ensemble.n_features)
        )
    dtype = np.float32 if is_sklearn(ensemble) else ensemble.shap_input_dtype
    return np.ascontiguousarray(arr.astype(dtype).astype(np.float64))


def to_input(X: Any, ensemble: TreeEnsemble) -> np.ndarray:
    """``X`` as the model's trees see it: 2-D, (encoded,) the model's input dtype, float64."""
    arr = np.asarray(X)
    if arr.ndim != 2 or arr.shape[1] != ensemble.n_features:
        raise ValueError(
            MSG_BAD_SHAPE.format(got=arr.shape[-1] if arr.ndim else 0, expected=ensemble.n_features)
        )
    if ensemble.preprocessor is not None:
        arr = np.asarray(ensemble.preprocessor.transform(arr), dtype=np.float64)
    return np.ascontiguousarray(arr.astype(ensemble.input_dtype).astype(np.float64))
