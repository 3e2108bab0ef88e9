"""EU AI Act Annex VIII Section C and model cards: valid, holding the record, inert, read back."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_it import MarkdownIt

from register.cli._export import add_export_commands
from register.export import StandardImportError, export_register, import_standard, record_exports
from register.export._aiact import (
    AIACT_STANDARD,
    DPIA_NOT_APPLICABLE,
    NO_REGISTRY_ENTRY,
    REASON_NOT_HIGH_RISK,
)
from register.export._common import LEFT_OUT, SCHEMA_FOLDER
from register.export._hfcard import HUB_METADATA_KEYS, front_matter
from register.export._import_cards import MCT_LANGUAGE_NEEDED
from register.export._modelcard import IMPORTANCE_TYPE
from register.export._paths import value_at
from register.record._sanitize import inert_markdown
from register.record._schema import TransparencyRecord, parse_record
from tests.register.test_export_fakes import (
    DEMO_SLUGS,
    FakeExplanation,
    FakeRegister,
    demo_fake_register,
    demo_record,
    fake_version,
)

ANNEX_SCHEMA = "insyn-ai-act-annex-viii-c-v1.schema.json"
MCT_SCHEMA = "model-card-toolkit-v0.0.2.schema.json"
#: SHA-256 of model_card.schema.json v0.0.2 at tensorflow/model-card-toolkit 74d7e6d.
MCT_SHA256 = "5fa8263ea5036c17ba4a8b93e3b34d07e11077b4e9c0c2048d3ba8897a48757c"
STEM = "benefits-uptake-v2"


def validate(name: str, instance: dict[str, Any]) -> None:
    document = json.loads((SCHEMA_FOLDER / name).read_text(encoding="utf-8"))
    kind = jsonschema.validators.validator_for(document)
    kind.check_schema(document)
    kind(document, format_checker=kind.FORMAT_CHECKER).validate(instance)


def changed(record: TransparencyRecord, **values: Any) -> TransparencyRecord:
    return parse_record({**record.to_json_dict(), **values})


def fairness() -> dict[str, Any]:
    """A stored public fairness result: one reported group, one too small to report."""
    rates = {
        "selection_rate": 0.31,
        "true_positive_rate": 0.72,
        "false_positive_rate": 0.12,
        "precision": 0.64,
    }
    intervals = {"selection_rate": [0.27, 0.35], "true_positive_rate": [0.65, 0.78]}
    return {
        "rows": 480,
        "attributes": [
            {
                "attribute": "sex",
                "overall": {"count": 480, **rates, "intervals": intervals},
                "groups": [
                    {"group": "female", "count": 230, "too_few": False, **rates, "precision": None},
                    {"group": "other", "too_few": True, "count": None, "selection_rate": None},
                ],
                "finding": {"en": "No clear difference <b>found</b>.", "sv": "Ingen skillnad."},
            }
        ],
    }


class FakeFairness:
    def public_dict(self) -> dict[str, Any]:
        return fairness()


def files_of(record: TransparencyRecord, **extra: Any) -> dict[str, tuple[bytes, str]]:
    return record_exports(fake_version(record), audit_head="abc123", **extra)


def annex_of(files: dict[str, tuple[bytes, str]], stem: str = STEM) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(files[f"{stem}-eu-ai-act-annex-viii-c.json"][0])
    return document


# -- EU AI Act Annex VIII Section C ---------------------------------------------------
def test_annex_viii_c_is_valid_and_holds_the_deployer_and_assessments() -> None:
    record = demo_record("benefits-uptake")
    document = annex_of(files_of(record))
    assert document["standard"] == AIACT_STANDARD and document["audit_head"] == "abc123"
    [entry] = document["algorithms"]
    obj = entry["record"]
    validate(ANNEX_SCHEMA, obj)
    assert obj["ai_system"]["name"] == {"sv": record.name.sv, "en": record.name.en}
    assert obj["ai_system"]["intended_purpose"]["sv"] == record.purpose.sv
    assert obj["ai_system"]["provider"] == record.supplier
    deployer = obj["c1_deployer"]
    assert (deployer["name"], deployer["department"]) == (record.organisation, record.department)
    assert deployer["email"] == record.contact.email
    assert deployer["url"] == str(record.contact.url)
    fria = [a for a in record.impact_assessments if a.kind == "fria"]
    dpia = [a for a in record.impact_assessments if a.kind == "dpia"]
    c4, c5 = (
        obj["c4_fundamental_rights_impact_assessment"],
        obj["c5_data_protection_impact_assessment"],
    )
    assert [a["title"] for a in c4["assessments"]] == [a.title for a in fria]
    assert [a["title"] for a in c5["assessments"]] == [a.title for a in dpia]
    assert fria[0].title in c4["summary"] and dpia[0].title in c5["summary"]
    assert c5["applicable"] is True
    # No EU database entry in the demo record: stated missing, with the reason.
    assert obj["c3_provider_database_entry_url"] is None
    missing = {item["item"]: item["reason"] for item in obj["not_stated"]}
    assert missing["C.3"] == NO_REGISTRY_ENTRY
    assert set(missing) == {"C.1", "C.2", "C.3"}  # address, submitter, entry


def test_the_providers_eu_database_entry_and_dated_assessments_are_carried() -> None:
    record = demo_record("housing-guarantee")
    data = record.to_json_dict()
    entry = "https://ai-act-database.example.eu/systems/1234"
    data["legal_basis"]["references"].append(
        {"title": "EU database entry (provider)", "url": entry}
    )
    data["impact_assessments"] = [
        {
            "kind": "fria",
            "title": "FRIA 2025",
            "url": "https://x.example/fria",
            "completed": "2025-02-01",
        }
    ]
    data["data"]["personal_data"] = False
    obj = annex_of(files_of(parse_record(data)), "housing-guarantee-v2")["algorithms"][0]["record"]
    validate(ANNEX_SCHEMA, obj)
    assert obj["c3_provider_database_entry_url"] == entry
    c4 = obj["c4_fundamental_rights_impact_assessment"]
    assert c4["assessments"] == [
        {"title": "FRIA 2025", "url": "https://x.example/fria", "completed": "2025-02-01"}
    ]
    assert "completed 2025-02-01" in c4["summary"] and "https://x.example/fria" in c4["summary"]
    c5 = obj["c5_data_protection_impact_assessment"]
    assert c5 == {"applicable": False, "summary": None, "assessments": []}
    assert {
        "item": "C.5",
        "field": "c5_data_protection_impact_assessment",
        "reason": DPIA_NOT_APPLICABLE,
    } in obj["not_stated"]


@pytest.mark.parametrize("category", ["limited", "minimal"])
def test_a_record_that_is_not_high_risk_is_left_out_of_annex_viii_with_a_note(
    tmp_path: Path, category: str
) -> None:
    plain = demo_record("housing-guarantee")
    plain = changed(plain, risk={**plain.risk.model_dump(mode="json"), "category": category})
    files = files_of(plain)
    assert not [name for name in files if "annex-viii" in name]
    assert "housing-guarantee-v2-model-card.json" in files  # the cards are still given
    reg = FakeRegister([demo_record("benefits-uptake"), plain])
    report = export_register(reg, tmp_path / "out")
    document = json.loads((tmp_path / "out/eu-ai-act-annex-viii-c.json").read_text("utf-8"))
    assert [e["slug"] for e in document["algorithms"]] == ["benefits-uptake"]
    reason = REASON_NOT_HIGH_RISK.format(value=category)
    note = LEFT_OUT.format(
        standard=AIACT_STANDARD,
        slug="housing-guarantee",
        version=2,
        field="risk.category",
        reason=reason,
    )
    assert note in document["notes"]
    assert [(o.slug, o.standard, o.field, o.reason) for o in report.omitted] == [
        ("housing-guarantee", AIACT_STANDARD, "risk.category", reason)
    ]


# -- Model Card Toolkit JSON --------------------------------------------------------
def test_model_card_toolkit_schema_is_the_upstream_copy() -> None:
    copy = (SCHEMA_FOLDER / MCT_SCHEMA).read_bytes()
    assert hashlib.sha256(copy).hexdigest() == MCT_SHA256
    readme = (SCHEMA_FOLDER / "README.md").read_text(encoding="utf-8")
    assert "tensorflow/model-card-toolkit" in readme and "74d7e6d8d3163b83" in readme
    assert "Apache-2.0" in readme
    assert "insyn's rendering of the legal text" in readme


def test_model_card_json_is_valid_and_holds_the_record_importances_and_rates() -> None:
    record = demo_record("benefits-uptake")
    files = files_of(record, explanation=FakeExplanation(), fairness=fairness())
    content, mime = files[f"{STEM}-model-card.json"]
    card = json.loads(content)
    assert mime == "application/json"
    validate(MCT_SCHEMA, card)
    details = card["model_details"]
    assert details["name"] == record.name.en and details["overview"] == record.short_description.en
    assert details["documentation"] == record.purpose.en
    assert details["owners"] == [{"name": record.organisation, "contact": record.contact.email}]
    assert details["version"] == {"name": "2", "date": "2025-03-14"}
    considerations = card["considerations"]
    assert considerations["use_cases"][0]["description"] == record.decision_process.output_use.en
    assert (
        considerations["ethical_considerations"][0]["mitigation_strategy"]
        == record.risk.management.en
    )
    assert card["model_parameters"]["model_architecture"] == record.technical.model_type.en
    metrics = card["quantitative_analysis"]["performance_metrics"]
    importance = [(m["slice"], m["value"]) for m in metrics if m["type"] == IMPORTANCE_TYPE]
    assert importance == [("input: joblost", "0.05"), ("input: age", "0.02")]
    rates = {(m["type"], m["slice"]): m for m in metrics if m["type"] != IMPORTANCE_TYPE}
    overall = rates[("selection_rate", "overall")]
    assert overall["value"] == "0.31"
    assert overall["confidence_interval"] == {"lower_bound": "0.27", "upper_bound": "0.35"}
    assert rates[("true_positive_rate", "sex: female")]["value"] == "0.72"
    # The suppressed rate and the group too small to report carry no number at all.
    assert ("precision", "sex: female") not in rates
    assert not [key for key in rates if key[1] == "sex: other"]


# -- Hugging Face Markdown card -------------------------------------------------------
def test_hugging_face_card_front_matter_has_hub_keys_and_sections_hold_the_record() -> None:
    record = demo_record("benefits-uptake")
    files = files_of(record, explanation=FakeExplanation(), fairness=fairness())
    content, mime = files[f"{STEM}-model-card.md"]
    assert mime.startswith("text/markdown")
    card = content.decode("utf-8")
    front = front_matter(card)
    assert set(front) <= HUB_METADATA_KEYS
    assert {"language", "license", "tags", "library_name", "metrics", "model-index"} <= set(front)
    assert front["language"] == ["sv", "en"] and front["library_name"] == "sklearn"
    assert "eu-ai-act-high-risk" in front["tags"]
    [result] = front["model-index"][0]["results"]
    assert {m["type"]: m["value"] for m in result["metrics"]}["selection_rate"] == 0.31
    for heading in (
        "## Model details",
        "## Intended use",
        "## Factors",
        "## Metrics",
        "## Evaluation data",
        "## Ethical considerations",
        "## Caveats and recommendations",
    ):
        assert f"\n{heading}\n" in card
    for text in (record.organisation, record.purpose.en, record.impact.en, record.data.sources.en):
        assert inert_markdown(text) in card
    assert f"**Contact:** {inert_markdown(record.contact.email)}" in card
    assert "| joblost | Reason for job loss | 0\\.05 |" in card
    assert "No clear difference \\<b\\>found\\</b\\>\\." in card  # the finding, escaped


def test_hostile_record_text_stays_inert_in_the_cards() -> None:
    record = demo_record("housing-guarantee")
    attack = (
        "<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) "
        "![pixel](https://evil.example/p.png)\n---\nlicense: mit\n# Heading"
    )
    record = changed(
        record,
        name={"sv": "Namn <b>", "en": "Name\n---\nlicense: mit"},
        purpose={"sv": attack, "en": attack},
        organisation="Kommun <iframe src=x>",
    )
    files = files_of(record)
    card = files["housing-guarantee-v2-model-card.md"][0].decode("utf-8")
    front = front_matter(card)
    assert set(front) <= HUB_METADATA_KEYS and front["license"] == "unknown"
    assert front["model_name"] == "Name\n---\nlicense: mit"  # a value, not metadata
    html = MarkdownIt("commonmark").enable("table").render(card.split("---\n", 2)[2])
    for tag in ("<script", "<img", "<iframe", "<a ", "<b>", "<h1>Heading"):
        assert tag not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text
    # The JSON card keeps the text as it is (JSON is data, escaping is the reader's).
    card_json = json.loads(files["housing-guarantee-v2-model-card.json"][0])
    assert card_json["model_details"]["documentation"] == attack


# -- register-wide files, DCAT ------------------------------------------------------------
def test_export_register_writes_annex_viii_and_model_cards_in_the_catalogue(tmp_path: Path) -> None:
    reg = demo_fake_register()
    reg.fairness = FakeFairness()
    report = export_register(reg, tmp_path / "out", base_url="https://example.org/insyn/")
    folder = tmp_path / "out"
    names = {f.name: f for f in report.files}
    document = json.loads((folder / "eu-ai-act-annex-viii-c.json").read_text("utf-8"))
    assert [e["slug"] for e in document["algorithms"]] == list(DEMO_SLUGS)
    for entry in document["algorithms"]:
        validate(ANNEX_SCHEMA, entry["record"])
        assert entry["record"]["c1_deployer"]["name"] == demo_record(entry["slug"]).organisation
    assert (folder / "schemas" / ANNEX_SCHEMA).read_bytes() == (
        SCHEMA_FOLDER / ANNEX_SCHEMA
    ).read_bytes()
    assert (folder / "schemas" / MCT_SCHEMA).read_bytes() == (
        SCHEMA_FOLDER / MCT_SCHEMA
    ).read_bytes()
    for slug in DEMO_SLUGS:
        card = json.loads((folder / f"model-cards/{slug}-v2-model-card.json").read_text("utf-8"))
        validate(MCT_SCHEMA, card)
        assert card["model_details"]["name"] == demo_record(slug).name.en
        assert any(
            m["type"] == "selection_rate"
            for m in card["quantitative_analysis"]["performance_metrics"]
        )
        importance = [
            (m["slice"], m["value"])
            for m in card["quantitative_analysis"]["performance_metrics"]
            if m["type"] == IMPORTANCE_TYPE
        ]
        assert importance == [("input: joblost", "0.05"), ("input: age", "0.02")]
        markdown = (folder / f"model-cards/{slug}-v2-model-card.md").read_text("utf-8")
        assert "probability scale" in markdown  # the explanation's scale, from its metadata
        assert set(front_matter(markdown)) <= HUB_METADATA_KEYS
        assert names[f"model-cards/{slug}-v2-model-card.md"].media_type.startswith("text/markdown")
    catalog = json.loads((folder / "catalog.jsonld").read_text(encoding="utf-8"))
    by_name = {
        d["dcat:downloadURL"]["@id"].rsplit("insyn/", 1)[1]: d
        for d in catalog["dcat:dataset"][0]["dcat:distribution"]
    }
    assert (
        by_name["eu-ai-act-annex-viii-c.json"]["dct:conformsTo"]["@id"] == f"schemas/{ANNEX_SCHEMA}"
    )
    mct = by_name["model-cards/benefits-uptake-v2-model-card.json"]
    assert "tensorflow/model-card-toolkit" in mct["dct:conformsTo"]["@id"]
    md = by_name["model-cards/benefits-uptake-v2-model-card.md"]
    assert md["dcat:mediaType"]["@id"].endswith("text/markdown")


# -- reading back ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["eu-ai-act-annex-viii-c.json", "model-card.json"])
def test_import_reads_annex_viii_and_model_card_back_with_the_fields_not_carried(
    tmp_path: Path, name: str
) -> None:
    record = demo_record("benefits-uptake")
    path = tmp_path / name
    path.write_bytes(files_of(record)[f"{STEM}-{name}"][0])
    lang = "en" if name == "model-card.json" else None
    bare = import_standard(path, lang=lang)
    assert bare.record is None and bare.problems  # not every field is carried
    expected = record.to_json_dict()
    for field in bare.carried_fields:
        assert value_at(bare.data, field) == value_at(expected, field), field
    assert {"organisation", "contact.email", "name.en", "purpose.en"} <= set(bare.carried_fields)
    assert "technical.features[].name" in bare.missing_fields
    assert not set(bare.carried_fields) & set(bare.missing_fields)
    assert bare.languages == (("sv", "en") if lang is None else ("en",))
    full = import_standard(path, lang=lang, base=record)
    assert full.record == record and full.filled_from_base
    assert full.carried_fields == bare.carried_fields


def test_a_model_card_without_a_language_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    path.write_bytes(files_of(demo_record("benefits-uptake"))[f"{STEM}-model-card.json"][0])
    with pytest.raises(StandardImportError) as caught:
        import_standard(path)
    assert str(caught.value) == MCT_LANGUAGE_NEEDED.format(source=path)


def test_insyn_import_prints_the_fields_the_annex_viii_file_does_not_carry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "annex.json"
    path.write_bytes(
        files_of(demo_record("benefits-uptake"))[f"{STEM}-eu-ai-act-annex-viii-c.json"][0]
    )
    parser = argparse.ArgumentParser()
    add_export_commands(parser.add_subparsers())
    args = parser.parse_args(["import", str(path)])
    assert args.func(None, args) == 0
    printed = capsys.readouterr().out
    assert AIACT_STANDARD in printed and "  organisation" in printed
    assert "  technical.features[].name" in printed and "  impact.sv" in printed


def test_demo_register_cards_carry_its_published_fairness_rates(demo_tracking_uri: str) -> None:
    from register import Register

    reg = Register(demo_tracking_uri)
    slug = reg.list_algorithms()[0].slug
    version = reg.get(slug)
    report = reg.get_fairness(slug, version.version)
    assert report is not None, "the demo versions are registered with evaluation data"
    public = report.public_dict()
    files = record_exports(
        version,
        explanation=reg.get_explanation(slug, version.version),
        fairness=public,
    )
    card = json.loads(files[f"{slug}-v{version.version}-model-card.json"][0])
    validate(MCT_SCHEMA, card)
    metrics = card["quantitative_analysis"]["performance_metrics"]
    shown = {(m["type"], m["slice"]): m["value"] for m in metrics}
    overall = public["attributes"][0]["overall"]
    for metric in ("selection_rate", "true_positive_rate", "false_positive_rate", "precision"):
        if overall.get(metric) is not None:
            assert float(shown[(metric, "overall")]) == pytest.approx(overall[metric], rel=1e-5)
    for attribute in public["attributes"]:
        for group in attribute["groups"]:
            slice_name = f"{attribute['attribute']}: {group['group']}"
            if group["too_few"]:  # a group too small to report has no number in the card
                assert not [key for key in shown if key[1] == slice_name]
    importance = [m["slice"] for m in metrics if m["type"] == IMPORTANCE_TYPE]
    explanation = reg.get_explanation(slug, version.version)
    assert importance == [f"input: {f}" for f in explanation.global_importance["feature"]]


def test_a_swedish_only_record_gives_swedish_cards_that_read_back(tmp_path: Path) -> None:
    base = demo_record("benefits-uptake")
    record = changed(base, name={"sv": base.name.sv})
    files = files_of(record)
    card = json.loads(files[f"{STEM}-model-card.json"][0])
    assert card["model_details"]["name"] == base.name.sv
    assert card["model_details"]["documentation"] == base.purpose.sv
    markdown = files[f"{STEM}-model-card.md"][0].decode("utf-8")
    assert front_matter(markdown)["language"] == ["sv"]
    assert inert_markdown(base.purpose.sv) in markdown
    path = tmp_path / "card.json"
    path.write_bytes(files[f"{STEM}-model-card.json"][0])
    report = import_standard(path, lang="sv", base=record)
    assert report.record == record
    assert "purpose.sv" in report.carried_fields and "purpose.en" in report.missing_fields
