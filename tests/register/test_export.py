"""Exports in published standards: schema-valid, equal to the records, atomic, no row data."""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest

from register.cli._export import EXPORT_LEFT_OUT, cmd_export
from register.export import (
    CSV_COLUMNS,
    ExportError,
    _common,
    _writer,
    export_register,
    record_exports,
)
from register.export._common import (
    EU_STANDARD,
    EXPORT_ERROR,
    FOLDER_ERROR,
    LEFT_OUT,
    NL_STANDARD,
    REASON_NO_CATEGORY,
    REASON_NO_VALUE,
    REASON_NOT_LOSSLESS,
    REASON_TOO_LONG,
    SCHEMA_FOLDER,
)
from register.export._csv import CSV_COLUMN_NAMES
from register.export._eurocities import to_eurocities
from register.export._explanations import explanation_document, explanation_files
from register.export._nl import to_nl
from register.export._records import eurocities_entries, nl_entry, standard_omissions
from register.record._schema import TransparencyRecord, parse_record
from tests.register.test_export_fakes import (
    DEMO_SLUGS,
    SHARED,
    FakeExplanation,
    demo_fake_register,
    demo_record,
    fake_version,
)

NL_SCHEMA = "algoritmeregister-publicatiestandaard-v1.0.0.schema.json"
EU_SCHEMA = "eurocities-ats-v0.3.1.schema.json"
FILES = {
    "nl-algoritmeregister-1.0.0.json",
    "eurocities-ats-0.3.1.json",
    "nl-algoritmeregister-1.0.10.json",
    "uk-atrs-3.0.json",
    "register.csv",
    "csv-metadata.json",
    "catalog.jsonld",
    "schemas/insyn-explanation-v1.schema.json",
    "eu-ai-act-annex-viii-c.json",  # Annex VIII and model cards: tests/register/test_cards.py
    "schemas/insyn-ai-act-annex-viii-c-v1.schema.json",
    "schemas/model-card-toolkit-v0.0.2.schema.json",
}


def card_files(stem: str) -> set[str]:
    return {
        f"{stem}-eu-ai-act-annex-viii-c.json",
        f"{stem}-model-card.json",
        f"{stem}-model-card.md",
    }


def shared_schema(name: str) -> dict[str, Any]:
    path = SHARED / name if (SHARED / name).exists() else SCHEMA_FOLDER / name
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def validate(name: str, instance: dict[str, Any]) -> None:
    document = shared_schema(name)
    kind = jsonschema.validators.validator_for(document)
    kind(document, format_checker=kind.FORMAT_CHECKER).validate(instance)


def changed(record: TransparencyRecord, **values: Any) -> TransparencyRecord:
    return parse_record({**record.to_json_dict(), **values})


def assert_nl_equals(obj: dict[str, Any], record: TransparencyRecord) -> None:
    lang = "en"
    assert obj["name"] == record.name.get(lang)
    assert obj["description_short"] == record.short_description.get(lang)
    assert obj["organization"] == record.organisation
    assert obj["source_id"] == record.slug
    assert obj["supplier"] == record.supplier
    assert obj["contact"] == record.contact.email
    assert obj["link"] == str(record.contact.url)
    assert (
        obj["status"]
        == {"in_development": "In ontwikkeling", "in_use": "In gebruik"}[record.status.value]
    )
    assert obj["publication_category"] == "Hoog-risico AI-systeem (Categorie A)"
    assert obj["risk_management"] == record.risk.management.get(lang)
    assert obj["purpose_and_impact"].startswith(record.purpose.get(lang))
    assert obj["purpose_and_impact"].endswith(record.impact.get(lang))
    for feature in record.technical.features:
        assert f"(`{feature.name}`)" in obj["technical_operation"]
        assert feature.description.get(lang) in obj["technical_operation"]
    for reference in record.legal_basis.references:
        assert str(reference.url) in obj["legal_basis"]
    assert obj["language"] == "nld" and obj["schema"] == "1.0.0"


# -- the schema copies -----------------------------------------------------------
#: SHA-256 of the published schema files as provided in ../shared/standards/.
PUBLISHED_SHA256 = {
    NL_SCHEMA: "0b38544fae229000b7c1ead3271cbb06bcc704e311398a5b0f7f60f1b1a0d597",
    EU_SCHEMA: "4cee5a721b9ec0da5f8d469478f593b41003412a08ca06834c88a26b6d74be61",
}


