"""The transparency record: what a municipality writes, and what insyn tells it when it is wrong."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from register._errors import InsynError
from register.record._errors import (
    FILE_NOT_FOUND,
    MESSAGE_HEADER,
    MESSAGE_LINE,
    MISSING_VALUE,
    RULE_BOOL,
    RULE_CHANGEABLE_PROTECTED,
    RULE_CONTACT,
    RULE_DUPLICATE_FEATURE,
    RULE_EMAIL,
    RULE_END_BEFORE_START,
    RULE_LOCALIZED,
    RULE_MAX_CHARS,
    RULE_MIN_ITEMS,
    RULE_NOT_EMPTY,
    RULE_ONE_OF,
    RULE_REQUIRED,
    RULE_RETIRED_END,
    RULE_SLUG,
    RULE_TEXT_NOT_BOOL,
    RULE_UNKNOWN_FIELD,
    RULE_URL,
    Problem,
    RecordValidationError,
)
from register.record._schema import (
    LocalizedText,
    Status,
    Theme,
    TransparencyRecord,
    load_record,
    parse_record,
)

ROOT = Path(__file__).resolve().parents[2]
DEMOS = {
    "benefits-uptake": ROOT / "models" / "benefits-uptake" / "record.yaml",
    "housing-guarantee": ROOT / "models" / "housing-guarantee" / "record.yaml",
}
Data = dict[str, Any]


def demo_data(slug: str = "benefits-uptake") -> Data:
    """A fresh, valid raw mapping (the demo record as YAML gives it)."""
    data: Data = yaml.safe_load(DEMOS[slug].read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def problems_of(data: Any) -> RecordValidationError:
    with pytest.raises(RecordValidationError) as caught:
        parse_record(data)
    return caught.value


def line(path: str, rule: str, value: str) -> str:
    return MESSAGE_LINE.format(path=path, rule=rule, value=value)


# --- the demo records ---------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_demo_records_load_with_swedish_and_english(slug: str) -> None:
    record = load_record(DEMOS[slug])
    assert record.slug == slug
    assert record.languages == ("sv", "en")
    assert record.status is Status.IN_DEVELOPMENT
    assert record.decision_process.human_decides is True
    assert record.technical.positive_class == "yes"
    # every protected attribute that is also a model input is not changeable
    for name in record.data.protected_attributes:
        feature = record.feature(name)
        assert feature is None or feature.changeable is False
    assert sum(f.changeable for f in record.technical.features) >= 2
    # both say plainly that they are demonstrations
    for text in (record.short_description, record.purpose):
        assert "demonstration" in text.sv.lower()
        assert "demonstration" in (text.en or "").lower()


def test_demo_tags_are_what_search_filters_on() -> None:
    assert load_record(DEMOS["benefits-uptake"]).tags() == {
        "organisation": "Exempelkommun",
        "theme": "labour_market",
        "status": "in_development",
        "risk_category": "high_risk",
        "languages": "sv,en",
    }
    housing = load_record(DEMOS["housing-guarantee"])
    assert housing.theme is Theme.HOUSING
    assert housing.tags()["theme"] == "housing"
    assert housing.data.protected_attributes == ("afam",)
    assert housing.feature("afam") is None  # a fairness-check column, not an input
    assert housing.feature("pirat") is not None


def test_benefits_demo_describes_exactly_the_model_inputs() -> None:
    record = load_record(DEMOS["benefits-uptake"])
    names = {f.name for f in record.technical.features}
    assert names == {
        "stateur",
        "statemb",
        "age",
        "tenure",
        "joblost",
        "school12",
        "smsa",
        "married",
        "dkids",
        "dykids",
        "yrdispl",
        "rr",
        "head",
    }
    assert set(record.data.protected_attributes) == {"age", "sex", "nwhite"}


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_round_trip_through_json(slug: str) -> None:
    record = load_record(DEMOS[slug])
    as_json = json.loads(json.dumps(record.to_json_dict()))
    assert parse_record(as_json) == record


# --- one fault, one clear line ------------------------------------------------


def _set(path: str, value: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _delete(key: str) -> Callable[[Data], None]:
    return lambda data: data.pop(key)


def _dates(start: str, end: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["start_date"], data["end_date"] = start, end

    return change


def _protected_changeable(data: Data) -> None:
    data["technical"]["features"][2]["changeable"] = True  # age


FAULTS = [
    ("missing field", _delete("purpose"), "purpose", RULE_REQUIRED, MISSING_VALUE),
    (
        "wrong type",
        _set("decision_process.human_decides", "perhaps"),
        "decision_process.human_decides",
        RULE_BOOL,
        "'perhaps'",
    ),
    ("unknown key", _set("colour", "blue"), "colour", RULE_UNKNOWN_FIELD, "'blue'"),
    (
        "bad email",
        _set("contact.email", "insyn-at-exempelkommun.se"),
        "contact.email",
        RULE_EMAIL,
        "'insyn-at-exempelkommun.se'",
    ),
    (
        "bad url",
        _set("legal_basis.references.0.url", "riksdagen.se/lag"),
        "legal_basis.references.0.url",
        RULE_URL,
        "'riksdagen.se/lag'",
    ),
    (
        "too long short description",
        _set("short_description.en", "x" * 401),
        "short_description.en",
        RULE_MAX_CHARS.format(max_length=400),
        "(401 characters)",
    ),
    (
        "end before start",
        _dates("2025-05-01", "2024-01-31"),
        "end_date",
        RULE_END_BEFORE_START.format(start="2025-05-01"),
        "2024-01-31",
    ),
    (
        "changeable protected feature",
        _protected_changeable,
        "technical.features.2.changeable",
        RULE_CHANGEABLE_PROTECTED,
        "'age'",
    ),
    (
        "plain string where Swedish must be explicit",
        _set("impact", "Ingen påverkan"),
        "impact",
        RULE_LOCALIZED,
        "'Ingen påverkan'",
    ),
    (
        "unknown status",
        _set("status", "live"),
        "status",
        RULE_ONE_OF.format(choices="in_development, in_use, retired"),
        "'live'",
    ),
    (
        "retired without end date",
        _set("status", "retired"),
        "end_date",
        RULE_RETIRED_END,
        MISSING_VALUE,
    ),
    ("no way to contact", _set("contact", {}), "contact", RULE_CONTACT, "neither email nor url"),
    ("bad slug", _set("slug", "Benefits_Uptake"), "slug", RULE_SLUG, "'Benefits_Uptake'"),
    ("blank Swedish", _set("name.sv", "   "), "name.sv", RULE_NOT_EMPTY, "'   '"),
    (
        "unquoted yes in YAML",
        _set("technical.positive_class", True),
        "technical.positive_class",
        RULE_TEXT_NOT_BOOL,
        "True",
    ),
    (
        "no features",
        _set("technical.features", []),
        "technical.features",
        RULE_MIN_ITEMS.format(min_length=1),
        "[]",
    ),
    (
        "feature described twice",
        _set("technical.features.1.name", "stateur"),
        "technical.features.1.name",
        RULE_DUPLICATE_FEATURE.format(index=0),
        "'stateur'",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "rule", "given"),
    [fault[1:] for fault in FAULTS],
    ids=[fault[0] for fault in FAULTS],
)
def test_each_fault_names_path_rule_and_value(
    change: Callable[[Data], None], path: str, rule: str, given: str
) -> None:
    data = demo_data()
    change(data)
    error = problems_of(data)
    assert isinstance(error, InsynError)
    assert isinstance(error, ValueError)
    [problem] = error.problems
    assert problem.path == path
    assert problem.rule == rule
    assert given in problem.value
    message = str(error)
    header = MESSAGE_HEADER.format(source="'benefits-uptake'", count=1, noun="problem")
    if path == "slug":
        assert message.splitlines()[0].endswith("has 1 problem:")
    else:
        assert message.splitlines()[0] == header
    assert line(path, rule, problem.value) in message.splitlines()


def test_every_fault_is_listed_in_one_message() -> None:
    data = demo_data()
    data["contact"]["email"] = "not an email"
    data["colour"] = "blue"
    data["start_date"], data["end_date"] = "2025-05-01", "2024-01-31"
    del data["purpose"]
    data["technical"]["features"][2]["changeable"] = True

    error = problems_of(data)

    paths = [p.path for p in error.problems]
    assert sorted(paths) == sorted(
        ["contact.email", "colour", "end_date", "purpose", "technical.features.2.changeable"]
    )
    lines = str(error).splitlines()
    assert lines[0] == MESSAGE_HEADER.format(source="'benefits-uptake'", count=5, noun="problems")
    assert lines[1:] == [str(p) for p in error.problems]
    assert line("contact.email", RULE_EMAIL, "'not an email'") in lines
    assert line("purpose", RULE_REQUIRED, MISSING_VALUE) in lines


def test_both_languages_too_long_are_both_listed() -> None:
    data = demo_data()
    data["name"] = {"sv": "å" * 121, "en": "a" * 130}
    error = problems_of(data)
    assert [(p.path, p.rule) for p in error.problems] == [
        ("name.sv", RULE_MAX_CHARS.format(max_length=120)),
        ("name.en", RULE_MAX_CHARS.format(max_length=120)),
    ]


def test_given_values_are_shortened() -> None:
    data = demo_data()
    data["contact"]["email"] = "x" * 500
    [problem] = problems_of(data).problems
    assert len(problem.value) <= 60
    assert problem.value.endswith("...")


def test_a_record_without_a_valid_slug_is_still_reported() -> None:
    data = demo_data()
    del data["slug"]
    error = problems_of(data)
    assert str(error).startswith("The transparency record (without a valid slug) has 1 problem:")
    assert error.problems == (Problem(path="slug", rule=RULE_REQUIRED, value=MISSING_VALUE),)


def test_parse_record_refuses_a_non_mapping() -> None:
    error = problems_of(["slug", "benefits-uptake"])
    assert "must be a mapping of fields, but a list was given" in str(error)
    assert error.problems == ()


def test_the_error_survives_pickling() -> None:
    data = demo_data()
    data["colour"] = "blue"
    error = problems_of(data)
    copy_ = pickle.loads(pickle.dumps(error))
    assert str(copy_) == str(error)
    assert copy_.problems == error.problems


# --- files --------------------------------------------------------------------


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "record.yaml"
    with pytest.raises(RecordValidationError) as caught:
        load_record(path)
    assert str(caught.value) == FILE_NOT_FOUND.format(file=path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("slug: [unclosed\n", "is not valid YAML"),
        ("slug: a\nslug: b\n", "the key 'slug' is given twice"),
        ("- just\n- a list\n", "holds a list"),
        ("", "holds nothing"),
    ],
    ids=["syntax", "duplicate key", "list", "empty"],
)
def test_file_errors_name_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "record.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RecordValidationError) as caught:
        load_record(path)
    message = str(caught.value)
    assert str(path) in message
    assert expected in message


def test_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "record.yaml"
    path.write_text("slug: ok\nname: {sv: [\n", encoding="utf-8")
    with pytest.raises(RecordValidationError) as caught:
        load_record(path)
    assert "line 3" in str(caught.value)


def test_invalid_file_names_the_file_in_the_header(tmp_path: Path) -> None:
    data = demo_data()
    data["theme"] = "transport"
    path = tmp_path / "record.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RecordValidationError) as caught:
        load_record(path)
    first, second = str(caught.value).splitlines()
    assert first == MESSAGE_HEADER.format(source=path, count=1, noun="problem")
    assert second.startswith("- theme: must be one of: social_services, elder_care")


# --- behaviour others build on ------------------------------------------------


def test_localized_text_falls_back_to_swedish() -> None:
    text = LocalizedText(sv="  Hej  ")
    assert text.sv == "Hej"  # surrounding blanks (YAML line ends) are stripped
    assert text.get("en") == "Hej"
    assert text.get("sv") == "Hej"
    assert LocalizedText(sv="Hej", en="Hello").get("en") == "Hello"
    assert LocalizedText(sv="Hej", en="Hello").get("fi") == "Hej"


def test_languages_is_swedish_only_when_one_text_lacks_english() -> None:
    data = demo_data()
    del data["technical"]["features"][0]["label"]["en"]
    record = parse_record(data)
    assert record.languages == ("sv",)
    assert record.tags()["languages"] == "sv"


def test_records_are_frozen() -> None:
    record = load_record(DEMOS["benefits-uptake"])
    with pytest.raises(ValidationError):
        record.slug = "other"


def test_diff_lists_changed_leaf_fields() -> None:
    before = load_record(DEMOS["benefits-uptake"])
    data = before.to_json_dict()
    data["purpose"]["en"] = "A different purpose."
    data["risk"]["category"] = "limited"
    data["technical"]["features"][0]["changeable"] = True
    after = parse_record(data)
    assert before.diff(after) == ["purpose.en", "risk.category", "technical.features"]
    assert after.diff(before) == before.diff(after)
    assert before.diff(before) == []


def test_a_valid_record_can_be_built_in_python() -> None:
    record = TransparencyRecord.model_validate(demo_data("housing-guarantee"))
    assert parse_record(record.to_json_dict()) == record
