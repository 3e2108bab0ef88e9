"""Time what a data scientist and a citizen wait for, and print one table.

For each demo model: a plain ``mlflow.sklearn.log_model`` (what a user would do
without insyn) next to insyn's full registration (validate, explain, store
record, explanation and model, publish), split into its steps; then the
what-if round trip a citizen waits on (validate input, predict, local SHAP)
with the explainer the portal caches per version, and its one-time preparation.

    .venv/bin/python benchmarks/registration.py [--repeat 20]
"""

from __future__ import annotations

import argparse
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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="what-if round trips to time")
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
