"""The public surface of explainers is exactly its curated __all__."""

from __future__ import annotations

import subprocess
import sys

import explainers

EXPECTED = {
    "ExplanationChecks",  # auditor checks, explainers/_checks.py (another engineer)
    "run_checks",
    "CounterfactualChange",  # what would change the outcome, explainers/_counterfactual.py
    "CounterfactualResult",
    "Suggestion",
    "find_counterfactuals",
    "Explanation",
    "ExplanationError",
    "ExplanationMetadata",
    "LocalExplainer",
    "LocalExplanation",
    "explain",
    "explain_local",
    "explain_rows",
}


def test_all_matches_public_names() -> None:
    public = {name for name in vars(explainers) if not name.startswith("_")}
    assert set(explainers.__all__) == EXPECTED
    assert public == EXPECTED
    assert len(explainers.__all__) == len(set(explainers.__all__))


def test_explanation_error_is_value_error() -> None:
    assert issubclass(explainers.ExplanationError, ValueError)


def test_import_is_light_and_never_touches_register_or_mlflow() -> None:
    code = (
        "import sys, explainers; "
        "bad = [m for m in ('shap', 'mlflow', 'register') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=explainers.__path__[0] + "/..",
    )
    assert out.stdout.strip() == ""
