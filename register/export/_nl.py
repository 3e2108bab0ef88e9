"""The Dutch Algoritmeregister Publicatiestandaard v1.0.0: a record to one object and back.

Text language: the record's English where the record is complete in English
(``"en" in record.languages``), else its Swedish. The standard's own
``language`` field is the constant ``"nld"`` in v1.0.0 (the schema admits no
other value), so the real language (ISO 639-3) is stated beside each object in
the export's envelope (``text_language``).
"""

from __future__ import annotations

from typing import Any

from register.export._common import (
    LABELS,
    NL_SCHEMA,
    REASON_NO_CATEGORY,
    REASON_NO_VALUE,
    REASON_TOO_LONG,
    assessment_lines,
    export_error,
    feature_lines,
    join_sections,
    parse_assessments,
    parse_features,
    parse_references,
    reference_lines,
    schema,
    sentence_choice,
    split_sections,
)
from register.record._schema import TransparencyRecord

STATUS = {"in_development": "In ontwikkeling", "in_use": "In gebruik", "retired": "Buiten gebruik"}
CATEGORY = {
    "high_risk": "Hoog-risico AI-systeem (Categorie A)",
    "limited": "Impactvolle algoritmes (Categorie B)",
    "minimal": "Overige algoritmes (Categorie C)",
}
# Top-level themes of the Dutch "Themaindeling voor Officiële Publicaties" (TOOI).
THEME = {
    "social_services": "Sociale zekerheid",
    "elder_care": "Zorg en gezondheid",
    "education": "Onderwijs en wetenschap",
    "housing": "Huisvesting",
    "labour_market": "Werk",
    "permits": "Ruimte en infrastructuur",
    "finance": "Financiën",
    "health": "Zorg en gezondheid",
    "other": "Bestuur",
}
NL_TEXT_FIELDS = (
    "purpose_and_impact",
    "considerations",
    "human_intervention",
    "risk_management",
    "legal_basis",
    "data",
    "technical_operation",
)


def nl_language(record: TransparencyRecord) -> str:
    """The record language an NL export uses: ``"en"`` when complete in English, else ``"sv"``."""
    return "en" if "en" in record.languages else "sv"


def _limit(field: str) -> int | None:
    limit = schema(NL_SCHEMA)["properties"][field].get("maxLength")
    return int(limit) if limit is not None else None


def _month(value: str | None) -> str | None:
    return value[:7] if value else None


def to_nl(
    record: TransparencyRecord,
    *,
    lang: str | None = None,
    status: str | None = None,
    fallback_start_month: str | None = None,
) -> dict[str, Any]:
    """The record as one NL object in ``lang`` (default :func:`nl_language`).

    ``status`` overrides the record's status (a retired published version);
    ``fallback_start_month`` (``YYYY-MM``) fills the required start month of a
    record without ``start_date``. Raises ExportError naming slug, field and
    reason where a value does not fit; never truncates.
    """
    lang = lang or nl_language(record)
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

    category = CATEGORY.get(record.risk.category.value)
    if category is None:
        target = "the NL publication_category"
        raise export_error(
            slug, "risk.category", REASON_NO_CATEGORY.format(value="prohibited", target=target)
        )
    start = _month(data["start_date"]) or fallback_start_month
    if start is None:
        target = "a start month (NL start_date)"
        raise export_error(slug, "start_date", REASON_NO_VALUE.format(target=target))
    contact = data["contact"]
    decides = label["human_yes" if data["decision_process"]["human_decides"] else "human_no"]
    protected = ", ".join(data["data"]["protected_attributes"]) or None
    personal = label["personal_yes" if data["data"]["personal_data"] else "personal_no"]
    references = data["legal_basis"]["references"]
    technical = data["technical"]
    obj: dict[str, Any] = {
        "name": text("name"),
        "description_short": text("short_description"),
        "organization": data["organisation"],
        "theme": [THEME[data["theme"]]],
        "status": STATUS[status or data["status"]],
        "start_date": start,
        "contact": contact["email"] or contact["url"],
        "publication_category": category,
        "purpose_and_impact": join_sections(text("purpose"), [(label["impact"], text("impact"))]),
        "considerations": join_sections(
            text("considerations", "proportionality"),
            [(label["alternatives"], text("considerations", "alternatives"))],
        ),
        "human_intervention": join_sections(
            text("human_oversight"),
            [
                (label["output_use"], text("decision_process", "output_use")),
                (label["who_decides"], decides),
                (label["objection"], text("decision_process", "objection")),
            ],
        ),
        "risk_management": text("risk", "management"),
        "legal_basis": join_sections(
            text("legal_basis", "text"),
            [(label["references"], reference_lines(references) if references else None)],
        ),
        "impact_assessments": assessment_lines(data["impact_assessments"], lang),
        "data": join_sections(
            text("data", "sources"),
            [(label["personal_data"], personal), (label["protected"], protected)],
        ),
        "technical_operation": join_sections(
            text("technical", "model_type"),
            [
                (label["output"], text("technical", "output")),
                (label["positive_class"], technical["positive_class"]),
                (label["inputs"], feature_lines(technical["features"], lang)),
            ],
        ),
        "supplier": data["supplier"],
        "language": "nld",
        "schema": "1.0.0",
        "source_id": slug,
        "search_terms": ", ".join(
            [data["theme"], data["risk"]["category"], data["department"], "insyn"]
        ),
    }
    optional = {
        "end_date": _month(data["end_date"]),
        "link": contact["url"],
        "legal_basis_link": references[0]["url"] if references else None,
        "legal_basis_title": references[0]["title"] if references else None,
        "impact_assessment_link": next(
            (a["url"] for a in data["impact_assessments"] if a["url"]), None
        ),
        "source_code_link": data["source_code"],
    }
    title_limit = _limit("legal_basis_title") or 0
    if optional["legal_basis_title"] and len(optional["legal_basis_title"]) > title_limit:
        # The full title stays in the legal_basis text; the optional pair is left out.
        optional["legal_basis_title"] = optional["legal_basis_link"] = None
    obj.update({key: value for key, value in optional.items() if value is not None})
    _check_lengths(slug, obj)
    return obj


