"""The UK Algorithmic Transparency Recording Standard (ATRS) v3.0: a record to one object and back.

The ATRS is published in English, so only a record complete in English is
exported. One object per algorithm, grouped as the template's sections
(``metadata``, ``title_information``, ``tier_1``, ``tier_2``). Required fields
the insyn record has no value for hold the fixed sentence :data:`NOT_RECORDED`.
No JSON Schema of the ATRS is published; insyn's is written from the v3.0 field
table (see ``register/schemas/README.md``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from register.export._common import (
    LABELS,
    REASON_NO_VALUE,
    StandardFile,
    assessment_lines,
    check_schema,
    export_error,
    feature_lines,
    join_sections,
    parse_assessments,
    parse_features,
    sentence_choice,
    split_sections,
    verify_round_trip,
)
from register.record._schema import TransparencyRecord

ATRS_STANDARD = "UK Algorithmic Transparency Recording Standard"
ATRS_VERSION = "3.0"
ATRS_SCHEMA = "uk-atrs-v3.0.schema.json"
ATRS_CONFORMS_TO = (
    "https://github.com/co-cddo/algorithmic-transparency-recording-standard/blob/"
    "64fead22214bcc4f15d76f6b00ce17a65f2409d3/previous-versions/v3.0/template_table.md"
)
ATRS_FILE = "uk-atrs-3.0.json"
NOT_RECORDED = "Not recorded in the insyn record."
RISK_LABEL = "EU AI Act risk category"
MODEL_TASK = "Classification"  # every insyn model is a classifier
PHASE = {"in_development": "Development", "in_use": "Production", "retired": "Retired"}
FUNCTION = {
    "social_services": "Social services and benefits",
    "elder_care": "Elderly care",
    "education": "Education",
    "housing": "Housing",
    "labour_market": "Labour market",
    "permits": "Permits and planning",
    "finance": "Finance",
    "health": "Health",
    "other": "Other",
}
ATRS_NOTES = (
    "One object per algorithm complete in English (the ATRS is published in English); a "
    "record without English text is left out and named below.",
    "Required fields the insyn record has no value for (for example the senior "
    "responsible owner, required training, model performance) hold the sentence "
    f"'{NOT_RECORDED}' 'metadata.id' is null: the ATRS team issues it on publication.",
    "No JSON Schema of the ATRS is published: the one named in 'schema' is written by insyn "
    "from the v3.0 field table (template_table.md), the latest version published as a "
    "machine-readable table; v4.0 (2025) is published as PDF and spreadsheet only.",
)
_LANG = "en"


def to_atrs(
    record: TransparencyRecord,
    *,
    version: int,
    status: str | None = None,
    published: date,
    changed: date,
) -> dict[str, Any]:
    """The record as one ATRS v3.0 object (English texts).

    ``published``/``changed`` are the first publication and the last change.
    Raises ExportError naming the record when it is not complete in English.
    """
    if _LANG not in record.languages:
        target = "a complete English text (the UK ATRS is published in English)"
        raise export_error(record.slug, "languages", REASON_NO_VALUE.format(target=target))
    data = record.to_json_dict()
    label = LABELS[_LANG]
    status = status or data["status"]

    def text(*path: str) -> str:
        node: Any = data
        for key in path:
            node = node[key]
        return str(node[_LANG])

    contact = data["contact"]
    technical = data["technical"]
    decides = label["human_yes" if data["decision_process"]["human_decides"] else "human_no"]
    personal = label["personal_yes" if data["data"]["personal_data"] else "personal_no"]
    protected = ", ".join(data["data"]["protected_attributes"]) or None
    archived = data["end_date"] if status == "retired" else None
    return {
        "metadata": {
            "id": None,
            "standard_version": ATRS_VERSION,
            "organisation_type": NOT_RECORDED,
            "function": FUNCTION[data["theme"]],
            "capability": NOT_RECORDED,
            "task": NOT_RECORDED,
            "tags": ", ".join(
                [data["theme"], data["risk"]["category"], data["department"], "insyn"]
            ),
            "date_of_completion": published.isoformat(),
            "date_updated": changed.isoformat(),
            "date_archived": archived,
        },
        "title_information": {
            "title": text("name"),
            "organisation_name": data["organisation"],
            "phase": PHASE[status],
            "region": NOT_RECORDED,
            "one_sentence_description": text("short_description"),
        },
        "tier_1": {
            "name": text("name"),
            "description": text("purpose"),
            "website_url": contact["url"] or NOT_RECORDED,
            "contact_email": contact["email"] or NOT_RECORDED,
        },
        "tier_2": {
            "owner_and_responsibility": {
                "organisation_or_department": data["organisation"],
                "team": data["department"],
                "senior_responsible_owner": NOT_RECORDED,
                "external_supplier_involvement": NOT_RECORDED,
                "external_supplier": data["supplier"],
            },
            "description_and_rationale": {
                "scope": text("impact"),
                "benefit": text("considerations", "proportionality"),
                "alternatives_considered": text("considerations", "alternatives"),
            },
            "decision_making_process": {
                "process_integration": text("decision_process", "output_use"),
                "provided_information": text("technical", "output"),
                "frequency_and_scale_of_usage": NOT_RECORDED,
                "human_decisions_and_review": join_sections(
                    text("human_oversight"), [(label["who_decides"], decides)]
                ),
                "required_training": NOT_RECORDED,
                "appeals_and_review": text("decision_process", "objection"),
            },
            "tool_specification": {
                "system_architecture": NOT_RECORDED,
                "phase": PHASE[status],
                "maintenance": NOT_RECORDED,
                "models": text("technical", "model_type"),
            },
            "model_specification": {
                "model_name": record.slug,
                "model_version": str(version),
                "model_task": MODEL_TASK,
                "model_input": feature_lines(technical["features"], _LANG),
                "model_output": join_sections(
                    text("technical", "output"),
                    [(label["positive_class"], technical["positive_class"])],
                ),
                "model_architecture": text("technical", "model_type"),
                "model_performance": NOT_RECORDED,
                "datasets": text("data", "sources"),
                "dataset_purposes": NOT_RECORDED,
            },
            "data_specification": {
                "source_data_name": text("data", "sources"),
                "data_modality": "Tabular",
                "data_description": text("data", "sources"),
                "data_quantities": NOT_RECORDED,
                "sensitive_attributes": join_sections(personal, [(label["protected"], protected)]),
                "data_completeness_and_representativeness": NOT_RECORDED,
                "source_data_url": NOT_RECORDED,
                "data_collection": NOT_RECORDED,
                "data_sharing_agreements": NOT_RECORDED,
                "data_access_and_storage": NOT_RECORDED,
            },
            "risks_mitigations_and_impact_assessments": {
                "impact_assessment": assessment_lines(data["impact_assessments"], _LANG),
                "risks_and_mitigations": join_sections(
                    text("risk", "management"), [(RISK_LABEL, data["risk"]["category"])]
                ),
            },
        },
    }


def _given(value: str) -> str | None:
    return None if value == NOT_RECORDED else value


def from_atrs(obj: dict[str, Any]) -> dict[str, Any]:
    """The record fields an ATRS object carries, as a partial record dict (English texts)."""
    label = LABELS[_LANG]
    en = _LANG
    tier_1, tier_2 = obj["tier_1"], obj["tier_2"]
    owner = tier_2["owner_and_responsibility"]
    rationale = tier_2["description_and_rationale"]
    process = tier_2["decision_making_process"]
    model = tier_2["model_specification"]
    data = tier_2["data_specification"]
    risks = tier_2["risks_mitigations_and_impact_assessments"]
    out: dict[str, Any] = {"schema_version": 1, "slug": model["model_name"]}
    out["name"] = {en: tier_1["name"]}
    out["short_description"] = {en: obj["title_information"]["one_sentence_description"]}
    out["organisation"] = owner["organisation_or_department"]
    out["department"] = owner["team"]
    themes = {value: key for key, value in FUNCTION.items()}
    if obj["metadata"]["function"] in themes:
        out["theme"] = themes[obj["metadata"]["function"]]
    phases = {value: key for key, value in PHASE.items()}
    out["status"] = phases[obj["title_information"]["phase"]]
    out["contact"] = {
        "email": _given(tier_1["contact_email"]),
        "url": _given(tier_1["website_url"]),
    }
    out["purpose"] = {en: tier_1["description"]}
    out["impact"] = {en: rationale["scope"]}
    out["considerations"] = {
        "proportionality": {en: rationale["benefit"]},
        "alternatives": {en: rationale["alternatives_considered"]},
    }
    oversight, rest = split_sections(process["human_decisions_and_review"], [label["who_decides"]])
    out["human_oversight"] = {en: oversight}
    decision: dict[str, Any] = {
        "output_use": {en: process["process_integration"]},
        "objection": {en: process["appeals_and_review"]},
    }
    decides = sentence_choice(rest[label["who_decides"]], en, "human_yes", "human_no")
    if decides is not None:
        decision["human_decides"] = decides
    out["decision_process"] = decision
    management, rest = split_sections(risks["risks_and_mitigations"], [RISK_LABEL])
    out["risk"] = {"management": {en: management}}
    if rest[RISK_LABEL]:
        out["risk"]["category"] = rest[RISK_LABEL]
    out["impact_assessments"] = parse_assessments(risks["impact_assessment"])
    personal, rest = split_sections(data["sensitive_attributes"], [label["protected"]])
    section: dict[str, Any] = {"sources": {en: data["data_description"]}}
    choice = sentence_choice(personal, en, "personal_yes", "personal_no")
    if choice is not None:
        section["personal_data"] = choice
    protected = rest[label["protected"]]
    section["protected_attributes"] = protected.split(", ") if protected else []
    out["data"] = section
    output, rest = split_sections(model["model_output"], [label["positive_class"]])
    out["technical"] = {
        "model_type": {en: model["model_architecture"]},
        "output": {en: output},
        "positive_class": rest[label["positive_class"]],
        "features": parse_features(model["model_input"], en),
    }
    out["supplier"] = owner["external_supplier"]
    return out


def atrs_entry(
    record: TransparencyRecord, *, version: int, status: str, published: date, changed: date
) -> dict[str, Any]:
    """One algorithm's ATRS envelope entry; schema-valid and reading back exactly, or raises."""
    obj = to_atrs(record, version=version, status=status, published=published, changed=changed)
    check_schema(ATRS_SCHEMA, obj, standard=ATRS_STANDARD, slug=record.slug)
    verify_round_trip(record, from_atrs(obj), target="the UK ATRS export", status=status)
    return {"slug": record.slug, "version": version, "lang": _LANG, "record": obj}


ATRS_FILE_INFO = StandardFile(
    standard=ATRS_STANDARD,
    version=ATRS_VERSION,
    schema_name=ATRS_SCHEMA,
    conforms_to=ATRS_CONFORMS_TO,
    notes=ATRS_NOTES,
)
#: The atrs export file's document around its entries; its notes name what was left out.
atrs_document = ATRS_FILE_INFO.document
