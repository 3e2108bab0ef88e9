"""Shared pieces of the exports: errors, schemas, envelopes and lossless text sections.

A standard's free-text field often has to hold several record fields. They are
joined as *sections*: the first text as it is, then ``"\\n\\n<Label>:\\n<text>"``
per further field, with fixed labels per language. :func:`split_sections` reads
them back; every export checks that it does, so nothing is lost silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker

from register._errors import InsynError
from register.export._paths import leaf_paths, value_at

if TYPE_CHECKING:
    from register.record._schema import TransparencyRecord

SCHEMA_FOLDER = Path(__file__).resolve().parent.parent / "schemas"

NL_STANDARD = "Algoritmeregister Publicatiestandaard"
NL_VERSION = "1.0.0"
NL_SCHEMA = "algoritmeregister-publicatiestandaard-v1.0.0.schema.json"
NL_CONFORMS_TO = "https://www.algoritmeregister.org/schemas/algoritmeregister-publicatiestandaard-v1.0.0.schema.json"
EU_STANDARD = "Eurocities Algorithmic Transparency Standard"
EU_VERSION = "0.3.1"
EU_SCHEMA = "eurocities-ats-v0.3.1.schema.json"
EU_CONFORMS_TO = "https://github.com/Algoritmeregister/standard"

EXPORT_ERROR = "Cannot export {slug!r}: field {field!r} {reason}."
FOLDER_ERROR = "Cannot write the export folder {folder}: {reason}."
SCHEMA_INVALID = "The {standard} export of {slug!r} breaks its schema at {path}: {reason}."
REASON_TOO_LONG = "is {length} characters long in {target}, but the standard allows at most {limit}"
REASON_NO_VALUE = "has no value, but the standard requires {target}"
REASON_NOT_LOSSLESS = (
    "cannot be written into {target} so that it reads back unchanged "
    "(it contains a line break or a section label the export uses)"
)
REASON_NO_CATEGORY = "is {value!r}, which {target} has no category for"

# Fixed labels and sentences per text language (the record's "sv" or "en").
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "impact": "Impact",
        "alternatives": "Alternatives considered",
        "output_use": "Use of the output",
        "who_decides": "Who decides",
        "objection": "Objection and appeal",
        "references": "Legal references",
        "personal_data": "Personal data",
        "protected": "Protected attributes",
        "output": "Output",
        "positive_class": "Positive class",
        "inputs": "Inputs",
        "changeable": "can be changed",
        "completed": "completed",
        "no_assessment": "No impact assessment is recorded.",
        "personal_yes": "The algorithm processes personal data.",
        "personal_no": "The algorithm does not process personal data.",
        "human_yes": "A person makes every decision; the output is support only.",
        "human_no": "The output can take effect without a person deciding.",
        "monitoring": (
            "Not described separately in the insyn record; see human_intervention and risks."
        ),
        "revision_note": "insyn revisits a published record at least once every {months} months.",
    },
    "sv": {
        "impact": "Påverkan",
        "alternatives": "Alternativ som övervägts",
        "output_use": "Hur resultatet används",
        "who_decides": "Vem som beslutar",
        "objection": "Invändning och överklagande",
        "references": "Rättsliga källor",
        "personal_data": "Personuppgifter",
        "protected": "Skyddade attribut",
        "output": "Resultat",
        "positive_class": "Positiv klass",
        "inputs": "Indata",
        "changeable": "går att ändra",
        "completed": "genomförd",
        "no_assessment": "Ingen konsekvensbedömning är registrerad.",
        "personal_yes": "Algoritmen behandlar personuppgifter.",
        "personal_no": "Algoritmen behandlar inte personuppgifter.",
        "human_yes": "En människa fattar varje beslut; resultatet är bara ett stöd.",
        "human_no": "Resultatet kan få verkan utan att en människa beslutar.",
        "monitoring": ("Beskrivs inte separat i insyn-posten; se human_intervention och risks."),
        "revision_note": "insyn ser över en publicerad post minst var {months}:e månad.",
    },
}
ISO_639_3 = {"sv": "swe", "en": "eng"}


LEFT_OUT = (
    "Left out of the {standard} export: {slug!r} version {version}: field {field!r} {reason}."
)


class ExportError(InsynError, ValueError):
    """A record or folder that cannot be exported; the message names what and why.

    For a record, ``slug``, ``field`` and ``reason`` (with the standard's limit) are
    also given one by one; they are None for errors about the folder.
    """

    def __init__(
        self,
        message: str,
        *,
        slug: str | None = None,
        field: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.slug, self.field, self.reason = slug, field, reason


@dataclass(frozen=True, kw_only=True, slots=True)
class ExportOmission:
    """A published version left out of one standard's export: which, where and why.

    ``reason`` states the standard's rule (for a too-long text: the length and the
    limit); ``message`` is the whole sentence, as the CLI prints it.
    """

    slug: str
    version: int
    standard: str
    field: str
    reason: str
    message: str


def omission(error: ExportError, *, slug: str, version: int, standard: str) -> ExportOmission:
    """The :class:`ExportOmission` of a record that ``error`` keeps out of ``standard``."""
    field = error.field or "(record)"
    reason = error.reason or str(error)
    message = LEFT_OUT.format(
        standard=standard, slug=slug, version=version, field=field, reason=reason
    )
    return ExportOmission(
        slug=slug, version=version, standard=standard, field=field, reason=reason, message=message
    )


def export_error(slug: str, field: str, reason: str) -> ExportError:
    """An :class:`ExportError` naming the record (slug), the field and the reason."""
    return ExportError(
        EXPORT_ERROR.format(slug=slug, field=field, reason=reason),
        slug=slug,
        field=field,
        reason=reason,
    )


def generated_now() -> str:
    """The current time as ISO 8601 UTC with seconds, e.g. ``2025-01-31T12:00:00Z``."""
    return iso_utc(datetime.now(UTC))


def iso_utc(moment: datetime) -> str:
    """``moment`` (naive = UTC) as ISO 8601 UTC with seconds and a ``Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- lossless text sections ----------------------------------------------------
