"""The engine against exact interventional Shapley values by enumerating coalitions."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from math import factorial

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeRegressor

from explainers._treeshap import tree_shap
from explainers._treeshap._verify import shap_reference


def brute_force(
    margin: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    background: np.ndarray,
    *,
    logistic: bool = False,
) -> np.ndarray:
    """Interventional SHAP by enumeration over all 2^m coalitions, one reference at a time.

    For each reference ``z``: ``v_z(S) = margin(x_S, z_rest)`` and its Shapley values; the
    result is their mean, each scaled by ``(sigmoid(f(x)) - sigmoid(f(z))) / (f(x) - f(z))``
    when ``logistic`` (shap's per-reference probability rescaling; 1 when equal). For the
    identity this is the Shapley value of ``v(S) = mean_z f(x_S, z_rest)``.
    """
    m = x.shape[0]
    subsets = list(itertools.product([False, True], repeat=m))
    masks = np.array(subsets, dtype=bool)
    weights = {k: factorial(k) * factorial(m - k - 1) / factorial(m) for k in range(m)}
    phi = np.zeros(m)
    for z in background:
        hybrids = np.where(masks, x, z)
        values = dict(zip(subsets, margin(hybrids), strict=True))
        phi_z = np.zeros(m)
        for subset, value in values.items():
            size = sum(subset)
            for i in range(m):
                if not subset[i]:
                    with_i = (*subset[:i], True, *subset[i + 1 :])
                    phi_z[i] += weights[size] * (values[with_i] - value)
        scale = 1.0
        if logistic:
            fx = float(margin(x[None, :])[0])
            fz = float(margin(z[None, :])[0])
            if fx != fz:
                scale = (1 / (1 + np.exp(-fx)) - 1 / (1 + np.exp(-fz))) / (fx - fz)
        phi += scale * phi_z
    return phi / len(background)


MODEL_KINDS = ["tree", "forest", "extra", "forest-clf", "gb-clf", "hgb"]


def _fit(kind: str, X: np.ndarray, y: np.ndarray, depth: int | None, seed: int) -> object:
    if kind == "tree":
        return DecisionTreeRegressor(max_depth=depth, random_state=seed).fit(X, y)
    if kind == "forest":
        return RandomForestRegressor(n_estimators=4, max_depth=depth, random_state=seed).fit(X, y)
    if kind == "extra":
        return ExtraTreesRegressor(n_estimators=4, max_depth=depth, random_state=seed).fit(X, y)
    if kind == "forest-clf":
        labels = (y > np.median(y)).astype(int)
        return RandomForestClassifier(n_estimators=4, max_depth=depth, random_state=seed).fit(
            X, labels
        )
    if kind == "gb-clf":
        labels = (y > np.median(y)).astype(int)
        return GradientBoostingClassifier(
            n_estimators=5, max_depth=depth or 3, random_state=seed
        ).fit(X, labels)
    return HistGradientBoostingRegressor(max_iter=5, max_depth=depth, random_state=seed).fit(X, y)


def _margin_fn(kind: str, est: object) -> Callable[[np.ndarray], np.ndarray]:
    if kind == "forest-clf":
        return lambda Z: est.predict_proba(Z)[:, 1]  # type: ignore[attr-defined]
    if kind == "gb-clf":
        return lambda Z: est.decision_function(Z)  # type: ignore[attr-defined]
    return lambda Z: est.predict(Z)  # type: ignore[attr-defined]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_features=st.integers(2, 6),
    depth=st.one_of(st.none(), st.integers(1, 8)),
    kind=st.sampled_from(MODEL_KINDS),
    n_background=st.integers(1, 6),
    integer_data=st.booleans(),
)
def test_random_trees_equal_brute_force_and_shap(
    seed: int, n_features: int, depth: int | None, kind: str, n_background: int, integer_data: bool
) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    if integer_data:  # many ties: rows sit exactly on split values' neighbours
        X = rng.integers(0, 4, size=(n, n_features)).astype(float)
    else:
        X = rng.normal(size=(n, n_features))
    y = X @ rng.normal(size=n_features) + 3 * (X[:, 0] > 0) * X[:, -1] + rng.normal(size=n)
    est = _fit(kind, X, y, depth, seed)
    if integer_data:
        X_explain = rng.integers(0, 4, size=(3, n_features)).astype(float)
        background = rng.integers(0, 4, size=(n_background, n_features)).astype(float)
    else:
        X_explain = rng.normal(size=(3, n_features))
        background = rng.normal(size=(n_background, n_features))
    classifier = kind in ("forest-clf", "gb-clf")
    model_output = "probability" if classifier else "raw"

    exact = tree_shap(est, X_explain, background, model_output=model_output)
    assert exact.values is not None
    margin = _margin_fn(kind, est)
    for row, values in zip(X_explain, exact.values, strict=True):
        expected = brute_force(margin, row, background, logistic=kind == "gb-clf")
        np.testing.assert_allclose(values, expected, rtol=0, atol=1e-9)

    shap_mode = tree_shap(est, X_explain, background, model_output=model_output, precision="shap")
    theirs, base = shap_reference(est, X_explain, background, model_output=model_output)
    assert shap_mode.values is not None
    np.testing.assert_allclose(shap_mode.values, theirs, rtol=0, atol=1e-9)
    assert abs(shap_mode.base_value - base) <= 1e-9
