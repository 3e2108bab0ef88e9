"""Fairness by group: numbers against hand-computed values, suppression, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from register import InsynError
from register.audit import _fairness as fz


class FixedModel(ClassifierMixin, BaseEstimator):
    """Predicts the column ``pred`` as it is (so the hand computation is exact)."""

    def fit(self, X, y):  # type: ignore[no-untyped-def]
        self.classes_ = np.array(["no", "yes"], dtype=object)
        self.feature_names_in_ = np.array(["pred", "x"], dtype=object)
        return self

    def predict(self, X):  # type: ignore[no-untyped-def]
        return np.asarray(X["pred"], dtype=object)


def frame() -> pd.DataFrame:
    # group a: 20 people; label yes 10 (pred yes 8), label no 10 (pred yes 2)
    # group b: 20 people; label yes 10 (pred yes 4), label no 10 (pred yes 1)
    # group c: 5 people (too few); label yes 5, pred yes 5
    rows = []
    rows += [("a", "yes", "yes")] * 8 + [("a", "yes", "no")] * 2
    rows += [("a", "no", "yes")] * 2 + [("a", "no", "no")] * 8
    rows += [("b", "yes", "yes")] * 4 + [("b", "yes", "no")] * 6
    rows += [("b", "no", "yes")] * 1 + [("b", "no", "no")] * 9
    rows += [("c", "yes", "yes")] * 5
    data = pd.DataFrame(rows, columns=["group", "label", "pred"])
    data["x"] = 1.0
    data["age"] = [20 + i for i in range(len(data))]
    return data


@pytest.fixture()
def model() -> FixedModel:
    return FixedModel().fit(None, None)


def test_numbers_match_hand_computation(model: FixedModel) -> None:
    report = fz.fairness_report(
        model, frame(), label="label", protected_attributes=["group"], positive_class="yes"
    )
    raw = report.raw[0]
    groups = {g["group"]: g for g in raw["groups"]}
    assert groups["a"]["selection_rate"] == pytest.approx(10 / 20)
    assert groups["a"]["true_positive_rate"] == pytest.approx(8 / 10)
    assert groups["a"]["false_positive_rate"] == pytest.approx(2 / 10)
    assert groups["a"]["precision"] == pytest.approx(8 / 10)
    assert groups["b"]["selection_rate"] == pytest.approx(5 / 20)
    assert groups["b"]["true_positive_rate"] == pytest.approx(4 / 10)
    assert groups["b"]["precision"] == pytest.approx(4 / 5)
    assert groups["c"]["count"] == 5
    assert math.isnan(groups["c"]["false_positive_rate"] or math.nan)  # no negatives in c
    assert raw["overall"]["selection_rate"] == pytest.approx(20 / 45)
    assert raw["overall"]["count"] == 45


def test_public_result_suppresses_small_groups_and_gaps_use_reported_only(
    model: FixedModel,
) -> None:
    report = fz.fairness_report(
        model, frame(), label="label", protected_attributes=["group"], positive_class="yes"
    )
    public = report.public_dict()
    attribute = public["attributes"][0]
    by_group = {g["group"]: g for g in attribute["groups"]}
    # c is too few; exactly one small group, so the next-smallest (a or b, 20) goes too
    assert by_group["c"]["too_few"] is True
    assert all(by_group["c"][m] is None for m in fz.METRICS)
    suppressed = [g for g in attribute["groups"] if g["too_few"]]
    assert len(suppressed) == 2
    assert "5" not in json.dumps(by_group["c"])
    # with one reported group left, no comparison is made
    assert attribute["gaps"]["selection_rate"]["difference"] is None
    assert attribute["flags"] == ["too_few_groups"]


def test_a_difference_with_overlapping_intervals_is_not_flagged_but_named_as_chance(
    model: FixedModel,
) -> None:
    data = frame()
    data = data[data["group"] != "c"]
    public = fz.fairness_report(
        model, data, label="label", protected_attributes=["group"], positive_class="yes"
    ).public_dict()
    attribute = public["attributes"][0]
    selection = attribute["gaps"]["selection_rate"]
    assert selection["difference"] == pytest.approx(0.25)
    assert selection["ratio"] == pytest.approx(0.5)
    assert (selection["lowest"], selection["highest"]) == ("b", "a")
    assert attribute["gaps"]["true_positive_rate"]["difference"] == pytest.approx(0.4)
    # 10 of 20 against 5 of 20, 8 of 10 against 4 of 10: the 95 % intervals overlap
    groups = {g["group"]: g for g in attribute["groups"]}
    assert (
        groups["b"]["intervals"]["selection_rate"][1]
        > groups["a"]["intervals"]["selection_rate"][0]
    )
    assert attribute["flags"] == []
    assert attribute["uncertain"] == ["four_fifths", "true_positive_rate"]
    assert selection["clear"] is None
    assert "could be chance" in attribute["finding"]["en"]
    assert "Clear difference" not in attribute["finding"]["en"]
    assert "kan bero på slumpen" in attribute["finding"]["sv"]
    assert "fyra femtedelar" in attribute["finding"]["sv"]
    assert public["thresholds"]["four_fifths"] == fz.FOUR_FIFTHS


def test_the_same_difference_in_large_groups_is_flagged_as_clear(model: FixedModel) -> None:
    data = frame()
    data = pd.concat([data[data["group"] != "c"]] * 10, ignore_index=True)  # 200 per group
    attribute = fz.fairness_report(
        model, data, label="label", protected_attributes=["group"], positive_class="yes"
    ).public_dict()["attributes"][0]
    assert attribute["flags"] == ["four_fifths", "true_positive_rate"]
    assert attribute["uncertain"] == []
    clear = attribute["gaps"]["selection_rate"]["clear"]
    assert (clear["lowest"], clear["highest"]) == ("b", "a")
    assert clear["ratio"] == pytest.approx(0.5)
    assert attribute["finding"]["en"].startswith("Clear difference: the selection rate")
    assert "four fifths" in attribute["finding"]["en"]
    assert attribute["finding"]["sv"].startswith("Tydlig skillnad:")
    # 10 of 100 against 20 of 100 false positives: 10 points, not above the threshold
    assert "false_positive_rate" not in attribute["flags"] + attribute["uncertain"]


def test_a_rate_over_few_people_in_a_large_group_is_too_few_and_never_flagged(
    model: FixedModel,
) -> None:
    # group a: 200 people, only 6 actual negatives (2 of them selected: 33 %);
    # group b: 200 people, 100 actual negatives (none selected): a 33-point "difference"
    rows = [("a", "yes", "yes")] * 150 + [("a", "yes", "no")] * 44
    rows += [("a", "no", "yes")] * 2 + [("a", "no", "no")] * 4
    rows += [("b", "yes", "yes")] * 75 + [("b", "yes", "no")] * 25 + [("b", "no", "no")] * 100
    data = pd.DataFrame(rows, columns=["group", "label", "pred"]).assign(x=1.0)
    report = fz.fairness_report(
        model, data, label="label", protected_attributes=["group"], positive_class="yes"
    )
    public = report.public_dict()
    attribute = public["attributes"][0]
    a, b = attribute["groups"]
    assert (a["group"], a["count"], a["too_few"]) == ("a", 200, False)
    assert a["too_few_rates"] == ["false_positive_rate"]
    assert a["false_positive_rate"] is None
    assert a["intervals"]["false_positive_rate"] is None
    assert a["denominators"]["false_positive_rate"] is None
    assert a["denominators"]["true_positive_rate"] == 194
    assert b["false_positive_rate"] == 0.0 and b["denominators"]["false_positive_rate"] == 100
    assert attribute["gaps"]["false_positive_rate"]["difference"] is None
    assert "false_positive_rate" not in attribute["flags"] + attribute["uncertain"]
    assert "Some rates are not compared" in attribute["finding"]["en"]
    assert "färre än 10 personer" in attribute["finding"]["sv"]
    assert "0.333" not in json.dumps(public)  # 2 of 6 appears nowhere
    table = report.groups("group")
    assert math.isnan(table.loc[0, "false_positive_rate"])
    assert math.isnan(table.loc[0, "false_positive_rate_low"])
    assert table.loc[0, "selection_rate_low"] < 152 / 200 < table.loc[0, "selection_rate_high"]


def test_every_published_rate_has_its_interval_and_denominator(model: FixedModel) -> None:
    data = frame()
    data = data[data["group"] != "c"]
    attribute = fz.fairness_report(
        model, data, label="label", protected_attributes=["group"], positive_class="yes"
    ).public_dict()["attributes"][0]
    expected = {"selection_rate": 20, "true_positive_rate": 10, "false_positive_rate": 10}
    for group in [*attribute["groups"], attribute["overall"]]:
        for metric in fz.RATE_METRICS:
            value = group[metric]
            if value is None:
                assert metric in group["too_few_rates"]
                continue
            low, high = group["intervals"][metric]
            assert 0.0 <= low <= value <= high <= 1.0
            assert group["denominators"][metric] >= fz.MIN_DENOMINATOR
    a = attribute["groups"][0]
    assert {m: a["denominators"][m] for m in expected} == expected
    # b selects 5 people: its precision rests on 5, too few to report
    assert attribute["groups"][1]["too_few_rates"] == ["precision"]
    assert attribute["overall"]["denominators"]["selection_rate"] == 40


def test_age_is_cut_into_documented_bands(model: FixedModel) -> None:
    groups, how = fz.groups_of(pd.Series([18, 25, 34, 35, 64, 65, 90, None]), "age")
    assert list(groups) == ["<25", "25–34", "25–34", "35–44", "55–64", "65+", "65+", "(missing)"]
    assert "age bands" in how
    public = fz.fairness_report(
        model, frame(), label="label", protected_attributes=["age"], positive_class="yes"
    ).public_dict()
    labels = [g["group"] for g in public["attributes"][0]["groups"]]
    assert set(labels) <= set(fz.band_labels(fz.AGE_BANDS))


def test_public_dict_round_trips_and_stays_suppressed(model: FixedModel) -> None:
    public = fz.fairness_report(
        model, frame(), label="label", protected_attributes=["group"], positive_class="yes"
    ).public_dict()
    assert public["format"] == 2 and public["min_denominator"] == fz.MIN_DENOMINATOR
    again = fz.FairnessReport.from_public_dict(json.loads(json.dumps(public)))
    assert again.public_dict() == json.loads(json.dumps(public))
    table = again.groups("group")
    assert table.loc[table["group"] == "c", "count"].isna().all()


def test_a_result_stored_before_intervals_is_shown_as_stored() -> None:
    stored = {
        "format": 1,
        "positive_class": "yes",
        "rows": 40,
        "min_group_size": 10,
        "thresholds": {"four_fifths": 0.8, "max_rate_difference": 0.1},
        "attributes": [
            {
                "attribute": "sex",
                "grouping": "categories as recorded",
                "overall": {m: 0.5 for m in fz.METRICS},
                "groups": [],
                "gaps": {},
                "flags": ["four_fifths"],
                "finding": {"sv": "Gammal slutsats.", "en": "Old finding."},
            }
        ],
    }
    again = fz.FairnessReport.from_public_dict(json.loads(json.dumps(stored)))
    assert again.public_dict() == stored


def test_missing_protected_attribute_is_named(model: FixedModel) -> None:
    with pytest.raises(InsynError) as caught:
        fz.fairness_report(model, frame(), label="label", protected_attributes=["sex"])
    assert str(caught.value).startswith(
        fz.ATTRIBUTE_MISSING_MESSAGE.split("{")[0]
    ) and "'sex'" in str(caught.value)


def test_labels_outside_classes_are_refused(model: FixedModel) -> None:
    data = frame()
    data.loc[0, "label"] = "maybe"
    with pytest.raises(InsynError, match="'label' holds values the model cannot predict: maybe"):
        fz.fairness_report(model, data, label="label", protected_attributes=["group"])


def test_registration_with_bad_evaluation_data_writes_nothing(
    empty_store_uri: str,
    small_model,
    small_reference,
    benefits_record,
    benefits_build,  # type: ignore[no-untyped-def]
) -> None:
    from pathlib import Path

    from register import Register

    reg = Register(empty_store_uri)
    database = Path(empty_store_uri.removeprefix("sqlite:///"))
    before = database.read_bytes()
    evaluation = benefits_build.evaluation_data.drop(columns=["sex"]).head(200)
    with pytest.raises(InsynError, match="no column 'sex'"):
        reg.register_algorithm(
            small_model,
            benefits_record,
            reference_data=small_reference,
            evaluation_data=evaluation,
            label="ui",
        )
    assert database.read_bytes() == before  # refused before the store was even opened
