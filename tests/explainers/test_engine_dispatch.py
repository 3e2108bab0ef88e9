"""Registration explains trees with insyn's fast exact engine, and falls back to shap
with a logged reason when the engine does not support a model."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from explainers import _compute, explain
from explainers._compute import FAST_TREE_ENGINE, compute_values
from explainers._explain import _prepare, group_sum, sample_background, transform


def test_trees_are_explained_by_the_fast_engine_with_shaps_numbers(forest, data):
    X, _ = data
    explanation = explain(forest, X, seed=3)
    assert explanation.metadata.explainer == "tree"
    assert explanation.metadata.explainer_class == FAST_TREE_ENGINE
    # The same rows through shap.TreeExplainer (the hook without the engine) agree.
    parts, choice = _prepare(forest, None)
    background = sample_background(X, 100, 3)
    shap_values, shap_base = compute_values(
        parts.estimator, choice, transform(parts, X), transform(parts, background), seed=3
    )
    fast_values = explanation.values.to_numpy()
    grouped = group_sum(shap_values, parts.sources, len(parts.features))
    assert np.max(np.abs(grouped - fast_values)) <= 1e-9
    assert abs(shap_base - explanation.metadata.base_value) <= 1e-9


def test_unsupported_tree_model_falls_back_to_shap_with_a_reason(forest, data, monkeypatch, caplog):
    import explainers._treeshap as engine

    monkeypatch.setattr(engine, "supports", lambda *a, **k: (False, "no such trees, say"))
    X, _ = data
    with caplog.at_level(logging.WARNING, logger=_compute.LOGGER.name):
        explanation = explain(forest, X.head(40), seed=3)
    assert explanation.metadata.explainer_class == "shap.TreeExplainer"
    assert "no such trees, say" in caplog.text
    assert explanation.metadata.additivity_max_error < 1e-6


@pytest.mark.parametrize("fixture", ["logistic", "bayes"])
def test_other_families_do_not_use_the_tree_engine(fixture, data, request):
    model = request.getfixturevalue(fixture)
    X, _ = data
    explanation = explain(model, X.head(30), seed=1)
    assert explanation.metadata.explainer_class != FAST_TREE_ENGINE
