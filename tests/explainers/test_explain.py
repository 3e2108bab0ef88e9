"""explain(): explainer choice, original features, additivity, summaries, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explainers import explain
from explainers._agnostic import ENGINES
from explainers._compute import FAST_TREE_ENGINE
from tests.explainers.conftest import FEATURES

EXACT = 1e-6  # tree and linear: exact algorithms, only float rounding
AGNOSTIC_BOUND = 1e-12  # model-agnostic: efficiency holds by construction (exact or sampled)


def test_forest_uses_tree_explainer_on_probability(forest_explanation, forest, data) -> None:  # type: ignore[no-untyped-def]
    meta = forest_explanation.metadata
    # Registration explains forests with insyn's exact engine (verified against shap).
    assert (meta.explainer, meta.explainer_class, meta.scale) == (
        "tree",
        FAST_TREE_ENGINE,
        "probability",
    )
    assert meta.positive_class == "1"
    assert meta.estimator_class == "RandomForestClassifier"
    assert meta.features == FEATURES
    values = forest_explanation.values
    assert list(values.columns) == FEATURES  # one-hot columns summed back
    assert len(values) == meta.rows == len(data[0])
    expected = forest.predict_proba(data[0])[:, 1]
    np.testing.assert_array_equal(forest_explanation.predictions, expected)
    error = np.abs(values.sum(axis=1).to_numpy() + meta.base_value - expected).max()
    assert error < EXACT
    assert meta.additivity_max_error == pytest.approx(error, abs=1e-15)


def test_logistic_uses_linear_explainer_on_log_odds(logistic, data) -> None:  # type: ignore[no-untyped-def]
    exp = explain(logistic, data[0], background_size=50)
    meta = exp.metadata
    assert (meta.explainer, meta.explainer_class, meta.scale) == (
        "linear",
        "LinearExplainer",
        "log_odds",
    )
    np.testing.assert_allclose(exp.predictions, logistic.decision_function(data[0]), rtol=0, atol=0)
    assert meta.additivity_max_error < EXACT


def test_negative_class_flips_linear_output(logistic, data) -> None:  # type: ignore[no-untyped-def]
    exp = explain(logistic, data[0].head(50), positive_class=0, background_size=20)
    assert exp.metadata.positive_class == "0"
    np.testing.assert_allclose(exp.predictions, -logistic.decision_function(data[0].head(50)))
    assert exp.metadata.additivity_max_error < EXACT


def test_regressor_uses_raw_scale(regressor, data) -> None:  # type: ignore[no-untyped-def]
    exp = explain(regressor, data[0], background_size=40)
    meta = exp.metadata
    assert (meta.explainer, meta.scale, meta.positive_class) == ("tree", "raw", None)
    np.testing.assert_array_equal(exp.predictions, regressor.predict(data[0]))
    assert meta.additivity_max_error < EXACT


def test_other_estimators_use_exact_enumeration(bayes, data) -> None:  # type: ignore[no-untyped-def]
    reference = data[0].head(15)
    exp = explain(bayes, reference, background_size=10, seed=3)
    meta = exp.metadata
    assert (meta.explainer, meta.explainer_class, meta.scale) == (
        "agnostic",
        ENGINES["exact_enumeration"],
        "probability",
    )
    assert meta.estimation is not None and meta.estimation["exact"] is True
    assert list(exp.values.columns) == FEATURES
    assert meta.additivity_max_error < AGNOSTIC_BOUND
    again = explain(bayes, reference, background_size=10, seed=3)
    assert again.metadata.fingerprint == meta.fingerprint


def test_agnostic_explainer_does_not_disturb_global_random_state(bayes, data) -> None:  # type: ignore[no-untyped-def]
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    explain(bayes, data[0].head(5), background_size=5)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_global_importance_is_mean_abs_sorted(forest_explanation) -> None:  # type: ignore[no-untyped-def]
    importance = forest_explanation.global_importance
    assert list(importance.columns) == ["feature", "mean_abs_shap"]
    expected = forest_explanation.values.abs().mean().sort_values(ascending=False, kind="stable")
    assert list(importance["feature"]) == list(expected.index)
    np.testing.assert_allclose(
        importance["mean_abs_shap"].to_numpy(), expected.to_numpy(), rtol=1e-12
    )
    assert importance["mean_abs_shap"].is_monotonic_decreasing


def test_determinism_and_background_hash(forest, data) -> None:  # type: ignore[no-untyped-def]
    reference = data[0].head(80)
    first = explain(forest, reference, seed=5, background_size=30)
    second = explain(forest, reference, seed=5, background_size=30)
    other = explain(forest, reference, seed=6, background_size=30)
    assert first.metadata.fingerprint == second.metadata.fingerprint
    pd.testing.assert_frame_equal(first.values, second.values)
    assert first.metadata.background_sha256 == second.metadata.background_sha256
    assert first.metadata.background_sha256 != other.metadata.background_sha256
    assert first.metadata.background_size == 30


def test_extra_columns_are_dropped_and_order_does_not_matter(forest, data) -> None:  # type: ignore[no-untyped-def]
    reference = data[0].head(30)
    shuffled = reference[FEATURES[::-1]].assign(person_id=range(30))
    a = explain(forest, reference, background_size=10)
    b = explain(forest, shuffled, background_size=10)
    assert a.metadata.fingerprint == b.metadata.fingerprint
    assert "person_id" not in b.background.columns


def test_background_is_capped_by_reference_size(forest, data) -> None:  # type: ignore[no-untyped-def]
    exp = explain(forest, data[0].head(12), background_size=100)
    assert exp.metadata.background_size == len(exp.background) == 12


def test_progress_reports_every_chunk(forest, data) -> None:  # type: ignore[no-untyped-def]
    calls: list[tuple[int, int]] = []
    rows = pd.concat([data[0]] * 3, ignore_index=True)  # more rows than one chunk
    explain(
        forest,
        rows,
        background_size=20,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (len(rows), len(rows))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) > 1


def test_bare_estimator_on_numeric_frame(data) -> None:  # type: ignore[no-untyped-def]
    from sklearn.ensemble import ExtraTreesRegressor

    X = data[0][["age", "income", "children"]]
    model = ExtraTreesRegressor(n_estimators=10, max_depth=4, random_state=0).fit(X, data[1])
    exp = explain(model, X, background_size=30)
    assert exp.metadata.explainer == "tree"
    assert list(exp.values.columns) == ["age", "income", "children"]
    assert exp.metadata.additivity_max_error < EXACT
