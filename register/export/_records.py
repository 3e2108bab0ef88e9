"""Per-record exports: NL and Eurocities entries (checked to read back), CSV rows, downloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from register.export._cards import version_cards
from register.export._common import (
    EU_CONFORMS_TO,
    EU_SCHEMA,
    EU_STANDARD,
    EU_VERSION,
    ISO_639_3,
    NL_CONFORMS_TO,
    NL_SCHEMA,
    NL_STANDARD,
    NL_VERSION,
    ExportError,
    ExportOmission,
    StandardFile,
    check_schema,
    dumps,
    generated_now,
    iso_utc,
    omission,
    verify_round_trip,
)
from register.export._csv import CSV_COLUMN_NAMES, CSV_MEDIA_TYPE, csv_row, write_csv
from register.export._eurocities import from_eurocities, to_eurocities
from register.export._extra import extra_omissions, extra_record_files
from register.export._nl import from_nl, nl_language, to_nl
from register.record._schema import Status, TransparencyRecord

if TYPE_CHECKING:
    from register.store._results import AlgorithmVersion

JSON_MEDIA_TYPE = "application/json"
NL_FILE = "nl-algoritmeregister-1.0.0.json"
EU_FILE = "eurocities-ats-0.3.1.json"
CSV_FILE = "register.csv"
NL_NOTES = (
    "Texts are the record's English where the record is complete in English, else its "
    "Swedish; 'text_language' (ISO 639-3) says which. The standard's 'language' field "
    "admits only 'nld' in v1.0.0.",
    "start_date is the month the algorithm was taken into use or, for one not yet in use, "
    "the month its published version was registered in insyn.",
)
EU_NOTES = (
    "One entry per language the record is complete in. 'area' is the organisation; "
    "'algorithm_type' is 'self-learning' and 'type' 'predictive' for every insyn model; "
    "'revision_date' is the last change plus 12 months.",
)


def nl_entry(
    record: TransparencyRecord, *, version: int, status: str, fallback_start_month: str | None
) -> dict[str, Any]:
    """One algorithm's NL envelope entry; schema-valid and reading back exactly, or ExportError."""
    lang = nl_language(record)
    obj = to_nl(record, lang=lang, status=status, fallback_start_month=fallback_start_month)
    check_schema(NL_SCHEMA, obj, standard=NL_STANDARD, slug=record.slug)
    verify_round_trip(record, from_nl(obj, lang), target="the NL export", status=status)
    return {
        "slug": record.slug,
        "version": version,
        "text_language": ISO_639_3[lang],
        "record": obj,
    }


def eurocities_entry(
    record: TransparencyRecord,
    *,
    lang: str,
    version: int,
    status: str,
    published: date,
    changed: date,
) -> dict[str, Any]:
    """The Eurocities envelope entry of ``record`` in ``lang``; checked as NL, or ExportError."""
    obj = to_eurocities(record, lang=lang, published=published, changed=changed, status=status)
    check_schema(EU_SCHEMA, obj, standard=EU_STANDARD, slug=record.slug)
    target = f"the Eurocities export ({lang})"
    verify_round_trip(record, from_eurocities(obj), target=target, status=status)
    return {"slug": record.slug, "version": version, "lang": lang, "record": obj}


def eurocities_entries(
    record: TransparencyRecord, *, version: int, status: str, published: date, changed: date
) -> list[dict[str, Any]]:
    """One Eurocities envelope entry per language in ``record.languages``; checked as NL."""
    common: dict[str, Any] = {
        "version": version,
        "status": status,
        "published": published,
        "changed": changed,
    }
    return [eurocities_entry(record, lang=lang, **common) for lang in record.languages]


NL_FILE_INFO = StandardFile(
    standard=NL_STANDARD,
    version=NL_VERSION,
    schema_name=NL_SCHEMA,
    conforms_to=NL_CONFORMS_TO,
    notes=NL_NOTES,
)
#: The nl export file's document around its entries; its notes name what was left out.
nl_document = NL_FILE_INFO.document


EU_FILE_INFO = StandardFile(
    standard=EU_STANDARD,
    version=EU_VERSION,
    schema_name=EU_SCHEMA,
    conforms_to=EU_CONFORMS_TO,
    notes=EU_NOTES,
)
#: The eurocities export file's document around its entries; its notes name what was left out.
eurocities_document = EU_FILE_INFO.document


