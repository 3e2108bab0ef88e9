"""Dispatch, chunking, progress and Parquet streaming around the numba kernels."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._aggregate import TablePlan
from ._ensemble import in_input_order
from ._errors import (
    MSG_BAD_BACKGROUND,
    MSG_BAD_SHAPE,
    MSG_CATEGORICAL_BEYOND_SHAP,
    UnsupportedModelError,
)
from ._extract import extract
from ._family import is_classifier_family
from ._prepared import (
    Prepared,
)

ENGINE_PATH = "insyn-numba"


class TreeShapResult:
    """Result of :func:`tree_shap` (read-only).

    ``values`` is ``n x m`` float64 (``None`` when streamed to Parquet),
    ``base_value`` the mean model output over the background on the explained
    scale, ``path`` names the engine (:attr:`Prepared.engine_path`, ``+dask`` on a client).
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
    if model_output not in ("probability", "raw"):
        return True
    ensemble = extract(estimator, model_output=model_output)
    if ensemble.transform != "identity":
        return True
    plan = TablePlan(ensemble)
    return bool(plan.walk_roots.shape[0]) or plan.has_lists


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
        path = "+dask"
    else:
        results = ((a, b, prepared.explain(X_arr[a:b], n_jobs)) for a, b in chunks(n, chunk_rows))
        path = ""
    if out_parquet is not None:
        # pyarrow is loaded only when writing parquet
        from ._parquet import write_chunks  # noqa: PLC0415

        write_chunks(out_parquet, names, results, n, progress)
        return TreeShapResult(  # the path is known once the chunks are explained
            values=None,
            base_value=prepared.base_value,
            path=prepared.engine_path + path,
            rows=n,
            parquet_path=out_parquet,
        )
    values = np.empty((n, X_arr.shape[1]), dtype=np.float64)
    done = 0
    for a, b, block in results:
        values[a:b] = block
        done += b - a
        if progress is not None:
            progress(done, n)
    return TreeShapResult(
        values=values, base_value=prepared.base_value, path=prepared.engine_path + path, rows=n
    )
