"""Extraction of xgboost and lightgbm models from their JSON dumps.

Routing follows each library's own prediction code: xgboost compares float32
inputs with ``x < split_condition`` (stored as ``x <= nextafter(t, -inf)``, as
shap does) and sends NaN to the default child; lightgbm compares doubles with
``x <= threshold`` and handles NaN per node ``missing_type`` ("None": NaN is
read as 0.0, "Zero": 0 and NaN take the default child, "NaN": NaN takes it).
"""

from __future__ import annotations

import ast
import json
import math
from typing import Any

import numpy as np
import scipy.special

from ._ensemble import (
    MISSING_AS_ZERO,
    MISSING_DEFAULT,
    MISSING_ZERO_OR_NAN,
    TreeEnsemble,
    build_ensemble,
)
from ._errors import UnsupportedModelError
from ._family import boosted_column, check_class_index, family_of

XGB_NAMES = ("XGBClassifier", "XGBRegressor", "XGBRFClassifier", "XGBRFRegressor")
XGB_RAW_OBJECTIVES = {
    "reg:squarederror",
    "reg:linear",
    "reg:absoluteerror",
    "reg:pseudohubererror",
    "reg:quantileerror",
    "binary:logitraw",
}
XGB_LOG_OBJECTIVES = {"reg:gamma", "reg:tweedie", "count:poisson"}
XGB_LOGISTIC_OBJECTIVES = {"binary:logistic", "reg:logistic"}
XGB_SOFTMAX_OBJECTIVES = {"multi:softprob", "multi:softmax"}
LGB_RAW_OBJECTIVES = {
    "regression",
    "regression_l2",
    "regression_l1",
    "huber",
    "fair",
    "quantile",
    "mape",
    "poisson",
    "gamma",
    "tweedie",
}
LGB_CLASS_OBJECTIVES = {"binary", "multiclass", "multiclassova"}
LGB_MISSING = {"None": MISSING_AS_ZERO, "Zero": MISSING_ZERO_OR_NAN, "NaN": MISSING_DEFAULT}


def _classes(est: Any, name: str, index: int) -> bool:
    classifier = name.endswith("Classifier")
    if classifier:
        check_class_index(name, index, len(est.classes_))
    return classifier


