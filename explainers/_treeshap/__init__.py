"""insyn's exact interventional TreeSHAP engine (private; wired in by ``explainers``).

``tree_shap`` computes interventional Shapley values of a tree model's output
against a background (the definition ``shap.TreeExplainer(model, data=background,
feature_perturbation="interventional", model_output=...)`` implements).
``precision="exact"`` (default) works in float64, uses the background as given and
routes rows exactly like the model's ``predict`` (NaN and native categorical splits
included). On an identity output (forest probabilities, regressions, boosted margins)
the background is aggregated once into per-leaf tables of its patterns
(:mod:`._aggregate`, :mod:`._tables`, :mod:`._lists`), so a row costs one pass over
the trees whatever the background's size; a logistic output (a boosted classifier's
probability, which rescales every background row by its own output) and small
backgrounds on very deep trees use the walk (:mod:`._kernel_union`), whose cost grows
with the background. ``precision="shap"`` reproduces shap's float32 node arithmetic and
its 100-row background sample on the walk, so the values equal shap's to ~1e-15 (for
comparisons). ``supports`` says whether a model is handled; anything else must fall
back to shap with the given reason.
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
