"""The what-if explainer: prepared once, the same numbers as a one-off explain_local."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from explainers import ExplanationError, LocalExplainer, explain_local


def _rows(data: tuple[pd.DataFrame, pd.Series]) -> pd.DataFrame:
    return data[0].iloc[100:106]


def test_forest_uses_the_fast_engine_and_equals_shap(
    forest: Pipeline, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    background = data[0].head(40)
    explainer = LocalExplainer(forest, background)
    assert explainer.explainer == "tree"
    assert explainer.uses_fast_engine
    for i in range(len(_rows(data))):
        row = _rows(data).iloc[[i]]
        ours = explainer.explain(row)
        theirs = explain_local(forest, row, background)
        merged = ours.contributions.merge(theirs.contributions, on="feature")
        assert np.abs(merged["shap_x"] - merged["shap_y"]).max() <= 1e-9
        assert ours.base_value == pytest.approx(theirs.base_value, abs=1e-12)
        assert ours.prediction == theirs.prediction
        assert ours.additivity_error <= 1e-6


def test_explain_rows_keeps_row_order_and_sums_to_each_prediction(
    forest: Pipeline, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    explainer = LocalExplainer(forest, data[0].head(40))
    many = explainer.explain_rows(_rows(data))
    one_by_one = [explainer.explain(_rows(data).iloc[[i]]) for i in range(len(_rows(data)))]
    assert [m.prediction for m in many] == [o.prediction for o in one_by_one]
    expected = forest.predict_proba(_rows(data))[:, 1]
    for local, p in zip(many, expected, strict=True):
        assert local.contributions["shap"].sum() + local.base_value == pytest.approx(p, abs=1e-6)


def test_linear_model_and_dict_input_work_without_the_tree_engine(
    logistic: Pipeline, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    background = data[0].head(40)
    explainer = LocalExplainer(logistic, background)
    assert not explainer.uses_fast_engine
    row = _rows(data).iloc[0].to_dict()
    ours = explainer.explain(row)
    theirs = explain_local(logistic, pd.DataFrame([row]), background)
    assert ours.contributions.equals(theirs.contributions)


def test_more_than_one_row_for_explain_is_refused(
    forest: Pipeline, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    explainer = LocalExplainer(forest, data[0].head(40))
    with pytest.raises(ExplanationError, match="exactly one row"):
        explainer.explain(_rows(data))
