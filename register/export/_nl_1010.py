"""The Dutch Algoritmeregister Publicatiestandaard 1.0.10 (29 Nov 2024), beside 1.0.0.

1.0.10 is a revision of the standard's document: its field list (ch02.md) is the
same 32 fields as 1.0.0 and its ``schema`` field still names the data version
``"1.0.0"``. What differs from the 1.0.0 JSON Schema is what the field text
says: only eight fields are required, ``description_short`` is under 350
characters, ``source_id`` under 100 and ``search_terms`` under 2,500. No JSON
Schema of 1.0.10 is published; insyn's is written from ch02.md (see
``register/schemas/README.md``). Texts are chosen as in the 1.0.0 export; the
start month is the record's own (the field is optional in 1.0.10).
"""

from __future__ import annotations

from typing import Any

from register.export._common import (
    ISO_639_3,
    NL_STANDARD,
    REASON_TOO_LONG,
    StandardFile,
    check_schema,
    export_error,
    schema,
    verify_round_trip,
)
from register.export._nl import _SOURCES, from_nl, nl_language, to_nl
from register.record._schema import TransparencyRecord

NL10_VERSION = "1.0.10"
NL10_STANDARD = f"{NL_STANDARD} {NL10_VERSION}"
NL10_SCHEMA = "algoritmeregister-publicatiestandaard-v1.0.10.schema.json"
NL10_CONFORMS_TO = (
    "https://github.com/MinBZK/Algoritmeregister-Publicatiestandaard/blob/v1.0.10/ch02.md"
)
NL10_FILE = "nl-algoritmeregister-1.0.10.json"
NL10_NOTES = (
    "Publicatiestandaard 1.0.10 has the same fields as 1.0.0; its 'schema' field admits "
    "'0.3.0', '0.3.1', '0.4.0' or '1.0.0', so objects say '1.0.0' and this file's "
    "'standard_version' says 1.0.10. No JSON Schema of 1.0.10 is published: the one named "
    "in 'schema' is written by insyn from the standard's field text (ch02.md).",
    "Texts are the record's English where the record is complete in English, else its "
    "Swedish; 'text_language' (ISO 639-3) says which. The standard's 'language' field "
    "admits only 'nld'.",
    "start_date is given only where the record has one (optional in 1.0.10).",
)
_PLACEHOLDER_MONTH = "1970-01"  # satisfies to_nl's 1.0.0 requirement; removed below


def to_nl_1010(
    record: TransparencyRecord, *, lang: str | None = None, status: str | None = None
) -> dict[str, Any]:
    """The record as one 1.0.10 object in ``lang`` (default: as the 1.0.0 export).

    Raises ExportError naming slug, field and reason where a value does not fit
    the 1.0.10 limits (or the 1.0.0 mapping's); never truncates.
    """
    fallback = None if record.start_date else _PLACEHOLDER_MONTH
    obj = to_nl(record, lang=lang, status=status, fallback_start_month=fallback)
    if record.start_date is None:
        del obj["start_date"]
    properties = schema(NL10_SCHEMA)["properties"]
    for field, value in obj.items():
        limit = properties.get(field, {}).get("maxLength")
        if limit is not None and isinstance(value, str) and len(value) > limit:
            reason = REASON_TOO_LONG.format(
                length=len(value), target=f"the NL 1.0.10 field {field!r}", limit=limit
            )
            raise export_error(record.slug, _SOURCES.get(field, field), reason)
    return obj


def nl_1010_entry(record: TransparencyRecord, *, version: int, status: str) -> dict[str, Any]:
    """One algorithm's 1.0.10 envelope entry; schema-valid and reading back exactly."""
    lang = nl_language(record)
    obj = to_nl_1010(record, lang=lang, status=status)
    check_schema(NL10_SCHEMA, obj, standard=NL10_STANDARD, slug=record.slug)
    verify_round_trip(record, from_nl(obj, lang), target="the NL 1.0.10 export", status=status)
    return {
        "slug": record.slug,
        "version": version,
        "text_language": ISO_639_3[lang],
        "record": obj,
    }


NL10_FILE_INFO = StandardFile(
    standard=NL_STANDARD,
    version=NL10_VERSION,
    schema_name=NL10_SCHEMA,
    conforms_to=NL10_CONFORMS_TO,
    notes=NL10_NOTES,
)
#: The nl_1010 export file's document around its entries; its notes name what was left out.
nl_1010_document = NL10_FILE_INFO.document
