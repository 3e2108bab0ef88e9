"""Dependence suppression, save/load round trip, public dict, local explanations."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from explainers import Explanation, ExplanationError, explain_local, explain_rows
from explainers._dependence import MIN_GROUP, dependence_table
from tests.explainers.conftest import FEATURES


def test_rare_category_bin_is_suppressed(forest_explanation) -> None:  # type: ignore[no-untyped-def]
    dep = forest_explanation.dependence
    assert list(dep.columns) == [
        "feature",
        "bin",
        "lower",
        "upper",
        "count",
        "mean_shap",
        "suppressed",
    ]
    rare = dep[(dep.feature == "town") & (dep.bin == "Ödeby")].iloc[0]
    assert rare.suppressed and math.isnan(rare["count"]) and math.isnan(rare.mean_shap)
    visible = dep[~dep.suppressed]
    assert (visible["count"] >= MIN_GROUP).all()
    assert dep[dep.suppressed][["count", "mean_shap"]].isna().all().all()
    assert set(dep.feature) == set(FEATURES)


def test_dependence_means_and_numeric_bins(forest_explanation, data) -> None:  # type: ignore[no-untyped-def]
    dep = forest_explanation.dependence
    values = forest_explanation.values
    reference = data[0]
    row = dep[(dep.feature == "housing") & (dep.bin == "own")].iloc[0]
    mask = reference["housing"] == "own"
    assert row["count"] == mask.sum()
    assert row.mean_shap == pytest.approx(values.loc[mask, "housing"].mean(), abs=1e-12)
    age = dep[dep.feature == "age"]
    assert 2 <= len(age) <= 10
    assert age.bin.iloc[0].startswith("< ") and age.bin.iloc[-1].startswith("≥ ")
    assert "–" in age.bin.iloc[1]
    assert math.isnan(age.lower.iloc[0]) and math.isnan(age.upper.iloc[-1])  # no min/max published
    assert age["count"].sum(min_count=1) <= len(reference)
    children = dep[dep.feature == "children"]  # 4 distinct values -> one bin per value
    assert list(children.bin) == ["0", "1", "2", "3"]


def test_complementary_suppression_hides_differencing() -> None:
    reference = pd.DataFrame({"c": ["a"] * 30 + ["b"] * 12 + ["c"] * 3})
    values = pd.DataFrame({"c": np.linspace(-1, 1, len(reference))})
    dep = dependence_table(reference, values)
    assert list(dep.bin) == ["a", "b", "c"]
    assert list(dep.suppressed) == [
        False,
        True,
        True,
    ]  # "c" alone (3) could be derived from the total


def test_save_load_round_trip_is_exact(forest_explanation, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = forest_explanation.save(tmp_path / "exp")
    names = {p.name for p in folder.iterdir()}
    assert {"metadata.json", "global_importance.json", "dependence.json"} <= names
    assert {"values.parquet", "predictions.parquet", "background.parquet"} <= names
    assert not any(p.suffix in {".pkl", ".pickle", ".joblib"} for p in folder.iterdir())
    for name in ("metadata.json", "global_importance.json", "dependence.json"):
        text = (folder / name).read_text(encoding="utf-8")
        assert "NaN" not in text and "Infinity" not in text
        json.loads(text)
    loaded = Explanation.load(folder)
    assert loaded.metadata == forest_explanation.metadata
    pd.testing.assert_frame_equal(loaded.values, forest_explanation.values, check_exact=True)
    np.testing.assert_array_equal(loaded.predictions, forest_explanation.predictions)
    pd.testing.assert_frame_equal(
        loaded.background, forest_explanation.background, check_exact=True
    )
    pd.testing.assert_frame_equal(
        loaded.global_importance, forest_explanation.global_importance, check_exact=True
    )
    pd.testing.assert_frame_equal(
        loaded.dependence, forest_explanation.dependence, check_exact=True
    )
    assert loaded.public_dict() == forest_explanation.public_dict()


def test_load_rejects_tampered_values(forest_explanation, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = forest_explanation.save(tmp_path / "exp")
    values = pd.read_parquet(folder / "values.parquet")
    values.iloc[0, 0] += 1.0
    values.to_parquet(folder / "values.parquet")
    with pytest.raises(ExplanationError, match="damaged"):
        Explanation.load(folder)
    (folder / "dependence.json").unlink()
    with pytest.raises(ExplanationError, match=r"dependence\.json"):
        Explanation.load(folder)


def test_explanation_stored_before_definitions_loads_with_stated_defaults(
    forest_explanation, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from explainers._definitions import LEGACY, LEGACY_BACKGROUND

    folder = forest_explanation.save(tmp_path / "old")
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    for added in ("definition", "background_drawn", "verification", "margin_definition"):
        meta.pop(added)
    meta.pop("margin_base_value"), meta.pop("margin_fingerprint")
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    loaded = Explanation.load(folder)
    assert loaded.metadata.definition == LEGACY
    assert loaded.metadata.background_drawn == LEGACY_BACKGROUND
    assert loaded.metadata.verification == "not recorded"
    assert loaded.margin_values is None and loaded.metadata.margin_fingerprint is None
    pd.testing.assert_frame_equal(loaded.values, forest_explanation.values, check_exact=True)


def test_margin_view_round_trips_and_is_fingerprinted(data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sklearn.ensemble import GradientBoostingClassifier

    from explainers import explain
    from tests.explainers.conftest import pipeline

    X, y = data
    model = pipeline(GradientBoostingClassifier(n_estimators=10, random_state=0)).fit(X, y)
    explanation = explain(model, X.head(60), positive_class=0, background_size=20)
    margin = explanation.margin_values
    assert margin is not None
    own = -model.decision_function(X.head(60))  # class 0: the negated margin
    base = explanation.metadata.margin_base_value
    np.testing.assert_allclose(margin.to_numpy().sum(1) + base, own, rtol=0, atol=1e-12)
    folder = explanation.save(tmp_path / "gb")
    loaded = Explanation.load(folder)
    assert loaded.margin_values is not None
    pd.testing.assert_frame_equal(loaded.margin_values, margin, check_exact=True)
    assert loaded.metadata == explanation.metadata
    tampered = margin.copy()
    tampered.iloc[0, 0] += 1e-9
    tampered.to_parquet(folder / "margin_values.parquet")
    with pytest.raises(ExplanationError, match="margin values do not match"):
        Explanation.load(folder)


def test_public_dict_has_no_rows(forest_explanation) -> None:  # type: ignore[no-untyped-def]
    public = forest_explanation.public_dict()
    assert set(public) == {"metadata", "global_importance", "dependence"}
    text = json.dumps(public, allow_nan=False, ensure_ascii=False)
    assert "Ödeby" in text  # category label is shown, its small group is not
    suppressed = [r for r in public["dependence"] if r["suppressed"]]
    assert suppressed and all(r["count"] is None and r["mean_shap"] is None for r in suppressed)


def test_results_are_read_only(forest_explanation) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AttributeError):
        forest_explanation.metadata.seed = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        forest_explanation.values = None  # type: ignore[misc]
    copy = forest_explanation.values
    copy.iloc[:, :] = 0.0
    assert forest_explanation.values.abs().to_numpy().sum() > 0
    with pytest.raises(TypeError):
        Explanation(forest_explanation.metadata)  # type: ignore[misc]


@pytest.mark.parametrize("fixture", ["forest", "logistic", "regressor"])
def test_local_contributions_add_up(fixture, request, data) -> None:  # type: ignore[no-untyped-def]
    model = request.getfixturevalue(fixture)
    background = data[0].sample(40, random_state=1)
    row = data[0].iloc[[7]]
    local = explain_local(model, row, background)
    contributions = local.contributions
    assert list(contributions.columns) == ["feature", "value", "shap"]
    assert sorted(contributions.feature) == sorted(FEATURES)
    assert contributions.shap.abs().is_monotonic_decreasing
    assert contributions.shap.sum() == pytest.approx(local.prediction - local.base_value, abs=1e-6)
    assert local.additivity_error < 1e-6
    given = dict(zip(contributions.feature, contributions.value, strict=True))
    assert given["town"] == row["town"].iloc[0] and given["age"] == row["age"].iloc[0]
    json.dumps(local.to_dict(), allow_nan=False)


def test_local_matches_global_values(forest, forest_explanation, data) -> None:  # type: ignore[no-untyped-def]
    rows = data[0].iloc[:3]
    locals_ = explain_rows(forest, rows, forest_explanation.background)
    for i, local in enumerate(locals_):
        by_feature = local.contributions.set_index("feature").shap
        np.testing.assert_allclose(
            by_feature[FEATURES].to_numpy(),
            forest_explanation.values.iloc[i][FEATURES].to_numpy(),
            atol=1e-12,
        )
        assert local.prediction == pytest.approx(forest_explanation.predictions[i], abs=1e-12)


def test_local_needs_one_row(forest, data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExplanationError, match="exactly one row"):
        explain_local(forest, data[0].head(2), data[0].head(20))
