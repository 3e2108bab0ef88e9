"""Version diffs: what changed between two versions of one algorithm, as a reader relies on.

One in-memory register holds three versions of benefits-uptake: version 2 changes a record
text and a feature's label and is retrained with other hyperparameters; version 3 drops the
input ``head`` (record and model).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from register import (
    InsynError,
    MemoryStore,
    NotFoundError,
    Register,
    TransparencyRecord,
    VersionDiff,
    diff_versions,
)
from register.export._paths import record_paths
from register.history import BAD_VERSION_MESSAGE, SAME_VERSION_MESSAGE, field_label
from register.history._fairness_diff import fairness_diff
from register.history._model_diff import decision_change, explanation_diff
from register.history._record_diff import RECORD_PARTS, record_changes
from register.store._view import NOT_FOUND_MESSAGE, VERSION_NOT_FOUND_MESSAGE
from register.text import message

SLUG = "benefits-uptake"
NEW_PURPOSE = "Ett nytt syfte: att nå fler som har rätt till ersättning."
NEW_LABEL = "Personens ålder"


def _fit(build: Any, inputs: list[str], **params: Any) -> Any:
    model = clone(build.model)
    model.set_params(**params)
    transformers = [
        (name, encoder, [c for c in columns if c in inputs])
        for name, encoder, columns in model.named_steps["preprocess"].transformers
    ]
    model.named_steps["preprocess"].set_params(transformers=transformers)
    frame = build.evaluation_data
    return model.fit(frame[inputs], frame[build.label])


def _second_record(record: TransparencyRecord) -> TransparencyRecord:
    data = record.to_json_dict()
    data["purpose"]["sv"] = NEW_PURPOSE
    data["technical"]["features"][2]["label"]["sv"] = NEW_LABEL
    return TransparencyRecord.model_validate(data)


def _third_record(record: TransparencyRecord) -> TransparencyRecord:
    data = record.to_json_dict()
    data["technical"]["features"] = [
        f for f in data["technical"]["features"] if f["name"] != "head"
    ]
    return TransparencyRecord.model_validate(data)


@pytest.fixture(scope="module")
def built(benefits_build: Any, benefits_record: TransparencyRecord) -> dict[str, Any]:
    """The register and each version's model."""
    reg = Register(store=MemoryStore())
    inputs = list(benefits_build.reference_data.columns)
    reference = benefits_build.reference_data.head(150).reset_index(drop=True)
    evaluation = benefits_build.evaluation_data.head(400).reset_index(drop=True)
    first = _fit(benefits_build, inputs, classifier__n_estimators=8, classifier__max_depth=3)
    second = _fit(
        benefits_build,
        inputs,
        classifier__n_estimators=12,
        classifier__max_depth=5,
        classifier__class_weight="balanced",
    )
    fewer = [c for c in inputs if c != "head"]
    third = _fit(benefits_build, fewer, classifier__n_estimators=8, classifier__max_depth=3)
    record2 = _second_record(benefits_record)
    # version 2 is evaluated on only 5 women: too few to report, though version 1 reports them
    women = evaluation.index[evaluation["sex"] == "female"]
    few_women = evaluation.drop(index=women[5:])
    for model, record, columns, rows in (
        (first, benefits_record, inputs, evaluation),
        (second, record2, inputs, few_women),
        (third, _third_record(record2), fewer, evaluation),
    ):
        reg.register_algorithm(
            model,
            record,
            reference_data=reference[columns],
            evaluation_data=rows,
            label="ui",
        )
    return {"reg": reg, "models": {1: first, 2: second, 3: third}}


@pytest.fixture(scope="module")
def diff12(built: dict[str, Any]) -> VersionDiff:
    return diff_versions(built["reg"], SLUG, 1, 2)


