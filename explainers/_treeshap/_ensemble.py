"""The common array form every supported tree family is converted into.

All trees of one model are concatenated into flat node arrays; ``roots[t]`` is
the index of tree ``t``'s root and child indices are absolute.  Leaf values are
already scaled (1/T for forests, the learning rate for sklearn gradient
boosting), so the model margin is ``base_offset + sum(leaf values)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

# Missing-value handling per node (``missing_mode``):
MISSING_DEFAULT = 0  # NaN goes to the default child (sklearn, HGB, xgboost, lightgbm "NaN")
MISSING_AS_ZERO = 1  # NaN is replaced by 0.0 before comparing (lightgbm missing_type "None")
MISSING_ZERO_OR_NAN = 2  # 0.0 and NaN both go to the default child (lightgbm "Zero")

TRANSFORMS = ("identity", "logistic")


@dataclass(frozen=True)
class TreeEnsemble:
    """Flat arrays describing a fitted additive tree ensemble with one output.

    Guarantees: ``left[i] < 0`` exactly for leaves; for internal nodes
    ``left``/``right`` are absolute node indices; ``predict_margin`` routes every
    row exactly as the original model's own prediction code does.
    """

    family: str
    left: npt.NDArray[np.int32]
    right: npt.NDArray[np.int32]
    feature: npt.NDArray[np.int32]
    threshold: npt.NDArray[np.float64]
    default_left: npt.NDArray[np.uint8]
    missing_mode: npt.NDArray[np.uint8]
    cat_row: npt.NDArray[np.int32]  # -1 numeric split, else row of ``cat_left``
    cat_left: npt.NDArray[np.uint32]  # (n_cat_splits, 8) bitsets: category goes left
    cat_known: npt.NDArray[np.uint32]  # (n_cat_splits, 8) bitsets: category known
    value: npt.NDArray[np.float64]
    roots: npt.NDArray[np.int32]
    base_offset: float
    transform: str
    input_dtype: type[np.floating]
    n_features: int
    max_depth: int
    shap_input_dtype: type[np.floating]  # the dtype shap casts X to (differs for XGBRegressor)
    # HGB with categorical features encodes and reorders columns before its trees:
    # ``preprocessor.transform(X)[:, k]`` is a function of original column ``columns[k]``.
    preprocessor: Any = None
    columns: npt.NDArray[np.int64] | None = None

    @property
    def n_trees(self) -> int:
        return int(self.roots.shape[0])

    @property
    def has_categorical(self) -> bool:
        return self.preprocessor is not None or bool((self.cat_row >= 0).any())


def build_ensemble(
    trees: list[dict[str, np.ndarray]],
    *,
    family: str,
    base_offset: float,
    transform: str,
    input_dtype: type[np.floating],
    n_features: int,
    cat_left: np.ndarray | None = None,
    cat_known: np.ndarray | None = None,
    shap_input_dtype: type[np.floating] | None = None,
    preprocessor: Any = None,
    columns: np.ndarray | None = None,
) -> TreeEnsemble:
    """Concatenate per-tree arrays (local child indices, -1 for leaves).

    Each tree dict holds ``left, right, feature, threshold, default_left, value``
    and optionally ``missing_mode`` and ``cat_row``.
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"unknown transform {transform!r}")
    lefts, rights, roots = [], [], []
    offset = 0
    max_depth = 0
    for tree in trees:
        left = np.asarray(tree["left"], dtype=np.int64)
        right = np.asarray(tree["right"], dtype=np.int64)
        n = left.shape[0]
        leaf = left < 0
        lefts.append(np.where(leaf, -1, left + offset))
        rights.append(np.where(leaf, -1, right + offset))
        roots.append(offset)
        max_depth = max(max_depth, _depth(left, right))
        offset += n

    def cat(key: str, dtype: type, fill: int = 0) -> np.ndarray:
        parts: list[np.ndarray] = [
            np.asarray(t[key], dtype=dtype)
            if key in t
            else np.full(len(t["left"]), fill, dtype=dtype)
            for t in trees
        ]
        return np.ascontiguousarray(np.concatenate(parts))

    empty = np.zeros((0, 8), dtype=np.uint32)
    return TreeEnsemble(
        family=family,
        left=np.concatenate(lefts).astype(np.int32),
        right=np.concatenate(rights).astype(np.int32),
        feature=cat("feature", np.int32),
        threshold=cat("threshold", np.float64),
        default_left=cat("default_left", np.uint8),
        missing_mode=cat("missing_mode", np.uint8, MISSING_DEFAULT),
        cat_row=cat("cat_row", np.int32, -1),
        cat_left=np.ascontiguousarray(empty if cat_left is None else cat_left, dtype=np.uint32),
        cat_known=np.ascontiguousarray(empty if cat_known is None else cat_known, dtype=np.uint32),
        value=cat("value", np.float64),
        roots=np.asarray(roots, dtype=np.int32),
        base_offset=float(base_offset),
        transform=transform,
        input_dtype=input_dtype,
        n_features=int(n_features),
        max_depth=int(max_depth),
        shap_input_dtype=input_dtype if shap_input_dtype is None else shap_input_dtype,
        preprocessor=preprocessor,
        columns=None if columns is None else np.asarray(columns, dtype=np.int64),
    )


def _depth(left: np.ndarray, right: np.ndarray) -> int:
    """Number of split nodes on the longest root-to-leaf path."""
    depth = np.zeros(left.shape[0], dtype=np.int64)
    best = 0
    stack = [0]
    while stack:
        node = stack.pop()
        if left[node] >= 0:
            for child in (left[node], right[node]):
                depth[child] = depth[node] + 1
                stack.append(int(child))
        else:
            best = max(best, int(depth[node]))
    return best


def in_input_order(ensemble: TreeEnsemble) -> TreeEnsemble:
    """The same trees reading already-encoded rows in the model's input column order.

    For HistGradientBoosting with native categorical features the trees read
    ``preprocessor.transform(X)`` (categories as ordinal codes, categorical columns
    first). The returned ensemble instead reads a row whose column ``columns[k]``
    holds encoded column ``k`` (see :func:`encode_in_input_order`), so its values
    come out per input column and no preprocessor runs inside the engine.
    """
    if ensemble.columns is None:
        return ensemble
    split = ensemble.left >= 0
    feature = ensemble.feature.copy()
    feature[split] = ensemble.columns[feature[split]].astype(np.int32)
    return replace(ensemble, feature=feature, preprocessor=None, columns=None)


def encode_in_input_order(preprocessor: Any, columns: np.ndarray, data: Any) -> np.ndarray:
    """``preprocessor.transform(data)`` with encoded column ``k`` put back at ``columns[k]``."""
    encoded = np.asarray(preprocessor.transform(data), dtype=np.float64)
    out = np.empty_like(encoded)
    out[:, columns] = encoded
    return out