@pytest.mark.parametrize("name", [NL_SCHEMA, EU_SCHEMA])
def test_schema_copies_are_identical_to_the_shared_standards(name: str) -> None:
    copy = (SCHEMA_FOLDER / name).read_bytes()
    assert hashlib.sha256(copy).hexdigest() == PUBLISHED_SHA256[name]
    # Where ../shared/standards is present (CI), the copy equals it byte for byte.
    for shared in [SHARED / name] if (SHARED / name).exists() else []:
        assert shared.read_bytes() == copy


def test_schema_readme_names_source_and_licence() -> None:
    text = (SCHEMA_FOLDER / "README.md").read_text(encoding="utf-8")
    assert "EUPL-1.2" in text and "MinBZK/Algoritmeregister" in text
    assert "Algoritmeregister/standard" in text


# -- mapping of single records ---------------------------------------------------
@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_nl_object_is_valid_and_holds_the_record_values(slug: str) -> None:
    record = demo_record(slug)
    entry = nl_entry(record, version=3, status="in_development", fallback_start_month="2025-03")
    validate(NL_SCHEMA, entry["record"])
    assert_nl_equals(entry["record"], record)
    assert entry["record"]["start_date"] == "2025-03"
    assert entry["text_language"] == "eng" and entry["slug"] == slug and entry["version"] == 3


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_eurocities_has_one_valid_object_per_language_with_the_record_values(slug: str) -> None:
    record = demo_record(slug)
    entries = eurocities_entries(
        record, version=1, status="in_use", published=date(2024, 1, 2), changed=date(2025, 2, 28)
    )
    assert [e["lang"] for e in entries] == list(record.languages) == ["sv", "en"]
    for entry in entries:
        obj, lang = entry["record"], entry["lang"]
        validate(EU_SCHEMA, obj)
        assert obj["lang"] == lang
        assert obj["name"] == record.name.get(lang)
        assert obj["goal"] == record.purpose.get(lang)
        assert obj["impact"] == record.impact.get(lang)
        assert obj["department"] == record.department
        assert obj["contact_email"] == record.contact.email
        assert obj["objection_procedure"] == record.decision_process.objection.get(lang)
        assert obj["risk_category"] == "high risk"
        assert obj["status"] == "operational"
        assert obj["publication_date"] == "2024-01-02"
        assert obj["last_change_date"] == "2025-02-28"
        assert obj["revision_date"] == "2026-02-28"
    assert entries[0]["record"]["uuid"] == entries[1]["record"]["uuid"]


def test_a_name_longer_than_the_nl_limit_is_refused_naming_slug_field_and_reason() -> None:
    record = changed(demo_record("benefits-uptake"), name={"sv": "n" * 110, "en": "e" * 110})
    with pytest.raises(ExportError) as caught:
        to_nl(record, fallback_start_month="2025-01")
    reason = REASON_TOO_LONG.format(length=110, target="the NL field 'name'", limit=99)
    assert str(caught.value) == EXPORT_ERROR.format(
        slug="benefits-uptake", field="name", reason=reason
    )


def test_a_prohibited_system_has_no_nl_publication_category() -> None:
    base = demo_record("benefits-uptake")
    record = changed(base, risk={**base.to_json_dict()["risk"], "category": "prohibited"})
    with pytest.raises(ExportError) as caught:
        to_nl(record, fallback_start_month="2025-01")
    reason = REASON_NO_CATEGORY.format(value="prohibited", target="the NL publication_category")
    assert str(caught.value) == EXPORT_ERROR.format(
        slug=record.slug, field="risk.category", reason=reason
    )


def test_a_missing_start_month_and_a_missing_email_are_named() -> None:
    record = demo_record("housing-guarantee")
    with pytest.raises(ExportError, match="'start_date'"):
        to_nl(record)
    no_email = changed(record, contact={"url": "https://exempelkommun.se/insyn"})
    with pytest.raises(ExportError) as caught:
        to_eurocities(no_email, lang="sv", published=date.today(), changed=date.today())
    reason = REASON_NO_VALUE.format(target="a contact e-mail (Eurocities contact_email)")
    assert str(caught.value) == EXPORT_ERROR.format(
        slug=record.slug, field="contact.email", reason=reason
    )