def test_every_changed_record_field_is_listed_and_no_other(diff12: VersionDiff) -> None:
    paths = [c.path for c in diff12.fields]
    assert paths == ["purpose.sv", "technical.features[2].label.sv"]
    purpose = diff12.fields[0]
    assert purpose.after == NEW_PURPOSE and purpose.before != NEW_PURPOSE
    assert purpose.language == "sv"
    # a localized text gives both languages, before and after (English unchanged)
    assert purpose.text_after == {"sv": NEW_PURPOSE, "en": purpose.text_before["en"]}  # type: ignore[index]
    label = diff12.fields[1]
    assert (label.before, label.after) == ("Ålder", NEW_LABEL)
    assert label.label["en"] == "Technical › Input 3 › Label (Swedish)"
    assert label.label["sv"] == "Teknik › Indata 3 › Namn i klartext (svenska)"
    assert diff12.inputs_added == () and diff12.inputs_removed == ()


def test_a_removed_input_is_named_and_its_fields_listed(built: dict[str, Any]) -> None:
    diff = diff_versions(built["reg"], SLUG, 2, 3)
    assert diff.inputs_removed == ("head",) and diff.inputs_added == ()
    removed = [c for c in diff.fields if c.path.startswith("technical.features[12].")]
    assert removed and all(c.after is None for c in removed)
    assert {c.path for c in diff.fields} == {c.path for c in removed}
    assert next(c for c in removed if c.path == "technical.features[12].name").before == "head"


def test_importances_are_side_by_side_with_their_scale(
    built: dict[str, Any], diff12: VersionDiff
) -> None:
    reg = built["reg"]
    old = reg.get_explanation(SLUG, 1).global_importance
    new = reg.get_explanation(SLUG, 2).global_importance
    explanation = diff12.explanation
    assert explanation.comparable and explanation.scale_before == explanation.scale_after
    by_feature = {i.feature: i for i in explanation.importances}
    assert set(by_feature) == set(new["feature"]) == set(old["feature"])
    for rank, (feature, value) in enumerate(
        zip(new["feature"], new["mean_abs_shap"], strict=True), start=1
    ):
        item = by_feature[feature]
        before = float(old.set_index("feature").loc[feature, "mean_abs_shap"])
        assert (item.after, item.before) == (pytest.approx(value), pytest.approx(before))
        assert item.change == pytest.approx(value - before)
        assert item.rank_after == rank
    assert [i.rank_after for i in explanation.importances] == list(range(1, len(new) + 1))


def test_importances_on_different_scales_are_not_subtracted(built: dict[str, Any]) -> None:
    reg = built["reg"]
    older, newer = reg.get_explanation(SLUG, 1), reg.get_explanation(SLUG, 2)

    class OtherScale:
        metadata = type("M", (), {"scale": "log_odds", "positive_class": "yes"})()
        global_importance = older.global_importance

    decisions = decision_change(None, None, pd.DataFrame({"x": [1]}), ("y",))
    diff = explanation_diff(OtherScale(), newer, decisions)
    assert not diff.comparable
    assert all(i.change is None for i in diff.importances)
    assert all(i.before is not None and i.after is not None for i in diff.importances)
    assert "log-odds" in diff.note["en"] and "cannot be subtracted" in diff.note["en"]


def test_changed_decisions_equal_a_brute_force_count(
    built: dict[str, Any], diff12: VersionDiff
) -> None:
    background = built["reg"].get_explanation(SLUG, 2).background
    old = built["models"][1].predict(background)
    new = built["models"][2].predict(background)
    changed = sum(a != b for a, b in zip(old, new, strict=True))
    assert changed >= 10, "the test needs a count above the suppression limit"
    decisions = diff12.explanation.decisions
    assert decisions.comparable and not decisions.fewer_than_ten
    assert (decisions.rows, decisions.changed) == (len(background), changed)
    assert decisions.share == pytest.approx(changed / len(background))
    assert "newer version's reference rows" in decisions.definition["en"]


def test_the_older_model_scores_the_newer_rows_with_its_own_inputs(built: dict[str, Any]) -> None:
    diff = diff_versions(built["reg"], SLUG, 3, 2)  # v3 lacks "head": v2's rows hold its inputs
    background = built["reg"].get_explanation(SLUG, 2).background
    old = built["models"][3].predict(background.drop(columns=["head"]))
    new = built["models"][2].predict(background)
    changed = int(np.sum(old != new))
    decisions = diff.explanation.decisions
    assert decisions.comparable
    if 0 < changed < 10:
        assert decisions.changed is None and decisions.fewer_than_ten
    else:
        assert decisions.changed == changed


