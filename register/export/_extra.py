"""Per-version entries of the NL 1.0.10 and UK ATRS exports, and the files they make.

Kept apart from :mod:`register.export._records` (the NL 1.0.0, Eurocities and CSV
exports) so each standard stays in its own module; the register-wide writer and
``record_exports`` add what this module builds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from register.export._atrs import (
    ATRS_CONFORMS_TO,
    ATRS_FILE,
    ATRS_SCHEMA,
    ATRS_STANDARD,
    ATRS_VERSION,
    atrs_document,
    atrs_entry,
    from_atrs,
)
from register.export._common import (
    NL_SCHEMA,
    ExportError,
    ExportOmission,
    check_schema,
    dumps,
    omission,
    schema_problems,
)
from register.export._dcat import Distribution
from register.export._nl import from_nl
from register.export._nl_1010 import (
    NL10_CONFORMS_TO,
    NL10_FILE,
    NL10_SCHEMA,
    NL10_STANDARD,
    NL10_VERSION,
    nl_1010_document,
    nl_1010_entry,
)
from register.export._printable import printable_files
from register.record._schema import Status, TransparencyRecord

if TYPE_CHECKING:
    from register.store._results import AlgorithmVersion

JSON_MEDIA_TYPE = "application/json"
VALID = "valid against {schema} ({count} objects)"
LEFT_OUT_COUNT = "; {count} left out (see notes)"
#: The schema each extra register-wide file is validated against, by file name.
EXTRA_SCHEMAS = {NL10_FILE: NL10_SCHEMA, ATRS_FILE: ATRS_SCHEMA}


@dataclass(frozen=True, kw_only=True, slots=True)
class ExtraExport:
    """The NL 1.0.10 and ATRS entries of one published version (None: left out, see
    ``omitted``; ``errors``: the errors behind it, in order)."""

    nl10: dict[str, Any] | None
    atrs: dict[str, Any] | None
    omitted: tuple[ExportOmission, ...]
    errors: tuple[ExportError, ...]

    @classmethod
    def of(cls, version: AlgorithmVersion, *, first_published: date | None = None) -> ExtraExport:
        """Build and check both standards' entries of ``version`` (see the class)."""
        record = version.record
        known = {item.value for item in Status}
        status = version.status if version.status in known else record.status.value
        changed = version.created_at.date()
        where: dict[str, Any] = {"slug": record.slug, "version": version.version}
        omitted: list[ExportOmission] = []
        errors: list[ExportError] = []
        nl10: dict[str, Any] | None = None
        atrs: dict[str, Any] | None = None
        try:
            nl10 = nl_1010_entry(record, version=version.version, status=status)
        except ExportError as error:
            errors.append(error)
            omitted.append(omission(error, standard=NL10_STANDARD, **where))
        try:
            atrs = atrs_entry(
                record,
                version=version.version,
                status=status,
                published=first_published or changed,
                changed=changed,
            )
        except ExportError as error:
            errors.append(error)
            omitted.append(omission(error, standard=ATRS_STANDARD, **where))
        return cls(nl10=nl10, atrs=atrs, omitted=tuple(omitted), errors=tuple(errors))


def _status(schema_name: str, entries: Sequence[Any], left_out: Sequence[Any]) -> str:
    text = VALID.format(schema=schema_name, count=len(entries))
    return text + (LEFT_OUT_COUNT.format(count=len(left_out)) if left_out else "")


def extra_files(
    built: Sequence[ExtraExport], *, generated_at: str, audit_head: str | None
) -> list[tuple[Distribution, str]]:
    """The register-wide NL 1.0.10 and ATRS files with their validation status."""
    common: dict[str, Any] = {"generated_at": generated_at, "audit_head": audit_head}
    omitted = [item for b in built for item in b.omitted]
    nl_out = [item for item in omitted if item.standard == NL10_STANDARD]
    uk_out = [item for item in omitted if item.standard == ATRS_STANDARD]
    nl_entries = [b.nl10 for b in built if b.nl10 is not None]
    uk_entries = [b.atrs for b in built if b.atrs is not None]
    nl = nl_1010_document(nl_entries, **common, omitted=nl_out)
    uk = atrs_document(uk_entries, **common, omitted=uk_out)
    return [
        (
            Distribution(
                name=NL10_FILE,
                title=f"{NL10_STANDARD}",
                description="One object per published algorithm (NL publication standard 1.0.10).",
                media_type=JSON_MEDIA_TYPE,
                conforms_to=NL10_CONFORMS_TO,
                content=dumps(nl),
            ),
            _status(NL10_SCHEMA, nl_entries, nl_out),
        ),
        (
            Distribution(
                name=ATRS_FILE,
                title=f"{ATRS_STANDARD} 3.0",
                description="One object per published algorithm with English text (tiers 1 and 2).",
                media_type=JSON_MEDIA_TYPE,
                conforms_to=ATRS_CONFORMS_TO,
                content=dumps(uk),
            ),
            _status(ATRS_SCHEMA, uk_entries, uk_out),
        ),
    ]


