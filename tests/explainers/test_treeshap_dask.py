"""Chunking, progress, Parquet streaming and the Dask path of the tree engine."""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

from explainers._treeshap import tree_shap


@pytest.fixture(scope="module")
def forest() -> tuple[RandomForestClassifier, np.ndarray, np.ndarray]:
    X, y = make_classification(n_samples=400, n_features=5, random_state=1)
    est = RandomForestClassifier(n_estimators=6, max_depth=7, random_state=0).fit(X, y)
    return est, X[:230], X[300:340]


def test_chunks_report_progress_and_do_not_change_values(forest) -> None:  # type: ignore[no-untyped-def]
    est, X, background = forest
    calls: list[tuple[int, int]] = []
    chunked = tree_shap(
        est,
        X,
        background,
        model_output="probability",
        chunk_rows=64,
        progress=lambda done, total: calls.append((done, total)),
    )
    whole = tree_shap(est, X, background, model_output="probability", chunk_rows=10_000, n_jobs=1)
    assert calls == [(64, 230), (128, 230), (192, 230), (230, 230)]
    assert chunked.values is not None and whole.values is not None
    np.testing.assert_array_equal(chunked.values, whole.values)
    assert chunked.base_value == whole.base_value


def test_streaming_to_parquet_equals_in_memory(forest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    est, X, background = forest
    names = [f"feature_{j}" for j in range(X.shape[1])]
    path = tmp_path / "values.parquet"
    streamed = tree_shap(
        est,
        X,
        background,
        model_output="probability",
        chunk_rows=50,
        out_parquet=str(path),
        feature_names=names,
    )
    in_memory = tree_shap(est, X, background, model_output="probability")
    assert streamed.values is None and streamed.parquet_path == str(path)
    frame = pd.read_parquet(path)
    assert list(frame.columns) == names and len(frame) == len(X)
    assert in_memory.values is not None
    np.testing.assert_array_equal(frame.to_numpy(), in_memory.values)
    assert streamed.base_value == in_memory.base_value


def test_dask_cluster_equals_local_run(forest, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import distributed  # a dev requirement: missing fails, never skips

    # Worker processes are spawned and re-import ``__main__``; an AppTest earlier in
    # the same pytest process may have left a temporary script there.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))

    est, X, background = forest
    X_nan = X.copy()
    X_nan[::7, 2] = np.nan
    hgb = HistGradientBoostingClassifier(max_iter=8, random_state=0).fit(X_nan, est.predict(X))
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        for model in (est, hgb):
            local = tree_shap(model, X_nan, background, model_output="probability", chunk_rows=40)
            remote = tree_shap(
                model, X_nan, background, model_output="probability", chunk_rows=40, client=client
            )
            assert remote.path == local.path + "+dask"  # the same engine, on the cluster
            assert local.path in ("insyn-tables", "insyn-numba")
            assert local.values is not None and remote.values is not None
            np.testing.assert_array_equal(remote.values, local.values)
            assert remote.base_value == local.base_value