def test_a_text_that_would_not_read_back_is_refused_not_mangled() -> None:
    base = demo_record("benefits-uptake")
    purpose = {"sv": base.purpose.sv, "en": f"{base.purpose.en}\n\nImpact:\nsmuggled"}
    record = changed(base, purpose=purpose)
    with pytest.raises(ExportError) as caught:
        nl_entry(record, version=1, status="in_development", fallback_start_month="2025-01")
    reason = REASON_NOT_LOSSLESS.format(target="the NL export")
    assert str(caught.value) == EXPORT_ERROR.format(
        slug=record.slug, field="purpose.en", reason=reason
    )


def test_a_swedish_only_record_is_exported_in_swedish() -> None:
    base = demo_record("benefits-uptake")
    record = changed(base, name={"sv": base.name.sv})
    entry = nl_entry(record, version=1, status="in_development", fallback_start_month="2025-01")
    assert entry["text_language"] == "swe"
    assert entry["record"]["name"] == base.name.sv
    assert entry["record"]["risk_management"] == base.risk.management.sv


# -- per-record downloads ----------------------------------------------------------
def test_record_exports_give_nl_eurocities_and_a_csv_row() -> None:
    version = fake_version(demo_record("benefits-uptake"))
    files = record_exports(version, audit_head="abc123")
    stem = "benefits-uptake-v2"
    assert set(files) == {
        f"{stem}-nl-algoritmeregister-1.0.0.json",
        f"{stem}-eurocities-ats-0.3.1.json",
        f"{stem}.csv",
        f"{stem}-nl-algoritmeregister-1.0.10.json",
        f"{stem}-uk-atrs-3.0.json",
        f"{stem}-record-sv.html",
        f"{stem}-record-en.html",
        *card_files(stem),
    }
    nl = json.loads(files[f"{stem}-nl-algoritmeregister-1.0.0.json"][0])
    assert files[f"{stem}-nl-algoritmeregister-1.0.0.json"][1] == "application/json"
    assert nl["standard_version"] == "1.0.0" and nl["audit_head"] == "abc123"
    assert nl["generated_at"].endswith("Z")
    validate(NL_SCHEMA, nl["algorithms"][0]["record"])
    assert_nl_equals(nl["algorithms"][0]["record"], version.record)
    content, mime = files[f"{stem}.csv"]
    assert mime.startswith("text/csv")
    lines = content.decode("utf-8").splitlines()
    assert lines[0].split(",") == list(CSV_COLUMN_NAMES) and len(lines) == 2


# -- explanations: aggregates only ---------------------------------------------------
def test_explanation_export_holds_aggregates_and_keeps_small_bins_suppressed() -> None:
    document = explanation_document(
        FakeExplanation(),
        slug="benefits-uptake",
        version=2,
        generated_at="2025-01-01T00:00:00Z",
        audit_head=None,
    )
    assert set(document) == {
        "format",
        "format_version",
        "schema",
        "generated_at",
        "audit_head",
        "slug",
        "version",
        "metadata",
        "global_importance",
        "dependence",
    }
    assert "seconds" not in document["metadata"]
    # open-data readers see what the numbers mean and which background they were taken against
    assert document["metadata"]["definition"].startswith("interventional SHAP values")
    assert document["metadata"]["background_drawn"].startswith("all 500 reference rows")
    assert document["global_importance"] == [
        {"feature": "joblost", "mean_abs_shap": 0.05},
        {"feature": "age", "mean_abs_shap": 0.02},
    ]
    bins = document["dependence"]
    assert [b["suppressed"] for b in bins] == [False, True, True, False]
    for item in bins:
        if item["suppressed"]:
            assert item["count"] is None and item["mean_shap"] is None
        else:
            assert item["count"] >= 10


def test_explanation_export_names_inputs_and_categories_by_the_records_labels() -> None:
    document = explanation_document(
        FakeExplanation(),
        slug="benefits-uptake",
        version=2,
        generated_at="2025-01-01T00:00:00Z",
        audit_head=None,
        record=demo_record("benefits-uptake"),
    )
    validate_explanation(document)  # the label fields are part of the schema
    first = document["global_importance"][0]
    assert first["feature"] == "joblost"  # the raw name stays for machines
    assert first["feature_label"] == {"sv": "Orsak till jobbförlusten", "en": "Reason for job loss"}
    category = document["dependence"][-1]
    assert category["bin"] == "other"
    assert category["bin_label"] == {"sv": "Annan orsak", "en": "Other reason"}
    assert document["dependence"][0]["bin_label"] is None  # a numeric bin has no label
    _, as_csv = explanation_files(document)
    header, *rows = as_csv.decode("utf-8").splitlines()
    assert {"feature_label_sv", "bin_label_sv", "bin_label_en"} <= set(header.split(","))
    assert any("Annan orsak" in row and "Other reason" in row for row in rows)