def extract_xgboost(est: Any, *, model_output: str, positive_class_index: int = 1) -> TreeEnsemble:
    family = family_of(est)
    name = type(est).__name__
    if name not in XGB_NAMES:
        raise UnsupportedModelError(f"model type {family} is not a supported tree ensemble")
    if model_output == "probability" and not name.endswith("Classifier"):
        raise UnsupportedModelError("model_output='probability' needs XGBClassifier")
    missing = getattr(est, "missing", np.nan)
    if missing is not None and not (isinstance(missing, float) and math.isnan(missing)):
        raise UnsupportedModelError(
            f"xgboost missing={missing!r} (only NaN as missing is supported)"
        )
    booster = est.get_booster()
    learner = json.loads(booster.save_raw(raw_format="json"))["learner"]
    params = learner["learner_model_param"]
    if max(int(params["num_target"]), 1) > 1:
        raise UnsupportedModelError("multi-target xgboost models")
    n_out = max(int(params["num_class"]), 1)
    classifier = _classes(est, name, positive_class_index)
    column, sign = boosted_column(name, model_output, n_out, classifier, positive_class_index)
    gb = learner["gradient_booster"]
    if gb.get("name") != "gbtree":
        raise UnsupportedModelError(f"xgboost booster {gb.get('name')!r} (only gbtree)")
    model = gb["model"]
    indptr = np.asarray(model.get("iteration_indptr", []), dtype=np.int64)
    per_round = np.diff(indptr) if indptr.size > 1 else np.array([n_out])
    if np.any(per_round % n_out != 0):
        raise UnsupportedModelError("xgboost: rounds that do not hold a tree per class")
    objective = learner["objective"]["name"]
    base_score = ast.literal_eval(params["base_score"])
    if isinstance(base_score, (list, tuple)):
        base_score = base_score[column] if len(base_score) == n_out else base_score[0]
    base = float(base_score)
    if n_out > 1:
        if objective not in XGB_SOFTMAX_OBJECTIVES:
            raise UnsupportedModelError(f"xgboost objective {objective!r} with {n_out} outputs")
    elif objective in XGB_LOGISTIC_OBJECTIVES:
        base = float(scipy.special.logit(base))
    elif objective in XGB_LOG_OBJECTIVES:
        base = float(np.log(base))
    elif objective not in XGB_RAW_OBJECTIVES:
        raise UnsupportedModelError(f"xgboost objective {objective!r}")
    transform = "identity"
    if model_output == "probability":
        if objective != "binary:logistic":
            raise UnsupportedModelError(f"probability output for xgboost objective {objective!r}")
        transform = "logistic"
    n_rounds = booster.num_boosted_rounds()
    best = getattr(booster, "best_iteration", n_rounds - 1)
    tree_class = np.asarray(model.get("tree_info", [0] * len(model["trees"])), dtype=np.int64)
    # every tree of the rounds predict uses (several per class with num_parallel_tree)
    last = int(indptr[best + 1]) if indptr.size > best + 1 else (best + 1) * n_out
    kept = np.flatnonzero(tree_class[:last] == column)
    trees = []
    cat_left: list[np.ndarray] = []
    cat_known: list[np.ndarray] = []
    for tree in (model["trees"][int(t)] for t in kept):
        left = np.asarray(tree["left_children"], dtype=np.int64)
        cond = np.asarray(tree["split_conditions"], dtype=np.float32)
        is_leaf = left == -1
        thresholds = np.nextafter(cond, np.float32(-np.inf)).astype(np.float64)
        trees.append(
            {
                "left": left,
                "right": np.asarray(tree["right_children"], dtype=np.int64),
                "feature": np.asarray(tree["split_indices"], dtype=np.int64),
                "threshold": np.where(is_leaf, 0.0, thresholds),
                "default_left": np.asarray(tree["default_left"], dtype=np.uint8),
                "value": np.where(is_leaf, sign * cond.astype(np.float64), 0.0),
                "cat_row": _xgb_categorical(tree, cat_left, cat_known),
            }
        )
    return build_ensemble(
        trees,
        family=family,
        base_offset=sign * base,
        transform=transform,
        input_dtype=np.float32,
        n_features=int(params["num_feature"]),
        shap_input_dtype=np.float32 if name.endswith("Classifier") else np.float64,
        cat_left=np.stack(cat_left) if cat_left else None,
        cat_known=np.stack(cat_known) if cat_known else None,
    )


def _xgb_categorical(
    tree: dict[str, Any], cat_left: list[np.ndarray], cat_known: list[np.ndarray]
) -> np.ndarray:
    """``cat_row`` of one xgboost tree, appending its categorical splits' bitsets.

    xgboost (``common::Decision``): a category in the node's set goes right, any other
    category (and an invalid one) left, a missing value to the default child. So the
    engine's left set is the complement of the node's set and its known set the set.
    """
    split_type = np.asarray(tree.get("split_type", []), dtype=np.int64)
    rows = np.full(split_type.shape[0], -1, dtype=np.int32)
    nodes = tree.get("categories_nodes", [])
    if not nodes:
        return rows
    categories = np.asarray(tree["categories"], dtype=np.int64)
    for node, start, size in zip(
        nodes, tree["categories_segments"], tree["categories_sizes"], strict=True
    ):
        chosen = categories[int(start) : int(start) + int(size)]
        if chosen.size and (chosen.min() < 0 or chosen.max() >= 256):
            raise UnsupportedModelError("xgboost categorical split beyond category 255")
        right = np.zeros(256, dtype=bool)
        right[chosen] = True
        rows[int(node)] = len(cat_left)
        cat_left.append(_bits(~right))
        cat_known.append(_bits(right))
    return rows


def _bits(mask: np.ndarray) -> np.ndarray:
    """256 booleans as eight little-endian uint32 words."""
    return np.packbits(mask.astype(np.uint8), bitorder="little").view("<u4").astype(np.uint32)


