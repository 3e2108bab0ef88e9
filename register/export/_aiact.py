"""EU AI Act registration by a deployer that is a public authority: Annex VIII Section C.

Article 49(3) of Regulation (EU) 2024/1689 has a public authority that deploys a
high-risk AI system listed in Annex III register itself, select the system and
register its use in the EU database (Article 71). Annex VIII Section C lists what
it submits: C.1 its name, address and contact details; C.2 those of a person
submitting on its behalf; C.3 the URL of the provider's entry of the system in the
EU database; C.4 a summary of the findings of the fundamental-rights impact
assessment (Article 27); C.5 a summary of the data-protection impact assessment
(Article 26(8)), where applicable.

No official machine-readable format exists; ``insyn-ai-act-annex-viii-c-v1`` is
insyn's rendering of the legal text. Only records whose risk category is
``high_risk`` are exported; an item the record does not hold is null and named in
``not_stated`` with the reason. The provider's entry (C.3) is a legal reference of
the record whose title starts with "EU database" or "EU-databasen".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from register.export._common import (
    ExportError,
    ExportOmission,
    StandardFile,
    check_schema,
    export_error,
    omission,
    verify_round_trip,
)
from register.record._schema import RiskCategory, TransparencyRecord

AIACT_STANDARD = "EU AI Act Annex VIII Section C (deployer registration)"
AIACT_VERSION = "1"
AIACT_SCHEMA = "insyn-ai-act-annex-viii-c-v1.schema.json"
AIACT_CONFORMS_TO = "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"
AIACT_FILE = "eu-ai-act-annex-viii-c.json"
LEGAL_BASIS = "Regulation (EU) 2024/1689, Article 49(3) and Annex VIII Section C"
REGISTRY_TITLES = ("eu database", "eu-databasen", "eu-databas")

REASON_NOT_HIGH_RISK = (
    "is {value!r}; Article 49(3) registration (Annex VIII Section C) is for high-risk "
    "AI systems only"
)
NO_ADDRESS = "the insyn record holds no postal address of the deployer"
NO_SUBMITTER = (
    "the insyn record names no person submitting on the deployer's behalf "
    "(the deployer submits itself)"
)
NO_REGISTRY_ENTRY = (
    "the record has no legal reference to the provider's EU database entry "
    "(a reference whose title starts with 'EU database' or 'EU-databasen')"
)
NO_FRIA = "the record lists no fundamental-rights impact assessment (kind 'fria')"
NO_DPIA = "the record lists no data-protection impact assessment (kind 'dpia')"
DPIA_NOT_APPLICABLE = (
    "not applicable: the record states that the algorithm processes no personal data"
)
FINDINGS_NOTE = (
    "The insyn record holds each assessment's title, completion date and link, not its "
    "findings; the findings are in the assessment behind the link."
)
AIACT_NOTES = (
    "insyn's rendering of Annex VIII Section C of Regulation (EU) 2024/1689 (no official "
    "machine-readable format exists); keys c1_ to c5_ are the Annex's points 1 to 5.",
    "The provider's EU database entry (C.3) is taken from a legal reference of the record "
    "whose title starts with 'EU database' or 'EU-databasen'; without one it is null.",
)


def _text(record: TransparencyRecord, name: str) -> dict[str, str | None]:
    value = getattr(record, name)
    return {"sv": value.sv, "en": value.en}


def registry_entry_url(record: TransparencyRecord) -> str | None:
    """The URL of the provider's EU database entry the record names (C.3), or None."""
    for reference in record.legal_basis.references:
        if reference.title.strip().lower().startswith(REGISTRY_TITLES):
            return str(reference.url)
    return None


def _assessments(record: TransparencyRecord, kind: str) -> list[dict[str, Any]]:
    found = [a for a in record.impact_assessments if a.kind == kind]
    return [
        {
            "title": a.title,
            "url": None if a.url is None else str(a.url),
            "completed": None if a.completed is None else a.completed.isoformat(),
        }
        for a in found
    ]


def _summary(items: list[dict[str, Any]], what: str) -> str | None:
    if not items:
        return None
    lines = []
    for item in items:
        when = f"completed {item['completed']}" if item["completed"] else "no completion date"
        link = f"; {item['url']}" if item["url"] else "; no link recorded"
        lines.append(f"{item['title']} ({when}{link})")
    count = f"{len(items)} {what}" + ("s" if len(items) > 1 else "")
    return f"{count} recorded: " + "; ".join(lines) + ". " + FINDINGS_NOTE


def _missing(item: str, field: str, reason: str) -> dict[str, str]:
    return {"item": item, "field": field, "reason": reason}