# -- the whole register (fake store) ---------------------------------------------------
def export_files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_export_register_writes_every_file_validated_and_equal_to_the_records(
    tmp_path: Path,
) -> None:
    reg = demo_fake_register()
    report = export_register(
        reg, tmp_path / "out", base_url="https://example.org/insyn/", audit_head="head42"
    )
    folder = tmp_path / "out"
    explanation_files = {
        f"explanations/{slug}-v2.{ext}" for slug in DEMO_SLUGS for ext in ("json", "csv")
    } | {f"model-cards/{slug}-v2-model-card.{ext}" for slug in DEMO_SLUGS for ext in ("json", "md")}
    assert export_files(folder) == FILES | explanation_files
    assert {f.name for f in report.files} == (FILES | explanation_files) - {
        name for name in FILES if name.startswith("schemas/")
    }
    assert report.algorithms == (("benefits-uptake", 2), ("housing-guarantee", 2))
    nl = json.loads((folder / "nl-algoritmeregister-1.0.0.json").read_text(encoding="utf-8"))
    assert nl["audit_head"] == "head42" and nl["generated_at"] == report.generated_at
    assert [e["slug"] for e in nl["algorithms"]] == list(DEMO_SLUGS)
    for entry in nl["algorithms"]:
        validate(NL_SCHEMA, entry["record"])
        assert_nl_equals(entry["record"], demo_record(entry["slug"]))
    eu = json.loads((folder / "eurocities-ats-0.3.1.json").read_text(encoding="utf-8"))
    assert len(eu["algorithms"]) == 4
    for entry in eu["algorithms"]:
        validate(EU_SCHEMA, entry["record"])
        assert entry["record"]["name"] == demo_record(entry["slug"]).name.get(entry["lang"])
        assert entry["record"]["publication_date"] == "2024-12-01"
    frame = pd.read_csv(folder / "register.csv", keep_default_na=False, dtype=str)
    assert list(frame.columns) == [name for name, _ in CSV_COLUMNS]
    assert list(frame["slug"]) == list(DEMO_SLUGS)
    assert list(frame["name_sv"]) == [demo_record(s).name.sv for s in DEMO_SLUGS]
    assert set(frame["audit_head"]) == {"head42"}
    catalog = json.loads((folder / "catalog.jsonld").read_text(encoding="utf-8"))
    assert catalog["@type"] == "dcat:Catalog"
    distributions = catalog["dcat:dataset"][0]["dcat:distribution"]
    urls = {d["dcat:downloadURL"]["@id"] for d in distributions}
    assert urls == {f"https://example.org/insyn/{f.name}" for f in report.files[:-1]}
    by_name = {d["dcat:downloadURL"]["@id"].rsplit("insyn/", 1)[1]: d for d in distributions}
    nl_dist = by_name["nl-algoritmeregister-1.0.0.json"]
    assert nl_dist["dct:conformsTo"]["@id"].endswith(NL_SCHEMA)
    assert nl_dist["dcat:mediaType"]["@id"].endswith("application/json")


