"""Per-family extraction of scikit-learn tree models into a :class:`TreeEnsemble`.

Every extractor mirrors how ``shap.TreeExplainer`` (0.51) reads the same model
(leaf values, scaling, base offset, input dtype) so that the numbers agree, and
routes rows like the model's own ``predict``. Anything shap cannot explain
correctly is refused with a reason (:class:`UnsupportedModelError`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._ensemble import TreeEnsemble, build_ensemble
from ._errors import UnsupportedModelError
from ._extract_gbm import extract_lightgbm, extract_xgboost
from ._family import boosted_column, check_class_index, family_of

RF_CLASSIFIERS = ("RandomForestClassifier", "ExtraTreesClassifier")
RF_REGRESSORS = ("RandomForestRegressor", "ExtraTreesRegressor")
SKLEARN_NAMES = (
    *RF_CLASSIFIERS,
    *RF_REGRESSORS,
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor",
)


def extract(estimator: Any, *, model_output: str, positive_class_index: int = 1) -> TreeEnsemble:
    """Convert a fitted estimator into a :class:`TreeEnsemble` on the requested scale.

    ``model_output`` is ``"probability"`` (classifiers: probability of class
    ``positive_class_index``) or ``"raw"`` (regressors' output, classifiers' margin
    for class ``positive_class_index``). A single-output binary boosted model's margin
    is the margin of ``classes_[1]``; for class 0 it is negated (and its logistic is
    the probability of class 0). Multiclass boosted models are explained on the
    margin of the chosen class only (their probability is a softmax over all margins).
    Raises :class:`UnsupportedModelError` naming the reason otherwise.
    """
    family = family_of(estimator)
    pkg, name = family.split(".", 1)
    if model_output not in ("probability", "raw"):
        raise UnsupportedModelError(
            f"model_output must be 'probability' or 'raw', not {model_output!r}"
        )
    if pkg == "xgboost":
        return extract_xgboost(
            estimator, model_output=model_output, positive_class_index=positive_class_index
        )
    if pkg == "lightgbm":
        return extract_lightgbm(
            estimator, model_output=model_output, positive_class_index=positive_class_index
        )
    if pkg != "sklearn" or name not in SKLEARN_NAMES:
        raise UnsupportedModelError(f"model type {family} is not a supported tree ensemble")
    if not hasattr(estimator, "n_features_in_"):
        raise UnsupportedModelError(f"{name} is not fitted")
    if model_output == "probability" and not name.endswith("Classifier"):
        raise UnsupportedModelError(f"model_output='probability' needs a classifier, got {name}")
    if name.endswith("Classifier"):
        check_class_index(name, positive_class_index, len(estimator.classes_))
    if name.startswith("HistGradientBoosting"):
        return _hist_gradient_boosting(estimator, model_output, positive_class_index)
    if name.startswith("GradientBoosting"):
        return _gradient_boosting(estimator, model_output, positive_class_index)
    return _forest(estimator, positive_class_index)


def _sk_tree(tree: Any, value: np.ndarray) -> dict[str, np.ndarray]:
    left = tree.children_left.astype(np.int32)
    default_left = np.ones(left.shape[0], dtype=np.uint8)
    if hasattr(tree, "missing_go_to_left"):
        default_left = np.asarray(tree.missing_go_to_left, dtype=np.uint8)
    return {
        "left": left,
        "right": tree.children_right.astype(np.int32),
        "feature": tree.feature.astype(np.int32),
        "threshold": tree.threshold.astype(np.float64),
        "default_left": default_left,
        "value": value,
    }


def _forest(est: Any, positive_class_index: int) -> TreeEnsemble:
    name = type(est).__name__
    estimators = [est] if name.startswith("DecisionTree") else list(est.estimators_)
    if getattr(est, "n_outputs_", 1) != 1:
        raise UnsupportedModelError(f"multi-output {name} (n_outputs_={est.n_outputs_})")
    classifier = name.endswith("Classifier")
    if classifier and not 0 <= positive_class_index < len(est.classes_):
        raise UnsupportedModelError(
            f"positive_class_index {positive_class_index} outside 0..{len(est.classes_) - 1}"
        )
    # shap: output is the average of trees, implemented as ``values * (1/T)``
    scaling = 1.0 if name.startswith("DecisionTree") else 1.0 / len(estimators)
    trees = []
    for e in estimators:
        tree = e.tree_
        values = tree.value.reshape(tree.value.shape[0], tree.value.shape[1] * tree.value.shape[2])
        if classifier:
            values = (values.T / values.sum(1)).T
        values = values * scaling
        column = positive_class_index if classifier else 0
        trees.append(_sk_tree(tree, np.ascontiguousarray(values[:, column], dtype=np.float64)))
    return build_ensemble(
        trees,
        family=family_of(est),
        base_offset=0.0,
        transform="identity",
        input_dtype=np.float32,
        n_features=est.n_features_in_,
    )


def _gradient_boosting(est: Any, model_output: str, index: int) -> TreeEnsemble:
    name = type(est).__name__
    classifier = name == "GradientBoostingClassifier"
    column, sign = boosted_column(name, model_output, est.estimators_.shape[1], classifier, index)
    init = est.init_
    init_name = type(init).__name__
    if classifier:
        if getattr(est, "loss", "log_loss") != "log_loss":
            raise UnsupportedModelError(
                f"GradientBoostingClassifier(loss={est.loss!r}): the logistic link does not apply"
            )
        if init_name != "DummyClassifier":
            raise UnsupportedModelError(
                f"GradientBoostingClassifier init={init!r} is not supported"
            )
        start = np.zeros((1, est.n_features_in_), dtype=np.float32)
        base = float(np.asarray(est._raw_predict_init(start), dtype=np.float64)[0, column])
        transform = "logistic" if model_output == "probability" else "identity"
    else:
        if init_name != "DummyRegressor":
            raise UnsupportedModelError(f"GradientBoostingRegressor init={init!r} is not supported")
        base = float(init.constant_.reshape(-1)[0])
        transform = "identity"
    trees = []
    for e in est.estimators_[:, column]:
        tree = e.tree_
        values = tree.value.reshape(tree.value.shape[0], -1) * est.learning_rate
        trees.append(_sk_tree(tree, np.ascontiguousarray(sign * values[:, 0], dtype=np.float64)))
    return build_ensemble(
        trees,
        family=family_of(est),
        base_offset=sign * base,
        transform=transform,
        input_dtype=np.float32,
        n_features=est.n_features_in_,
    )


def hgb_columns(est: Any) -> np.ndarray | None:
    """For HistGradientBoosting with native categorical features: the input column that
    each column of ``est._preprocessor.transform(X)`` comes from; None without one."""
    preprocessor = getattr(est, "_preprocessor", None)
    if preprocessor is None:
        return None
    # categorical features: ordinal-encoded and moved first ("encoder"), then the rest
    masks = {t[0]: np.asarray(t[2]) for t in preprocessor.transformers_}
    columns = np.r_[np.flatnonzero(masks["encoder"]), np.flatnonzero(masks["numerical"])]
    if columns.shape[0] != est.n_features_in_:
        raise UnsupportedModelError(f"{type(est).__name__}: unexpected internal column layout")
    return np.asarray(columns, dtype=np.int64)


def _hist_gradient_boosting(est: Any, model_output: str, index: int) -> TreeEnsemble:
    name = type(est).__name__
    preprocessor = getattr(est, "_preprocessor", None)
    columns = hgb_columns(est)
    classifier = name == "HistGradientBoostingClassifier"
    k = est.n_trees_per_iteration_
    column, sign = boosted_column(name, model_output, k, classifier, index)
    baseline = np.asarray(est._baseline_prediction, dtype=np.float64).reshape(-1)
    if baseline.shape[0] != k:
        raise UnsupportedModelError(f"{name}: unexpected baseline shape {baseline.shape}")
    transform = "identity"
    if name == "HistGradientBoostingClassifier" and model_output == "probability":
        transform = "logistic"
    known_bitsets, f_idx_map = (None, None)
    trees, cat_left_rows, cat_known_rows = [], [], []
    n_cat = 0
    for predictors in est._predictors:
        predictor = predictors[column]
        nodes = predictor.nodes
        is_leaf = nodes["is_leaf"].astype(bool)
        is_cat = nodes["is_categorical"].astype(bool) & ~is_leaf
        cat_row = np.full(nodes.shape[0], -1, dtype=np.int32)
        if is_cat.any():
            if known_bitsets is None:
                known_bitsets, f_idx_map = est._bin_mapper.make_known_categories_bitsets()
            for node in np.flatnonzero(is_cat):
                cat_row[node] = n_cat
                n_cat += 1
                cat_left_rows.append(predictor.raw_left_cat_bitsets[nodes["bitset_idx"][node]])
                feature = nodes["feature_idx"][node]
                assert known_bitsets is not None and f_idx_map is not None
                cat_known_rows.append(known_bitsets[f_idx_map[feature]])
        trees.append(
            {
                "left": np.where(is_leaf, -1, nodes["left"].astype(np.int64)),
                "right": np.where(is_leaf, -1, nodes["right"].astype(np.int64)),
                "feature": np.where(is_leaf, -2, nodes["feature_idx"]),
                "threshold": nodes["num_threshold"].astype(np.float64),
                "default_left": nodes["missing_go_to_left"].astype(np.uint8),
                "value": sign * nodes["value"].astype(np.float64),
                "cat_row": cat_row,
            }
        )
    stack = np.stack if cat_left_rows else (lambda rows: np.zeros((0, 8), dtype=np.uint32))
    return build_ensemble(
        trees,
        family=family_of(est),
        base_offset=sign * float(baseline[column]),
        transform=transform,
        input_dtype=np.float64,
        n_features=est.n_features_in_,
        cat_left=stack(cat_left_rows),
        cat_known=stack(cat_known_rows),
        preprocessor=preprocessor,
        columns=columns,
    )
