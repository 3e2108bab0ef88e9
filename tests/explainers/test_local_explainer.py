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


def _probability_oracle(model: Pipeline, row: pd.DataFrame, background: pd.DataFrame) -> np.ndarray:
    """Exact interventional Shapley values of P(class 1) over the original input columns,
    by brute force (the oracle of test_treeshap_bruteforce on the probability)."""
    from tests.explainers.test_treeshap_bruteforce import brute_force

    columns = list(background.columns)

    def probability(hybrids: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(hybrids, columns=columns).astype(background.dtypes.to_dict())
        return np.asarray(model.predict_proba(frame)[:, 1], dtype=np.float64)

    return brute_force(
        probability, row.iloc[0].to_numpy(dtype=object), background.to_numpy(dtype=object)
    )


@pytest.mark.parametrize("kind", ["boosted", "logistic"])
def test_probability_output_is_the_exact_shapley_value_of_the_probability(
    kind: str, logistic: Pipeline, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    """What a citizen reads: percentage points of the probability that add up, with the
    background's mean probability, to the probability shown; for a boosted model (stored
    as a rescaled probability) and a logistic model (stored in log-odds) alike."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from tests.explainers.conftest import pipeline

    X, y = data
    model = (
        pipeline(HistGradientBoostingClassifier(max_iter=15, max_depth=3, random_state=0)).fit(X, y)
        if kind == "boosted"
        else logistic
    )
    background = X.head(12)
    explainer = LocalExplainer(model, background, output="probability")
    row = _rows(data).iloc[[2]]
    stored_scale = LocalExplainer(model, background).explain(row).scale
    assert stored_scale == {"boosted": "probability", "logistic": "log_odds"}[kind]
    local = explainer.explain(row)
    assert local.scale == "probability"
    assert "probability" in local.definition
    shown = dict(zip(local.contributions["feature"], local.contributions["shap"], strict=True))
    oracle = _probability_oracle(model, row, background)
    ours = np.array([shown[name] for name in background.columns])
    assert np.max(np.abs(ours - oracle)) <= 1e-9
    probability = float(model.predict_proba(row)[0, 1])
    assert local.prediction == pytest.approx(probability, abs=1e-12)
    mean = float(model.predict_proba(background)[:, 1].mean())
    assert local.base_value == pytest.approx(mean, abs=1e-12)
    assert ours.sum() + local.base_value == pytest.approx(probability, abs=1e-9)


def test_probability_output_keeps_the_exact_tree_engine_for_forests(
    forest: Pipeline, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    background = data[0].head(40)
    explainer = LocalExplainer(forest, background, output="probability")
    assert explainer.uses_fast_engine and explainer.explainer == "tree"
    row = _rows(data).iloc[[0]]
    assert explainer.explain(row).contributions.equals(
        LocalExplainer(forest, background).explain(row).contributions
    )


def test_probability_output_samples_past_its_budget_and_still_adds_up(
    logistic: Pipeline, data: tuple[pd.DataFrame, pd.Series], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A citizen's what-if never waits for 2**inputs x background evaluations beyond the
    budget: it samples instead, still adding up exactly and close to the exact values."""
    import explainers._local as local_module

    monkeypatch.setattr(local_module, "PROBABILITY_EXACT_EVALUATIONS", 10)
    X = data[0]
    background = X.head(12)
    row = _rows(data).iloc[[2]]
    local = LocalExplainer(logistic, background, output="probability").explain(row)
    shown = dict(zip(local.contributions["feature"], local.contributions["shap"], strict=True))
    ours = np.array([shown[name] for name in background.columns])
    probability = float(logistic.predict_proba(row)[0, 1])
    assert ours.sum() + local.base_value == pytest.approx(probability, abs=1e-9)
    oracle = _probability_oracle(logistic, row, background)
    assert np.max(np.abs(ours - oracle)) <= 0.05 * max(1e-3, float(np.max(np.abs(oracle))))
    assert np.max(np.abs(ours - oracle)) > 0  # it did sample
