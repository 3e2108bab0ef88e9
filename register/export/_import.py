"""Read an NL or Eurocities export back into a transparency record.

The standard carries some record fields exactly (``carried_fields``); the rest
(``missing_fields``) are taken from a ``base`` record when one is given. With
every field present the result is validated into a :class:`TransparencyRecord`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from register._errors import InsynError
from register.export._common import (
    EU_SCHEMA,
    EU_STANDARD,
    ISO_639_3,
    NL_SCHEMA,
    NL_STANDARD,
    schema_problems,
)
from register.export._eurocities import from_eurocities
from register.export._extra import EXTRA_READERS, is_atrs, nl_kind
from register.export._import_cards import CARD_KINDS, MCT_LANGUAGE_NEEDED, card_entries
from register.export._nl import from_nl
from register.export._paths import leaf_paths, merge, record_paths
from register.record._errors import RecordValidationError
from register.record._schema import LANGUAGES, TransparencyRecord, parse_record

READ_ERROR = "Cannot read {source}: {reason}."
UNKNOWN_FORMAT = (
    "{source} is neither an insyn export nor an object of the NL Algoritmeregister "
    "standard 1.0.0 or 1.0.10, the Eurocities standard 0.3.1 or the UK ATRS 3.0 (nor an "
    "Annex VIII or model card file)."
)
SEVERAL_ALGORITHMS = "{source} holds several algorithms ({slugs}); choose one with a slug or base."
SLUG_NOT_FOUND = "{source} holds no algorithm {slug!r} (it holds {slugs})."
LANGUAGE_NEEDED = (
    "{source} is a bare NL object whose 'language' is 'nld'; say which record language "
    "(sv or en) its texts are in."
)
UNKNOWN_LANGUAGE = "{source}: text language {lang!r} is not one of the register's (sv, en)."
INVALID_OBJECT = (
    "{source}: the {standard} object of {slug!r} breaks its schema at {path}: {reason}."
)
BAD_BASE = "The base record is not a TransparencyRecord or record mapping: {kind}."
FROM_639_3 = {code: lang for lang, code in ISO_639_3.items()}
MAX_IMPORT_BYTES = 64 * 1024 * 1024
REASON_TOO_LARGE = "the file is larger than {limit} bytes"
REASON_DEEP = "its values are nested too deeply to be a standard's export"


class StandardImportError(InsynError, ValueError):
    """A file that cannot be read back as a record; the message names the file and why."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportReport:
    """The result of :func:`import_standard`: the record (or why not) and which fields came
    from the file (``carried_fields``) or not (``missing_fields``, taken from a base)."""

    standard: str
    slug: str | None
    languages: tuple[str, ...]
    data: dict[str, Any]
    record: TransparencyRecord | None
    carried_fields: tuple[str, ...]
    missing_fields: tuple[str, ...]
    filled_from_base: bool
    problems: str | None


def _load(source: Any) -> tuple[dict[str, Any], str]:
    if isinstance(source, Mapping):
        return dict(source), "the given object"
    path = Path(os.fspath(source))
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_IMPORT_BYTES + 1)
        if len(raw) > MAX_IMPORT_BYTES:
            reason = REASON_TOO_LARGE.format(limit=MAX_IMPORT_BYTES)
            raise StandardImportError(READ_ERROR.format(source=path, reason=reason))
        loaded = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise StandardImportError(READ_ERROR.format(source=path, reason="no such file")) from None
    except RecursionError:
        raise StandardImportError(READ_ERROR.format(source=path, reason=REASON_DEEP)) from None
    except (OSError, ValueError) as error:  # UnicodeDecodeError, JSONDecodeError, huge numbers
        reason = getattr(error, "strerror", None) or str(error)[:200]
        raise StandardImportError(READ_ERROR.format(source=path, reason=reason)) from None
    if not isinstance(loaded, dict):
        raise StandardImportError(UNKNOWN_FORMAT.format(source=path))
    return loaded, str(path)


def _kind(obj: Mapping[str, Any]) -> str | None:
    if is_atrs(obj):
        return "atrs"
    if obj.get("schema") == "1.0.0" and "publication_category" in obj:
        return "nl"
    if obj.get("standard_version") == "0.3.1":
        return "eu"
    return None


