"""insyn tree engine against shap.TreeExplainer on every supported family."""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from explainers._treeshap import (
    ShapMismatchError,
    UnsupportedModelError,
    prepare,
    supports,
    tree_shap,
    verify_against_shap,
)
from explainers._treeshap._errors import MSG_CATEGORICAL_BEYOND_SHAP
from explainers._treeshap._verify import shap_reference

N_FEATURES = 6


def _data(nan: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training data plus fresh rows to explain and a fresh background (shap's float32
    thresholds misroute rows that sit exactly on a split value, e.g. HGB's bin edges)."""
    X, y = make_classification(
        n_samples=600, n_features=N_FEATURES, n_informative=4, random_state=3
    )
    rng = np.random.default_rng(7)
    X_explain = rng.normal(size=(25, N_FEATURES)) * 1.5
    background = rng.normal(size=(40, N_FEATURES)) * 1.5
    if nan:
        X[rng.random(X.shape) < 0.08] = np.nan
        X_explain[rng.random(X_explain.shape) < 0.15] = np.nan
        background[rng.random(background.shape) < 0.15] = np.nan
    return X, y, X_explain, background


@functools.cache
def _sklearn_models(nan: bool) -> list[tuple[str, object, str]]:
    X, y, _, _ = _data(nan)
    yr = y * 40.0 + np.nan_to_num(X[:, 0]) * 7.0
    models: list[tuple[str, object, str]] = [
        ("rf-clf", RandomForestClassifier(n_estimators=8, random_state=0).fit(X, y), "probability"),
        ("rf-reg", RandomForestRegressor(n_estimators=8, random_state=0).fit(X, yr), "raw"),
        (
            "hgb-clf",
            HistGradientBoostingClassifier(max_iter=15, random_state=0).fit(X, y),
            "probability",
        ),
        ("hgb-reg", HistGradientBoostingRegressor(max_iter=15, random_state=0).fit(X, yr), "raw"),
        ("dt-clf", DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y), "probability"),
        ("dt-reg", DecisionTreeRegressor(random_state=0).fit(X, yr), "raw"),
    ]
    if not nan:
        models += [
            (
                "et-clf",
                ExtraTreesClassifier(n_estimators=8, random_state=0).fit(X, y),
                "probability",
            ),
            (
                "et-reg",
                ExtraTreesRegressor(n_estimators=8, max_depth=7, random_state=0).fit(X, yr),
                "raw",
            ),
            (
                "gb-clf",
                GradientBoostingClassifier(n_estimators=15, random_state=0).fit(X, y),
                "probability",
            ),
            (
                "gb-reg",
                GradientBoostingRegressor(n_estimators=15, random_state=0).fit(X, yr),
                "raw",
            ),
        ]
    return models


def _gbm_models(nan: bool) -> list[tuple[str, object, str]]:
    # xgboost and lightgbm are dev requirements: a missing one fails, never skips.
    import lightgbm  # noqa: F401
    import xgboost  # noqa: F401

    return _fit_gbm_models(nan)


@functools.cache
def _fit_gbm_models(nan: bool) -> list[tuple[str, object, str]]:
    import lightgbm
    import xgboost

    X, y, _, _ = _data(nan)
    yr = y * 40.0 + np.nan_to_num(X[:, 0]) * 7.0
    return [
        ("xgb-clf", xgboost.XGBClassifier(n_estimators=15, max_depth=4).fit(X, y), "probability"),
        ("xgb-reg", xgboost.XGBRegressor(n_estimators=15, max_depth=4).fit(X, yr), "raw"),
        ("lgb-clf", lightgbm.LGBMClassifier(n_estimators=15, verbose=-1).fit(X, y), "probability"),
        ("lgb-reg", lightgbm.LGBMRegressor(n_estimators=15, verbose=-1).fit(X, yr), "raw"),
    ]


def _model_output(est: object, X: np.ndarray, model_output: str) -> np.ndarray:
    if model_output == "probability":
        return est.predict_proba(X)[:, 1]  # type: ignore[attr-defined]
    return est.predict(X)  # type: ignore[attr-defined]


CASES = [(nan, i) for nan in (False, True) for i in range(10 if not nan else 6)]


@pytest.mark.parametrize(("nan", "index"), CASES)
def test_sklearn_family_matches_shap(nan: bool, index: int) -> None:
    _check_family(_sklearn_models(nan)[index], nan)


@pytest.mark.parametrize("nan", [False, True])
@pytest.mark.parametrize("index", range(4))
def test_xgboost_lightgbm_match_shap(nan: bool, index: int) -> None:
    _check_family(_gbm_models(nan)[index], nan)


def _check_family(case: tuple[str, object, str], nan: bool) -> None:
    name, est, model_output = case
    _, _, X_explain, background = _data(nan)
    ok, reason = supports(est)
    assert ok, (name, reason)
    # shap-compatible precision reproduces shap's float32 arithmetic: equal to 1e-9
    assert verify_against_shap(est, X_explain, background, model_output=model_output) <= 1e-9
    # exact precision: additive to the model's own output (NaNs routed like predict) ...
    result = tree_shap(est, X_explain, background, model_output=model_output, precision="exact")
    assert result.values is not None
    predicted = _model_output(est, X_explain, model_output)
    base = float(np.mean(_model_output(est, background, model_output)))
    scale = max(1.0, float(np.abs(predicted).max()))
    # xgboost sums its trees in float32, so its own predictions carry ~1e-7 relative noise
    tol = (1e-6 if name.startswith("xgb") else 1e-12) * scale
    np.testing.assert_allclose(result.base_value, base, rtol=0, atol=tol)
    np.testing.assert_allclose(
        result.values.sum(1) + result.base_value, predicted, rtol=0, atol=tol
    )
    # ... and within shap's float32 rounding of shap's numbers
    theirs, expected = shap_reference(est, X_explain, background, model_output=model_output)
    assert np.abs(result.values - theirs).max() <= 1e-6 * scale
    assert abs(result.base_value - expected) <= 1e-9 * scale


@pytest.mark.parametrize("precision", ["shap", "exact"])
def test_union_kernel_equals_pairwise_kernel(precision: str) -> None:
    _, _, X_explain, background = _data(True)
    for _, est, model_output in _sklearn_models(nan=True):
        prepared = prepare(est, background, model_output=model_output, precision=precision)
        np.testing.assert_allclose(
            prepared.explain(X_explain), prepared.explain_pairwise(X_explain), rtol=0, atol=1e-12
        )


def test_default_is_exact_and_shap_mode_reproduces_shaps_float32_rounding() -> None:
    _, est, model_output = _sklearn_models(False)[1]
    _, _, X_explain, background = _data(False)
    theirs, _ = shap_reference(est, X_explain, background, model_output=model_output)
    shap_mode = tree_shap(est, X_explain, background, model_output=model_output, precision="shap")
    assert shap_mode.values is not None and shap_mode.path == "insyn-numba"
    assert np.abs(shap_mode.values - theirs).max() <= 1e-12
    default = tree_shap(est, X_explain, background, model_output=model_output)
    exact = tree_shap(est, X_explain, background, model_output=model_output, precision="exact")
    assert default.values is not None and exact.values is not None
    np.testing.assert_array_equal(default.values, exact.values)
    assert 0 < np.abs(exact.values - theirs).max() <= 1e-6 * np.abs(theirs).max()


def test_positive_class_index_selects_the_column() -> None:
    X, y, X_explain, background = _data(False)
    y3 = (np.arange(len(y)) % 3).astype(int)
    est = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y3)
    for cls in range(3):
        diff = verify_against_shap(
            est, X_explain, background, model_output="probability", positive_class_index=cls
        )
        assert diff <= 1e-9


