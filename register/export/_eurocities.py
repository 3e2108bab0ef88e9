"""The Eurocities Algorithmic Transparency Standard v0.3.1: a record to one object per language.

Fixed choices (the record has no field for them): ``area`` is the
organisation (a municipality's area is the municipality), ``algorithm_type``
is ``self-learning`` (every insyn model is a trained scikit-learn model),
``type`` is ``predictive`` (models estimate a probability or value), and
``revision_date`` is the last change plus ``revision_months`` (default 12).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from register.export._common import (
    LABELS,
    REASON_NO_VALUE,
    assessment_lines,
    export_error,
    feature_lines,
    join_sections,
    parse_assessments,
    parse_features,
    parse_references,
    reference_lines,
    sentence_choice,
    split_sections,
)
from register.record._schema import TransparencyRecord

STATUS = {"in_development": "development", "in_use": "operational", "retired": "retired"}
RISK = {
    "prohibited": "unacceptable",
    "high_risk": "high risk",
    "limited": "limited risk",
    "minimal": "minimal risk",
}
DOMAIN = {
    "social_services": "family, youth and households",
    "elder_care": "health and health care",
    "education": "education and science",
    "housing": "housing, living and living environment",
    "labour_market": "work and career",
    "permits": "environment, spacial planning and water",
    "finance": "finance",
    "health": "health and health care",
    "other": "generic",
}
UUID_NAMESPACE = uuid.UUID("6f0c3b0e-2a51-5d0f-9a7e-1b8e6c1d4a90")
DEFAULT_REVISION_MONTHS = 12


def registration_uuid(slug: str) -> str:
    """The stable UUID (v5) of the registration of ``slug``; the same for every language."""
    return str(uuid.uuid5(UUID_NAMESPACE, slug))


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def to_eurocities(
    record: TransparencyRecord,
    *,
    lang: str,
    published: date,
    changed: date,
    status: str | None = None,
    revision_months: int = DEFAULT_REVISION_MONTHS,
) -> dict[str, Any]:
    """The record as one Eurocities object with its ``lang`` texts.

    ``published`` is the day the registration was first published, ``changed``
    the day of its last change; ``status`` overrides the record's status.
    Raises ExportError naming slug, field and reason where a required value is missing.
    """
    data = record.to_json_dict()
    label = LABELS[lang]
    slug = record.slug

    def text(*path: str) -> str:
        node: Any = data
        for key in path:
            node = node[key]
        if node[lang] is None:
            target = f"a {lang!r} text"
            raise export_error(slug, ".".join((*path, lang)), REASON_NO_VALUE.format(target=target))
        return str(node[lang])

    contact = data["contact"]
    if contact["email"] is None:
        target = "a contact e-mail (Eurocities contact_email)"
        raise export_error(slug, "contact.email", REASON_NO_VALUE.format(target=target))
    process = data["decision_process"]
    decides = label["human_yes" if process["human_decides"] else "human_no"]
    references = data["legal_basis"]["references"]
    assessments = data["impact_assessments"]
    technical = data["technical"]
    protected = data["data"]["protected_attributes"]
    obj: dict[str, Any] = {
        "name": text("name"),
        "description_short": text("short_description"),
        "organization": data["organisation"],
        "department": data["department"],
        "contact_email": contact["email"],
        "area": data["organisation"],
        "domain": DOMAIN[data["theme"]],
        "status": STATUS[status or data["status"]],
        "decision_making_process": join_sections(
            text("decision_process", "output_use"), [(label["who_decides"], decides)]
        ),
        "goal": text("purpose"),
        "impact": text("impact"),
        "risks": text("risk", "management"),
        "risk_category": RISK[data["risk"]["category"]],
        "proportionality": text("considerations", "proportionality"),
        "lawful_basis": join_sections(
            text("legal_basis", "text"),
            [(label["references"], reference_lines(references) if references else None)],
        ),
        "training_data": text("data", "sources"),
        "source_data": feature_lines(technical["features"], lang),
        "connected_data_sources": label[
            "personal_yes" if data["data"]["personal_data"] else "personal_no"
        ],
        "algorithm_type": "self-learning",
        "description": join_sections(
            text("technical", "model_type"),
            [
                (label["output"], text("technical", "output")),
                (label["positive_class"], technical["positive_class"]),
            ],
        ),
        "methods_and_models": text("technical", "model_type"),
        "alternatives_considered": text("considerations", "alternatives"),
        "monitoring": label["monitoring"],
        "type": "predictive",
        "human_intervention": text("human_oversight"),
        "objection_procedure": text("decision_process", "objection"),
        "standard_version": "0.3.1",
        "uuid": registration_uuid(slug),
        "lang": lang,
        "publication_date": published.isoformat(),
        "last_change_date": changed.isoformat(),
        "revision_date": _add_months(changed, revision_months).isoformat(),
        "revision_note": label["revision_note"].format(months=revision_months),
        "keywords": ", ".join([data["theme"], data["risk"]["category"], "insyn"]),
    }
    dpia = [a for a in assessments if a["kind"] == "dpia"]
    optional = {
        "website": contact["url"],
        "data_bias": f"{label['protected']}: {', '.join(protected)}" if protected else None,
        "DPIA_description": assessment_lines(dpia, lang) if dpia else None,
        "DPIA_url": next((a["url"] for a in dpia if a["url"]), None),
        # Every assessment (DPIA included, in record order) so the list reads back whole.
        "AIA_description": assessment_lines(assessments, lang),
        "AIA_url": next((a["url"] for a in assessments if a["kind"] != "dpia" and a["url"]), None),
        "codebase_url": data["source_code"],
    }
    obj.update({key: value for key, value in optional.items() if value is not None})
    return obj


def from_eurocities(obj: dict[str, Any]) -> dict[str, Any]:
    """The record fields a Eurocities object carries, as a partial record dict in its ``lang``.

    The slug is not carried (``uuid`` is derived from it one way); an ambiguous
    domain (shared by two insyn themes) leaves the theme out.
    """
    lang = obj["lang"]
    label = LABELS[lang]
    out: dict[str, Any] = {"schema_version": 1}
    out["name"] = {lang: obj["name"]}
    out["short_description"] = {lang: obj["description_short"]}
    out["organisation"] = obj["organization"]
    out["department"] = obj["department"]
    themes = [key for key, value in DOMAIN.items() if value == obj["domain"]]
    if len(themes) == 1:
        out["theme"] = themes[0]
    out["status"] = {v: k for k, v in STATUS.items()}[obj["status"]]
    out["contact"] = {"email": obj["contact_email"], "url": obj.get("website")}
    output_use, rest = split_sections(obj["decision_making_process"], [label["who_decides"]])
    process: dict[str, Any] = {
        "output_use": {lang: output_use},
        "objection": {lang: obj["objection_procedure"]},
    }
    decides = sentence_choice(rest[label["who_decides"]], lang, "human_yes", "human_no")
    if decides is not None:
        process["human_decides"] = decides
    out["decision_process"] = process
    out["purpose"] = {lang: obj["goal"]}
    out["impact"] = {lang: obj["impact"]}
    out["risk"] = {
        "category": {v: k for k, v in RISK.items()}[obj["risk_category"]],
        "management": {lang: obj["risks"]},
    }
    out["considerations"] = {
        "proportionality": {lang: obj["proportionality"]},
        "alternatives": {lang: obj.get("alternatives_considered")},
    }
    legal, rest = split_sections(obj["lawful_basis"], [label["references"]])
    out["legal_basis"] = {
        "text": {lang: legal},
        "references": parse_references(rest[label["references"]]),
    }
    out["human_oversight"] = {lang: obj["human_intervention"]}
    out["impact_assessments"] = parse_assessments(obj.get("AIA_description"))
    personal = sentence_choice(obj["connected_data_sources"], lang, "personal_yes", "personal_no")
    section: dict[str, Any] = {"sources": {lang: obj["training_data"]}}
    if personal is not None:
        section["personal_data"] = personal
    bias = obj.get("data_bias")
    prefix = f"{label['protected']}: "
    section["protected_attributes"] = (
        bias[len(prefix) :].split(", ") if bias and bias.startswith(prefix) else []
    )
    out["data"] = section
    keys = [label["output"], label["positive_class"]]
    model_type, rest = split_sections(obj["description"], keys)
    out["technical"] = {
        "model_type": {lang: model_type},
        "output": {lang: rest[keys[0]]},
        "positive_class": rest[keys[1]],
        "features": parse_features(obj["source_data"], lang),
    }
    out["source_code"] = obj.get("codebase_url")
    return out
