"""Errors and their message texts (module-level constants, asserted by tests)."""

from __future__ import annotations

MSG_SHAP_MISMATCH = (
    "insyn tree engine and shap.TreeExplainer disagree: max |difference| {diff:.3e} exceeds "
    "the tolerance {atol:.1e}"
)
MSG_BAD_SHAPE = "X has {got} columns but the model was fitted on {expected} features"
MSG_BAD_BACKGROUND = "background must be a non-empty 2-D array with {expected} columns"
MSG_BIG_BACKGROUND = (
    "background has {got} rows; the engine accepts at most {limit} for this model ({why})"
)
WHY_WALK = "its trees are walked with every background row, which costs memory per row"
WHY_LISTS = "some leaves keep a list of the background's distinct patterns, up to one per row"
WHY_MEMORY = (
    "its background's distinct patterns exceed the memory budget, so some trees are walked "
    "with every background row"
)
WHY_TABLES = "its background is aggregated into tables; larger backgrounds only cost time"
MSG_CATEGORICAL_BEYOND_SHAP = (
    "HistGradientBoosting native categorical splits: shap.TreeExplainer (interventional) "
    "compares categories as numeric thresholds and returns wrong values"
)


class UnsupportedModelError(ValueError):
    """The model (or setting) cannot be explained exactly by the insyn tree engine."""


class BackgroundTooLargeError(ValueError):
    """The background has more rows than the engine takes for this model (``limit``)."""

    def __init__(self, message: str, *, rows: int, limit: int) -> None:
        super().__init__(message)
        self.rows = rows
        self.limit = limit


class ShapMismatchError(AssertionError):
    """The engine's values differ from shap.TreeExplainer by more than the tolerance."""
