"""Plain labels in the record: value labels, protected groups, the favourable outcome,
and the warning registration gives for every value readers would see as a raw code."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from register import InsynError, LabelsMissingWarning, Register, parse_record
from register.lifecycle._checks import FAVOURABLE_NOT_A_CLASS_MESSAGE
from register.record import RecordValidationError
from register.record._labels import (
    RULE_DUPLICATE_CODE,
    RULE_LABEL_NOT_PROTECTED,
    same_code,
)
from register.store import MemoryStore

pytestmark = pytest.mark.unit


def _data(record: Any) -> dict[str, Any]:
    return record.to_json_dict()


def test_a_code_names_equal_text_or_an_equal_number() -> None:
    assert same_code("yes", "yes")
    assert same_code("0", 0.0) and same_code("0", "0.0") and same_code("1.5", 1.5)
    assert not same_code("1", True)  # a boolean is not the number 1 here
    assert not same_code("yes", "Yes") and not same_code("0", "00x")


def test_records_give_labels_for_values_groups_and_the_favourable_outcome(benefits_record) -> None:
    record = benefits_record
    assert record.value_label("joblost", "slack_work").get("sv") == "Arbetsbrist"
    assert record.value_label("joblost", "slack_work").get("en") == "Slack work"
    assert record.value_label("sex", "female").get("sv") == "Kvinna"
    assert record.column_label("nwhite").get("sv") == "Icke-vit"
    assert record.column_label("age").get("sv") == "Ålder"  # an input's own label
    assert record.value_label("joblost", "unknown") is None
    favourable = record.technical.favourable_outcome
    assert favourable.value == "yes" and "ersättning" in favourable.label.get("sv")
    assert record.class_label("yes") == favourable.label
    assert (
        record.class_label("no").get("en") == "The person does not receive unemployment insurance"
    )
    # The labels travel with the record (exports and the store read to_json_dict).
    assert parse_record(_data(record)) == record


def test_a_number_written_as_a_code_is_read_as_its_text(benefits_record) -> None:
    data = _data(benefits_record)
    data["data"]["protected_labels"][1]["values"] = [
        {"code": 0, "label": {"sv": "Vit"}},
        {"code": 1.0, "label": {"sv": "Icke-vit"}},
    ]
    record = parse_record(data)
    assert record.value_label("nwhite", "0.0").get("sv") == "Vit"
    assert record.value_label("nwhite", 1).get("sv") == "Icke-vit"


def test_label_rules_name_the_field_the_rule_and_the_value(benefits_record) -> None:
    data = _data(benefits_record)
    data["data"]["protected_labels"].append({"name": "married", "label": {"sv": "Gift"}})
    data["technical"]["features"][4]["values"].append(
        {"code": "slack_work", "label": {"sv": "Igen"}}
    )
    with pytest.raises(RecordValidationError) as caught:
        parse_record(data)
    found = {(p.path, p.rule, p.value) for p in caught.value.problems}
    assert (
        "data.protected_labels.2.name",
        RULE_LABEL_NOT_PROTECTED.format(names="age, sex, nwhite"),
        "'married'",
    ) in found
    assert (
        "technical.features.4.values.4.code",
        RULE_DUPLICATE_CODE.format(where="values.0"),
        "'slack_work'",
    ) in found


def _unlabelled(record: Any) -> Any:
    data = _data(record)
    for feature in data["technical"]["features"]:
        if feature["name"] == "joblost":
            feature["values"] = feature["values"][:2]  # seasonal_job_ended, other unlabelled
    data["data"]["protected_labels"] = data["data"]["protected_labels"][:1]  # no nwhite labels
    data["technical"]["class_labels"] = []  # "no" unlabelled; "yes" is the favourable outcome
    return parse_record(data)


def test_registration_warns_naming_every_unlabelled_value(
    small_model, small_reference, benefits_build, benefits_record
) -> None:
    record = _unlabelled(benefits_record)
    register = Register(store=MemoryStore())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        register.register_algorithm(
            small_model,
            record,
            reference_data=small_reference,
            evaluation_data=benefits_build.evaluation_data,
            label=benefits_build.label,
        )
    messages = [str(w.message) for w in caught if issubclass(w.category, LabelsMissingWarning)]
    assert len(messages) == 1
    text = messages[0]
    for item in ("joblost = 'seasonal_job_ended'", "joblost = 'other'", "nwhite = 'yes'"):
        assert item in text
    assert "nwhite = 'no'" in text and "protected attribute 'nwhite'" in text
    assert "(outcome) = 'no' (technical.class_labels)" in text
    assert "(outcome) = 'yes'" not in text
    assert "slack_work" not in text and "sex = " not in text  # labelled ones are not named


def test_a_fully_labelled_record_registers_without_the_warning(
    small_model, small_reference, benefits_build, benefits_record
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Register(store=MemoryStore()).register_algorithm(
            small_model,
            benefits_record,
            reference_data=small_reference,
            evaluation_data=benefits_build.evaluation_data,
            label=benefits_build.label,
        )
    assert not [w for w in caught if issubclass(w.category, LabelsMissingWarning)]


def test_a_favourable_outcome_that_is_not_a_class_is_refused_before_writing(
    small_model, small_reference, benefits_record
) -> None:
    data = _data(benefits_record)
    data["technical"]["favourable_outcome"]["value"] = "granted"
    store = MemoryStore()
    with pytest.raises(InsynError) as caught:
        Register(store=store).register_algorithm(
            small_model, parse_record(data), reference_data=small_reference
        )
    assert str(caught.value) == FAVOURABLE_NOT_A_CLASS_MESSAGE.format(
        classes="no, yes", value="granted"
    )
    assert Register(store=store).search(include_unpublished=True).items == []
