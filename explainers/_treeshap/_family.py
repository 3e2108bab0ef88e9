"""What kind of tree model an estimator is, and which of its outputs is explained.

Shared by the scikit-learn extractors (:mod:`._extract`) and the xgboost/lightgbm
ones (:mod:`._extract_gbm`).
"""

from __future__ import annotations

from typing import Any

from ._errors import UnsupportedModelError


def family_of(estimator: Any) -> str:
    """``module.ClassName`` of an estimator's exact type (subclasses are not trusted)."""
    cls = type(estimator)
    return f"{cls.__module__.split('.')[0]}.{cls.__name__}"


def is_classifier_family(estimator: Any) -> bool:
    """True when the estimator's class name ends in ``Classifier`` (its default scale is a
    probability)."""
    name = type(estimator).__name__
    return name.endswith("Classifier")


def check_class_index(name: str, index: int, n_classes: int) -> None:
    """Refuse a class index outside ``0..n_classes-1``."""
    if not 0 <= index < n_classes:
        raise UnsupportedModelError(
            f"{name}: positive_class_index {index} outside 0..{n_classes - 1}"
        )


def boosted_column(
    name: str, model_output: str, n_outputs: int, classifier: bool, index: int
) -> tuple[int, float]:
    """(output column, sign) of the explained margin of a boosted model.

    One output (regressor or binary classifier): column 0, sign -1 for class 0 of a
    binary classifier (its margin is the negated margin of class 1). Several outputs
    (multiclass): column ``index``, margin only.
    """
    if n_outputs == 1:
        return 0, (-1.0 if classifier and index == 0 else 1.0)
    if model_output == "probability":
        raise UnsupportedModelError(
            f"{name} with {n_outputs} classes: the probability is a softmax over every "
            "class's margin, so only the chosen class's margin is explained exactly"
        )
    return index, 1.0
