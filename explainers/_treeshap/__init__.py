"""insyn's exact interventional TreeSHAP engine (private; wired in by ``explainers``).

``tree_shap`` computes interventional Shapley values of a tree model's output
against a background (the definition ``shap.TreeExplainer(model, data=background,
feature_perturbation="interventional", model_output=...)`` implements), with numba
kernels that walk each tree once per explained row for the whole background.
``precision="exact"`` (default) works in float64, uses the background as given and
routes rows exactly like the model's ``predict`` (NaN and native categorical splits
included); ``precision="shap"`` reproduces shap's float32 node arithmetic and its
100-row background sample, so the values equal shap's to ~1e-15 (for comparisons).
``supports`` says whether a model is handled; anything else must fall back to
shap with the given reason.
"""

from __future__ import annotations

from ._engine import (
    ENGINE_PATH,
    TreeShapResult,
    cost_grows_with_background,
    prepare,
    supports,
    tree_shap,
)
from ._errors import ShapMismatchError, UnsupportedModelError
from ._verify import verify_against_shap

__all__ = [
    "ENGINE_PATH",
    "ShapMismatchError",
    "TreeShapResult",
    "UnsupportedModelError",
    "cost_grows_with_background",
    "prepare",
    "supports",
    "tree_shap",
    "verify_against_shap",
]
