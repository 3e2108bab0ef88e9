"""The audit report of one version: gathered by :func:`build_audit_report`, rendered as
self-contained HTML (:func:`render_html`) or plain text (:func:`render_text`).

Only public data goes in: the explanation's metadata, the stored (suppressed)
fairness result, the stored checks, reviews and the audit log. No row of data.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from register.audit._report_text import text

if TYPE_CHECKING:
    from register._facade import Register
    from register.audit._chain import AuditEntry, AuditHead, AuditVerification
    from register.audit._reviews import Review
    from register.record._schema import LocalizedText

RATE_COLUMNS = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision")
PROVENANCE_FIELDS = (
    "explainer",
    "explainer_class",
    "estimator_class",
    "shap_version",
    "sklearn_version",
    "seed",
    "background_size",
    "background_sha256",
    "rows",
    "scale",
    "positive_class",
    "additivity_max_error",
    "fingerprint",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditReport:
    """Everything an auditor's report shows about one version (read-only)."""

    slug: str
    version: int
    name: LocalizedText
    organisation: str
    provenance: dict[str, Any]
    fairness: dict[str, Any] | None
    checks: dict[str, Any] | None
    reviews: tuple[Review, ...]
    entries: tuple[AuditEntry, ...]
    verification: AuditVerification | None
    head: AuditHead
    generated_at: datetime


def build_audit_report(
    reg: Register,
    slug: str,
    version: int | None = None,
    *,
    verify: bool = True,
    verification: AuditVerification | None = None,
) -> AuditReport:
    """Gather the report of ``slug`` version ``version`` (default: the published one).

    ``verify`` recomputes the whole audit chain (downloads artifacts) unless a
    ``verification`` already made is given. Raises ``NotFoundError`` for an
    unknown slug or version.
    """
    if verification is None and verify:
        verification = reg.verify_audit()
    found = reg.get(slug, version)
    number = found.version
    explanation = reg.get_explanation(slug, number)
    fairness = reg.get_fairness(slug, number)
    checks = reg.get_checks(slug, number)
    return AuditReport(
        slug=slug,
        version=number,
        name=found.record.name,
        organisation=found.record.organisation,
        provenance=dict(explanation.metadata.to_dict()),
        fairness=None if fairness is None else fairness.public_dict(),
        checks=None if checks is None else checks.to_dict(),
        reviews=tuple(reg.reviews(slug, number)),
        entries=tuple(reg.audit_entries(slug)),
        verification=verification,
        head=reg.audit_head(),
        generated_at=datetime.now(UTC),
    )


def fmt(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant digits; text as is; None as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _e(value: Any) -> str:
    return html.escape(fmt(value))


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def fairness_rows(attribute: dict[str, Any], lang: str) -> list[list[str]]:
    """Table rows (escaped HTML cells) of one attribute: each group, then overall."""
    rows = []
    for group in attribute["groups"]:
        if group.get("too_few"):
            rows.append([html.escape(group["group"]), *[text("too_few", lang)] * 5])
        else:
            rows.append(
                [
                    html.escape(group["group"]),
                    *[_e(group[c]) for c in RATE_COLUMNS],
                    _e(int(group["count"])),
                ]
            )
    overall = attribute["overall"]
    count = overall.get("count")
    rows.append(
        [
            text("overall", lang),
            *[_e(overall.get(c)) for c in RATE_COLUMNS],
            _e(None if count is None else int(count)),
        ]
    )
    return rows


def _fairness_html(report: AuditReport, lang: str) -> str:
    if report.fairness is None:
        return f"<p>{text('no_fairness', lang)}</p>"
    parts = []
    header = [text("group", lang), *[text(c, lang) for c in RATE_COLUMNS], text("count", lang)]
    for attribute in report.fairness["attributes"]:
        flagged = bool(attribute["flags"])
        parts.append(f"<h3>{html.escape(attribute['attribute'])}</h3>")
        parts.append(f"<p>{text('grouping', lang)}: {html.escape(attribute['grouping'])}</p>")
        parts.append(_table(header, fairness_rows(attribute, lang)))
        css = "flag" if flagged else "ok"
        parts.append(
            f'<p class="{css}"><strong>{text("finding", lang)}:</strong> '
            f"{html.escape(attribute['finding'][lang if lang in ('sv', 'en') else 'sv'])}</p>"
        )
    return "".join(parts)


def _checks_html(report: AuditReport, lang: str) -> str:
    checks = report.checks
    if checks is None:
        return f"<p>{text('no_checks', lang)}</p>"
    add, rep = checks["additivity"], checks["reproducibility"]
    same = (
        text("identical", lang)
        if rep["identical"]
        else (f"{text('max_difference', lang)} {_e(rep['max_difference'])}")
    )
    rows = [
        [text("additivity", lang), f"{_e(add['max_error'])} (≤ {_e(add['tolerance'])})"],
        [
            text("reproducibility", lang),
            f"{same}; {_e(rep['rows_recomputed'])} rows, seed "
            f"{_e(rep['seed'])}, background {_e(rep['background_sha256'][:16])}",
        ],
    ]
    stability = checks.get("stability")
    if stability is None:
        rows.append([text("stability", lang), text("no_previous", lang)])
    else:
        rows += [
            [text("spearman", lang), _e(stability["spearman"])],
            [text("entered", lang), _e(", ".join(stability["entered_top"]) or None)],
            [text("left", lang), _e(", ".join(stability["left_top"]) or None)],
            [text("decision_changed", lang), _e(stability["decision_changed_share"])],
        ]
    out = _table(["", ""], rows)
    influence = []
    for item in checks["protected_influence"]["attributes"]:
        direct = _e(item["direct_share"]) if item["is_input"] else text("not_input", lang)
        proxies = ", ".join(
            f"{p['feature']} ({p['measure']} {fmt(p['association'])}, "
            f"|SHAP| {fmt(p['shap_share'])})"
            for p in item["proxies"]
        )
        influence.append(
            [
                html.escape(item["attribute"]),
                direct,
                html.escape(proxies or "–"),
                _e(item["proxy_share"]),
            ]
        )
    header = ["", text("direct_share", lang), text("proxies", lang), text("proxy_share", lang)]
    return out + f"<h3>{text('protected', lang)}</h3>" + _table(header, influence)


def _log_html(report: AuditReport, lang: str) -> str:
    check = report.verification
    if check is None:
        status = f"<p>{text('not_verified', lang)}</p>"
    elif check.ok:
        status = f'<p class="ok">{text("verified", lang)}</p>'
    else:
        items = "".join(f"<li>{html.escape(p.message)}</li>" for p in check.problems)
        status = f'<p class="flag">{text("broken", lang)}</p><ul>{items}</ul>'
    rows = [
        [_e(e.sequence), _e(e.time), _e(e.event), _e(e.version), f"<code>{_e(e.hash[:16])}</code>"]
        for e in report.entries
    ]
    head = (
        f"<p>{text('head', lang)}: <code>{_e(report.head.hash)}</code> "
        f"(#{report.head.sequence})</p>"
    )
    return status + head + _table(["#", "time", "event", "version", "sha256"], rows)


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#1a1a1a}table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid "
    "#ccc;padding:.25rem .5rem;text-align:left}.flag{color:#8a1c1c}.ok{color:#1c5e20}"
    "code{font-size:.85em}"
)


