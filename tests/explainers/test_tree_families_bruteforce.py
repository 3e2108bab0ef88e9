"""Every tree family and task, through the public API, against brute-force Shapley values.

For each model the published values of ``explainers.explain`` and of the what-if
(``LocalExplainer``) are compared with interventional Shapley values computed here
by enumerating every coalition of the model's ORIGINAL input features and calling
the model's own ``predict`` / ``predict_proba`` / margin on the hybrid rows: the
definition stored in the explanation's metadata, nothing shared with the engine.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable
from math import factorial

import lightgbm
import numpy as np
import pandas as pd
import pytest
import xgboost
from sklearn.compose import ColumnTransformer
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
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from explainers import LocalExplainer, explain
from explainers._definitions import (
    EXACT_FOREST_PROBABILITY,
    EXACT_MARGIN,
    EXACT_MULTICLASS_MARGIN,
    EXACT_PREDICTION,
    RESCALED_PROBABILITY,
)
from explainers._tree import FAST_TREE_ENGINE

FEATURES = ["a", "b", "c", "d"]
OFFSET = 1e9
REFERENCE_ROWS = 10
BACKGROUND = 4
TASKS = ["first-class", "second-class", "multiclass", "regression", "offset-regression"]
FAMILIES = [
    "dt",
    "rf",
    "et",
    "gb",
    "hgb",
    "hgb-nan",
    "hgb-cat",
    "hgb-pipe",
    "xgb",
    "xgb-cat",
    "xgbrf",
    "lgbm",
    "lgbm-cat",
]
NAN_FAMILIES = ("hgb-nan", "xgb", "xgb-cat", "xgbrf", "lgbm", "rf", "dt")
BOOSTED = (
    "gb",
    "hgb",
    "hgb-nan",
    "hgb-cat",
    "hgb-pipe",
    "xgb",
    "xgb-cat",
    "xgbrf",
    "lgbm",
    "lgbm-cat",
)


def _frame(n: int, seed: int, family: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.integers(0, 4, size=n).astype(float),
            "d": rng.uniform(-1, 1, size=n),
        }
    )
    if family in NAN_FAMILIES:
        for column in ("a", "c"):
            data.loc[rng.random(n) < 0.15, column] = np.nan
    if family in ("hgb-cat", "hgb-pipe", "lgbm-cat", "xgb-cat"):
        codes = data["c"].to_numpy()
        names = np.array(["north", "south", "east", "west"], dtype=object)
        labels = names[np.nan_to_num(codes, nan=0.0).astype(int)]
        labels[np.isnan(codes) | (rng.random(n) < 0.1)] = None  # missing category
        kind = "str" if family == "hgb-pipe" else "category"
        data["c"] = pd.Series(labels).astype(kind)
    return data


def _score(data: pd.DataFrame) -> np.ndarray:
    c = data["c"].astype(str).isin(["2.0", "3.0", "east", "west"]).to_numpy()
    a = data["a"].fillna(0.3).to_numpy()
    return a + c * data["b"].to_numpy() - 0.8 * data["d"].to_numpy()


def _target(data: pd.DataFrame, task: str, seed: int) -> np.ndarray:
    score = _score(data) + np.random.default_rng(seed).normal(scale=0.3, size=len(data))
    if task in ("first-class", "second-class"):
        return (score > 0.1).astype(int)
    if task == "multiclass":
        return np.digitize(score, [-0.6, 0.6]).astype(int)
    signal = 3.0 * score
    return signal + OFFSET if task == "offset-regression" else signal


def _estimator(family: str, classifier: bool) -> object:
    small = {"random_state": 0}
    if family == "dt":
        return (DecisionTreeClassifier if classifier else DecisionTreeRegressor)(
            max_depth=4, **small
        )
    if family == "rf":
        cls = RandomForestClassifier if classifier else RandomForestRegressor
        return cls(n_estimators=6, max_depth=4, **small)
    if family == "et":
        cls = ExtraTreesClassifier if classifier else ExtraTreesRegressor
        return cls(n_estimators=6, max_depth=4, **small)
    if family == "gb":
        cls = GradientBoostingClassifier if classifier else GradientBoostingRegressor
        return cls(n_estimators=6, max_depth=3, **small)
    if family.startswith("hgb"):
        cls = HistGradientBoostingClassifier if classifier else HistGradientBoostingRegressor
        categorical = {"hgb-cat": "from_dtype", "hgb-pipe": [0]}.get(family)
        return cls(max_iter=6, max_depth=3, categorical_features=categorical, **small)
    if family in ("xgb", "xgb-cat"):
        cls = xgboost.XGBClassifier if classifier else xgboost.XGBRegressor
        categorical = family == "xgb-cat"
        return cls(n_estimators=6, max_depth=3, random_state=0, enable_categorical=categorical)
    if family == "xgbrf":  # one round of parallel trees, summed into the margin
        cls = xgboost.XGBRFClassifier if classifier else xgboost.XGBRFRegressor
        return cls(n_estimators=5, max_depth=3, random_state=0)
    cls = lightgbm.LGBMClassifier if classifier else lightgbm.LGBMRegressor
    categorical = {"min_data_per_group": 5, "cat_smooth": 1.0, "cat_l2": 0.0}
    categorical = categorical if family == "lgbm-cat" else {}
    return cls(
        n_estimators=6, num_leaves=8, min_child_samples=5, verbose=-1, random_state=0, **categorical
    )


@functools.cache
def _case(family: str, task: str) -> tuple[object, pd.DataFrame]:
    train = _frame(400, 1, family)
    y = _target(train, task, 2)
    estimator = _estimator(family, task not in ("regression", "offset-regression"))
    model: object = estimator
    if family == "hgb-pipe":  # ordinal-encoded text column, then native categorical splits
        encode = ColumnTransformer(
            [
                (
                    "ordinal",
                    OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
                    ["c"],
                )
            ],
            remainder="passthrough",
        )
        model = Pipeline([("encode", encode), ("model", estimator)])
    model.fit(train, y)  # type: ignore[attr-defined]
    reference = _frame(REFERENCE_ROWS, 3, family)
    return model, reference


def _final(model: object) -> object:
    return model.steps[-1][1] if isinstance(model, Pipeline) else model


def _margin(model: object, data: pd.DataFrame, k: int) -> np.ndarray:
    """The model's own margin (decision function) for class ``k``."""
    final = _final(model)
    if isinstance(model, Pipeline):
        data, model = model[:-1].transform(data), final
    if isinstance(final, xgboost.XGBModel):
        out = np.asarray(final.predict(data, output_margin=True), dtype=np.float64)
    elif isinstance(final, lightgbm.LGBMModel):
        out = np.asarray(final.predict(data, raw_score=True), dtype=np.float64)
    else:
        out = np.asarray(model.decision_function(data), dtype=np.float64)  # type: ignore[attr-defined]
    if out.ndim == 1:
        return out if k == 1 else -out
    return out[:, k]