def test_supports_refuses_with_reasons() -> None:
    X, y, _, _ = _data(False)
    multi = RandomForestRegressor(n_estimators=3, random_state=0).fit(X, np.c_[y, y])
    ok, reason = supports(multi)
    assert not ok and "multi-output" in reason
    ok, reason = supports(LogisticRegression().fit(X, y))
    assert not ok and "not a supported tree ensemble" in reason
    multiclass = GradientBoostingClassifier(n_estimators=3).fit(X, np.arange(len(y)) % 3)
    ok, reason = supports(multiclass)  # probability: a softmax over every class's margin
    assert not ok and "softmax" in reason
    assert supports(multiclass, model_output="raw", positive_class_index=2) == (True, "")
    ok, reason = supports(multiclass, model_output="raw", positive_class_index=3)
    assert not ok and "outside 0..2" in reason
    ok, reason = supports(RandomForestRegressor())
    assert not ok and "not fitted" in reason
    with pytest.raises(UnsupportedModelError):
        tree_shap(multi, X[:3], X[:5], model_output="raw")
    with pytest.raises(UnsupportedModelError):
        tree_shap(
            RandomForestRegressor(n_estimators=2).fit(X, y),
            X[:3],
            X[:5],
            model_output="probability",
        )


def _categorical_hgb() -> tuple[HistGradientBoostingClassifier, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 800
    cat = rng.integers(0, 7, size=n).astype(float)
    num = rng.normal(size=n)
    y = (np.isin(cat, [1, 4, 6]) ^ (num > 0.3)).astype(int)
    X = np.c_[num, cat, rng.normal(size=n)]  # the categorical column is not first
    X[rng.random(n) < 0.05, 1] = np.nan
    est = HistGradientBoostingClassifier(max_iter=10, categorical_features=[1], random_state=0)
    X_explain = X[:12].copy()
    X_explain[0, 1] = 9.0  # a category never seen in training (treated as missing)
    return est.fit(X, y), X_explain, X[100:110]


def _exact_by_enumeration(f, x: np.ndarray, background: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    m = x.shape[0]
    coalitions = list(itertools.product([False, True], repeat=m))
    value = {c: float(np.mean(f(np.where(np.array(c), x, background)))) for c in coalitions}
    phi = np.zeros(m)
    for c in coalitions:
        for i in range(m):
            if not c[i]:
                size = sum(c)
                weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                phi[i] += weight * (value[(*c[:i], True, *c[i + 1 :])] - value[c])
    return phi


def test_hgb_native_categorical_is_exact_and_has_no_shap_mode_because_shap_is_wrong() -> None:
    est, X_explain, background = _categorical_hgb()
    assert supports(est) == (True, "")
    ok, reason = supports(est, precision="shap")
    assert not ok and reason == MSG_CATEGORICAL_BEYOND_SHAP
    with pytest.raises(UnsupportedModelError, match="categorical"):
        tree_shap(est, X_explain, background, model_output="probability", precision="shap")
    # shap feeds raw columns to trees that expect encoded, reordered ones: not additive
    theirs, expected = shap_reference(est, X_explain, background, model_output="raw")
    raw = est.decision_function(X_explain)
    assert np.abs(theirs.sum(1) + expected - raw).max() > 1e-3
    # The exact engine (the default) encodes like predict and routes through the category bitsets
    result = tree_shap(est, X_explain, background, model_output="raw")
    assert result.values is not None
    np.testing.assert_allclose(result.values.sum(1) + result.base_value, raw, atol=1e-12)
    for row, values in zip(X_explain[:4], result.values[:4], strict=True):
        expected_phi = _exact_by_enumeration(est.decision_function, row, background)
        np.testing.assert_allclose(values, expected_phi, atol=1e-9)


def test_verify_raises_on_mismatch_with_message() -> None:
    _, est, model_output = _sklearn_models(False)[3]
    _, _, X_explain, background = _data(False)
    with pytest.raises(ShapMismatchError, match="disagree"):
        verify_against_shap(
            est, X_explain, background, model_output=model_output, precision="exact", atol=1e-15
        )


def test_bad_inputs_are_rejected() -> None:
    _, est, model_output = _sklearn_models(False)[0]
    with pytest.raises(ValueError, match="columns"):
        tree_shap(est, np.zeros((2, 3)), np.zeros((4, N_FEATURES)), model_output=model_output)
    with pytest.raises(ValueError, match="non-empty"):
        tree_shap(
            est, np.zeros((2, N_FEATURES)), np.zeros((0, N_FEATURES)), model_output=model_output
        )


def test_background_over_100_rows_is_sampled_like_shaps_masker() -> None:
    X, y, X_explain, _ = _data(False)
    est = RandomForestRegressor(n_estimators=4, max_depth=6, random_state=0).fit(X, y)
    assert verify_against_shap(est, X_explain[:5], X[:300], model_output="raw") <= 1e-9
