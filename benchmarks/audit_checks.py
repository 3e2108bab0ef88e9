"""Time every auditor check for each demo model and print one table.

For each demo model: fairness by group (fairlearn MetricFrame on the evaluation
data), and each explanation check (additivity, reproducibility, stability against
a previous version — here the same model, so the cost is the real one — and
protected influence with proxies), from a fresh explanation.

    .venv/bin/python benchmarks/audit_checks.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _measure(folder):  # type: ignore[no-untyped-def]
    import explainers
    from explainers import _checks
    from register import load_record
    from register.audit._fairness import fairness_report

    built = folder.build()
    record = load_record(folder.record_path)
    protected = record.data.protected_attributes
    positive = record.technical.positive_class
    explanation = explainers.explain(built.model, built.reference_data, positive_class=positive)
    model, reference, evaluation = built.model, built.reference_data, built.evaluation_data
    calls = {
        "fairness": lambda: fairness_report(
            model,
            evaluation,
            label=built.label,
            protected_attributes=protected,
            positive_class=positive,
        ),
        "additivity": lambda: _checks._additivity(model, explanation, reference),
        "reproducibility": lambda: _checks._reproducibility(
            model, explanation, reference, _checks.REPRODUCIBILITY_ROWS
        ),
        "stability": lambda: _checks._stability(model, explanation, model, explanation, reference),
        "protected": lambda: _checks._protected_influence(
            explanation, evaluation, tuple(protected)
        ),
        "all (run_checks)": lambda: explainers.run_checks(
            model,
            explanation,
            reference=reference,
            previous_model=model,
            previous_explanation=explanation,
            evaluation=evaluation,
            protected=protected,
        ),
    }
    timings = {}
    for name, call in calls.items():
        start = time.perf_counter()
        call()
        timings[name] = time.perf_counter() - start
    meta = explanation.metadata
    return record.slug, meta.explainer, len(reference), timings, meta.seconds


def main() -> None:
    from models import demo_folders

    rows = [_measure(folder) for folder in demo_folders()]
    names = [
        "fairness",
        "additivity",
        "reproducibility",
        "stability",
        "protected",
        "all (run_checks)",
    ]
    header = (
        f"{'model':<20} {'explainer':<10} {'rows':>5} "
        + " ".join(f"{n:>16}" for n in names)
        + f" {'explain()':>10}"
    )
    print(header)
    print("-" * len(header))
    for slug, kind, count, timings, explain_seconds in rows:
        print(
            f"{slug:<20} {kind:<10} {count:>5} "
            + " ".join(f"{timings[n]:>15.3f}s" for n in names)
            + f" {explain_seconds:>9.2f}s"
        )


if __name__ == "__main__":
    main()
