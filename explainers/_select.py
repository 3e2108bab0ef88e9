"""Choose the SHAP explainer and the explained output for a final estimator.

Guarantees of :func:`choose`:
- every tree model (decision trees, random forests, extra trees, gradient boosting,
  HistGradientBoosting, XGBoost, LightGBM) -> ``"tree"``, explained by insyn's exact
  engine: regressors on "raw"; forests and trees on the class's "probability";
  binary boosted classifiers on the "probability" view (plus the exact margin,
  ``Choice.boosted``); multiclass boosted classifiers on the chosen class's margin
  ("log_odds");
- linear models -> ``"linear"`` (scale "log_odds" for classifiers, "raw" for regressors);
- every other estimator with predict_proba (classifier) / predict (regressor) -> ``"agnostic"``
  (exact Shapley values by enumeration, or sampled with a stated error: explainers/_agnostic.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._errors import (
    MULTICLASS_NEEDS_POSITIVE_CLASS,
    NO_PROBABILITIES,
    POSITIVE_CLASS_FOR_REGRESSOR,
    UNKNOWN_POSITIVE_CLASS,
    UNSUPPORTED_MODEL,
    ExplanationError,
)

Kind = Literal["tree", "linear", "agnostic"]
Scale = Literal["probability", "log_odds", "raw"]

EXPLAINER_CLASSES: dict[str, str] = {
    "tree": "TreeExplainer",
    "linear": "LinearExplainer",
    "agnostic": "insyn model-agnostic Shapley",
}

_SKLEARN_TREES = (
    "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ExtraTreeClassifier",
    "ExtraTreeRegressor",
)
_EXTERNAL_TREES = {
    "xgboost": ("XGBClassifier", "XGBRegressor", "XGBRFClassifier", "XGBRFRegressor"),
    "lightgbm": ("LGBMClassifier", "LGBMRegressor"),
}
_BOOSTED_PREFIXES = ("GradientBoosting", "HistGradientBoosting", "XGB", "LGBM")
_NONLINEAR_LINEAR_MODULE = ("PoissonRegressor", "GammaRegressor", "TweedieRegressor")


@dataclass(frozen=True)
class Choice:
    """What is explained: explainer kind, output scale and (for classifiers) the class.

    ``class_index`` indexes ``estimator.classes_``; None for regressors.
    ``positive_class`` is the label as stored in ``classes_`` (None for regressors).
    ``boosted``: a boosted tree model (its probability is a link of an additive margin).
    """

    kind: Kind
    scale: Scale
    is_classifier: bool
    class_index: int | None
    positive_class: Any
    n_classes: int
    boosted: bool = False

    @property
    def explainer_class(self) -> str:
        return EXPLAINER_CLASSES[self.kind]

    @property
    def positive_class_label(self) -> str | None:
        return None if self.positive_class is None else str(self.positive_class)


def _is_tree(estimator: Any) -> bool:
    cls = type(estimator)
    module = cls.__module__.split(".")[0]
    if module == "sklearn":
        return cls.__name__ in _SKLEARN_TREES and cls.__module__.startswith(
            ("sklearn.ensemble", "sklearn.tree")
        )
    return cls.__name__ in _EXTERNAL_TREES.get(module, ())


def is_boosted(estimator: Any) -> bool:
    """A boosted tree model: gradient boosting, HistGradientBoosting, XGBoost, LightGBM."""
    return _is_tree(estimator) and type(estimator).__name__.startswith(_BOOSTED_PREFIXES)


def _is_linear(estimator: Any) -> bool:
    cls = type(estimator)
    if not hasattr(estimator, "coef_") or not hasattr(estimator, "intercept_"):
        return False
    if cls.__module__.startswith("sklearn.linear_model"):
        return cls.__name__ not in _NONLINEAR_LINEAR_MODULE
    return cls.__module__.startswith("sklearn.svm") and cls.__name__ in ("LinearSVC", "LinearSVR")


def _is_classifier(estimator: Any) -> bool:
    # scikit-learn takes seconds to import; the portal imports explainers without it
    from sklearn.base import is_classifier  # noqa: PLC0415

    try:
        return bool(is_classifier(estimator))
    except Exception:
        return hasattr(estimator, "classes_")


def _several_outputs(estimator: Any) -> bool:
    """True for multi-output models. An MLPClassifier's ``n_outputs_`` counts its output
    units (one per class for multiclass), so it is multi-output only when multilabel."""
    if type(estimator).__name__ == "MLPClassifier":
        binarizer = getattr(estimator, "_label_binarizer", None)
        return getattr(binarizer, "y_type_", "") == "multilabel-indicator"
    return getattr(estimator, "n_outputs_", 1) not in (1, None)


def resolve_class(classes: list[Any], positive_class: Any) -> int:
    """Index of ``positive_class`` in ``classes`` (exact match first, then by text).

    None means ``classes[1]`` for a binary model; multiclass needs an explicit class.
    """
    shown = ", ".join(str(c) for c in classes)
    if positive_class is None:
        if len(classes) == 2:
            return 1
        raise ExplanationError(
            MULTICLASS_NEEDS_POSITIVE_CLASS.format(count=len(classes), classes=shown)
        )
    for i, label in enumerate(classes):
        if type(label) is type(positive_class) and label == positive_class:
            return i
    for i, label in enumerate(classes):
        if str(label) == str(positive_class):
            return i
    raise ExplanationError(UNKNOWN_POSITIVE_CLASS.format(value=positive_class, classes=shown))


def choose(estimator: Any, positive_class: Any = None) -> Choice:
    """Pick explainer kind, output scale and class for a fitted final estimator."""
    name = type(estimator).__name__
    if _several_outputs(estimator):
        raise ExplanationError(UNSUPPORTED_MODEL.format(detail=f"{name} has several outputs"))
    if not _is_classifier(estimator):
        if positive_class is not None:
            raise ExplanationError(POSITIVE_CLASS_FOR_REGRESSOR.format(value=positive_class))
        if not hasattr(estimator, "predict"):
            raise ExplanationError(UNSUPPORTED_MODEL.format(detail=f"{name} has no predict"))
        coef = getattr(estimator, "coef_", None)
        if coef is not None and getattr(coef, "ndim", 1) > 1 and coef.shape[0] > 1:
            raise ExplanationError(UNSUPPORTED_MODEL.format(detail=f"{name} has several outputs"))
        kind: Kind = (
            "tree" if _is_tree(estimator) else "linear" if _is_linear(estimator) else "agnostic"
        )
        return Choice(kind, "raw", False, None, None, 0, boosted=is_boosted(estimator))

    classes = list(getattr(estimator, "classes_", []))
    if len(classes) < 2 or any(isinstance(c, (list, tuple, np.ndarray)) for c in classes):
        raise ExplanationError(
            UNSUPPORTED_MODEL.format(detail=f"{name} is not a single-output classifier")
        )
    index = resolve_class(classes, positive_class)
    label = classes[index]
    if _is_linear(estimator) and hasattr(estimator, "decision_function"):
        return Choice("linear", "log_odds", True, index, label, len(classes))
    if not hasattr(estimator, "predict_proba"):
        raise ExplanationError(NO_PROBABILITIES.format(name=name))
    if is_boosted(estimator):
        scale: Scale = "probability" if len(classes) == 2 else "log_odds"
        return Choice("tree", scale, True, index, label, len(classes), boosted=True)
    kind = "tree" if _is_tree(estimator) else "agnostic"
    return Choice(kind, "probability", True, index, label, len(classes))
