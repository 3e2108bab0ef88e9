"""Model-agnostic explanations against Shapley values computed from the definition.

The brute force here loops over every coalition of the model's ORIGINAL input
columns with itertools, builds the raw hybrid rows as DataFrames and calls the
whole fitted model (pipeline included) on them: it shares no code with
explainers/_exact.py or explainers/_sampling.py.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC

import explainers._agnostic as agnostic
from explainers import LocalExplainer, explain, run_checks
from explainers._agnostic import ENGINES, Plan, plan_for
from explainers._definitions import AGNOSTIC
from tests.explainers.conftest import CATEGORICAL, FEATURES, NUMERIC, make_data, pipeline

EXACT_TOLERANCE = 1e-10
ADDITIVE = 1e-12
ROWS = 4
BACKGROUND = 8


def _fit(model: Any, X: pd.DataFrame, y: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def output(model: Any, frame: pd.DataFrame, class_index: int | None) -> np.ndarray:
    if class_index is None:
        return np.asarray(model.predict(frame), dtype=np.float64)
    return np.asarray(model.predict_proba(frame), dtype=np.float64)[:, class_index]


def brute_force(
    model: Any, row: pd.DataFrame, background: pd.DataFrame, class_index: int | None
) -> tuple[np.ndarray, float]:
    """Shapley values of one row from the definition, over the raw input columns."""
    columns = list(background.columns)
    m = len(columns)

    def v(coalition: tuple[int, ...]) -> float:
        hybrid = background.copy()
        for j in coalition:
            hybrid[columns[j]] = pd.Series(
                [row.iloc[0, j]] * len(hybrid), dtype=hybrid.dtypes.iloc[j]
            )
        return float(output(model, hybrid, class_index).mean())

    cache = {s: v(s) for k in range(m + 1) for s in itertools.combinations(range(m), k)}
    phi = np.zeros(m)
    for i in range(m):
        others = [j for j in range(m) if j != i]
        for k in range(m):
            weight = math.factorial(k) * math.factorial(m - k - 1) / math.factorial(m)
            for s in itertools.combinations(others, k):
                phi[i] += weight * (cache[tuple(sorted((*s, i)))] - cache[s])
    return phi, cache[()]


@pytest.fixture(scope="module")
def frame() -> tuple[pd.DataFrame, pd.Series]:
    return make_data(160, seed=11)


def _numeric(frame: tuple[pd.DataFrame, pd.Series]) -> pd.DataFrame:
    X = frame[0][NUMERIC].copy()
    X["children"] = X["children"].astype(float)
    X["income2"] = X["income"] ** 2 - X["age"] / 50
    return X


def _multiclass_target(X: pd.DataFrame) -> pd.Series:
    return pd.Series(np.digitize(X["age"], [40, 65]), name="band").map(
        {0: "young", 1: "middle", 2: "old"}
    )


@pytest.fixture(scope="module")
def models(frame: tuple[pd.DataFrame, pd.Series]) -> dict[str, tuple[Any, pd.DataFrame, Any]]:
    """name -> (fitted model, data it takes, positive_class)."""
    X, y = frame
    numeric = _numeric(frame)
    income = X["income"] * 2 + (X["town"] == "Västby") - X["children"]
    return {
        "mlp_adam_numeric": (
            _fit(MLPClassifier(hidden_layer_sizes=(12,), max_iter=300, random_state=0), numeric, y),
            numeric,
            None,
        ),
        "svc_onehot_first_class": (
            _fit(pipeline(SVC(probability=True, random_state=0)), X, y),
            X,
            0,
        ),
        "knn_classifier_onehot": (_fit(pipeline(KNeighborsClassifier(7)), X, y), X, 1),
        "knn_regressor_onehot": (_fit(pipeline(KNeighborsRegressor(5)), X, income), X, None),
        "mlp_regressor_numeric": (
            _fit(
                MLPRegressor(hidden_layer_sizes=(10,), max_iter=400, random_state=0),
                numeric,
                income,
            ),
            numeric,
            None,
        ),
        "multiclass_mlp_middle": (
            _fit(
                pipeline(MLPClassifier(hidden_layer_sizes=(10,), max_iter=400, random_state=0)),
                X,
                _multiclass_target(X),
            ),
            X,
            "middle",
        ),
    }


def _class_index(model: Any, positive_class: Any) -> int | None:
    classes = list(getattr(model, "classes_", []))
    if not classes:
        return None
    if positive_class is None:
        return 1
    return [str(c) for c in classes].index(str(positive_class))


@pytest.mark.parametrize(
    "name",
    [
        "mlp_adam_numeric",
        "svc_onehot_first_class",
        "knn_classifier_onehot",
        "knn_regressor_onehot",
        "mlp_regressor_numeric",
        "multiclass_mlp_middle",
    ],
)
def test_exact_path_equals_the_definition(
    name: str, models: dict[str, tuple[Any, pd.DataFrame, Any]]
) -> None:
    model, data, positive = models[name]
    reference = data.iloc[:40]
    rows = data.iloc[100 : 100 + ROWS].reset_index(drop=True)
    exp = explain(model, reference, background_size=BACKGROUND, seed=2, positive_class=positive)
    meta = exp.metadata
    assert meta.explainer == "agnostic"
    assert meta.explainer_class == ENGINES["exact_enumeration"]
    estimation = meta.estimation
    assert estimation is not None
    assert estimation["exact"] is True and estimation["method"] == "exact_enumeration"
    assert estimation["coalitions_per_row"] == 2 ** len(data.columns)
    assert estimation["standard_error_max"] == 0.0
    assert "drawn without replacement" in str(meta.background_drawn)
    assert "v(S) = mean over the background rows" in str(meta.definition)
    index = _class_index(model, positive)
    output_text = (
        "the model's prediction"
        if index is None
        else f"the model's probability of class {model.classes_[index]}"
    )
    assert meta.definition == AGNOSTIC.format(output=output_text)
    assert meta.verification.startswith("additivity against the model's own output")
    assert meta.margin_definition is None and exp.margin_values is None
    background = exp.background.astype(reference.dtypes.to_dict())
    for i in range(len(reference) // 10):
        row = reference.iloc[[i * 10]].reset_index(drop=True)
        phi, base = brute_force(model, row, background, index)
        np.testing.assert_allclose(
            exp.values.iloc[i * 10].to_numpy(), phi, rtol=0, atol=EXACT_TOLERANCE
        )
        assert meta.base_value == pytest.approx(base, abs=EXACT_TOLERANCE)
    # what-if path: the same numbers for a row that is not in the reference data
    local = LocalExplainer(model, background, positive_class=positive, seed=2)
    assert local.explainer == "agnostic" and local.definition == meta.definition
    for i in range(ROWS):
        row = rows.iloc[[i]]
        phi, base = brute_force(model, row, background, index)
        shown = local.explain(row).contributions.set_index("feature")["shap"]
        np.testing.assert_allclose(
            shown.reindex(list(data.columns)).to_numpy(), phi, atol=EXACT_TOLERANCE, rtol=0
        )
    assert meta.additivity_max_error <= ADDITIVE


def test_the_chosen_class_is_the_one_explained(
    models: dict[str, tuple[Any, pd.DataFrame, Any]],
) -> None:
    model, data, _ = models["svc_onehot_first_class"]
    first = explain(model, data.iloc[:20], background_size=6, positive_class=0)
    second = explain(model, data.iloc[:20], background_size=6, positive_class=1)
    np.testing.assert_allclose(first.predictions, model.predict_proba(data.iloc[:20])[:, 0])
    # binary probabilities: the first class's values are exactly minus the second's
    np.testing.assert_allclose(first.values.to_numpy(), -second.values.to_numpy(), atol=1e-12)


def test_an_input_the_pipeline_drops_gets_exactly_zero(
    frame: tuple[pd.DataFrame, pd.Series],
) -> None:
    X, y = frame
    preprocess = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("num", StandardScaler(), ["age", "income"]),
        ],
        remainder="drop",
    )
    mlp = MLPClassifier(hidden_layer_sizes=(6,), max_iter=300, random_state=0)
    model = _fit(Pipeline([("p", preprocess), ("m", mlp)]), X, y)
    exp = explain(model, X.iloc[:12], background_size=6)
    assert list(exp.values.columns) == FEATURES
    assert (exp.values["children"] == 0.0).all()
    estimation = exp.metadata.estimation
    assert estimation is not None and estimation["coalitions_per_row"] == 16
    background = exp.background.astype(X.dtypes.to_dict())
    phi, _ = brute_force(model, X.iloc[[3]].reset_index(drop=True), background, 1)
    np.testing.assert_allclose(exp.values.iloc[3].to_numpy(), phi, atol=EXACT_TOLERANCE, rtol=0)


def _sampled(
    model: Any, rows: pd.DataFrame, background: pd.DataFrame, positive: Any, seed: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """(values, standard errors, base) of the sampling path for ``rows`` (raw columns)."""
    from explainers._compute import compute_values
    from explainers._features import group_sum, split_model, transform
    from explainers._select import choose

    parts = split_model(model)
    estimates: list[Any] = []
    raw, base = compute_values(
        parts.estimator,
        choose(parts.estimator, positive),
        transform(parts, rows),
        transform(parts, background),
        seed=seed,
        sources=parts.sources,
        plan=Plan("permutation_sampling", agnostic.MAX_ROUNDS),
        estimates=estimates,
    )
    return group_sum(raw, parts.sources, len(parts.features)), estimates[0].standard_errors, base


def test_sampled_errors_are_honest_against_the_definition(
    models: dict[str, tuple[Any, pd.DataFrame, Any]],
) -> None:
    model, data, positive = models["multiclass_mlp_middle"]
    index = _class_index(model, positive)
    background = data.iloc[:30].reset_index(drop=True)
    rows = data.iloc[60:72].reset_index(drop=True)
    truth = np.stack([brute_force(model, rows.iloc[[i]], background, index)[0] for i in range(12)])
    predictions = output(model, rows, index)
    scores = []
    for seed in range(6):
        values, errors, base = _sampled(model, rows, background, positive, seed)
        assert (errors > 0).all()
        np.testing.assert_allclose(values.sum(axis=1) + base, predictions, rtol=0, atol=ADDITIVE)
        scores.append((values - truth) / errors)
    z = np.concatenate(scores).ravel()
    assert np.abs(z).max() < 4.5  # 360 values: a normal z stays under about 3.5
    assert 0.6 < z.std() < 1.4  # the stated error is neither optimistic nor inflated
    assert np.mean(np.abs(z) > 3) < 0.02


def test_sampling_path_is_stated_reproducible_and_the_what_if_agrees(
    models: dict[str, tuple[Any, pd.DataFrame, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, data, positive = models["knn_classifier_onehot"]
    monkeypatch.setattr(agnostic, "plan_for", lambda *_: Plan("permutation_sampling", 10))
    reference = data.iloc[:40]
    calls: list[tuple[int, int]] = []
    exp = explain(
        model,
        reference,
        background_size=25,
        seed=4,
        positive_class=positive,
        progress=lambda done, total: calls.append((done, total)),
    )
    meta = exp.metadata
    assert calls and calls[-1] == (40, 40)
    assert meta.explainer_class == ENGINES["permutation_sampling"]
    estimation = meta.estimation
    assert estimation is not None
    assert estimation["exact"] is False and estimation["max_rounds"] == 10
    assert 0 < estimation["standard_error_typical"] <= estimation["standard_error_max"]
    largest = float(exp.values.abs().to_numpy().max())
    assert estimation["standard_error_max_relative"] == pytest.approx(
        estimation["standard_error_max"] / largest
    )
    pairs = estimation["permutations_per_row"]
    assert 2 * 25 * 4 <= pairs["min"] <= pairs["max"] <= 2 * 25 * 10
    assert meta.additivity_max_error <= ADDITIVE
    again = explain(model, reference, background_size=25, seed=4, positive_class=positive)
    assert again.metadata.fingerprint == meta.fingerprint
    checks = run_checks(model, exp, reference=reference)
    assert checks.reproducibility["identical"] and checks.passed
    # the what-if follows the same plan and gives the same numbers for a reference row
    background = exp.background.astype(reference.dtypes.to_dict())
    local = LocalExplainer(model, background, positive_class=positive, seed=4)
    shown = local.explain(reference.iloc[[7]]).contributions.set_index("feature")["shap"]
    np.testing.assert_array_equal(shown.reindex(FEATURES).to_numpy(), exp.values.iloc[7].to_numpy())


def test_many_inputs_are_sampled_and_the_what_if_gives_the_same_values() -> None:
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(120, 13)), columns=[f"x{i}" for i in range(13)])
    y = (X["x0"] + X["x1"] * X["x2"] - X["x12"] > 0).astype(int)
    model = _fit(MLPClassifier(hidden_layer_sizes=(8,), max_iter=200, random_state=0), X, y)
    exp = explain(model, X.iloc[:6], background_size=6, seed=1)
    estimation = exp.metadata.estimation
    assert estimation is not None and estimation["method"] == "permutation_sampling"
    assert estimation["max_rounds"] == agnostic.MAX_ROUNDS
    local = LocalExplainer(model, exp.background, seed=1)
    for i in range(6):
        shown = local.explain(X.iloc[[i]]).contributions.set_index("feature")["shap"]
        np.testing.assert_array_equal(
            shown.reindex(X.columns).to_numpy(), exp.values.iloc[i].to_numpy()
        )


@pytest.mark.parametrize(
    ("players", "background", "rows", "method"),
    [
        (5, 100, 1_000_000, "exact_enumeration"),  # cheaper than the least sampling
        (12, 100, 1, "exact_enumeration"),
        (12, 100, 1_300, "permutation_sampling"),  # 4096 x 100 x 1300 > the budget
        (13, 10, 1, "permutation_sampling"),  # above EXACT_MAX_FEATURES
        (1, 100, 10**9, "exact_enumeration"),  # one input: nothing to sample
    ],
)
def test_the_plan_follows_the_stated_budget(
    players: int, background: int, rows: int, method: str
) -> None:
    plan = plan_for(players, background, rows)
    assert plan.method == method
    if method == "permutation_sampling":
        per_row = 2 * (players - 1) * background
        expected = min(max(agnostic.SAMPLING_BUDGET // (rows * per_row), 4), agnostic.MAX_ROUNDS)
        assert plan.max_rounds == expected


def test_metadata_keeps_the_estimation_and_reads_older_explanations(
    models: dict[str, tuple[Any, pd.DataFrame, Any]], tmp_path: Any
) -> None:
    from explainers import Explanation, ExplanationMetadata
    from explainers._definitions import LEGACY, LEGACY_BACKGROUND

    model, data, _ = models["mlp_adam_numeric"]
    exp = explain(model, data.iloc[:15], background_size=5)
    loaded = Explanation.load(exp.save(tmp_path / "e"))
    assert loaded.metadata == exp.metadata
    assert loaded.metadata.estimation == exp.metadata.estimation
    older = {
        k: v
        for k, v in exp.metadata.to_dict().items()
        if k not in ("definition", "background_drawn", "estimation")
    }
    restored = ExplanationMetadata.from_dict(older)
    assert restored.estimation is None and restored.definition == LEGACY
    assert restored.background_drawn == LEGACY_BACKGROUND
    copy = exp.metadata.estimation
    assert copy is not None
    copy["exact"] = False
    assert exp.metadata.estimation is not None and exp.metadata.estimation["exact"] is True


def test_sampling_leaves_numpy_global_random_state_alone(
    models: dict[str, tuple[Any, pd.DataFrame, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, data, _ = models["mlp_adam_numeric"]
    monkeypatch.setattr(agnostic, "plan_for", lambda *_: Plan("permutation_sampling", 4))
    np.random.seed(99)
    before = np.random.get_state()[1].copy()
    explain(model, data.iloc[:6], background_size=5)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_a_multilabel_mlp_is_refused_but_a_multiclass_one_is_not(
    frame: tuple[pd.DataFrame, pd.Series],
) -> None:
    from explainers import ExplanationError

    X = frame[0][NUMERIC].astype(float)
    labels = pd.DataFrame({"a": X["age"] > 50, "b": X["income"] > 3}).astype(int)
    multilabel = _fit(
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, random_state=0), X, labels
    )
    with pytest.raises(ExplanationError, match="several outputs"):
        explain(multilabel, X.iloc[:5], background_size=3)
    three = _fit(
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, random_state=0),
        X,
        _multiclass_target(X),
    )
    exp = explain(three, X.iloc[:5], background_size=3, positive_class="old")
    assert exp.metadata.positive_class == "old"