def _output(model: object, task: str, k: int, view: str) -> Callable[[pd.DataFrame], np.ndarray]:
    """The model's own output on the explained scale, as a function of rows."""
    if view == "margin":
        return lambda data: _margin(model, data, k)
    if task in ("regression", "offset-regression"):
        return lambda data: np.asarray(model.predict(data), dtype=np.float64)  # type: ignore[attr-defined]
    return lambda data: np.asarray(model.predict_proba(data), dtype=np.float64)[:, k]  # type: ignore[attr-defined]


MASKS = np.array(list(itertools.product([False, True], repeat=len(FEATURES))), dtype=bool)


def _hybrids(x: pd.Series, background: pd.DataFrame) -> pd.DataFrame:
    """For each background row z and each coalition S: x on S, z elsewhere."""
    n_masks = MASKS.shape[0]
    rows = background.loc[background.index.repeat(n_masks)].reset_index(drop=True)
    tiled = np.tile(MASKS, (len(background), 1))
    for j, column in enumerate(FEATURES):
        rows.loc[tiled[:, j], column] = x[column]
    return rows


def _shapley(v: np.ndarray) -> np.ndarray:
    """Shapley values of each game ``v[z, S]`` (coalitions in MASKS order): (n_z, m)."""
    m = len(FEATURES)
    weight = {s: factorial(s) * factorial(m - s - 1) / factorial(m) for s in range(m)}
    index = {tuple(mask): i for i, mask in enumerate(MASKS)}
    phi = np.zeros((v.shape[0], m))
    for i, mask in enumerate(MASKS):
        for j in range(m):
            if not mask[j]:
                with_j = mask.copy()
                with_j[j] = True
                phi[:, j] += weight[int(mask.sum())] * (v[:, index[tuple(with_j)]] - v[:, i])
    return phi