def to_annex_viii(record: TransparencyRecord) -> dict[str, Any]:
    """The Section C object of a high-risk ``record``; every item it lacks is named."""
    contact = record.contact
    fria = _assessments(record, "fria")
    dpia = _assessments(record, "dpia")
    entry_url = registry_entry_url(record)
    not_stated = [
        _missing("C.1", "c1_deployer.address", NO_ADDRESS),
        _missing("C.2", "c2_submitted_on_behalf_of_deployer", NO_SUBMITTER),
    ]
    if entry_url is None:
        not_stated.append(_missing("C.3", "c3_provider_database_entry_url", NO_REGISTRY_ENTRY))
    if not fria:
        not_stated.append(_missing("C.4", "c4_fundamental_rights_impact_assessment", NO_FRIA))
    applicable = record.data.personal_data or bool(dpia)
    if not dpia:
        reason = NO_DPIA if applicable else DPIA_NOT_APPLICABLE
        not_stated.append(_missing("C.5", "c5_data_protection_impact_assessment", reason))
    return {
        "legal_basis": LEGAL_BASIS,
        "ai_system": {
            "slug": record.slug,
            "name": _text(record, "name"),
            "intended_purpose": _text(record, "purpose"),
            "provider": record.supplier,
            "risk_category": record.risk.category.value,
        },
        "c1_deployer": {
            "name": record.organisation,
            "department": record.department,
            "address": None,
            "email": None if contact.email is None else str(contact.email),
            "url": None if contact.url is None else str(contact.url),
        },
        "c2_submitted_on_behalf_of_deployer": None,
        "c3_provider_database_entry_url": entry_url,
        "c4_fundamental_rights_impact_assessment": {
            "summary": _summary(fria, "fundamental-rights impact assessment"),
            "assessments": fria,
        },
        "c5_data_protection_impact_assessment": {
            "applicable": applicable,
            "summary": _summary(dpia, "data-protection impact assessment"),
            "assessments": dpia,
        },
        "not_stated": not_stated,
    }


def from_annex_viii(obj: dict[str, Any]) -> dict[str, Any]:
    """The record fields a Section C object carries exactly (a partial record dict)."""
    system, deployer = obj["ai_system"], obj["c1_deployer"]
    contact = {key: deployer[key] for key in ("email", "url") if deployer.get(key) is not None}

    def text(value: dict[str, Any]) -> dict[str, Any]:
        return {lang: value[lang] for lang in ("sv", "en") if value.get(lang) is not None}

    return {
        "slug": system["slug"],
        "name": text(system["name"]),
        "purpose": text(system["intended_purpose"]),
        "supplier": system["provider"],
        "risk": {"category": system["risk_category"]},
        "organisation": deployer["name"],
        "department": deployer["department"],
        "contact": contact,
    }


def annex_viii_entry(record: TransparencyRecord, *, version: int) -> dict[str, Any]:
    """The envelope entry of a high-risk ``record``, valid against the schema; ExportError
    for a record of another risk category (the field and the rule named)."""
    category = record.risk.category
    if category is not RiskCategory.HIGH_RISK:
        reason = REASON_NOT_HIGH_RISK.format(value=category.value)
        raise export_error(record.slug, "risk.category", reason)
    obj = to_annex_viii(record)
    check_schema(AIACT_SCHEMA, obj, standard=AIACT_STANDARD, slug=record.slug)
    verify_round_trip(record, from_annex_viii(obj), target="the Annex VIII export")
    return {"slug": record.slug, "version": version, "record": obj}


def annex_viii_entries(
    records: Sequence[tuple[TransparencyRecord, int]],
) -> tuple[list[dict[str, Any]], list[ExportOmission], list[ExportError]]:
    """Entries of the high-risk records; the others as omissions (and their errors)."""
    entries: list[dict[str, Any]] = []
    omitted: list[ExportOmission] = []
    errors: list[ExportError] = []
    for record, version in records:
        try:
            entries.append(annex_viii_entry(record, version=version))
        except ExportError as error:
            errors.append(error)
            omitted.append(
                omission(error, standard=AIACT_STANDARD, slug=record.slug, version=version)
            )
    return entries, omitted, errors


AIACT_FILE_INFO = StandardFile(
    standard=AIACT_STANDARD,
    version=AIACT_VERSION,
    schema_name=AIACT_SCHEMA,
    conforms_to=AIACT_CONFORMS_TO,
    notes=AIACT_NOTES,
)
#: The annex_viii export file's document around its entries; its notes name what was left out.
annex_viii_document = AIACT_FILE_INFO.document
