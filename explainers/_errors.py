"""The one error type of :mod:`explainers` and the texts it carries.

Every message is a module-level constant (a ``str.format`` template where it
names values) so that callers and tests can match on it.
"""

from __future__ import annotations

__all__ = ["ExplanationError"]

NOT_FITTED = "the model is not fitted: fit it before explaining it"
UNSUPPORTED_MODEL = "unsupported model: {detail}"
UNSUPPORTED_PREPROCESSING = "unsupported preprocessing: {detail}"
NO_INPUT_NAMES = (
    "the model has no input column names (feature_names_in_): fit it on a pandas "
    "DataFrame with named columns"
)
MISSING_COLUMNS = "the data is missing columns the model needs: {columns}"
EMPTY_REFERENCE = "the reference data has no rows"
EMPTY_BACKGROUND = "the background data has no rows"
NOT_A_DATAFRAME = "{what} must be a pandas DataFrame, got {kind}"
BAD_BACKGROUND_SIZE = "background_size must be a positive integer, got {value!r}"
MULTICLASS_NEEDS_POSITIVE_CLASS = (
    "the model has {count} classes ({classes}): choose the class to explain with positive_class"
)
UNKNOWN_POSITIVE_CLASS = "positive_class {value!r} is not one of the model's classes ({classes})"
POSITIVE_CLASS_FOR_REGRESSOR = (
    "positive_class {value!r} was given but the model is a regressor, which has no classes"
)
NO_PROBABILITIES = (
    "the classifier {name} has no predict_proba; refit it with probability estimates "
    "(for example SVC(probability=True))"
)
ADDITIVITY_FAILED = (
    "the SHAP values do not add up to the model output (max error {error:.3g} > {tolerance:.3g}); "
    "the explanation is not trustworthy for this model"
)
BACKGROUND_TOO_LARGE = (
    "the background has {rows} rows; the exact tree engine uses every background row and "
    "accepts at most {limit} for this model: choose a smaller background_size"
)
TREE_ENGINE_DISAGREES = (
    "check failed: insyn's exact tree engine and shap.TreeExplainer differ by {diff:.3g}, more "
    "than shap's float32 rounding allows ({tolerance:.3g}); the explanation is not published"
)
TREE_NOT_EXPLAINABLE = (
    "unsupported model: neither insyn's exact tree engine ({engine}) nor shap.TreeExplainer "
    "({shap}) can explain it"
)
EXACTLY_ONE_ROW = "explain_local needs exactly one row, got {count}"
MISSING_FILE = "the explanation folder {folder} has no {name}"
CORRUPT_EXPLANATION = "the explanation in {folder} is damaged: {detail}"


class ExplanationError(ValueError):
    """Raised for every explanation problem a user can fix; the message says what and why."""