def brute_force(
    f: Callable[[pd.DataFrame], np.ndarray],
    x: pd.Series,
    background: pd.DataFrame,
    *,
    rescale: Callable[[pd.DataFrame], np.ndarray] | None = None,
) -> np.ndarray:
    """Interventional Shapley values of ``v(S) = mean_z f(x_S, z_rest)`` by enumeration.

    With ``rescale`` (the probability of a boosted classifier; ``f`` its margin): shap's
    per-reference rescaling, each reference's margin values times
    ``(p(x) - p(z)) / (f(x) - f(z))`` (1 when equal), then the mean.
    """
    v = f(_hybrids(x, background)).reshape(len(background), MASKS.shape[0])
    phi = _shapley(v)
    if rescale is not None:
        row = x.to_frame().T.astype(background.dtypes.to_dict())
        fx, px = f(row)[0], rescale(row)[0]
        fz, pz = f(background), rescale(background)
        scale = np.where(fx != fz, (px - pz) / np.where(fx != fz, fx - fz, 1.0), 1.0)
        phi = phi * scale[:, None]
    return phi.mean(axis=0)


def _positive(task: str) -> int | None:
    return {"first-class": 0, "second-class": 1, "multiclass": 1}.get(task)


def _tolerance(family: str, task: str, outputs: np.ndarray) -> float:
    scale = max(1.0, float(np.max(np.abs(outputs))))
    if family.startswith("xgb"):  # XGBoost sums its own trees in float32
        return 2e-6 * scale
    if task == "offset-regression":  # differences of 1e9-sized predictions round at ~1e-7
        return 1e-6
    return 1e-13 * scale


OFFSET_FAMILIES = ("rf", "et", "gb", "hgb", "hgb-nan", "hgb-cat", "hgb-pipe")
"""Families that learn 1e9 + signal on this data: XGBoost and LightGBM store the target as
float32, and the single decision tree finds no split (its float64 variance sums at 1e18
lose the signal), so all three predict a constant."""
CASES = [
    (family, task)
    for family in FAMILIES
    for task in TASKS
    if task != "offset-regression" or family in OFFSET_FAMILIES
]


@pytest.mark.parametrize(("family", "task"), CASES)
def test_published_values_equal_brute_force_of_the_stated_definition(
    family: str, task: str
) -> None:
    model, reference = _case(family, task)
    if family == "lgbm-cat":  # the trees really split on categories
        assert '"decision_type": "=="' in json.dumps(model.booster_.dump_model())  # type: ignore[attr-defined]
    if family == "xgb-cat":
        dump = json.loads(model.get_booster().save_raw(raw_format="json"))  # type: ignore[attr-defined]
        trees = dump["learner"]["gradient_booster"]["model"]["trees"]
        assert any(1 in tree["split_type"] for tree in trees)
    k = _positive(task)
    explanation = explain(model, reference, positive_class=k, background_size=BACKGROUND, seed=5)
    meta = explanation.metadata
    assert meta.explainer == "tree" and meta.explainer_class == FAST_TREE_ENGINE
    background = explanation.background
    regression = k is None
    multiclass = task == "multiclass"
    boosted = family in BOOSTED
    label = repr(None if k is None else str(k))
    if regression:
        view, expected_definition = "raw", EXACT_PREDICTION
    elif boosted and multiclass:
        view, expected_definition = "margin", EXACT_MULTICLASS_MARGIN.format(label=label)
    elif boosted:
        view, expected_definition = "probability", RESCALED_PROBABILITY.format(label=label)
    else:
        view, expected_definition = "probability", EXACT_FOREST_PROBABILITY.format(label=label)
    assert meta.definition == expected_definition
    assert meta.scale == {"raw": "raw", "margin": "log_odds", "probability": "probability"}[view]
    f = _output(model, task, k or 0, view)
    outputs = f(reference)
    assert np.ptp(outputs) > 0.05  # a model that learned something: nothing trivially zero
    tol = _tolerance(family, task, outputs)
    # additivity against the model's own output, and the base is the background's mean
    values = explanation.values.to_numpy()
    np.testing.assert_allclose(values.sum(1) + meta.base_value, outputs, rtol=0, atol=tol)
    assert abs(meta.base_value - float(np.mean(f(background)))) <= tol
    rescale = None
    if boosted and view == "probability":
        rescale, f = f, _output(model, task, k or 0, "margin")
    for i in range(len(reference)):
        expected = brute_force(f, reference.iloc[i], background, rescale=rescale)
        np.testing.assert_allclose(values[i], expected, rtol=0, atol=tol, err_msg=f"row {i}")
    # the what-if gives the same numbers for a single row, additive to the model's output
    local = LocalExplainer(model, background, positive_class=k).explain(reference.iloc[[2]])
    by_feature = local.contributions.set_index("feature")["shap"].reindex(FEATURES).to_numpy()
    np.testing.assert_allclose(by_feature, values[2], rtol=0, atol=1e-12)
    assert abs(local.prediction - outputs[2]) <= tol and local.additivity_error <= tol
    assert local.definition == expected_definition
    if boosted and view == "probability":  # the exact margin view comes with it
        margin = _output(model, task, k or 0, "margin")
        assert meta.margin_definition == EXACT_MARGIN.format(label=label)
        margin_values = explanation.margin_values
        assert margin_values is not None and list(margin_values.columns) == FEATURES
        assert meta.margin_base_value is not None
        for i in range(len(reference)):
            expected = brute_force(margin, reference.iloc[i], background)
            got = margin_values.to_numpy()[i]
            np.testing.assert_allclose(got, expected, rtol=0, atol=tol, err_msg=f"row {i}")
    else:
        assert explanation.margin_values is None and meta.margin_definition is None