def join_sections(first: str, sections: Sequence[tuple[str, str | None]]) -> str:
    """``first`` followed by every section whose text is not None, each under its label."""
    parts = [first]
    parts += [f"\n\n{label}:\n{text}" for label, text in sections if text is not None]
    return "".join(parts)


def split_sections(text: str, labels: Sequence[str]) -> tuple[str, dict[str, str | None]]:
    """Inverse of :func:`join_sections` for sections written in the order of ``labels``.

    Returns the first text and each label's text (None where a label is absent).
    """
    found: dict[str, str | None] = dict.fromkeys(labels)
    cuts: list[tuple[int, int, str]] = []
    position = 0
    for label in labels:
        marker = f"\n\n{label}:\n"
        at = text.find(marker, position)
        if at >= 0:
            cuts.append((at, at + len(marker), label))
            position = at + len(marker)
    first_end = cuts[0][0] if cuts else len(text)
    for index, (_, body_start, label) in enumerate(cuts):
        body_end = cuts[index + 1][0] if index + 1 < len(cuts) else len(text)
        found[label] = text[body_start:body_end]
    return text[:first_end], found


def bullet_lines(lines: Sequence[str]) -> str:
    """One ``- line`` per item."""
    return "\n".join(f"- {line}" for line in lines)


def read_bullets(text: str) -> list[str]:
    """The items of :func:`bullet_lines` (lines without their ``- ``)."""
    return [line[2:] for line in text.split("\n") if line.startswith("- ")]


REFERENCE_LINE = re.compile(r"^(?P<title>.+) <(?P<url>\S+)>$")
FEATURE_LINE = re.compile(
    r"^(?P<label>.+?) \(`(?P<name>[^`]+)`\)(?P<changeable> \[[^\]]+\])?: (?P<description>.+)$"
)
ASSESSMENT_LINE = re.compile(
    r"^(?P<title>.+) \[(?P<kind>DPIA|FRIA|other)(?:, \S+ (?P<completed>\d{4}-\d{2}-\d{2}))?\]"
    r"(?: <(?P<url>\S+)>)?$"
)
ASSESSMENT_KINDS = {"dpia": "DPIA", "fria": "FRIA", "other": "other"}


def reference_lines(references: Sequence[Mapping[str, Any]]) -> str:
    """Legal references as ``- title <url>`` lines."""
    return bullet_lines([f"{ref['title']} <{ref['url']}>" for ref in references])


def parse_references(text: str | None) -> list[dict[str, str]]:
    """The references of :func:`reference_lines` (empty for None)."""
    out = []
    for line in read_bullets(text or ""):
        match = REFERENCE_LINE.match(line)
        if match:
            out.append({"title": match["title"], "url": match["url"]})
    return out


def assessment_lines(assessments: Sequence[Mapping[str, Any]], lang: str) -> str:
    """Impact assessments as ``- title [DPIA, completed 2024-01-31] <url>`` lines."""
    if not assessments:
        return LABELS[lang]["no_assessment"]
    lines = []
    for item in assessments:
        tag = ASSESSMENT_KINDS[item["kind"]]
        if item.get("completed"):
            tag += f", {LABELS[lang]['completed']} {item['completed']}"
        url = f" <{item['url']}>" if item.get("url") else ""
        lines.append(f"{item['title']} [{tag}]{url}")
    return bullet_lines(lines)


def parse_assessments(text: str | None) -> list[dict[str, Any]]:
    """The impact assessments of :func:`assessment_lines`."""
    kinds = {label: kind for kind, label in ASSESSMENT_KINDS.items()}
    out = []
    for line in read_bullets(text or ""):
        match = ASSESSMENT_LINE.match(line)
        if match:
            out.append(
                {
                    "kind": kinds[match["kind"]],
                    "title": match["title"],
                    "url": match["url"],
                    "completed": match["completed"],
                }
            )
    return out