def test_export_replaces_an_existing_folder_as_a_whole(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "stale.txt").write_text("old", encoding="utf-8")
    export_register(demo_fake_register(), folder)
    assert not (folder / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_under_a_regular_file_is_refused_and_names_the_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    target = blocker / "out"
    with pytest.raises(ExportError) as caught:
        export_register(demo_fake_register(), target)
    assert str(caught.value).startswith(FOLDER_ERROR.split("{folder}")[0] + str(target))
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_failure_part_way_leaves_the_previous_export_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    export_register(demo_fake_register(), folder)
    before = {name: (folder / name).read_bytes() for name in export_files(folder)}
    calls = {"n": 0}
    original = _writer._write

    def failing(staging: Path, name: str, content: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        original(staging, name, content)

    monkeypatch.setattr(_writer, "_write", failing)
    with pytest.raises(ExportError) as caught:
        export_register(demo_fake_register(), folder, audit_head="new")
    assert "No space left on device" in str(caught.value) and str(folder) in str(caught.value)
    assert {name: (folder / name).read_bytes() for name in export_files(folder)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_record_too_long_for_one_standard_is_left_out_of_that_standard_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = demo_fake_register()
    long_name = changed(demo_record("housing-guarantee"), name={"sv": "n" * 110})
    reg.versions["housing-guarantee"] = fake_version(long_name)
    report = export_register(reg, tmp_path / "out")
    folder = tmp_path / "out"
    reason = REASON_TOO_LONG.format(length=110, target="the NL field 'name'", limit=99)
    [omitted] = [item for item in report.omitted if item.standard == NL_STANDARD]
    assert (omitted.slug, omitted.version, omitted.standard, omitted.field, omitted.reason) == (
        "housing-guarantee",
        2,
        NL_STANDARD,
        "name",
        reason,
    )
    assert omitted.message == LEFT_OUT.format(
        standard=NL_STANDARD, slug="housing-guarantee", version=2, field="name", reason=reason
    )
    nl = json.loads((folder / "nl-algoritmeregister-1.0.0.json").read_text(encoding="utf-8"))
    assert [e["slug"] for e in nl["algorithms"]] == ["benefits-uptake"]
    assert omitted.message in nl["notes"]
    eu = json.loads((folder / "eurocities-ats-0.3.1.json").read_text(encoding="utf-8"))
    assert sorted({e["slug"] for e in eu["algorithms"]}) == list(DEMO_SLUGS)
    assert not any("Left out" in note for note in eu["notes"])
    frame = pd.read_csv(folder / "register.csv", keep_default_na=False, dtype=str)
    assert list(frame["slug"]) == list(DEMO_SLUGS)
    status = {f.name: f.validation for f in report.files}
    assert status["nl-algoritmeregister-1.0.0.json"].endswith("(1 objects); 1 left out (see notes)")
    assert report.algorithms == (("benefits-uptake", 2), ("housing-guarantee", 2))

    args = argparse.Namespace(folder=str(tmp_path / "cli"), base_url=None)
    assert cmd_export(reg, args) == 0  # type: ignore[arg-type]
    printed = capsys.readouterr().out.splitlines()
    assert EXPORT_LEFT_OUT.format(count=len(report.omitted)) in printed
    assert f"  {omitted.message}" in printed


def test_one_language_too_long_for_a_schema_leaves_out_that_entry_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Eurocities 0.3.1 sets no length limit; a record that breaks its schema in one
    # language (here: a stricter schema) loses only that entry.
    document = json.loads((SCHEMA_FOLDER / EU_SCHEMA).read_text(encoding="utf-8"))
    document["properties"]["name"]["maxLength"] = 80
    monkeypatch.setattr(
        _common,
        "schema",
        lambda name: (
            document
            if name == EU_SCHEMA
            else (json.loads((SCHEMA_FOLDER / name).read_text(encoding="utf-8")))
        ),
    )
    _common._validator.cache_clear()
    try:
        reg = demo_fake_register()
        base = demo_record("housing-guarantee")
        record = changed(base, name={"sv": base.name.sv, "en": "e" * 81})
        reg.versions["housing-guarantee"] = fake_version(record)
        report = export_register(reg, tmp_path / "out")
    finally:
        _common._validator.cache_clear()
    [omitted] = report.omitted
    assert omitted.standard == f"{EU_STANDARD} (en)"
    assert (omitted.slug, omitted.field) == ("housing-guarantee", "name")
    assert "breaks the schema" in omitted.reason
    folder = tmp_path / "out"
    eu = json.loads((folder / "eurocities-ats-0.3.1.json").read_text(encoding="utf-8"))
    assert sorted((e["slug"], e["lang"]) for e in eu["algorithms"]) == [
        ("benefits-uptake", "en"),
        ("benefits-uptake", "sv"),
        ("housing-guarantee", "sv"),
    ]


# -- end to end on the demo register ------------------------------------------------------
def test_demo_register_exports_validate_and_hold_the_published_values(
    demo_tracking_uri: str, tmp_path: Path
) -> None:
    from register import Register

    reg = Register(demo_tracking_uri)
    published = {item.slug: reg.get(item.slug) for item in reg.list_algorithms()}
    assert published, "the demo register has published algorithms"
    export_register(reg, tmp_path / "out", base_url="https://data.example.se/insyn")
    folder = tmp_path / "out"
    nl = json.loads((folder / "nl-algoritmeregister-1.0.0.json").read_text(encoding="utf-8"))
    assert sorted(e["slug"] for e in nl["algorithms"]) == sorted(published)
    for entry in nl["algorithms"]:
        validate(NL_SCHEMA, entry["record"])
        assert_nl_equals(entry["record"], published[entry["slug"]].record)
        assert entry["version"] == published[entry["slug"]].version
    eu = json.loads((folder / "eurocities-ats-0.3.1.json").read_text(encoding="utf-8"))
    assert len(eu["algorithms"]) == sum(len(v.record.languages) for v in published.values())
    for entry in eu["algorithms"]:
        validate(EU_SCHEMA, entry["record"])
        record = published[entry["slug"]].record
        assert entry["record"]["goal"] == record.purpose.get(entry["lang"])
    frame = pd.read_csv(folder / "register.csv", keep_default_na=False, dtype=str)
    assert len(frame) == len(published)
    assert list(frame.columns) == list(CSV_COLUMN_NAMES)
    for row in frame.itertuples():
        assert row.organisation == published[row.slug].record.organisation
        assert int(row.version) == published[row.slug].version
    for slug, version in published.items():
        explanation = reg.get_explanation(slug, version.version)
        path = folder / "explanations" / f"{slug}-v{version.version}.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        validate_explanation(document)
        assert [i["feature"] for i in document["global_importance"]] == list(
            explanation.global_importance["feature"]
        )
        assert len(document["dependence"]) == len(explanation.dependence)
        for item, suppressed in zip(
            document["dependence"], explanation.dependence["suppressed"], strict=True
        ):
            assert item["suppressed"] or not suppressed
            if item["suppressed"]:
                assert item["count"] is None and item["mean_shap"] is None
        rows = pd.read_csv(path.with_suffix(".csv"), keep_default_na=False, dtype=str)
        assert set(rows["table"]) == {"global_importance", "dependence"}
        assert len(rows) == len(explanation.global_importance) + len(explanation.dependence)
        assert_no_row_values(document, explanation)


def validate_explanation(document: dict[str, Any]) -> None:
    schema = json.loads(
        (SCHEMA_FOLDER / "insyn-explanation-v1.schema.json").read_text(encoding="utf-8")
    )
    jsonschema.Draft202012Validator(schema).validate(document)


def assert_no_row_values(document: dict[str, Any], explanation: Any) -> None:
    """Only aggregates: fixed keys, no per-row arrays, every shown bin has >= 10 rows.

    (An aggregate can equal a row's value, e.g. one SHAP value shared by a whole
    category of a linear model, so values are not compared.)
    """
    assert set(document) == {
        "format", "format_version", "schema", "generated_at", "audit_head", "slug",
        "version", "metadata", "global_importance", "dependence",
    }  # fmt: skip
    text = json.dumps(document)
    for key in ("values", "background", "predictions", "rows_data", "reference"):
        assert f'"{key}"' not in text
    assert len(document["global_importance"]) == len(explanation.global_importance)
    assert all(b["count"] is None or b["count"] >= 10 for b in document["dependence"])
    numbers = len(document["global_importance"]) + 2 * len(document["dependence"])
    assert numbers < len(explanation.values) * len(explanation.values.columns)


def test_the_standards_a_record_cannot_be_exported_to_are_known_before_it_is_stored() -> None:
    for slug in DEMO_SLUGS:
        assert standard_omissions(demo_record(slug)) == ()
    base = demo_record("benefits-uptake")
    record = changed(base, name={"sv": "n" * 110, "en": "e" * 110}, contact={"url": "https://x.se"})
    found = {(o.standard, o.field) for o in standard_omissions(record)}
    assert found == {
        (NL_STANDARD, "name"),
        (f"{EU_STANDARD} (sv)", "contact.email"),
        (f"{EU_STANDARD} (en)", "contact.email"),
        (f"{NL_STANDARD} 1.0.10", "name"),
    }
    swedish = changed(base, name={"sv": base.name.sv})
    assert [o.field for o in standard_omissions(swedish)] == ["languages"]  # the UK ATRS
