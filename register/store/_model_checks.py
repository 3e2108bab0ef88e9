"""Bounds checks on loaded tree structures, before anything predicts with them.

scikit-learn's compiled trees (``sklearn.tree._tree.Tree``),
HistGradientBoosting's ``TreePredictor`` and k-NN's ``KDTree``/``BallTree`` hold
raw node, row and feature indices that
prediction follows without bounds checks (skops documents this as the reason it
does not trust them by default). A crafted file could set them out of range and
make prediction read outside its arrays. :func:`check_structure` walks a loaded
model and refuses any tree whose children do not point strictly forward inside
the tree (which also rules out cycles), or whose features or categorical bitsets
lie outside what the estimator that feeds it can index.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from register._errors import InsynError

BAD_TREE_MESSAGE = "a stored tree is malformed ({problem})"
MAX_DEPTH = 60
INHERITS_WIDTH = ("tree_", "estimators_", "_predictors", "_tree")
"""Attributes whose trees see exactly the columns their estimator was given."""


def _forward(children: np.ndarray, inner: np.ndarray, count: int) -> bool:
    nodes = np.flatnonzero(inner)
    target = children[inner].astype(np.int64)
    return bool(np.all(target > nodes) and np.all(target < count))


def _check_tree(tree: Any, width: int | None) -> None:
    count, capacity = int(tree.node_count), int(tree.capacity)
    if not 0 < count <= capacity:
        raise InsynError(BAD_TREE_MESSAGE.format(problem=f"{count} nodes in room for {capacity}"))
    left, right = np.asarray(tree.children_left), np.asarray(tree.children_right)
    leaf = left == -1
    if np.any(leaf != (right == -1)):
        raise InsynError(BAD_TREE_MESSAGE.format(problem="a node with one child"))
    inner = ~leaf
    if not (_forward(left, inner, count) and _forward(right, inner, count)):
        raise InsynError(BAD_TREE_MESSAGE.format(problem="a child index out of range"))
    limit = int(tree.n_features) if width is None else min(int(tree.n_features), width)
    features = np.asarray(tree.feature)[inner]
    if np.any(features < 0) or np.any(features >= limit):
        raise InsynError(BAD_TREE_MESSAGE.format(problem="a feature index out of range"))


def _check_predictor(predictor: Any, width: int | None, categorical: np.ndarray | None) -> None:
    nodes = predictor.nodes
    count = len(nodes)
    if count == 0:
        raise InsynError(BAD_TREE_MESSAGE.format(problem="an empty tree"))
    inner = nodes["is_leaf"] == 0
    if not (_forward(nodes["left"], inner, count) and _forward(nodes["right"], inner, count)):
        raise InsynError(BAD_TREE_MESSAGE.format(problem="a child index out of range"))
    features = nodes["feature_idx"][inner].astype(np.int64)
    if width is None or np.any(features < 0) or np.any(features >= width):
        raise InsynError(BAD_TREE_MESSAGE.format(problem="a feature index out of range"))
    split_on_category = inner & (nodes["is_categorical"] != 0)
    if np.any(split_on_category):
        bitsets = min(len(predictor.raw_left_cat_bitsets), len(predictor.binned_left_cat_bitsets))
        used = nodes["bitset_idx"][split_on_category].astype(np.int64)
        category_features = nodes["feature_idx"][split_on_category].astype(np.int64)
        if np.any(used >= bitsets):
            raise InsynError(BAD_TREE_MESSAGE.format(problem="a category set out of range"))
        if categorical is None or not np.all(categorical[category_features]):
            raise InsynError(
                BAD_TREE_MESSAGE.format(problem="a category split on a numeric feature")
            )


def _check_neighbours(tree: Any, width: int | None) -> None:
    """A k-NN ``KDTree``/``BallTree``: every index the search follows stays inside."""
    state = tuple(tree.__getstate__())  # the stored arrays as they are; nothing is indexed
    data: np.ndarray = np.asarray(state[0])
    order: np.ndarray = np.asarray(state[1])
    nodes: np.ndarray = np.asarray(state[2])
    bounds: np.ndarray = np.asarray(state[3])
    n_nodes, weights = state[6], state[12]
    if data.ndim != 2 or (width is not None and data.shape[1] != width):
        raise InsynError(BAD_TREE_MESSAGE.format(problem="neighbour data of the wrong width"))
    rows = data.shape[0]
    if order.shape != (rows,) or np.any(order < 0) or np.any(order >= rows):
        raise InsynError(BAD_TREE_MESSAGE.format(problem="a neighbour index out of range"))
    count = len(nodes)
    starts, ends = nodes["idx_start"], nodes["idx_end"]
    inner = np.flatnonzero(nodes["is_leaf"] == 0)
    if (
        count == 0
        or int(n_nodes) != count
        or np.any(starts < 0)
        or np.any(ends < starts)
        or np.any(ends > rows)
        or np.any(2 * inner + 2 >= count)
    ):
        raise InsynError(BAD_TREE_MESSAGE.format(problem="a neighbour node out of range"))
    if (
        bounds.ndim != 3
        or bounds.shape[0] not in (1, 2)
        or bounds.shape[1:]
        != (
            count,
            data.shape[1],
        )
    ):
        raise InsynError(BAD_TREE_MESSAGE.format(problem="neighbour bounds of the wrong shape"))
    if weights is not None and np.shape(weights) != (rows,):
        raise InsynError(BAD_TREE_MESSAGE.format(problem="sample weights of the wrong length"))


def _width(obj: Any) -> int | None:
    value = vars(obj).get("n_features_in_")
    return int(value) if isinstance(value, (int, np.integer)) else None


def _hist_gradient_boosting(obj: Any, width: int | None) -> None:
    mapper = vars(obj).get("_bin_mapper")
    categorical = getattr(mapper, "is_categorical_", None)
    if categorical is not None:
        categorical = np.asarray(categorical, dtype=bool)
        if width is None or categorical.shape != (width,):
            raise InsynError(BAD_TREE_MESSAGE.format(problem="categorical flags of wrong length"))
    for iteration in vars(obj)["_predictors"]:
        for predictor in iteration:
            _check_predictor(predictor, width, categorical)


def check_structure(model: Any) -> None:
    """Raise :class:`InsynError` when any tree in ``model`` has an index out of range.

    Guarantees for every ``Tree`` and ``TreePredictor`` reachable through
    scikit-learn objects, lists, tuples, dicts and object arrays: children point
    strictly forward inside the tree, features are below the width of the data the
    tree is given (its estimator's ``n_features_in_``, and for trees inside an
    ensemble also the ensemble's), categorical splits use existing bitsets.
    """
    from sklearn.neighbors import BallTree, KDTree  # noqa: PLC0415 - lazy: scikit-learn takes seconds
    from sklearn.tree._tree import Tree  # noqa: PLC0415 - lazy: scikit-learn takes seconds

    seen: set[int] = set()

    def walk(obj: Any, width: int | None, depth: int) -> None:
        if id(obj) in seen or depth > MAX_DEPTH:
            return
        seen.add(id(obj))
        if isinstance(obj, Tree):
            _check_tree(obj, width)
            return
        if isinstance(obj, (KDTree, BallTree)):
            _check_neighbours(obj, width)
            return
        if isinstance(obj, dict):
            children: Any = obj.values()
        elif isinstance(obj, (list, tuple)):
            children = obj
        elif isinstance(obj, np.ndarray):
            children = obj.ravel() if obj.dtype == object else ()
        elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("sklearn"):
            own = _width(obj)
            if own is not None:
                width = own if width is None else min(own, width)
            if "_predictors" in vars(obj):
                _hist_gradient_boosting(obj, width)
            for name, child in vars(obj).items():
                # Sub-estimators of an ensemble see the ensemble's columns; anything
                # else (a pipeline's steps, a column transformer's parts) sees its own.
                inherited = width if name in INHERITS_WIDTH else None
                walk(child, inherited, depth + 1)
            return
        else:
            return
        for child in children:
            walk(child, width, depth + 1)

    walk(model, None, 0)