def test_mismatched_inputs_give_the_sentence_not_a_number(built: dict[str, Any]) -> None:
    decisions = diff_versions(built["reg"], SLUG, 2, 3).explanation.decisions
    assert not decisions.comparable
    assert decisions.changed is None and decisions.share is None
    assert decisions.reason == {
        lang: message("diff.decisions.inputs_differ", lang, columns="head") for lang in ("sv", "en")
    }


class _Fixed:
    """A classifier double answering fixed predictions (counts are what is tested)."""

    classes_ = np.array(["no", "yes"])

    def __init__(self, answers: list[str]) -> None:
        self.answers = np.array(answers, dtype=object)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.answers[: len(frame)]


@pytest.mark.parametrize(("flipped", "shown"), [(0, 0), (1, None), (9, None), (10, 10)])
def test_small_numbers_of_changed_decisions_are_suppressed(flipped: int, shown: int | None) -> None:
    rows = 40
    background = pd.DataFrame({"x": range(rows)})
    old = ["no"] * rows
    new = ["yes"] * flipped + ["no"] * (rows - flipped)
    result = decision_change(_Fixed(old), _Fixed(new), background, ("x",))
    assert result.changed == shown
    assert result.fewer_than_ten == (shown is None)
    assert result.share == (None if shown is None else shown / rows)
    assert "fewer_than_ten" in result.to_dict() and result.to_dict()["changed"] == shown


def test_fairness_is_compared_group_by_group(built: dict[str, Any], diff12: VersionDiff) -> None:
    reg = built["reg"]
    old = reg.get_fairness(SLUG, 1).public_dict()
    new = reg.get_fairness(SLUG, 2).public_dict()
    fairness = diff12.fairness
    assert fairness is not None and fairness.has_before and fairness.has_after
    for attribute in new["attributes"]:
        old_groups = {
            g["group"]: g
            for a in old["attributes"]
            if a["attribute"] == attribute["attribute"]
            for g in a["groups"]
        }
        for group in attribute["groups"]:
            change = next(
                c
                for c in fairness.changes
                if c.attribute == attribute["attribute"] and c.group == group["group"]
            )
            rate = change.rates["selection_rate"]
            if group["too_few"] or old_groups[group["group"]]["too_few"]:
                assert rate.too_few and rate.before is None and rate.after is None
            else:
                assert rate.after == group["selection_rate"]
                assert rate.before == old_groups[group["group"]]["selection_rate"]
    women = next(c for c in fairness.changes if (c.attribute, c.group) == ("sex", "female"))
    assert women.rates["selection_rate"].too_few  # reported before, too few after
    assert all(rate.before is None and rate.after is None for rate in women.rates.values())
    assert "true_positive_rate" in women.rates and "false_positive_rate" in women.rates
    assert {c.attribute for c in fairness.changes} == {"age", "sex", "nwhite"}


def test_a_diff_is_json_safe_and_holds_no_rows(built: dict[str, Any], diff12: VersionDiff) -> None:
    data = diff12.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert (data["from"], data["to"]) == (1, 2)
    background = built["reg"].get_explanation(SLUG, 2).background
    text = json.dumps(data)
    assert str(len(background)) in text  # the count, not the rows
    assert "rows" not in json.dumps(data["fields"])


def test_unknown_slug_or_version_is_the_registers_not_found() -> None:
    reg = Register(store=MemoryStore())
    with pytest.raises(NotFoundError) as info:
        diff_versions(reg, "no-such-thing", 1, 2)
    assert str(info.value) == NOT_FOUND_MESSAGE.format(slug="no-such-thing")


def test_unknown_version_is_named(built: dict[str, Any]) -> None:
    with pytest.raises(NotFoundError) as info:
        diff_versions(built["reg"], SLUG, 1, 9)
    assert str(info.value) == VERSION_NOT_FOUND_MESSAGE.format(slug=SLUG, version=9)


