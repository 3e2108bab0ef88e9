"""The register as CSV: one row per algorithm, columns defined (and described) once."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from register.record._schema import TransparencyRecord

LIST_SEPARATOR = "; "

# (column, description): the README documents these; order is the file's order.
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("slug", "The algorithm's identifier in the register (stable across versions)."),
    ("version", "The published version number."),
    ("published_at", "When the published version was registered (ISO 8601 UTC)."),
    ("name_sv", "Name in Swedish."),
    ("name_en", "Name in English; empty when the record has none."),
    ("short_description_sv", "Short description in Swedish."),
    ("short_description_en", "Short description in English; empty when the record has none."),
    ("organisation", "The organisation responsible for the algorithm."),
    ("department", "The department that uses the algorithm."),
    (
        "theme",
        "Area of work: social_services, elder_care, education, housing, labour_market, "
        "permits, finance, health or other.",
    ),
    ("status", "in_development, in_use or retired (the published version's status)."),
    ("risk_category", "EU AI Act risk category: prohibited, high_risk, limited or minimal."),
    ("start_date", "Date the algorithm was taken into use (YYYY-MM-DD); empty if not yet."),
    ("end_date", "Date the algorithm was taken out of use (YYYY-MM-DD); empty if not."),
    ("contact_email", "E-mail address for questions; may be empty when a URL is given."),
    ("contact_url", "Web page for questions; may be empty when an e-mail is given."),
    ("human_decides", "true when a person makes every decision, else false."),
    ("personal_data", "true when the algorithm processes personal data, else false."),
    ("protected_attributes", "Protected attributes in the data, separated by '; '."),
    (
        "protected_attributes_sv",
        "The protected attributes' plain names in Swedish, in the order of "
        "protected_attributes, separated by '; ' (the column name when unlabelled).",
    ),
    (
        "protected_attributes_en",
        "The protected attributes' plain names in English, in the order of "
        "protected_attributes, separated by '; ' (the column name when unlabelled).",
    ),
    ("features", "Names of the model's inputs, separated by '; '."),
    (
        "impact_assessments",
        "Impact assessments as 'kind completed-date' ('not completed' "
        "when not done), separated by '; '.",
    ),
    ("supplier", "Who built the algorithm."),
    ("source_code", "URL of the source code; empty when not published."),
    ("languages", "Languages the record is complete in: 'sv' or 'sv; en'."),
    ("explanation_fingerprint", "SHA-256 fingerprint of the published explanation's values."),
    ("generated_at", "When this export was generated (ISO 8601 UTC); the same in every row."),
    ("audit_head", "Head hash of the register's audit chain at export time; empty when none."),
)
CSV_COLUMN_NAMES = tuple(name for name, _ in CSV_COLUMNS)
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def csv_row(
    record: TransparencyRecord,
    *,
    version: int,
    published_at: str,
    status: str,
    explanation_fingerprint: str,
    generated_at: str,
    audit_head: str | None,
) -> dict[str, str]:
    """One CSV row (every column of :data:`CSV_COLUMNS`, all text) for a published version."""
    data = record.to_json_dict()
    row = {
        "slug": record.slug,
        "version": str(version),
        "published_at": published_at,
        "name_sv": record.name.sv,
        "name_en": record.name.en or "",
        "short_description_sv": record.short_description.sv,
        "short_description_en": record.short_description.en or "",
        "organisation": record.organisation,
        "department": record.department,
        "theme": record.theme.value,
        "status": status,
        "risk_category": record.risk.category.value,
        "start_date": data["start_date"] or "",
        "end_date": data["end_date"] or "",
        "contact_email": data["contact"]["email"] or "",
        "contact_url": data["contact"]["url"] or "",
        "human_decides": str(record.decision_process.human_decides).lower(),
        "personal_data": str(record.data.personal_data).lower(),
        "protected_attributes": LIST_SEPARATOR.join(record.data.protected_attributes),
        "protected_attributes_sv": _attribute_labels(record, "sv"),
        "protected_attributes_en": _attribute_labels(record, "en"),
        "features": LIST_SEPARATOR.join(f.name for f in record.technical.features),
        "impact_assessments": LIST_SEPARATOR.join(
            f"{a['kind']} {a['completed'] or 'not completed'}" for a in data["impact_assessments"]
        ),
        "supplier": record.supplier,
        "source_code": data["source_code"] or "",
        "languages": LIST_SEPARATOR.join(record.languages),
        "explanation_fingerprint": explanation_fingerprint,
        "generated_at": generated_at,
        "audit_head": audit_head or "",
    }
    assert tuple(row) == CSV_COLUMN_NAMES
    return row


def _attribute_labels(record: TransparencyRecord, lang: str) -> str:
    """The protected attributes' labels in ``lang`` (the column name when unlabelled)."""
    labels = []
    for name in record.data.protected_attributes:
        found = record.protected_label(name)
        labels.append(found.label.get(lang) if found is not None else name)
    return LIST_SEPARATOR.join(labels)


def write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    """UTF-8 CSV (no BOM, ``\\r\\n`` line ends per RFC 4180) with a header row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csvw_metadata(
    tables: Sequence[tuple[str, Sequence[tuple[str, str]]]], *, generated_at: str
) -> dict[str, Any]:
    """W3C CSV on the Web metadata (a table group) describing every CSV and its columns."""
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "dc:title": "insyn register: CSV exports",
        "dc:created": generated_at,
        "tables": [
            {
                "url": url,
                "tableSchema": {
                    "columns": [
                        {"name": name, "titles": name, "dc:description": description}
                        for name, description in columns
                    ]
                },
            }
            for url, columns in tables
        ],
    }
