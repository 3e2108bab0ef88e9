"""Registration explains trees with insyn's exact engine, checked against shap where shap is
right for the model, and falls back to shap with a logged reason only when the engine does
not read a model."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from explainers import ExplanationError, _compute, explain
from explainers._explain import _prepare, group_sum, sample_background, transform
from explainers._tree import FAST_TREE_ENGINE, SHAP_NOT_A_CHECK, SHAP_WRONG_FOR_HGB
from explainers._treeshap._verify import shap_reference
from tests.explainers.conftest import pipeline


def test_trees_are_explained_by_the_exact_engine_and_checked_against_shap(forest, data):
    X, _ = data
    explanation = explain(forest, X, seed=3, background_size=100)
    meta = explanation.metadata
    assert meta.explainer == "tree"
    assert meta.explainer_class == FAST_TREE_ENGINE
    assert meta.verification.startswith("equal to shap.TreeExplainer within its float32 rounding")
    # shap.TreeExplainer itself on the same rows agrees within its float32 rounding
    parts, _ = _prepare(forest, None)
    background = sample_background(X, 100, 3)
    theirs, base = shap_reference(
        parts.estimator,
        transform(parts, X),
        transform(parts, background),
        model_output="probability",
        positive_class_index=1,
    )
    grouped = group_sum(theirs, parts.sources, len(parts.features))
    difference = np.max(np.abs(grouped - explanation.values.to_numpy()))
    assert 0 < difference <= 1e-6
    assert abs(base - meta.base_value) <= 1e-6


def test_a_disagreement_with_shap_stops_the_explanation_with_the_numbers(forest, data, monkeypatch):
    from explainers._treeshap import _verify

    def shifted(*args, **kwargs):  # type: ignore[no-untyped-def]
        values, base = real(*args, **kwargs)
        return values + 0.01, base

    real = _verify.shap_reference
    monkeypatch.setattr(_verify, "shap_reference", shifted)
    with pytest.raises(ExplanationError) as failure:
        explain(forest, data[0].head(40), seed=3)
    assert str(failure.value).startswith("check failed: insyn's exact tree engine")
    assert "differ by 0.01" in str(failure.value)


def test_hgb_is_checked_against_its_own_output_and_says_why_not_shap(data):
    X, y = data
    model = pipeline(HistGradientBoostingClassifier(max_iter=20, random_state=0)).fit(X, y)
    explanation = explain(model, X, seed=1)
    meta = explanation.metadata
    assert meta.explainer_class == FAST_TREE_ENGINE
    assert meta.verification == SHAP_NOT_A_CHECK.format(reason=SHAP_WRONG_FOR_HGB)
    own = model.predict_proba(X)[:, 1]
    error = np.abs(explanation.values.to_numpy().sum(1) + meta.base_value - own).max()
    assert error <= 1e-12


def test_multiclass_xgboost_is_explained_for_the_chosen_class(data):
    """shap 0.51 raises "Model does not have a known objective" on this model."""
    import xgboost

    X, _ = data
    y3 = (X["age"] // 30).astype(int).to_numpy() % 3
    model = pipeline(xgboost.XGBClassifier(n_estimators=10, max_depth=3)).fit(X, y3)
    explanation = explain(model, X.head(50), positive_class=2, seed=1)
    meta = explanation.metadata
    assert (meta.explainer_class, meta.scale, meta.positive_class) == (
        FAST_TREE_ENGINE,
        "log_odds",
        "2",
    )
    margin = model[-1].predict(model[:-1].transform(X.head(50)), output_margin=True)[:, 2]
    total = explanation.values.to_numpy().sum(1) + meta.base_value
    assert np.abs(total - margin).max() <= 1e-5
    assert "no probability view" in meta.definition


def test_unsupported_tree_model_falls_back_to_shap_with_a_reason(forest, data, monkeypatch, caplog):
    import explainers._treeshap as engine

    monkeypatch.setattr(engine, "supports", lambda *a, **k: (False, "no such trees, say"))
    X, _ = data
    with caplog.at_level(logging.WARNING, logger=_compute.LOGGER.name):
        explanation = explain(forest, X.head(40), seed=3)
    assert explanation.metadata.explainer_class == "shap.TreeExplainer"
    assert "no such trees, say" in caplog.text
    assert "no such trees, say" in explanation.metadata.verification
    assert explanation.metadata.additivity_max_error < 1e-6


@pytest.mark.parametrize("fixture", ["logistic", "bayes"])
def test_other_families_do_not_use_the_tree_engine(fixture, data, request):
    model = request.getfixturevalue(fixture)
    X, _ = data
    explanation = explain(model, X.head(30), seed=1)
    assert explanation.metadata.explainer_class != FAST_TREE_ENGINE
