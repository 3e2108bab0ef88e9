"""One version's record as a printable HTML page, in Swedish or English.

Rendered from the Jinja2 template ``templates/record.html.j2`` with autoescaping on,
so no record text can add markup; every heading and fixed sentence comes from the
text catalogue (:mod:`register.text`, keys ``printable.*``). ``@media print`` CSS
sets A4 pages and readable type; the page has no navigation and no scripts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jinja2

from register.export._common import generated_now
from register.text import message

if TYPE_CHECKING:
    from register.record._schema import LocalizedText
    from register.store._results import AlgorithmVersion

HTML_MEDIA_TYPE = "text/html; charset=utf-8"
PRINTABLE_LANGUAGES = ("sv", "en")
TEMPLATE = "record.html.j2"
STYLE = (
    "body{font-family:Verdana,Arial,sans-serif;font-size:11pt;"
    "line-height:1.5;color:#1a1a1a;background:#fff;max-width:48rem;margin:1.5rem auto;"
    "padding:0 1rem}h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin-top:1.4em;"
    "border-bottom:1px solid #999}h3{font-size:1.05em;margin-bottom:.2em}"
    "p,li,td{white-space:pre-line}.kicker{font-size:.9em;color:#444;margin:0}"
    "table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}"
    "caption{text-align:left;font-weight:bold;padding:.2rem 0}"
    "td,th{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}.url{overflow-wrap:anywhere}code{font-size:.9em}"
    "footer{margin-top:2rem;font-size:.9em;color:#333}"
    "@media print{@page{size:A4;margin:18mm 16mm}body{margin:0;max-width:none;padding:0;"
    "font-size:11pt}h2,h3{break-after:avoid}tr,li{break-inside:avoid}"
    "a{color:inherit;text-decoration:none}}"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Text:
    """A record text and, when it is not in the page's language, the language it is in."""

    text: str
    lang: str | None


def _in(value: LocalizedText, lang: str) -> _Text:
    own = getattr(value, lang)
    return _Text(text=value.get(lang), lang=None if own is not None else "sv")


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("register.export", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _context(version: AlgorithmVersion, lang: str) -> dict[str, Any]:
    record = version.record
    data = record.to_json_dict()

    def text(value: LocalizedText) -> _Text:
        return _in(value, lang)

    protected = []
    for name in record.data.protected_attributes:
        labels = record.protected_label(name)
        protected.append(labels.label.get(lang) if labels else name)
    texts = [
        record.name,
        record.short_description,
        record.purpose,
        record.impact,
        record.human_oversight,
        record.legal_basis.text,
        record.risk.management,
        record.data.sources,
        record.technical.model_type,
        record.technical.output,
        record.decision_process.output_use,
        record.decision_process.objection,
        record.considerations.proportionality,
        record.considerations.alternatives,
    ]
    return {
        "lang": lang,
        "slug": record.slug,
        "version": version.version,
        "published": version.created_at.date().isoformat(),
        "name": text(record.name),
        "short_description": text(record.short_description),
        "organisation": record.organisation,
        "department": record.department,
        "status": version.status
        if version.status in {"in_development", "in_use", "retired"}
        else record.status.value,
        "theme": record.theme.value,
        "risk_category": record.risk.category.value,
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "supplier": record.supplier,
        "purpose": text(record.purpose),
        "impact": text(record.impact),
        "proportionality": text(record.considerations.proportionality),
        "alternatives": text(record.considerations.alternatives),
        "legal_basis": text(record.legal_basis.text),
        "references": data["legal_basis"]["references"],
        "output_use": text(record.decision_process.output_use),
        "human_decides": record.decision_process.human_decides,
        "human_oversight": text(record.human_oversight),
        "risk_management": text(record.risk.management),
        "assessments": data["impact_assessments"],
        "data_sources": text(record.data.sources),
        "personal_data": record.data.personal_data,
        "protected": protected,
        "model_type": text(record.technical.model_type),
        "output": text(record.technical.output),
        "features": [
            {
                "label": text(feature.label),
                "name": feature.name,
                "description": text(feature.description),
                "changeable": feature.changeable,
            }
            for feature in record.technical.features
        ],
        "email": data["contact"]["email"],
        "url": data["contact"]["url"],
        "objection": text(record.decision_process.objection),
        "fallback": any(getattr(value, lang) is None for value in texts),
    }


def printable_record(
    version: AlgorithmVersion, lang: str, *, audit_head: str | None = None
) -> bytes:
    """The printable page of ``version`` in ``lang`` ("sv" or "en"), as UTF-8 HTML.

    Holds every record section under headings in order, the organisation's contact
    and how to object, the version and ``audit_head``. Record text is escaped.
    """
    template = _environment().get_template(TEMPLATE)

    html = template.render(
        **_context(version, lang),
        t=functools.partial(message, lang=lang),
        style=STYLE,
        audit_head=audit_head,
        generated=generated_now(),
    )
    return html.encode("utf-8")


def printable_files(
    version: AlgorithmVersion, *, audit_head: str | None
) -> dict[str, tuple[bytes, str]]:
    """``<slug>-v<version>-record-sv.html`` and ``-en.html``: filename -> (content, mime)."""
    stem = f"{version.slug}-v{version.version}"
    return {
        f"{stem}-record-{lang}.html": (
            printable_record(version, lang, audit_head=audit_head),
            HTML_MEDIA_TYPE,
        )
        for lang in PRINTABLE_LANGUAGES
    }