def feature_lines(features: Sequence[Mapping[str, Any]], lang: str) -> str:
    """Model inputs as ``- label (`name`) [can be changed]: description`` lines."""
    lines = []
    for feature in features:
        flag = f" [{LABELS[lang]['changeable']}]" if feature["changeable"] else ""
        label = feature["label"][lang]
        lines.append(f"{label} (`{feature['name']}`){flag}: {feature['description'][lang]}")
    return bullet_lines(lines)


def parse_features(text: str | None, lang: str) -> list[dict[str, Any]]:
    """The model inputs of :func:`feature_lines` with texts in ``lang`` only."""
    out = []
    for line in read_bullets(text or ""):
        match = FEATURE_LINE.match(line)
        if match:
            out.append(
                {
                    "name": match["name"],
                    "label": {lang: match["label"]},
                    "description": {lang: match["description"]},
                    "changeable": match["changeable"] is not None,
                }
            )
    return out


def sentence_choice(text: str | None, lang: str, yes: str, no: str) -> bool | None:
    """True/False when ``text`` is the fixed yes/no sentence of ``lang``, else None."""
    if text == LABELS[lang][yes]:
        return True
    if text == LABELS[lang][no]:
        return False
    return None


# -- schemas -------------------------------------------------------------------
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlparse(value)
    return bool(parts.scheme and (parts.netloc or parts.path))


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``name`` from ``register/schemas``."""
    loaded: dict[str, Any] = json.loads((SCHEMA_FOLDER / name).read_text(encoding="utf-8"))
    return loaded


@cache
def _validator(name: str) -> Draft7Validator | Draft202012Validator:
    checker = FormatChecker()
    checker.checks("uri")(_is_uri)
    document = schema(name)
    kind = Draft7Validator if "draft-07" in document.get("$schema", "") else Draft202012Validator
    return kind(document, format_checker=checker)


def schema_problems(name: str, instance: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every (path, reason) by which ``instance`` breaks schema ``name`` (formats checked)."""
    problems = []
    for error in sorted(_validator(name).iter_errors(instance), key=lambda e: list(e.path)):
        path = "/".join(str(p) for p in error.path) or "(top level)"
        problems.append((path, error.message))
    return problems


def check_schema(name: str, instance: Mapping[str, Any], *, standard: str, slug: str) -> None:
    """Return if ``instance`` is valid against schema ``name``; else raise ExportError."""
    problems = schema_problems(name, instance)
    if problems:
        path, reason = problems[0]
        raise ExportError(
            SCHEMA_INVALID.format(standard=standard, slug=slug, path=path, reason=reason),
            slug=slug,
            field=path,
            reason=f"breaks the schema: {reason}",
        )


def envelope(
    *,
    standard: str,
    version: str,
    schema_name: str,
    conforms_to: str,
    generated_at: str,
    audit_head: str | None,
    entries: list[dict[str, Any]],
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """The wrapper of a standard export: which standard, when, audit head, and the entries."""
    return {
        "standard": standard,
        "standard_version": version,
        "schema": schema_name,
        "conforms_to": conforms_to,
        "generated_at": generated_at,
        "audit_head": audit_head,
        "publisher": "insyn",
        "notes": list(notes),
        "algorithms": entries,
    }


@dataclass(frozen=True, kw_only=True, slots=True)
class StandardFile:
    """What an export file in one standard says about itself: the standard, its version,
    the schema its entries are valid against, the schema's address and the file's notes."""

    standard: str
    version: str
    schema_name: str
    conforms_to: str
    notes: tuple[str, ...] = ()

    def document(
        self,
        entries: list[dict[str, Any]],
        *,
        generated_at: str,
        audit_head: str | None,
        omitted: Sequence[ExportOmission] = (),
    ) -> dict[str, Any]:
        """The file's document around ``entries`` (:func:`envelope`); its notes are the
        standard's own and then one per record left out (``omitted``)."""
        return envelope(
            standard=self.standard,
            version=self.version,
            schema_name=self.schema_name,
            conforms_to=self.conforms_to,
            generated_at=generated_at,
            audit_head=audit_head,
            entries=entries,
            notes=self.notes + tuple(item.message for item in omitted),
        )


def verify_round_trip(
    record: TransparencyRecord,
    partial: dict[str, Any],
    *,
    target: str,
    status: str | None = None,
) -> None:
    """Return if every field in ``partial`` (a standard's object read back) equals the
    record's (its status taken as ``status`` when given); else raise ExportError naming
    the first field that does not."""
    expected = record.to_json_dict()
    if status is not None:
        expected["status"] = status
    for path in leaf_paths(partial):
        if value_at(partial, path) != value_at(expected, path):
            raise export_error(record.slug, path, REASON_NOT_LOSSLESS.format(target=target))


def dumps(document: Any) -> bytes:
    """UTF-8 JSON, indented, keys in insertion order, no NaN (raises ValueError on NaN)."""
    text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")
