"""Explanation checks: additivity, reproducibility, stability, protected influence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

import explainers
from explainers import _checks


@pytest.fixture(scope="module")
def logistic_explanation(logistic: Pipeline, data: tuple[pd.DataFrame, pd.Series]):  # type: ignore[no-untyped-def]
    return explainers.explain(logistic, data[0], background_size=50)


def test_background_positions_match_the_sampled_background(
    logistic_explanation: explainers.Explanation, data: tuple[pd.DataFrame, pd.Series]
) -> None:
    from explainers._explain import sample_background

    meta = logistic_explanation.metadata
    positions = _checks.background_positions(meta.rows, meta.background_size, meta.seed)
    sampled = sample_background(data[0], meta.background_size, meta.seed)
    pd.testing.assert_frame_equal(
        data[0].iloc[positions].reset_index(drop=True), sampled, check_dtype=False
    )


def test_checks_pass_on_an_honest_explanation(
    logistic: Pipeline,
    logistic_explanation: explainers.Explanation,
    data: tuple[pd.DataFrame, pd.Series],
) -> None:
    checks = explainers.run_checks(logistic, logistic_explanation, reference=data[0])
    assert checks.additivity["max_error"] < 1e-9
    assert checks.additivity["source"] == "model output on the reference data"
    assert checks.reproducibility["identical"] is True
    assert checks.reproducibility["background_resampled_matches"] is True
    assert checks.passed
    assert checks.stability is None
    again = explainers.ExplanationChecks.from_dict(json.loads(json.dumps(checks.to_dict())))
    assert again.to_dict() == checks.to_dict()


def test_reproducibility_reports_the_largest_difference(
    logistic: Pipeline, logistic_explanation: explainers.Explanation
) -> None:
    other = clone(logistic).set_params(model__C=0.01)
    data = logistic_explanation.background
    target = pd.Series(np.arange(len(data)) % 2, index=data.index)
    other.fit(data, target)
    checks = explainers.run_checks(other, logistic_explanation)
    assert checks.reproducibility["identical"] is False
    assert checks.reproducibility["max_difference"] > 0
    assert not checks.passed


def test_stability_against_the_previous_version(
    logistic: Pipeline,
    forest: Pipeline,
    logistic_explanation: explainers.Explanation,
    forest_explanation: explainers.Explanation,
    data: tuple[pd.DataFrame, pd.Series],
) -> None:
    same = explainers.run_checks(
        logistic,
        logistic_explanation,
        reference=data[0],
        previous_model=logistic,
        previous_explanation=logistic_explanation,
    ).stability
    assert same is not None
    assert same["spearman"] == pytest.approx(1.0)
    assert same["entered_top"] == same["left_top"] == []
    assert same["decision_changed_share"] == 0.0
    changed = explainers.run_checks(
        logistic,
        logistic_explanation,
        reference=data[0],
        previous_model=forest,
        previous_explanation=forest_explanation,
    ).stability
    assert changed is not None
    expected = np.mean(
        (logistic.predict_proba(data[0])[:, 1] >= 0.5)
        != (forest.predict_proba(data[0])[:, 1] >= 0.5)
    )
    assert changed["decision_changed_share"] == pytest.approx(expected)
    assert -1.0 <= changed["spearman"] <= 1.0


def test_protected_influence_names_direct_share_and_proxies(
    logistic: Pipeline,
    logistic_explanation: explainers.Explanation,
    data: tuple[pd.DataFrame, pd.Series],
) -> None:
    evaluation = data[0].copy()
    # a protected attribute that is not an input but follows age closely
    evaluation["older"] = np.where(evaluation["age"] > 50, "yes", "no")
    influence = explainers.run_checks(
        logistic, logistic_explanation, evaluation=evaluation, protected=["age", "older"]
    ).protected_influence
    by_name = {a["attribute"]: a for a in influence["attributes"]}
    importance = logistic_explanation.global_importance.set_index("feature")["mean_abs_shap"]
    assert by_name["age"]["direct_share"] == pytest.approx(importance["age"] / importance.sum())
    older = by_name["older"]
    assert older["is_input"] is False and older["direct_share"] is None
    # age is protected itself, so it is never named as a proxy of another attribute
    assert all(p["feature"] != "age" for p in older["proxies"])
    assert older["proxies_computed"] is True
    assert len(older["proxies"]) <= _checks.PROXIES_PER_ATTRIBUTE
    alone = explainers.run_checks(
        logistic, logistic_explanation, evaluation=evaluation, protected=["older"]
    ).protected_influence["attributes"][0]
    top = alone["proxies"][0]
    assert (top["feature"], top["measure"], top["strong"]) == ("age", "correlation", True)
    assert top["shap_share"] == pytest.approx(importance["age"] / importance.sum())
    assert alone["proxy_share"] >= top["shap_share"]


def test_association_measures() -> None:
    x = pd.Series(np.arange(100, dtype=float))
    assert _checks.association(x, 2 * x + 1) == ("correlation", pytest.approx(1.0))
    yes_no = pd.Series(np.where(x > 49, "yes", "no"))
    assert _checks.association(yes_no, x)[0] == "correlation"
    towns = pd.Series(np.array(["a", "b", "c", "d"])[np.arange(100) % 4])
    measure, value = _checks.association(towns, towns.copy())
    assert measure == "mutual_information" and value == pytest.approx(1.0)


@pytest.mark.parametrize("slug", ["benefits-uptake", "housing-guarantee"])
def test_stored_checks_on_the_demo_models(demo_tracking_uri: str, slug: str) -> None:
    from register import Register

    reg = Register(demo_tracking_uri)
    version = reg.get(slug).version
    stored = reg.get_checks(slug, version)
    assert stored is not None
    assert stored.additivity["passed"] and stored.reproducibility["passed"]
    assert stored.fingerprint == reg.get(slug, version).explanation_fingerprint
    influence = {a["attribute"]: a for a in stored.protected_influence["attributes"]}
    record = reg.get(slug, version).record
    assert set(influence) == set(record.data.protected_attributes)
    assert all(a["proxies_computed"] for a in influence.values())
    rerun = reg.recheck(slug, version)
    assert rerun.reproducibility["max_difference"] == pytest.approx(
        stored.reproducibility["max_difference"], abs=1e-9
    )
    assert rerun.additivity["max_error"] == pytest.approx(stored.additivity["max_error"], abs=1e-9)
    if slug == "benefits-uptake":
        assert influence["age"]["is_input"] and influence["age"]["direct_share"] > 0
        assert not influence["sex"]["is_input"]
