"""NL Publicatiestandaard 1.0.10, UK ATRS 3.0 and the printable record: valid, the record's
values, read back with what the standard does not carry, and record text kept inert."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from register.export import ExportError, export_register, import_standard, record_exports
from register.export._atrs import ATRS_SCHEMA, ATRS_STANDARD, NOT_RECORDED, atrs_entry
from register.export._common import EXPORT_ERROR, REASON_NO_VALUE, REASON_TOO_LONG, SCHEMA_FOLDER
from register.export._nl_1010 import NL10_SCHEMA, NL10_STANDARD, nl_1010_entry
from register.export._printable import printable_record
from register.export._records import nl_entry
from register.record._schema import TransparencyRecord
from register.text import message
from tests.register.test_export import assert_nl_equals, changed
from tests.register.test_export_fakes import (
    DEMO_SLUGS,
    demo_fake_register,
    demo_record,
    fake_version,
)

STEM = "benefits-uptake-v2"


def validate(name: str, instance: dict[str, Any]) -> None:
    document = json.loads((SCHEMA_FOLDER / name).read_text(encoding="utf-8"))
    kind = jsonschema.validators.validator_for(document)
    kind.check_schema(document)
    kind(document, format_checker=kind.FORMAT_CHECKER).validate(instance)


def swedish_only(record: TransparencyRecord) -> TransparencyRecord:
    return changed(record, name={"sv": record.name.sv})


# -- the schemas written from the published field texts ---------------------------------
def test_the_nl_1010_schema_follows_the_field_text_of_ch02() -> None:
    document = json.loads((SCHEMA_FOLDER / NL10_SCHEMA).read_text(encoding="utf-8"))
    assert set(document["required"]) == {
        "name",
        "description_short",
        "organization",
        "status",
        "contact",
        "publication_category",
        "language",
        "schema",
    }
    assert len(document["properties"]) == 32
    limits = {key: value.get("maxLength") for key, value in document["properties"].items()}
    assert (limits["name"], limits["description_short"], limits["source_id"]) == (99, 349, 99)
    assert limits["technical_operation"] == 4999 and limits["supplier"] == 199
    readme = (SCHEMA_FOLDER / "README.md").read_text(encoding="utf-8")
    assert NL10_SCHEMA in readme and "no JSON Schema of 1.0.10 is published" in readme
    assert ATRS_SCHEMA in readme and "Open Government Licence" in readme


def test_the_atrs_schema_requires_the_tier_1_and_tier_2_fields() -> None:
    document = json.loads((SCHEMA_FOLDER / ATRS_SCHEMA).read_text(encoding="utf-8"))
    tier_1 = document["properties"]["tier_1"]
    assert tier_1["required"] == ["name", "description", "website_url", "contact_email"]
    tier_2 = document["properties"]["tier_2"]["properties"]
    assert "senior_responsible_owner" in tier_2["owner_and_responsibility"]["required"]
    assert "risks_and_mitigations" in tier_2["risks_mitigations_and_impact_assessments"]["required"]


# -- NL 1.0.10 ---------------------------------------------------------------------------
@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_nl_1010_is_valid_and_maps_the_record_as_the_1_0_0_export_does(slug: str) -> None:
    record = demo_record(slug)
    entry = nl_1010_entry(record, version=3, status="in_development")
    validate(NL10_SCHEMA, entry["record"])
    assert_nl_equals(entry["record"], record)
    assert entry["text_language"] == "eng" and entry["version"] == 3
    old = nl_entry(record, version=3, status="in_development", fallback_start_month="2025-03")
    # Same values; the start month is only the record's own (optional in 1.0.10).
    assert "start_date" not in entry["record"] and old["record"]["start_date"] == "2025-03"
    assert entry["record"] == {k: v for k, v in old["record"].items() if k != "start_date"}
    dated = changed(record, start_date="2023-04-01")
    assert nl_1010_entry(dated, version=3, status="in_use")["record"]["start_date"] == "2023-04"


def test_a_short_description_over_the_1010_limit_is_left_out_of_1010_only(
    tmp_path: Path,
) -> None:
    base = demo_record("housing-guarantee")
    text = "d" * 360
    record = changed(base, short_description={"sv": text, "en": text})
    with pytest.raises(ExportError) as caught:
        nl_1010_entry(record, version=2, status="in_use")
    reason = REASON_TOO_LONG.format(
        length=360, target="the NL 1.0.10 field 'description_short'", limit=349
    )
    assert str(caught.value) == EXPORT_ERROR.format(
        slug=record.slug, field="short_description", reason=reason
    )
    files = record_exports(fake_version(record))  # the other downloads stay offered
    assert f"{record.slug}-v2-nl-algoritmeregister-1.0.0.json" in files
    assert not any(name.endswith("nl-algoritmeregister-1.0.10.json") for name in files)
    reg = demo_fake_register()
    reg.versions["housing-guarantee"] = fake_version(record)
    report = export_register(reg, tmp_path / "out")
    assert [(o.standard, o.slug) for o in report.omitted] == [(NL10_STANDARD, record.slug)]
    folder = tmp_path / "out"
    new = json.loads((folder / "nl-algoritmeregister-1.0.10.json").read_text(encoding="utf-8"))
    old = json.loads((folder / "nl-algoritmeregister-1.0.0.json").read_text(encoding="utf-8"))
    assert [e["slug"] for e in new["algorithms"]] == ["benefits-uptake"]
    assert report.omitted[0].message in new["notes"]
    assert [e["slug"] for e in old["algorithms"]] == list(DEMO_SLUGS)


# -- UK ATRS -----------------------------------------------------------------------------
@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_atrs_is_valid_and_holds_the_records_english_values(slug: str) -> None:
    record = demo_record(slug)
    entry = atrs_entry(
        record, version=2, status="in_use", published=date(2024, 1, 2), changed=date(2025, 2, 3)
    )
    obj = entry["record"]
    validate(ATRS_SCHEMA, obj)
    assert entry["lang"] == "en" and entry["slug"] == slug
    assert obj["metadata"]["standard_version"] == "3.0"
    assert obj["metadata"]["date_of_completion"] == "2024-01-02"
    assert obj["metadata"]["date_updated"] == "2025-02-03"
    assert obj["title_information"]["title"] == record.name.en
    assert obj["title_information"]["organisation_name"] == record.organisation
    assert obj["title_information"]["phase"] == "Production"
    assert obj["tier_1"]["name"] == record.name.en
    assert obj["tier_1"]["description"] == record.purpose.en
    assert obj["tier_1"]["contact_email"] == record.contact.email
    assert obj["tier_1"]["website_url"] == str(record.contact.url)
    tier_2 = obj["tier_2"]
    assert tier_2["owner_and_responsibility"]["team"] == record.department
    assert tier_2["owner_and_responsibility"]["external_supplier"] == record.supplier
    process = tier_2["decision_making_process"]
    assert process["appeals_and_review"] == record.decision_process.objection.en
    assert process["human_decisions_and_review"].startswith(record.human_oversight.en)
    assert tier_2["owner_and_responsibility"]["senior_responsible_owner"] == NOT_RECORDED
    model = tier_2["model_specification"]
    for feature in record.technical.features:
        assert f"(`{feature.name}`)" in model["model_input"]
    assert tier_2["risks_mitigations_and_impact_assessments"]["risks_and_mitigations"].startswith(
        record.risk.management.en
    )


def test_a_record_without_english_is_left_out_of_the_atrs_and_named(tmp_path: Path) -> None:
    record = swedish_only(demo_record("housing-guarantee"))
    with pytest.raises(ExportError) as caught:
        atrs_entry(record, version=2, status="in_use", published=date.today(), changed=date.today())
    target = "a complete English text (the UK ATRS is published in English)"
    assert str(caught.value) == EXPORT_ERROR.format(
        slug=record.slug, field="languages", reason=REASON_NO_VALUE.format(target=target)
    )
    files = record_exports(fake_version(record))
    assert not any(name.endswith("uk-atrs-3.0.json") for name in files)
    assert f"{record.slug}-v2-record-en.html" in files  # the page is still offered
    reg = demo_fake_register()
    reg.versions["housing-guarantee"] = fake_version(record)
    report = export_register(reg, tmp_path / "out")
    [left_out] = [o for o in report.omitted if o.standard == ATRS_STANDARD]
    uk = json.loads((tmp_path / "out" / "uk-atrs-3.0.json").read_text(encoding="utf-8"))
    assert [e["slug"] for e in uk["algorithms"]] == ["benefits-uptake"]
    assert left_out.message in uk["notes"]


# -- files, catalogue and import -------------------------------------------------------
def test_export_register_writes_and_catalogues_the_new_standards(tmp_path: Path) -> None:
    report = export_register(demo_fake_register(), tmp_path / "out", base_url="https://x.org/")
    status = {f.name: f.validation for f in report.files}
    assert status["nl-algoritmeregister-1.0.10.json"].startswith(f"valid against {NL10_SCHEMA}")
    assert status["uk-atrs-3.0.json"] == f"valid against {ATRS_SCHEMA} (2 objects)"
    catalog = json.loads((tmp_path / "out" / "catalog.jsonld").read_text(encoding="utf-8"))
    by_url = {d["@id"]: d for d in catalog["dcat:dataset"][0]["dcat:distribution"]}
    assert (
        "v1.0.10"
        in by_url["https://x.org/nl-algoritmeregister-1.0.10.json"]["dct:conformsTo"]["@id"]
    )
    assert "co-cddo" in by_url["https://x.org/uk-atrs-3.0.json"]["dct:conformsTo"]["@id"]
    uk = json.loads((tmp_path / "out" / "uk-atrs-3.0.json").read_text(encoding="utf-8"))
    for entry in uk["algorithms"]:
        validate(ATRS_SCHEMA, entry["record"])
        assert entry["record"]["tier_1"]["name"] == demo_record(entry["slug"]).name.en


@pytest.mark.parametrize(
    ("suffix", "standard", "not_carried"),
    [
        ("nl-algoritmeregister-1.0.10.json", NL10_STANDARD, {"name.sv", "department"}),
        ("uk-atrs-3.0.json", ATRS_STANDARD, {"name.sv", "legal_basis.text.en", "start_date"}),
    ],
)
def test_import_reads_the_new_standards_back_and_lists_what_they_do_not_carry(
    suffix: str, standard: str, not_carried: set[str]
) -> None:
    record = demo_record("benefits-uptake")
    document = json.loads(record_exports(fake_version(record))[f"{STEM}-{suffix}"][0])
    alone = import_standard(document)
    assert alone.standard == standard and alone.slug == record.slug
    assert alone.record is None and alone.problems  # Swedish texts are not carried
    assert not_carried <= set(alone.missing_fields)
    assert {"name.en", "organisation", "contact.email", "purpose.en"} <= set(alone.carried_fields)
    assert alone.data["name"] == {"en": record.name.en}
    assert alone.data["contact"]["email"] == record.contact.email
    filled = import_standard(document, base=record)
    assert filled.record == record and filled.filled_from_base
    bare = import_standard(document["algorithms"][0]["record"], lang="en", base=record)
    assert bare.standard == standard and bare.record == record


def test_a_bare_nl_object_is_read_as_the_version_that_admits_it() -> None:
    record = demo_record("benefits-uptake")
    files = record_exports(fake_version(record))
    old = json.loads(files[f"{STEM}-nl-algoritmeregister-1.0.0.json"][0])["algorithms"][0]
    new = json.loads(files[f"{STEM}-nl-algoritmeregister-1.0.10.json"][0])["algorithms"][0]
    assert (
        import_standard(old["record"], lang="en").standard
        == "Algoritmeregister Publicatiestandaard"
    )
    # Without a start month only 1.0.10 admits the object.
    assert import_standard(new["record"], lang="en").standard == NL10_STANDARD


# -- the printable record ----------------------------------------------------------------
class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.headings: list[int] = []
        self.tables = 0
        self.tables_with_headers = 0
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if tag == "table":
            self.tables += 1
        if tag == "th":
            self.tables_with_headers = self.tables


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_printable_record_has_every_section_contact_version_and_audit_head(lang: str) -> None:
    record = demo_record("benefits-uptake")
    files = record_exports(fake_version(record), audit_head="head-abc123")
    content, mime = files[f"{STEM}-record-{lang}.html"]
    assert mime.startswith("text/html")
    page = content.decode("utf-8")
    outline = _Outline()
    outline.feed(page)
    assert outline.html_lang == lang
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:], strict=False))
    assert outline.tables >= 3 and outline.tables_with_headers == outline.tables
    assert not outline.tags & {"script", "nav", "iframe", "form"}
    assert "@media print" in page and "size:A4" in page
    for key in ("printable.purpose", "printable.risks", "printable.data", "printable.technical"):
        assert f">{message(key, lang)}</h2>" in page
    assert f">{message('printable.contact', lang)}</h2>" in page
    for text in (
        record.name.get(lang),
        record.organisation,
        record.department,
        str(record.contact.email),
        record.decision_process.objection.get(lang),
    ):
        assert _escaped(text) in page
    assert "head-abc123" in page and f"{record.slug}, version 2" in page.replace("Algoritm ", "")


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_hostile_record_text_stays_inert_in_the_printable_record(lang: str) -> None:
    base = demo_record("benefits-uptake")
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    record = changed(
        base,
        name={"sv": hostile, "en": hostile},
        decision_process={
            **base.to_json_dict()["decision_process"],
            "objection": {"sv": "</p><h1>fake</h1>", "en": "</p><h1>fake</h1>"},
        },
        organisation='Kommun" onload="x',
    )
    page = printable_record(fake_version(record), lang).decode("utf-8")
    assert "<script" not in page and "<img" not in page and "<h1>fake" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'onload="x' not in page and "&#34; onload=&#34;x" in page


def test_a_text_missing_in_english_is_shown_in_swedish_and_marked_so() -> None:
    base = demo_record("benefits-uptake")
    record = changed(base, purpose={"sv": base.purpose.sv})
    page = printable_record(fake_version(record), "en").decode("utf-8")
    assert f'<p lang="sv">{_escaped(base.purpose.sv)}</p>' in page
    assert message("printable.fallback", "en") in page
    assert f"<p>{_escaped(base.impact.en)}</p>" in page
