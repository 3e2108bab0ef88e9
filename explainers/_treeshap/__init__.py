"""insyn's exact interventional TreeSHAP engine (private; wired in by ``explainers``).

``tree_shap`` computes the values ``shap.TreeExplainer(model, data=background,
feature_perturbation="interventional", model_output=...)`` defines, with numba
kernels that walk each tree once per explained row for the whole background.
``precision="shap"`` (default) reproduces shap's float32 node arithmetic, so
the values equal shap's (as ``explainers._compute`` calls it) to ~1e-15;
``precision="exact"`` works in float64 and routes rows exactly like the model's
``predict`` (differs from shap by shap's float32 rounding, ~1e-8 x output).
``supports`` says whether a model is handled; anything else must fall back to
shap with the given reason.
"""

from __future__ import annotations

from ._engine import ENGINE_PATH, TreeShapResult, prepare, supports, tree_shap
from ._errors import ShapMismatchError, UnsupportedModelError
from ._verify import verify_against_shap

__all__ = [
    "ENGINE_PATH",
    "ShapMismatchError",
    "TreeShapResult",
    "UnsupportedModelError",
    "prepare",
    "supports",
    "tree_shap",
    "verify_against_shap",
]
