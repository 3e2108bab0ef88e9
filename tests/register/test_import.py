"""Round trip: NL and Eurocities exports read back equal the record in every carried field."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from register import load_record
from register.cli._export import add_export_commands
from register.export import StandardImportError, export_register, import_standard, record_exports
from register.export._import import (
    LANGUAGE_NEEDED,
    READ_ERROR,
    SEVERAL_ALGORITHMS,
    SLUG_NOT_FOUND,
    UNKNOWN_FORMAT,
)
from register.export._paths import value_at
from register.record._schema import TransparencyRecord, parse_record
from tests.register.test_export_fakes import (
    DEMO_SLUGS,
    demo_fake_register,
    demo_record,
    fake_version,
)

# The record's plain labels (values, protected groups, classes, the favourable outcome):
# neither standard has a field for a label per raw value, so an import takes them from a
# base record.
LABELS = {
    "data.protected_labels[].name",
    "data.protected_labels[].values[].code",
    "technical.class_labels[].code",
    "technical.favourable_outcome.value",
    "technical.features[].values[].code",
    # which way a person can change an input (what-if suggestions): no standard field
    "technical.features[].change_direction",
    "technical.features[].change_to",
}
LABEL_TEXTS = {
    "data.protected_labels[].label",
    "data.protected_labels[].values[].label",
    "technical.class_labels[].label",
    "technical.favourable_outcome.label",
    "technical.features[].values[].label",
}
NL_MISSING = {"department", "start_date", "end_date"} | LABELS | {f"{p}.en" for p in LABEL_TEXTS}
EU_MISSING = (
    {"start_date", "end_date", "supplier"}
    | LABELS
    | {f"{p}.{lang}" for p in LABEL_TEXTS for lang in ("sv", "en")}
)


def downloads(record: TransparencyRecord) -> tuple[dict[str, Any], dict[str, Any]]:
    files = record_exports(fake_version(record))
    stem = f"{record.slug}-v2"
    nl = json.loads(files[f"{stem}-nl-algoritmeregister-1.0.0.json"][0])
    eu = json.loads(files[f"{stem}-eurocities-ats-0.3.1.json"][0])
    return nl, eu


def assert_carried_fields_equal(report: Any, record: TransparencyRecord) -> None:
    original = record.to_json_dict()
    assert report.carried_fields, "an import that carries nothing proves nothing"
    for path in report.carried_fields:
        assert value_at(report.data, path) == value_at(original, path), path


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_nl_round_trip_equals_the_record(slug: str) -> None:
    record = demo_record(slug)
    nl, _ = downloads(record)
    alone = import_standard(nl)
    assert alone.record is None and alone.problems
    assert_carried_fields_equal(alone, record)
    assert set(alone.missing_fields) - {p for p in alone.missing_fields if p.endswith(".sv")} == (
        NL_MISSING
    )
    assert {
        "name.en",
        "legal_basis.references",
        "impact_assessments",
        "contact.url",
        "technical.features[].name",
        "technical.features[].changeable",
    } <= set(alone.carried_fields)
    report = import_standard(nl, base=record)
    assert report.record == record and report.filled_from_base
    assert report.standard == "Algoritmeregister Publicatiestandaard"


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_eurocities_round_trip_equals_the_record_in_both_languages(slug: str) -> None:
    record = demo_record(slug)
    _, eu = downloads(record)
    alone = import_standard(eu)
    assert set(alone.missing_fields) == EU_MISSING
    assert alone.languages == ("sv", "en")
    assert_carried_fields_equal(alone, record)
    assert alone.record is None  # supplier is required and not carried
    assert import_standard(eu, base=record).record == record


def test_the_carried_fields_win_over_the_base(tmp_path: Path) -> None:
    record = demo_record("benefits-uptake")
    other = parse_record(
        {**record.to_json_dict(), "supplier": "Someone else", "organisation": "Annan kommun"}
    )
    nl, _ = downloads(record)
    path = tmp_path / "nl.json"
    path.write_text(json.dumps(nl), encoding="utf-8")
    report = import_standard(path, base=other)
    assert report.record is not None
    assert report.record.organisation == "Exempelkommun"
    assert report.record.supplier == record.supplier


def test_a_register_file_needs_a_slug_and_unknown_input_is_named(tmp_path: Path) -> None:
    export_register(demo_fake_register(), tmp_path / "out")
    path = tmp_path / "out" / "nl-algoritmeregister-1.0.0.json"
    with pytest.raises(StandardImportError) as caught:
        import_standard(path)
    assert str(caught.value) == SEVERAL_ALGORITHMS.format(
        source=path, slugs="benefits-uptake, housing-guarantee"
    )
    with pytest.raises(StandardImportError) as caught:
        import_standard(path, slug="nope")
    assert str(caught.value) == SLUG_NOT_FOUND.format(
        source=path, slug="nope", slugs="benefits-uptake, housing-guarantee"
    )
    missing = tmp_path / "missing.json"
    with pytest.raises(StandardImportError) as caught:
        import_standard(missing)
    assert str(caught.value) == READ_ERROR.format(source=missing, reason="no such file")
    with pytest.raises(StandardImportError) as caught:
        import_standard({"hello": "world"})
    assert str(caught.value) == UNKNOWN_FORMAT.format(source="the given object")


def test_a_bare_standard_object_can_be_read(tmp_path: Path) -> None:
    record = demo_record("housing-guarantee")
    nl, eu = downloads(record)
    bare_nl = nl["algorithms"][0]["record"]
    with pytest.raises(StandardImportError) as caught:
        import_standard(bare_nl)
    assert str(caught.value) == LANGUAGE_NEEDED.format(source="the given object")
    assert import_standard(bare_nl, lang="en", base=record).record == record
    bare_eu = eu["algorithms"][1]["record"]
    report = import_standard(bare_eu, base=record)
    assert "slug" in report.missing_fields and report.record == record


def test_import_command_prints_the_report_and_writes_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    add_export_commands(parser.add_subparsers())
    out = tmp_path / "out"
    args = parser.parse_args(["export", str(out), "--base-url", "https://x.example/e"])
    assert args.func(demo_fake_register(), args) == 0
    printed = capsys.readouterr().out
    assert "nl-algoritmeregister-1.0.0.json" in printed and "valid against" in printed
    base = Path(__file__).resolve().parents[2] / "models" / "benefits-uptake" / "record.yaml"
    written = tmp_path / "back.yaml"
    args = parser.parse_args(
        [
            "import",
            str(out / "eurocities-ats-0.3.1.json"),
            "--base",
            str(base),
            "--out",
            str(written),
        ]
    )
    assert args.func(None, args) == 0
    printed = capsys.readouterr().out
    count = len(EU_MISSING)
    assert f"Not carried by the file ({count}), taken from the base record:" in printed
    assert "  supplier" in printed
    assert load_record(written) == load_record(base)
    assert yaml.safe_load(written.read_text(encoding="utf-8"))["slug"] == "benefits-uptake"


def test_demo_register_round_trip(demo_tracking_uri: str, tmp_path: Path) -> None:
    from register import Register

    reg = Register(demo_tracking_uri)
    export_register(reg, tmp_path / "out")
    for item in reg.list_algorithms():
        record = reg.get(item.slug).record
        for name in ("nl-algoritmeregister-1.0.0.json", "eurocities-ats-0.3.1.json"):
            report = import_standard(tmp_path / "out" / name, base=record)
            assert report.record == record, (item.slug, name)
            assert_carried_fields_equal(
                import_standard(tmp_path / "out" / name, slug=item.slug), record
            )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"schema": ' + b"9" * 5001 + b"}", "Exceeds the limit"),
        (b'{"a": "\xff"}', "can't decode byte 0xff"),
    ],
    ids=["deep", "giant number", "invalid UTF-8"],
)
def test_a_hostile_file_is_refused_in_plain_words(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)
    with pytest.raises(StandardImportError) as caught:
        import_standard(path)
    assert str(caught.value).startswith(f"Cannot read {path}: ")
    assert reason in str(caught.value)
    assert len(str(caught.value)) < 400