def test_offset_regressor_is_exact_where_shaps_float32_arithmetic_is_not() -> None:
    """1e9 + small signal: the published float64 values equal brute force; shap's float32
    node arithmetic (the engine's shap-reproducing mode) is off by far more."""
    from explainers._treeshap import tree_shap

    model, reference = _case("rf", "offset-regression")
    explanation = explain(model, reference, background_size=BACKGROUND, seed=5)
    background = explanation.background
    published = explanation.values.to_numpy()
    expected = np.array(
        [brute_force(model.predict, reference.iloc[i], background) for i in range(len(reference))]  # type: ignore[attr-defined]
    )
    assert np.abs(published - expected).max() <= 1e-6
    float32 = tree_shap(
        model, reference.to_numpy(), background.to_numpy(), model_output="raw", precision="shap"
    ).values
    assert float32 is not None
    assert np.abs(float32 - expected).max() > 1e3 * np.abs(published - expected).max()
    assert np.abs(float32 - expected).max() > 1e-3 * np.abs(expected).max()


def test_background_is_used_whole_and_stated() -> None:
    """No silent cut to 100 rows: 150 background rows are all used, and the metadata says
    how they were drawn; a reference smaller than background_size is used whole."""
    model, _ = _case("rf", "second-class")
    reference = _frame(300, 9, "rf")
    explanation = explain(model, reference, background_size=150, seed=4)
    meta = explanation.metadata
    assert meta.background_size == 150 and len(explanation.background) == 150
    assert "sample of 150 of the 300 reference rows" in meta.background_drawn
    assert "default_rng(4)" in meta.background_drawn
    mean_over_all = float(np.mean(model.predict_proba(explanation.background)[:, 1]))  # type: ignore[attr-defined]
    assert abs(meta.base_value - mean_over_all) <= 1e-12
    small = explain(model, reference.head(30), background_size=100, seed=4)
    assert small.metadata.background_size == 30
    assert small.metadata.background_drawn.startswith("all 30 reference rows")


def test_probability_view_is_additive_but_not_the_shapley_values_of_the_probability() -> None:
    """The stated gap: shap's rescaled margin attributions add up to the probability, like
    the Shapley values of the probability itself, yet differ from them."""
    model, reference = _case("gb", "second-class")
    explanation = explain(model, reference, positive_class=1, background_size=BACKGROUND, seed=5)
    background = explanation.background
    probability = _output(model, "second-class", 1, "probability")
    published = explanation.values.to_numpy()
    exact = np.array(
        [brute_force(probability, reference.iloc[i], background) for i in range(len(reference))]
    )
    np.testing.assert_allclose(published.sum(1), exact.sum(1), rtol=0, atol=1e-12)
    assert np.abs(published - exact).max() > 1e-3
    assert "not the Shapley values of the probability itself" in explanation.metadata.definition