def render_html(report: AuditReport, lang: str = "sv") -> str:
    """A self-contained HTML document (inline CSS, no scripts, no external resources)."""
    name = html.escape(report.name.get(lang))
    provenance = _table(
        ["", ""], [[html.escape(k), _e(report.provenance.get(k))] for k in PROVENANCE_FIELDS]
    )
    reviews = "".join(
        f"<li><strong>{text('outcome.' + r.outcome, lang)}</strong> – "
        f"{html.escape(r.organisation)}, "
        f"{r.date.isoformat()}: {html.escape(r.text.get(lang))}"
        f"{' (' + html.escape(', '.join(r.checks)) + ')' if r.checks else ''}</li>"
        for r in report.reviews
    )
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{text('title', lang)}: {name}</title><style>{STYLE}</style></head><body>"
        f"<h1>{text('title', lang)}: {name}</h1>"
        f"<p>{html.escape(report.organisation)} · {html.escape(report.slug)} · "
        f"{text('version', lang)} {report.version} · {text('generated', lang)} "
        f"{report.generated_at.isoformat(timespec='seconds')}</p>"
        f"<h2>{text('provenance', lang)}</h2>{provenance}"
        f"<h2>{text('fairness', lang)}</h2>{_fairness_html(report, lang)}"
        f"<h2>{text('checks', lang)}</h2>{_checks_html(report, lang)}"
        f"<h2>{text('reviews', lang)}</h2>"
        f"{'<ul>' + reviews + '</ul>' if reviews else '<p>' + text('no_reviews', lang) + '</p>'}"
        f"<h2>{text('audit_log', lang)}</h2>{_log_html(report, lang)}"
        "</body></html>\n"
    )


def render_text(report: AuditReport) -> str:
    """A short plain-text summary for the terminal (English)."""
    lines = [f"Audit report: {report.slug} version {report.version} ({report.organisation})"]
    p = report.provenance
    lines.append(
        f"Explanation: {p.get('explainer')} ({p.get('explainer_class')}), "
        f"shap {p.get('shap_version')}, "
        f"scikit-learn {p.get('sklearn_version')}, seed {p.get('seed')}, background "
        f"{p.get('background_size')} rows ({str(p.get('background_sha256'))[:16]}), "
        f"{p.get('rows')} rows, additivity error {fmt(p.get('additivity_max_error'))}"
    )
    for attribute in (report.fairness or {}).get("attributes", []):
        lines.append(f"Fairness, {attribute['attribute']}: {attribute['finding']['en']}")
    if report.checks:
        rep = report.checks["reproducibility"]
        lines.append(
            f"Checks: additivity {fmt(report.checks['additivity']['max_error'])}; reproducibility "
            + (
                "identical"
                if rep["identical"]
                else f"largest difference {fmt(rep['max_difference'])}"
            )
        )
        stability = report.checks.get("stability")
        if stability:
            lines.append(
                f"Stability: Spearman {fmt(stability['spearman'])}, decisions changed "
                f"{fmt(stability['decision_changed_share'])}"
            )
    for review in report.reviews:
        lines.append(f"Review: {review.outcome} by {review.organisation} on {review.date}")
    check = report.verification
    if check is not None:
        lines.append("Audit log: verified" if check.ok else "Audit log: BROKEN")
        lines += [f"  {problem.message}" for problem in check.problems]
    lines.append(f"Audit head: #{report.head.sequence} {report.head.hash}")
    return "\n".join(lines)
