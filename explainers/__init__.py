"""insyn explainers: everything that touches SHAP.

``import explainers`` is light: shap is imported only when something is explained.
This package never imports ``register`` or mlflow.
"""

from ._checks import ExplanationChecks, run_checks
from ._counterfactual import (
    CounterfactualChange,
    CounterfactualResult,
    Suggestion,
    find_counterfactuals,
)
from ._errors import ExplanationError
from ._explain import explain, explain_local, explain_rows
from ._local import LocalExplainer
from ._result import Explanation, ExplanationMetadata, LocalExplanation

__all__ = [
    "CounterfactualChange",  # what would change the outcome (explainers/_counterfactual.py)
    "CounterfactualResult",
    "Explanation",
    "ExplanationChecks",  # auditor checks (explainers/_checks.py)
    "ExplanationError",
    "ExplanationMetadata",
    "LocalExplainer",  # one model, many single rows: the what-if (explainers/_local.py)
    "LocalExplanation",
    "Suggestion",
    "explain",
    "explain_local",
    "explain_rows",
    "find_counterfactuals",
    "run_checks",  # auditor checks (explainers/_checks.py)
]