def verify_extra(name: str, content: bytes) -> None:
    """Validate a written NL 1.0.10 or ATRS file again; other files are ignored."""
    schema_name = EXTRA_SCHEMAS.get(name)
    if schema_name is None:
        return
    for entry in json.loads(content)["algorithms"]:
        check_schema(schema_name, entry["record"], standard=name, slug=entry["slug"])


def extra_record_files(
    version: AlgorithmVersion,
    *,
    generated_at: str,
    audit_head: str | None,
    first_published: date | None = None,
) -> dict[str, tuple[bytes, str]]:
    """One version's NL 1.0.10, ATRS and printable downloads (filename -> (content, mime)).

    A standard the record cannot be expressed in (no English text for the ATRS, a
    text over a 1.0.10 limit) has no file here, so the other downloads stay offered;
    the register-wide export names why in that standard's notes.
    """
    built = ExtraExport.of(version, first_published=first_published)
    stem = f"{version.slug}-v{version.version}"
    common: dict[str, Any] = {"generated_at": generated_at, "audit_head": audit_head}
    files: dict[str, tuple[bytes, str]] = {}
    if built.nl10 is not None:
        files[f"{stem}-{NL10_FILE}"] = (
            dumps(nl_1010_document([built.nl10], **common)),
            JSON_MEDIA_TYPE,
        )
    if built.atrs is not None:
        files[f"{stem}-{ATRS_FILE}"] = (
            dumps(atrs_document([built.atrs], **common)),
            JSON_MEDIA_TYPE,
        )
    return files | printable_files(version, audit_head=audit_head)


def _from_atrs(obj: dict[str, Any], lang: str) -> dict[str, Any]:
    return from_atrs(obj)  # English only; ``lang`` is always "en"


#: How ``insyn import`` reads each standard added here: kind -> (standard, schema, reader).
EXTRA_READERS: dict[str, tuple[str, str, Callable[[dict[str, Any], str], dict[str, Any]]]] = {
    "nl10": (NL10_STANDARD, NL10_SCHEMA, from_nl),
    "atrs": (ATRS_STANDARD, ATRS_SCHEMA, _from_atrs),
}


def is_atrs(obj: Mapping[str, Any]) -> bool:
    """Whether ``obj`` is an ATRS v3.0 object."""
    metadata = obj.get("metadata")
    return (
        isinstance(metadata, dict)
        and metadata.get("standard_version") == ATRS_VERSION
        and isinstance(obj.get("tier_1"), dict)
    )


def nl_kind(obj: Mapping[str, Any], standard_version: str | None) -> str:
    """``"nl10"`` for an object of a 1.0.10 file or a bare one only 1.0.10 admits, else ``"nl"``."""
    if standard_version is not None:
        return "nl10" if standard_version == NL10_VERSION else "nl"
    only_new = schema_problems(NL_SCHEMA, obj) and not schema_problems(NL10_SCHEMA, obj)
    return "nl10" if only_new else "nl"


def extra_omissions(record: TransparencyRecord) -> tuple[ExportOmission, ...]:
    """The NL 1.0.10 and ATRS exports ``record`` cannot be in, and why (before it is stored)."""
    today = date.today()
    where: dict[str, Any] = {"slug": record.slug, "version": 0}
    status = record.status.value
    omitted: list[ExportOmission] = []
    try:
        nl_1010_entry(record, version=0, status=status)
    except ExportError as error:
        omitted.append(omission(error, standard=NL10_STANDARD, **where))
    try:
        atrs_entry(record, version=0, status=status, published=today, changed=today)
    except ExportError as error:
        omitted.append(omission(error, standard=ATRS_STANDARD, **where))
    return tuple(omitted)
