"""Which models the register takes: :func:`check_supported`, run before anything else.

Supported are fitted classifiers and regressors with one output: scikit-learn
estimators and pipelines of any family (tree ensembles and linear models are
explained exactly by their structure, the rest model-agnostically), and
XGBoost / LightGBM through their scikit-learn classes, alone or as the last step
of a Pipeline (:data:`register.store._boosters.BOOSTER_CLASSES`).

scikit-learn is imported only when a model is checked: it takes seconds to import,
and ``import register`` (the portal, the CLI) must not pay for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from register._errors import InsynError
from register.store import _boosters

SUPPORTED = (
    "fitted scikit-learn classifiers and regressors with one output, alone or as the last "
    "step of a Pipeline (RandomForest, ExtraTrees, DecisionTree, GradientBoosting, "
    "HistGradientBoosting, linear models, MLP, SVC with probabilities, k-NN, ...), and "
    "XGBClassifier, XGBRegressor, XGBRFClassifier, XGBRFRegressor, LGBMClassifier, "
    "LGBMRegressor"
)
UNSUPPORTED_MESSAGE = "The model type {kind} cannot be registered: {why}. Supported: {supported}."
WHY_NO_PREDICT = "it has no predict method"
WHY_NOT_A_TASK = "it is neither a classifier nor a regressor"
WHY_MULTI_OUTPUT = "it predicts several outputs at once"
WHY_BOOSTER_CLASS = "only the scikit-learn classes of XGBoost and LightGBM are supported"


def _final(model: Any) -> Any:
    from sklearn.pipeline import Pipeline  # noqa: PLC0415  (lazy: see module docstring)

    while isinstance(model, Pipeline) and model.steps:
        model = model.steps[-1][1]
    return model


def _refuse(model: Any, why: str) -> InsynError:
    return InsynError(
        UNSUPPORTED_MESSAGE.format(kind=type(model).__name__, why=why, supported=SUPPORTED)
    )


def _is_classifier(estimator: Any) -> bool:
    from sklearn.base import is_classifier  # noqa: PLC0415  (lazy: as above)

    try:
        return bool(is_classifier(estimator)) or hasattr(estimator, "classes_")
    except Exception:  # a third-party object without scikit-learn tags
        return hasattr(estimator, "classes_")


def _is_regressor(estimator: Any) -> bool:
    from sklearn.base import is_regressor  # noqa: PLC0415  (lazy: as above)

    try:
        return bool(is_regressor(estimator))
    except Exception:  # a third-party object without scikit-learn tags
        return False


def _outputs(estimator: Any) -> int:
    classes = getattr(estimator, "classes_", None)
    if isinstance(classes, list):
        return len(classes)
    outputs = getattr(estimator, "n_outputs_", 1)
    coef = getattr(estimator, "coef_", None)
    if _is_regressor(estimator) and isinstance(coef, np.ndarray) and coef.ndim == 2:
        outputs = max(int(outputs), coef.shape[0])
    return int(outputs) if isinstance(outputs, (int, np.integer)) else 1


def check_supported(model: Any) -> None:
    """Raise :class:`InsynError` naming the model type, the reason and what is
    supported when ``model`` is not a single-output classifier or regressor the
    register can store and explain. Runs before anything is read or written."""
    final = _final(model)
    if _boosters.is_booster_library_object(final) and (
        _boosters.qualified_name(final) not in _boosters.BOOSTER_CLASSES
    ):
        raise _refuse(final, WHY_BOOSTER_CLASS)
    if not callable(getattr(model, "predict", None)):
        raise _refuse(model, WHY_NO_PREDICT)
    if not (_is_classifier(final) or _is_regressor(final)):
        raise _refuse(final, WHY_NOT_A_TASK)
    if _outputs(final) > 1:
        raise _refuse(final, WHY_MULTI_OUTPUT)