_SOURCES = {
    "name": "name",
    "description_short": "short_description",
    "organization": "organisation",
    "purpose_and_impact": "purpose, impact",
    "considerations": "considerations",
    "human_intervention": "human_oversight, decision_process",
    "risk_management": "risk.management",
    "legal_basis": "legal_basis",
    "data": "data",
    "technical_operation": "technical",
    "supplier": "supplier",
}


def _check_lengths(slug: str, obj: dict[str, Any]) -> None:
    for field, value in obj.items():
        limit = _limit(field) if field in schema(NL_SCHEMA)["properties"] else None
        if limit is not None and isinstance(value, str) and len(value) > limit:
            reason = REASON_TOO_LONG.format(
                length=len(value), target=f"the NL field {field!r}", limit=limit
            )
            raise export_error(slug, _SOURCES.get(field, field), reason)


def from_nl(obj: dict[str, Any], lang: str) -> dict[str, Any]:
    """The record fields an NL object carries, as a partial record dict (texts in ``lang``).

    Only fields that read back exactly are included; ambiguous ones (a theme
    shared by two insyn themes) and month-precision dates are left out.
    """
    label = LABELS[lang]
    out: dict[str, Any] = {"schema_version": 1}
    if obj.get("source_id"):
        out["slug"] = obj["source_id"]
    out["name"] = {lang: obj["name"]}
    out["short_description"] = {lang: obj["description_short"]}
    out["organisation"] = obj["organization"]
    themes = [key for key, value in THEME.items() if [value] == obj.get("theme")]
    if len(themes) == 1:
        out["theme"] = themes[0]
    statuses = {value: key for key, value in STATUS.items()}
    out["status"] = statuses[obj["status"]]
    contact = obj["contact"]
    out["contact"] = (
        {"email": contact, "url": obj.get("link")}
        if "@" in contact
        else {"email": None, "url": contact}
    )
    purpose, rest = split_sections(obj["purpose_and_impact"], [label["impact"]])
    out["purpose"] = {lang: purpose}
    out["impact"] = {lang: rest[label["impact"]]}
    proportionality, rest = split_sections(obj["considerations"], [label["alternatives"]])
    out["considerations"] = {
        "proportionality": {lang: proportionality},
        "alternatives": {lang: rest[label["alternatives"]]},
    }
    keys = [label["output_use"], label["who_decides"], label["objection"]]
    oversight, rest = split_sections(obj["human_intervention"], keys)
    out["human_oversight"] = {lang: oversight}
    process: dict[str, Any] = {
        "output_use": {lang: rest[keys[0]]},
        "objection": {lang: rest[keys[2]]},
    }
    decides = sentence_choice(rest[keys[1]], lang, "human_yes", "human_no")
    if decides is not None:
        process["human_decides"] = decides
    out["decision_process"] = process
    categories = {value: key for key, value in CATEGORY.items()}
    out["risk"] = {
        "category": categories[obj["publication_category"]],
        "management": {lang: obj["risk_management"]},
    }
    if "legal_basis" in obj:
        legal, rest = split_sections(obj["legal_basis"], [label["references"]])
        out["legal_basis"] = {
            "text": {lang: legal},
            "references": parse_references(rest[label["references"]]),
        }
    out["impact_assessments"] = parse_assessments(obj["impact_assessments"])
    sources, rest = split_sections(obj["data"], [label["personal_data"], label["protected"]])
    section: dict[str, Any] = {"sources": {lang: sources}}
    personal = sentence_choice(rest[label["personal_data"]], lang, "personal_yes", "personal_no")
    if personal is not None:
        section["personal_data"] = personal
    protected = rest[label["protected"]]
    section["protected_attributes"] = protected.split(", ") if protected else []
    out["data"] = section
    keys = [label["output"], label["positive_class"], label["inputs"]]
    model_type, rest = split_sections(obj["technical_operation"], keys)
    out["technical"] = {
        "model_type": {lang: model_type},
        "output": {lang: rest[keys[0]]},
        "positive_class": rest[keys[1]],
        "features": parse_features(rest[keys[2]], lang),
    }
    out["supplier"] = obj["supplier"]
    out["source_code"] = obj.get("source_code_link")
    return out