def _entries(document: dict[str, Any], source: str, lang: str | None) -> tuple[str, list[Any]]:
    """(kind, [(slug or None, text language, standard object)]) of a file or bare object."""
    if isinstance(document.get("algorithms"), list):
        entries = [e for e in document["algorithms"] if isinstance(e, dict)]
        kinds = {_kind(e.get("record") or {}) for e in entries}
        if len(kinds) != 1 or None in kinds:
            raise StandardImportError(UNKNOWN_FORMAT.format(source=source))
        kind = kinds.pop() or ""
        if kind == "nl":
            kind = nl_kind({}, str(document.get("standard_version")))
        rows = []
        for entry in entries:
            code = entry.get("lang") or FROM_639_3.get(entry.get("text_language", ""), lang)
            rows.append((entry.get("slug"), code, entry["record"]))
        return kind, rows
    kind = _kind(document) or ""
    if not kind:
        raise StandardImportError(UNKNOWN_FORMAT.format(source=source))
    if kind in ("eu", "atrs"):
        return kind, [(None, document.get("lang") or ("en" if kind == "atrs" else None), document)]
    kind = nl_kind(document, None)
    if lang is None:
        raise StandardImportError(LANGUAGE_NEEDED.format(source=source))
    return kind, [(document.get("source_id"), lang, document)]


def import_standard(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    base: TransparencyRecord | Mapping[str, Any] | None = None,
    slug: str | None = None,
    lang: str | None = None,
) -> ImportReport:
    """Read an NL or Eurocities file (or parsed object) back into a record.

    Picks the algorithm ``slug`` (default: the base's slug, or the only one).
    Every field the file carries equals what was exported; fields it does not
    carry come from ``base``. ``lang`` names the texts' language for a bare NL
    object. Raises StandardImportError for unreadable or foreign input.
    """
    document, name = _load(source)
    if base is not None and not isinstance(base, (TransparencyRecord, Mapping)):
        raise StandardImportError(BAD_BASE.format(kind=type(base).__name__))
    base_dict = base.to_json_dict() if isinstance(base, TransparencyRecord) else base
    kind, rows = card_entries(document, lang) or _entries(document, name, lang)
    slugs = sorted({row[0] for row in rows if row[0]})
    wanted = slug or (base_dict or {}).get("slug")
    if wanted and slugs:
        if wanted not in slugs:
            message = SLUG_NOT_FOUND.format(source=name, slug=wanted, slugs=", ".join(slugs))
            raise StandardImportError(message)
        rows = [row for row in rows if row[0] == wanted]
    elif len(slugs) > 1:
        raise StandardImportError(SEVERAL_ALGORITHMS.format(source=name, slugs=", ".join(slugs)))
    readers = {"nl": (NL_STANDARD, NL_SCHEMA, from_nl), "eu": (EU_STANDARD, EU_SCHEMA, None)}
    standard, schema_name, reader = (readers | EXTRA_READERS | CARD_KINDS)[kind]
    partial: dict[str, Any] = {}
    languages = []
    for row_slug, code, obj in rows:
        problems = schema_problems(schema_name, obj)
        if problems:
            path, reason = problems[0]
            raise StandardImportError(
                INVALID_OBJECT.format(
                    source=name, standard=standard, slug=row_slug, path=path, reason=reason
                )
            )
        if code is None and kind == "model-card":
            raise StandardImportError(MCT_LANGUAGE_NEEDED.format(source=name))
        if code not in LANGUAGES:
            raise StandardImportError(UNKNOWN_LANGUAGE.format(source=name, lang=code))
        languages.append(code)
        piece = reader(obj, code) if reader else from_eurocities(obj)
        if row_slug:
            piece["slug"] = row_slug
        partial = merge(piece, partial) if partial else piece
    carried = set(leaf_paths(partial))
    order = record_paths()
    carried_fields = tuple(p for p in order if p in carried)
    missing_fields = tuple(p for p in order if p not in carried)
    data = merge(partial, base_dict) if base_dict is not None else partial
    record, problems_text = None, None
    try:
        record = parse_record(data, source=name)
    except RecordValidationError as error:
        problems_text = str(error)
    return ImportReport(
        standard=standard,
        slug=data.get("slug"),
        languages=tuple(languages),
        data=data,
        record=record,
        carried_fields=carried_fields,
        missing_fields=missing_fields,
        filled_from_base=base_dict is not None,
        problems=problems_text,
    )
