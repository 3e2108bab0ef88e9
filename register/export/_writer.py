"""``export_register``: every published record in every format, written as one set or not at all."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register._errors import NotFoundError
from register.export._cards import register_cards, schema_copies, verify_card
from register.export._common import (
    EU_CONFORMS_TO,
    EU_SCHEMA,
    EU_STANDARD,
    FOLDER_ERROR,
    NL_CONFORMS_TO,
    NL_SCHEMA,
    NL_STANDARD,
    SCHEMA_FOLDER,
    ExportError,
    ExportOmission,
    check_schema,
    dumps,
    generated_now,
)
from register.export._csv import (
    CSV_COLUMN_NAMES,
    CSV_COLUMNS,
    CSV_MEDIA_TYPE,
    csvw_metadata,
    write_csv,
)
from register.export._dcat import (
    CATALOG_FILE,
    JSONLD_MEDIA_TYPE,
    Distribution,
    catalog,
    check_catalog,
    url_for,
)
from register.export._explanations import (
    EXPLANATION_CSV_COLUMNS,
    EXPLANATION_SCHEMA,
    explanation_document,
    explanation_files,
)
from register.export._extra import ExtraExport, extra_files, verify_extra
from register.export._records import (
    CSV_FILE,
    EU_FILE,
    JSON_MEDIA_TYPE,
    NL_FILE,
    VersionExport,
    eurocities_document,
    nl_document,
)

AUDIT_HEAD_FILE = "audit-head.json"

if TYPE_CHECKING:
    from register._facade import Register
    from register.store._results import AlgorithmVersion

CSVW_FILE = "csv-metadata.json"
SCHEMA_COPY = f"schemas/{EXPLANATION_SCHEMA}"
REASON_IS_FILE = "it exists and is a file, not a folder"
REASON_OS = "{detail}"
VALID = "valid against {schema}"
CHECKED = "checked: {what}"
LEFT_OUT_COUNT = "; {count} left out (see notes)"
RFC_4180 = "https://www.rfc-editor.org/rfc/rfc4180"
CSVW_SPEC = "http://www.w3.org/TR/tabular-metadata/"


@dataclass(frozen=True, kw_only=True, slots=True)
class ExportedFile:
    """One written file: relative name, mime type, standard it conforms to, validation status."""

    name: str
    media_type: str
    conforms_to: str | None
    validation: str
    size: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ExportReport:
    """The result of :func:`export_register`: where, when, which algorithms, which files,
    and which records were left out of which standard (``omitted``; empty when none)."""

    folder: Path
    generated_at: str
    audit_head: str | None
    algorithms: tuple[tuple[str, int], ...]
    files: tuple[ExportedFile, ...]
    omitted: tuple[ExportOmission, ...]


def _first_published(reg: Register, slug: str, fallback: date) -> date:
    try:
        history = reg.history(slug)
    except NotFoundError:
        return fallback
    return min((change.created_at.date() for change in history), default=fallback)


def _build(
    reg: Register, *, generated_at: str, audit_head: str | None
) -> tuple[list[tuple[Distribution, str]], list[AlgorithmVersion], list[ExportOmission]]:
    versions = [reg.get(item.slug) for item in reg.list_algorithms()]
    common: dict[str, Any] = {"generated_at": generated_at, "audit_head": audit_head}
    firsts = {v.slug: _first_published(reg, v.slug, v.created_at.date()) for v in versions}
    built = [VersionExport.of(v, **common, first_published=firsts[v.slug]) for v in versions]
    omitted = [item for b in built for item in b.omitted]
    left_out_nl = [item for item in omitted if item.standard == NL_STANDARD]
    left_out_eu = [item for item in omitted if item.standard != NL_STANDARD]
    nl = nl_document([b.nl for b in built if b.nl is not None], **common, omitted=left_out_nl)
    eu = eurocities_document(
        [e for b in built for e in b.eurocities], **common, omitted=left_out_eu
    )
    count = len(built)
    extra = [ExtraExport.of(v, first_published=firsts[v.slug]) for v in versions]
    files: list[tuple[Distribution, str]] = [
        (
            Distribution(
                name=NL_FILE,
                title=f"{NL_STANDARD} {nl['standard_version']}",
                description="One object per published algorithm (NL publication standard).",
                media_type=JSON_MEDIA_TYPE,
                conforms_to=NL_CONFORMS_TO,
                content=dumps(nl),
            ),
            VALID.format(schema=NL_SCHEMA)
            + f" ({len(nl['algorithms'])} objects)"
            + (LEFT_OUT_COUNT.format(count=len(left_out_nl)) if left_out_nl else ""),
        ),
        (
            Distribution(
                name=EU_FILE,
                title=f"{EU_STANDARD} {eu['standard_version']}",
                description="One object per published algorithm and language.",
                media_type=JSON_MEDIA_TYPE,
                conforms_to=EU_CONFORMS_TO,
                content=dumps(eu),
            ),
            VALID.format(schema=EU_SCHEMA)
            + f" ({len(eu['algorithms'])} objects)"
            + (LEFT_OUT_COUNT.format(count=len(left_out_eu)) if left_out_eu else ""),
        ),
        (
            Distribution(
                name=CSV_FILE,
                title="Register as CSV",
                description="One row per published algorithm; columns in csv-metadata.json.",
                media_type=CSV_MEDIA_TYPE,
                conforms_to=RFC_4180,
                content=write_csv([b.csv_row for b in built], CSV_COLUMN_NAMES),
            ),
            CHECKED.format(what=f"header and {count} rows"),
        ),
    ]
    files += extra_files(extra, **common)
    omitted += [item for b in extra for item in b.omitted]
    tables: list[tuple[str, Any]] = [(CSV_FILE, CSV_COLUMNS)]
    documents: dict[str, Any] = {}  # slug -> explanation document, for the model cards
    for v in versions:
        document = explanation_document(
            reg.get_explanation(v.slug, v.version),
            slug=v.slug,
            version=v.version,
            record=v.record,
            **common,
        )
        as_json, as_csv = explanation_files(document)
        documents[v.slug] = document
        stem = f"explanations/{v.slug}-v{v.version}"
        for suffix, content, media in (
            (".json", as_json, JSON_MEDIA_TYPE),
            (".csv", as_csv, CSV_MEDIA_TYPE),
        ):
            distribution = Distribution(
                name=stem + suffix,
                title=f"Global explanation of {v.slug} version {v.version}",
                description="Global SHAP importances and suppressed dependence summaries.",
                media_type=media,
                conforms_to=SCHEMA_COPY if suffix == ".json" else RFC_4180,
                content=content,
            )
            status = (
                VALID.format(schema=EXPLANATION_SCHEMA)
                if suffix == ".json"
                else (CHECKED.format(what="header, aggregates only"))
            )
            files.append((distribution, status))
        tables.append((stem + ".csv", EXPLANATION_CSV_COLUMNS))
    cards, left_out_cards = register_cards(reg, versions, **common, explanations=documents)
    files, omitted = files + cards, omitted + left_out_cards
    metadata = dumps(csvw_metadata(tables, generated_at=generated_at))
    files.append(
        (
            Distribution(
                name=CSVW_FILE,
                title="Column descriptions of the CSV files (CSV on the Web)",
                description="W3C tabular metadata for register.csv and the explanation CSVs.",
                media_type=JSON_MEDIA_TYPE,
                conforms_to=CSVW_SPEC,
                content=metadata,
            ),
            CHECKED.format(what="lists every CSV"),
        )
    )
    return files, versions, omitted


def _verify_folder(folder: Path, files: list[tuple[Distribution, str]]) -> None:
    """Re-read every written file and validate it again (schemas, CSV headers, catalogue)."""
    for item, _ in files:
        content = (folder / item.name).read_bytes()
        if content != item.content:
            raise ExportError(FOLDER_ERROR.format(folder=folder, reason=f"{item.name} differs"))
        verify_extra(item.name, content)
        if verify_card(item.name, content):
            continue
        if item.name in (NL_FILE, EU_FILE):
            document = json.loads(content)
            schema_name = NL_SCHEMA if item.name == NL_FILE else EU_SCHEMA
            for entry in document["algorithms"]:
                check_schema(schema_name, entry["record"], standard=item.title, slug=entry["slug"])
        elif item.name.endswith(".csv"):
            header = next(csv.reader(io.StringIO(content.decode("utf-8"))))
            expected = (
                CSV_COLUMN_NAMES
                if item.name == CSV_FILE
                else [name for name, _ in EXPLANATION_CSV_COLUMNS]
            )
            if tuple(header) != tuple(expected):
                reason = f"{item.name} has an unexpected header"
                raise ExportError(FOLDER_ERROR.format(folder=folder, reason=reason))
        elif item.name.startswith("explanations/"):
            document = json.loads(content)
            check_schema(
                EXPLANATION_SCHEMA, document, standard="explanation", slug=document["slug"]
            )
    catalogue = json.loads((folder / CATALOG_FILE).read_text(encoding="utf-8"))
    names = [item.name for item, _ in files]
    base = catalogue["@id"][: -len(CATALOG_FILE)].rstrip("/") or None
    check_catalog(catalogue, names, base)


def _os_reason(error: OSError) -> str:
    return error.strerror or str(error)


def _write(folder: Path, name: str, content: bytes) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def export_register(
    reg: Register,
    folder: str | os.PathLike[str],
    *,
    base_url: str | None = None,
    audit_head: str | None = None,
    audit_anchor: dict[str, Any] | None = None,
) -> ExportReport:
    """Write every published record in every format to ``folder``, as one set.

    A record that one standard cannot hold (a text longer than the standard allows, a
    value it requires) is left out of that standard's file only; the file's notes and
    the report's ``omitted`` name the record, field, limit and standard. Files are written
    to a temporary folder beside ``folder``, re-read and
    validated, then renamed into place, replacing an existing export folder as a
    whole. On any failure ``folder`` is left as it was and ExportError (or the
    register's own error) is raised; no half-written set remains. ``audit_anchor``
    (the signed head and the writer's public keys, see ``register.cli._export``) is
    written beside the exports as ``audit-head.json`` and named in the catalogue.
    """
    target = Path(folder).absolute()
    if target.exists() and not target.is_dir():
        raise ExportError(FOLDER_ERROR.format(folder=target, reason=REASON_IS_FILE))
    generated_at = generated_now()
    files, versions, omitted = _build(reg, generated_at=generated_at, audit_head=audit_head)
    publisher = ", ".join(sorted({v.record.organisation for v in versions}))
    document = catalog(
        [item for item, _ in files],
        base_url=base_url,
        publisher=publisher or "insyn",
        generated_at=generated_at,
        audit_head=audit_head,
    )
    for dataset in document["dcat:dataset"] if audit_anchor is not None else ():
        if "dct:provenance" in dataset:  # where the head is stated: the signed head's file
            dataset["dct:provenance"]["rdfs:seeAlso"] = {"@id": url_for(AUDIT_HEAD_FILE, base_url)}
    catalogue = dumps(document)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    except OSError as error:
        raise ExportError(FOLDER_ERROR.format(folder=target, reason=_os_reason(error))) from None
    try:
        for item, _ in files:
            _write(staging, item.name, item.content)
        _write(staging, CATALOG_FILE, catalogue)
        if audit_anchor is not None:
            _write(staging, AUDIT_HEAD_FILE, dumps(audit_anchor))
        _write(staging, SCHEMA_COPY, (SCHEMA_FOLDER / EXPLANATION_SCHEMA).read_bytes())
        for name, content in schema_copies().items():
            _write(staging, name, content)
        _verify_folder(staging, files)
        staging.chmod(0o755)
        _swap(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ExportError(FOLDER_ERROR.format(folder=target, reason=_os_reason(error))) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    written = [
        ExportedFile(
            name=item.name,
            media_type=item.media_type,
            conforms_to=item.conforms_to,
            validation=status,
            size=len(item.content),
        )
        for item, status in files
    ]
    written.append(
        ExportedFile(
            name=CATALOG_FILE,
            media_type=JSONLD_MEDIA_TYPE,
            conforms_to="http://data.europa.eu/r5r/",
            validation=CHECKED.format(what=f"one distribution per file ({len(files)})"),
            size=len(catalogue),
        )
    )
    return ExportReport(
        folder=target,
        generated_at=generated_at,
        audit_head=audit_head,
        algorithms=tuple((v.slug, v.version) for v in versions),
        files=tuple(written),
        omitted=tuple(omitted),
    )


def _swap(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``; an existing ``target`` is replaced only on success."""
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{secrets.token_hex(4)}"
        target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