@dataclass(frozen=True, kw_only=True, slots=True)
class VersionExport:
    """Everything exported about one published version (see :meth:`of`).

    A standard the record cannot be expressed in (a text longer than its limit, a
    missing value it requires) leaves the record out of that standard only: ``nl`` is
    then None, ``eurocities`` lacks that language, and ``omitted`` says why (``errors``:
    the errors behind it, in order). The CSV row has no limits and is always built.
    """

    nl: dict[str, Any] | None
    eurocities: tuple[dict[str, Any], ...]
    csv_row: dict[str, Any]
    omitted: tuple[ExportOmission, ...]
    errors: tuple[ExportError, ...]

    @classmethod
    def of(
        cls,
        version: AlgorithmVersion,
        *,
        generated_at: str,
        audit_head: str | None,
        first_published: date | None = None,
    ) -> VersionExport:
        """Build and check every standard's entry of ``version`` (see the class)."""
        record = version.record
        known = {item.value for item in Status}
        status = version.status if version.status in known else record.status.value
        changed = version.created_at.date()
        omitted: list[ExportOmission] = []
        errors: list[ExportError] = []  # the errors behind ``omitted``, in order
        where: dict[str, Any] = {"slug": record.slug, "version": version.version}
        nl: dict[str, Any] | None = None
        try:
            nl = nl_entry(
                record,
                version=version.version,
                status=status,
                fallback_start_month=changed.strftime("%Y-%m"),
            )
        except ExportError as error:
            errors.append(error)
            omitted.append(omission(error, standard=NL_STANDARD, **where))
        eurocities: list[dict[str, Any]] = []
        for lang in record.languages:
            try:
                entry = eurocities_entry(
                    record,
                    lang=lang,
                    version=version.version,
                    status=status,
                    published=first_published or changed,
                    changed=changed,
                )
            except ExportError as error:
                errors.append(error)
                standard = f"{EU_STANDARD} ({lang})"
                omitted.append(omission(error, standard=standard, **where))
                continue
            eurocities.append(entry)
        row = csv_row(
            record,
            version=version.version,
            published_at=iso_utc(version.created_at),
            status=status,
            explanation_fingerprint=version.explanation_fingerprint,
            generated_at=generated_at,
            audit_head=audit_head,
        )
        return cls(
            nl=nl,
            eurocities=tuple(eurocities),
            csv_row=row,
            omitted=tuple(omitted),
            errors=tuple(errors),
        )


def standard_omissions(record: TransparencyRecord) -> tuple[ExportOmission, ...]:
    """The standards ``record`` cannot be exported to, and why, known before it is stored.

    Checked as a register export would (today's date, the current month as start month
    where the record has none); empty when every standard can hold the record.
    """
    today = date.today()
    omitted: list[ExportOmission] = []
    where: dict[str, Any] = {"slug": record.slug, "version": 0}
    status = record.status.value
    try:
        nl_entry(record, version=0, status=status, fallback_start_month=today.strftime("%Y-%m"))
    except ExportError as error:
        omitted.append(omission(error, standard=NL_STANDARD, **where))
    for lang in record.languages:
        try:
            eurocities_entry(
                record, lang=lang, version=0, status=status, published=today, changed=today
            )
        except ExportError as error:
            omitted.append(omission(error, standard=f"{EU_STANDARD} ({lang})", **where))
    return tuple(omitted) + extra_omissions(record)


def record_exports(
    version: AlgorithmVersion,
    *,
    audit_head: str | None = None,
    first_published: date | None = None,
    explanation: Any = None,
    fairness: Any = None,
) -> dict[str, tuple[bytes, str]]:
    """Download files for one version: filename -> (content, mime type).

    Holds ``<slug>-v<version>-nl-algoritmeregister-1.0.0.json``,
    ``<slug>-v<version>-eurocities-ats-0.3.1.json`` and ``<slug>-v<version>.csv``
    (one row), ``-nl-algoritmeregister-1.0.10.json`` and ``-uk-atrs-3.0.json`` (none
    for a record without English text), the printable record ``-record-sv.html`` /
    ``-record-en.html``, the model cards ``-model-card.json`` / ``.md`` (with the global
    importance of ``explanation`` and the public dict ``fairness`` where given) and, for
    a high-risk record, ``-eu-ai-act-annex-viii-c.json``, each in the same layout as the
    register-wide files. Raises
    ExportError when the record cannot be expressed in a standard.
    """
    generated_at = generated_now()
    built = VersionExport.of(
        version, generated_at=generated_at, audit_head=audit_head, first_published=first_published
    )
    if built.errors or built.nl is None:
        raise built.errors[0]
    stem = f"{version.slug}-v{version.version}"
    common: dict[str, Any] = {"generated_at": generated_at, "audit_head": audit_head}
    extra = extra_record_files(version, **common, first_published=first_published)
    cards = version_cards(version, **common, explanation=explanation, fairness=fairness)
    own = {
        f"{stem}-{NL_FILE}": (dumps(nl_document([built.nl], **common)), JSON_MEDIA_TYPE),
        f"{stem}-{EU_FILE}": (
            dumps(eurocities_document(list(built.eurocities), **common)),
            JSON_MEDIA_TYPE,
        ),
        f"{stem}.csv": (write_csv([built.csv_row], CSV_COLUMN_NAMES), CSV_MEDIA_TYPE),
        **cards,
    }
    return own | extra