def test_the_same_version_twice_is_refused(built: dict[str, Any]) -> None:
    with pytest.raises(InsynError) as info:
        diff_versions(built["reg"], SLUG, 2, 2)
    assert str(info.value) == SAME_VERSION_MESSAGE.format(older=2, newer=2)


@pytest.mark.parametrize("bad", ["abc", "1.5", 0, -2, True, None])
def test_a_version_that_is_not_a_whole_number_is_named(built: dict[str, Any], bad: Any) -> None:
    with pytest.raises(InsynError) as info:
        diff_versions(built["reg"], SLUG, 1, bad)
    assert str(info.value) == BAD_VERSION_MESSAGE.format(name="to", value=bad)


def test_a_version_given_as_text_is_read_as_its_number(built: dict[str, Any]) -> None:
    assert diff_versions(built["reg"], SLUG, "1", "2") == diff_versions(built["reg"], SLUG, 1, 2)


def test_a_diff_reads_only_the_two_versions(built: dict[str, Any], benefits_build: Any) -> None:
    reg = built["reg"]
    reads: list[str] = []
    store = reg.store
    original = store.read_artifact, store.download_artifacts

    def read(run_id: str, path: str) -> bytes:
        reads.append(run_id)
        return original[0](run_id, path)

    def download(run_id: str, path: str, dest: Any) -> Any:
        reads.append(run_id)
        return original[1](run_id, path, dest)

    fresh = Register(store=store)  # nothing cached yet
    fresh.store.read_artifact = read  # type: ignore[method-assign]
    fresh.store.download_artifacts = download  # type: ignore[method-assign]
    try:
        diff_versions(fresh, SLUG, 1, 2)
    finally:
        del fresh.store.read_artifact, fresh.store.download_artifacts
    runs = {reg.get(SLUG, v).run_id: v for v in (1, 2, 3)}
    assert {runs[r] for r in reads} == {1, 2}


def test_field_labels_name_every_part_in_both_languages() -> None:
    assert field_label("legal_basis.references[0].url", "sv") == (
        "Rättslig grund › Hänvisning 1 › Webbadress"
    )
    assert field_label("name.en", "en") == "Name (English)"


def test_every_field_of_a_record_has_a_plain_name() -> None:
    names = {
        part.removesuffix("[]")
        for path in record_paths()
        for part in path.split(".")
        if part not in ("sv", "en")
    }
    names |= {"kind", "title", "completed"}  # impact assessments: one leaf in record_paths
    assert names <= set(RECORD_PARTS)


def test_an_input_removed_in_the_middle_lists_only_its_own_fields(
    benefits_record: TransparencyRecord,
) -> None:
    data = benefits_record.to_json_dict()
    removed = data["technical"]["features"].pop(4)
    data["technical"]["features"][5]["label"]["en"] = "Lives in a city"  # smsa, was [6]
    newer = TransparencyRecord.model_validate(data)
    changes = record_changes(benefits_record, newer)
    gone = [c for c in changes if c.after is None]
    assert {c.path.split(".")[1] for c in gone} == {"features[4]"}
    assert next(c.before for c in gone if c.path == "technical.features[4].name") == "joblost"
    assert removed["name"] == "joblost"
    kept = [c for c in changes if c.after is not None]
    assert [(c.path, c.after) for c in kept] == [
        ("technical.features[5].label.en", "Lives in a city")
    ]
    # the same lists in the same order are compared position by position
    assert record_changes(benefits_record, benefits_record) == []


def test_fairness_is_none_without_results_and_one_sided_with_one(built: dict[str, Any]) -> None:
    assert fairness_diff(None, None) is None
    stored = built["reg"].get_fairness(SLUG, 1).public_dict()
    one = fairness_diff(None, stored)
    assert one is not None and (one.has_before, one.has_after) == (False, True)
    reported = [c for c in one.changes if not c.rates["selection_rate"].too_few]
    assert reported and all(not c.in_before and c.in_after for c in one.changes)
    assert all(c.rates["selection_rate"].before is None for c in reported)
    assert all(c.rates["selection_rate"].change is None for c in reported)
