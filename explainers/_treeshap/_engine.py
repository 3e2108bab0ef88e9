"""Dispatch, chunking, progress and Parquet streaming around the numba kernels."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from . import _kernel, _kernel_union
from ._ensemble import TreeEnsemble, in_input_order
from ._errors import (
    MSG_BAD_BACKGROUND,
    MSG_BAD_SHAPE,
    MSG_BIG_BACKGROUND,
    MSG_CATEGORICAL_BEYOND_SHAP,
    UnsupportedModelError,
)
from ._extract import extract
from ._family import is_classifier_family

ENGINE_PATH = "insyn-numba"
MAX_BACKGROUND = 1000
PRECISIONS = ("exact", "shap")
SHAP_MAX_BACKGROUND = 100  # shap.maskers.Independent(max_samples=100)


class TreeShapResult:
    """Result of :func:`tree_shap` (read-only).

    ``values`` is ``n x m`` float64 (``None`` when streamed to Parquet),
    ``base_value`` the mean model output over the background on the explained
    scale, ``path`` names the engine (``"insyn-numba"`` or ``"insyn-numba+dask"``).
    """

    def __init__(
        self,
        *,
        values: np.ndarray | None,
        base_value: float,
        path: str,
        rows: int,
        parquet_path: str | None = None,
    ) -> None:
        self._values = values
        self._base_value = float(base_value)
        self._path = path
        self._rows = int(rows)
        self._parquet_path = parquet_path

    @property
    def values(self) -> np.ndarray | None:
        return self._values

    @property
    def base_value(self) -> float:
        return self._base_value

    @property
    def path(self) -> str:
        return self._path

    @property
    def rows(self) -> int:
        return self._rows

    @property
    def parquet_path(self) -> str | None:
        return self._parquet_path

    def __repr__(self) -> str:
        return (
            f"TreeShapResult(rows={self._rows}, base_value={self._base_value!r}, "
            f"path={self._path!r})"
        )


def cost_grows_with_background(estimator: Any, *, model_output: str) -> bool:
    """True when explaining ``estimator`` on ``model_output`` costs O(rows x background).

    False means the background-aggregated tables explain every tree, so the cost of a
    row does not depend on the background's size (the whole reference set may be used).
    True for a logistic (boosted probability) output, whose exact values rescale each
    background row by its own output, and for trees too deep for tables.
    """
    return True  # until the table engine lands


def supports(
    estimator: Any,
    *,
    model_output: str | None = None,
    positive_class_index: int = 1,
    precision: str = "exact",
) -> tuple[bool, str]:
    """``(True, "")`` when :func:`tree_shap` explains ``estimator``, else ``(False, reason)``.

    ``model_output`` defaults to ``"probability"`` for classifiers and ``"raw"`` otherwise.
    Native categorical splits are supported in the exact precision only (shap compares
    categories as numeric thresholds, so there is nothing to reproduce).
    """
    if model_output is None:
        model_output = "probability" if is_classifier_family(estimator) else "raw"
    try:
        ensemble = extract(
            estimator, model_output=model_output, positive_class_index=positive_class_index
        )
    except UnsupportedModelError as exc:
        return False, str(exc)
    except Exception as exc:  # an unknown object that looks like nothing we know
        return False, f"could not read the trees of {type(estimator).__name__}: {exc}"
    if ensemble.has_categorical and precision != "exact":
        return False, MSG_CATEGORICAL_BEYOND_SHAP
    return True, ""


class Prepared:
    """A model and background converted once, ready to explain any number of chunks.

    ``precision="exact"`` (default): float64 throughout, rows routed exactly as the
    model's own ``predict`` (inputs cast to the model's dtype first), and the
    background used exactly as given (every row, equal weight).
    ``precision="shap"``: reproduces shap 0.51's C++ arithmetic — float32 node
    thresholds/values/weights in the walk, NaN always to the default child and,
    like shap's ``Independent`` masker, a background over 100 rows replaced by
    shap's 100-row sample (``background_rows`` says how many were used) — so the
    values match shap to ~1e-15. It exists to compare with shap, not to publish.
    """

    def __init__(
        self, ensemble: TreeEnsemble, background: np.ndarray, precision: str = "exact"
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        if precision == "shap" and ensemble.has_categorical:
            raise UnsupportedModelError(MSG_CATEGORICAL_BEYOND_SHAP)
        self.ensemble = ensemble
        self.precision = precision
        e = ensemble
        self.tr = _tuple(e, e.threshold, e.value, e.missing_mode)
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
        self.background_rows = int(self.background.shape[0])
        self.margin_r = _kernel.predict_margin(
            self.background, e.roots, self.tr_pred, e.base_offset
        )
        if e.transform == "logistic":
            outputs = 1.0 / (1.0 + np.exp(-self.margin_r))
        else:
            outputs = self.margin_r
        self.base_value = float(np.mean(outputs))
        self.classes: np.ndarray | None = None
        self.left_bits: np.ndarray | None = None
        self.all_bits: np.ndarray | None = None

    def explain(self, X: np.ndarray, n_jobs: int = -1) -> np.ndarray:
        """SHAP values of the rows of ``X`` (n x m float64), rows split over ``n_jobs`` threads."""
        rows = self._input(X)
        cores = _kernel.thread_count(n_jobs)
        self._ensure_background_classes(cores)
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

    def _ensure_background_classes(self, threads: int) -> None:
        """Built once per prepared model (per process), on the calling thread."""
        if self.left_bits is not None:
            return
        with _LOCK:
            if self.left_bits is None:
                map_ = _pool(threads).map if threads > 1 else map
                goes_left = _kernel_union.left_matrix(self.background, self.tr_walk, map_)
                classes, bits, all_bits = _kernel_union.background_classes(
                    goes_left, self.ensemble.roots
                )
                self.classes, self.all_bits = classes, all_bits
                self.left_bits = bits  # last: other threads test this one

    def _explain_block(self, X: np.ndarray) -> np.ndarray:
        e = self.ensemble
        assert self.left_bits is not None, "explain() builds the background classes first"
        return _kernel_union.shap_rows_union(
            X,
            self.margin_r,
            e.roots,
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
        state["left_bits"] = state["classes"] = state["all_bits"] = None
        return state


_LOCK = threading.Lock()  # background classes
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


def prepare(
    estimator: Any,
    background: np.ndarray,
    *,
    model_output: str,
    positive_class_index: int = 1,
    precision: str = "exact",
    encoded_input: bool = False,
) -> Prepared:
    """Extract ``estimator``'s trees and prepare them with ``background`` (see :class:`Prepared`).

    ``encoded_input=True``: rows (and ``background``) arrive already encoded by
    :func:`._ensemble.encode_in_input_order` (HistGradientBoosting's native
    categorical encoding, in input column order), so no preprocessor runs here.
    """
    ensemble = extract(
        estimator, model_output=model_output, positive_class_index=positive_class_index
    )
    if encoded_input:
        ensemble = in_input_order(ensemble)
    bg = np.asarray(background)
    if bg.ndim != 2 or bg.shape[0] == 0 or bg.shape[1] != ensemble.n_features:
        raise ValueError(MSG_BAD_BACKGROUND.format(expected=ensemble.n_features))
    if bg.shape[0] > MAX_BACKGROUND:
        raise ValueError(MSG_BIG_BACKGROUND.format(got=bg.shape[0], limit=MAX_BACKGROUND))
    return Prepared(ensemble, bg, precision)


def chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    size = max(1, int(size))
    for start in range(0, n, size):
        yield start, min(n, start + size)


def tree_shap(
    estimator: Any,
    X: np.ndarray,
    background: np.ndarray,
    *,
    model_output: str,
    positive_class_index: int = 1,
    chunk_rows: int = 256,
    n_jobs: int = -1,
    progress: Callable[[int, int], None] | None = None,
    out_parquet: str | None = None,
    client: Any = None,
    feature_names: list[str] | None = None,
    allow_categorical: bool = True,
    precision: str = "exact",
) -> TreeShapResult:
    """Interventional TreeSHAP values of ``estimator`` for the rows of ``X``.

    With ``precision="exact"`` (default) everything is float64, rows are routed
    exactly like the model's own ``predict`` (native categorical splits and NaN
    included) and ``background`` is used as given: the values are the interventional
    Shapley values of the explained output against that background (additive to ~1e-15).
    With ``precision="shap"`` the values equal
    ``shap.TreeExplainer(estimator, data=background,
    feature_perturbation="interventional", model_output=...).shap_values(X)``
    (class ``positive_class_index`` for classifiers), called as
    ``explainers._compute`` calls it (scikit-learn models: float32-rounded rows
    and the threshold fix, see :func:`._verify.shap_reference`), to ~1e-15,
    because the kernel repeats shap's float32 node arithmetic; ``base_value``
    equals its ``expected_value`` (a background over 100 rows is sampled to 100, as
    shap's masker does). The exact values differ from shap's by shap's float32
    rounding (~1e-8 x output scale), and where shap's float32 thresholds misroute a
    row lying on a split value (HistGradientBoosting's bin edges). Rows are explained in
    chunks of ``chunk_rows`` on ``n_jobs`` threads (or on a Dask ``client``);
    ``progress(done_rows, total_rows)`` is called after every chunk. With
    ``out_parquet`` the chunks are written to that Parquet file (columns
    ``feature_names`` or ``f0..``) and ``values`` is ``None``. Memory stays
    O(chunk_rows x (features x background + nodes)).
    Raises :class:`UnsupportedModelError` for anything it cannot explain exactly.
    """
    if model_output not in ("probability", "raw"):
        raise UnsupportedModelError(
            f"model_output must be 'probability' or 'raw', not {model_output!r}"
        )
    prepared = prepare(
        estimator,
        background,
        model_output=model_output,
        positive_class_index=positive_class_index,
        precision=precision,
    )
    if prepared.ensemble.has_categorical and not (allow_categorical and precision == "exact"):
        # shap cannot explain these splits, so there is nothing to reproduce
        raise UnsupportedModelError(MSG_CATEGORICAL_BEYOND_SHAP)
    X_arr = np.asarray(X)
    if X_arr.ndim != 2 or X_arr.shape[1] != prepared.ensemble.n_features:
        raise ValueError(
            MSG_BAD_SHAPE.format(got=X_arr.shape[-1], expected=prepared.ensemble.n_features)
        )
    n = X_arr.shape[0]
    names = feature_names or [f"f{j}" for j in range(X_arr.shape[1])]
    if client is not None:
        # optional dask path; _dask builds on this module
        from ._dask import run_on_client  # noqa: PLC0415

        results: Iterator[tuple[int, int, np.ndarray]] = run_on_client(
            client, prepared, X_arr, chunk_rows
        )
        path = ENGINE_PATH + "+dask"
    else:
        results = ((a, b, prepared.explain(X_arr[a:b], n_jobs)) for a, b in chunks(n, chunk_rows))
        path = ENGINE_PATH
    if out_parquet is not None:
        # pyarrow is loaded only when writing parquet
        from ._parquet import write_chunks  # noqa: PLC0415

        write_chunks(out_parquet, names, results, n, progress)
        return TreeShapResult(
            values=None, base_value=prepared.base_value, path=path, rows=n, parquet_path=out_parquet
        )
    values = np.empty((n, X_arr.shape[1]), dtype=np.float64)
    done = 0
    for a, b, block in results:
        values[a:b] = block
        done += b - a
        if progress is not None:
            progress(done, n)
    return TreeShapResult(values=values, base_value=prepared.base_value, path=path, rows=n)