def extract_lightgbm(est: Any, *, model_output: str, positive_class_index: int = 1) -> TreeEnsemble:
    family = family_of(est)
    name = type(est).__name__
    if name not in ("LGBMClassifier", "LGBMRegressor"):
        raise UnsupportedModelError(f"model type {family} is not a supported tree ensemble")
    if model_output == "probability" and name != "LGBMClassifier":
        raise UnsupportedModelError("model_output='probability' needs LGBMClassifier")
    dump = est.booster_.dump_model()
    n_out = int(dump.get("num_tree_per_iteration", 1))
    if n_out != max(int(dump.get("num_class", 1)), 1):
        raise UnsupportedModelError("lightgbm with trees per iteration != classes")
    classifier = _classes(est, name, positive_class_index)
    column, sign = boosted_column(name, model_output, n_out, classifier, positive_class_index)
    if dump.get("average_output"):
        raise UnsupportedModelError(
            "lightgbm random-forest mode (averaged output) is not supported by shap"
        )
    objective = str(dump.get("objective", "regression")).split()
    obj_name = objective[0] if objective else "regression"
    transform = "identity"
    if model_output == "probability":
        if obj_name != "binary" or "sigmoid:1" not in objective:
            raise UnsupportedModelError(
                f"probability output for lightgbm objective {' '.join(objective)!r}"
            )
        transform = "logistic"
    elif obj_name not in LGB_RAW_OBJECTIVES and obj_name not in LGB_CLASS_OBJECTIVES:
        raise UnsupportedModelError(f"lightgbm objective {obj_name!r}")
    cat_left: list[np.ndarray] = []
    trees = [
        _lgb_tree(info["tree_structure"], sign, cat_left)
        for i, info in enumerate(dump["tree_info"])
        if i % n_out == column
    ]
    stacked = np.stack(cat_left) if cat_left else None
    return build_ensemble(
        trees,
        family=family,
        base_offset=0.0,
        transform=transform,
        input_dtype=np.float64,
        n_features=int(dump["max_feature_idx"]) + 1,
        cat_left=stacked,
        cat_known=None if stacked is None else np.zeros_like(stacked),
    )


def _lgb_bitset(threshold: str) -> np.ndarray:
    """Eight uint32 words with the bits of the categories listed as ``"1||4||7"``."""
    bits = np.zeros(8, dtype=np.uint32)
    for text in threshold.split("||"):
        category = int(text)
        if not 0 <= category < 256:
            raise UnsupportedModelError(
                f"lightgbm categorical split on category {category} (the engine reads 0..255)"
            )
        bits[category >> 5] |= np.uint32(1) << np.uint32(category & 31)
    return bits


def _lgb_tree(
    root: dict[str, Any], sign: float = 1.0, cat_left: list[np.ndarray] | None = None
) -> dict[str, np.ndarray]:
    """One lightgbm tree; categorical splits append their left-category bitset to
    ``cat_left`` (shared by all trees of the model, so rows are global)."""
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "left",
            "right",
            "feature",
            "threshold",
            "default_left",
            "value",
            "missing_mode",
            "cat_row",
        )
    }

    def add(node: dict[str, Any]) -> int:
        idx = len(cols["left"])
        for key in cols:
            cols[key].append(0)
        cols["cat_row"][idx] = -1
        if "split_index" not in node:
            if "leaf_coeff" in node:
                raise UnsupportedModelError("lightgbm linear trees are not supported by shap")
            cols["left"][idx] = -1
            cols["right"][idx] = -1
            cols["value"][idx] = sign * float(node["leaf_value"])
            return idx
        cols["feature"][idx] = int(node["split_feature"])
        decision = node.get("decision_type", "<=")
        if decision == "==" and cat_left is not None:
            # lightgbm CategoricalDecision: category (int) in the bitset -> left; anything
            # else, negative values and NaN -> right (the default child, no known set)
            cols["cat_row"][idx] = len(cat_left)
            cat_left.append(_lgb_bitset(str(node["threshold"])))
            cols["default_left"][idx] = 0
            cols["missing_mode"][idx] = MISSING_DEFAULT
        elif decision == "<=":
            cols["threshold"][idx] = float(node["threshold"])
            cols["default_left"][idx] = int(bool(node["default_left"]))
            cols["missing_mode"][idx] = LGB_MISSING[node.get("missing_type", "NaN")]
        else:
            raise UnsupportedModelError(f"lightgbm split decision {decision!r}")
        cols["left"][idx] = add(node["left_child"])
        cols["right"][idx] = add(node["right_child"])
        return idx

    add(root)
    return {k: np.asarray(v) for k, v in cols.items()}
