"""The audit report of one version: gathered by :func:`build_audit_report`, rendered as
self-contained HTML from the Jinja2 template ``templates/report.html.j2``
(:func:`render_html`; texts from :mod:`register.text`) or plain text (:func:`render_text`).

Only public data goes in: the explanation's metadata, the stored (suppressed)
fairness result, the stored checks, reviews and the audit log. No row of data.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import jinja2
import markupsafe
from babel.core import UnknownLocaleError
from babel.numbers import get_decimal_symbol

from register.audit._fairness_public import interval_text, points
from register.audit._wording import (
    check_name,
    column_with_code,
    grouping_text,
    labelled_finding,
    value_with_code,
)
from register.text import SOURCE_LANGUAGE, message

if TYPE_CHECKING:
    from explainers import Explanation, ExplanationChecks
    from register.audit._chain import AuditEntry, AuditHead, AuditVerification
    from register.audit._fairness import FairnessReport
    from register.audit._reviews import Review
    from register.record._schema import LocalizedText, TransparencyRecord
    from register.store._results import AlgorithmVersion


class ReportSource(Protocol):
    """What the report is gathered from (a :class:`register.Register` is one)."""

    def verify_audit(self) -> AuditVerification: ...
    def get(self, slug: str, version: int | None = None) -> AlgorithmVersion: ...
    def get_explanation(self, slug: str, version: int) -> Explanation: ...
    def get_fairness(self, slug: str, version: int) -> FairnessReport | None: ...
    def get_checks(self, slug: str, version: int) -> ExplanationChecks | None: ...
    def reviews(self, slug: str, version: int | None = None) -> list[Review]: ...
    def audit_entries(self, slug: str | None = None) -> list[AuditEntry]: ...
    def audit_head(self) -> AuditHead: ...


_DECIMAL = re.compile(r"(?<![\d.])(\d+)\.(\d+)(?![\d.])")
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
    "background_drawn",
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
    record: TransparencyRecord | None = None  # its labels name attributes, groups, inputs


def build_audit_report(
    reg: ReportSource,
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
        record=found.record,
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


def fairness_header(lang: str) -> list[str]:
    """The fairness table's header: group, each rate beside its 95 % interval, count."""
    interval = message("report.interval", lang)
    return [
        message("report.group", lang),
        message("report.selection_rate", lang),
        interval,
        message("report.true_positive_rate", lang),
        interval,
        message("report.false_positive_rate", lang),
        interval,
        message("report.precision", lang),
        interval,
        message("report.count", lang),
    ]


def _rate_cells(group: dict[str, Any], lang: str) -> list[str]:
    """Each rate as a percentage and its 95 % interval; "too few to report" for a rate
    with too few people behind it (``too_few_rates``); dashes where nothing is stored."""
    hidden = set(group.get("too_few_rates") or ())
    cells = []
    for column in RATE_COLUMNS:
        value = group.get(column)
        if column in hidden:
            cells += [message("report.too_few", lang), "–"]
        elif value is None or (isinstance(value, float) and math.isnan(value)):
            cells += ["–", "–"]
        else:
            interval = (group.get("intervals") or {}).get(column)
            cells += [f"{points(value, lang, 1)}\u00a0%", interval_text(interval, lang)]
    return cells


def local_decimals(rows: list[list[str]], lang: str) -> list[list[str]]:
    """Table cells with every decimal number written as ``lang`` writes it (``0,41`` and
    ``1,23e-07`` in Swedish; Babel's decimal symbol); version-like ``0.51.0`` untouched."""
    try:
        symbol = get_decimal_symbol(lang)
    except (UnknownLocaleError, ValueError):
        symbol = "."
    if symbol == ".":
        return rows
    return [[_DECIMAL.sub(rf"\1{symbol}\2", cell) for cell in row] for row in rows]


def fairness_rows(
    attribute: dict[str, Any], lang: str, record: TransparencyRecord | None = None
) -> list[list[str]]:
    """Table rows (plain text) of one attribute: each group (by its label in ``lang`` with
    the code beside it when ``record`` labels it), then overall (see
    :func:`fairness_header`); a too-small group reads "too few to report" throughout."""
    rows = []
    width = 2 * len(RATE_COLUMNS) + 1
    for group in attribute["groups"]:
        name = value_with_code(record, attribute["attribute"], group["group"], lang)
        if group.get("too_few"):
            rows.append([name, *[message("report.too_few", lang)] * width])
        else:
            rows.append([name, *_rate_cells(group, lang), fmt(int(group["count"]))])
    overall = attribute["overall"]
    count = overall.get("count")
    rows.append(
        [
            message("report.overall", lang),
            *_rate_cells(overall, lang),
            fmt(None if count is None else int(count)),
        ]
    )
    return rows


def _finding(attribute: dict[str, Any], lang: str) -> str:
    finding: dict[str, str] = attribute["finding"]
    return finding.get(lang) or finding.get(SOURCE_LANGUAGE) or finding.get("sv", "")


def _fairness_view(report: AuditReport, lang: str) -> list[dict[str, Any]] | None:
    if report.fairness is None:
        return None
    return [
        {
            "attribute": column_with_code(report.record, attribute["attribute"], lang),
            "grouping": grouping_text(attribute["grouping"], lang),
            "rows": local_decimals(fairness_rows(attribute, lang, report.record), lang),
            "flagged": bool(attribute["flags"]),
            "finding": labelled_finding(
                _finding(attribute, lang), attribute["attribute"], report.record, lang
            ),
        }
        for attribute in report.fairness["attributes"]
    ]


def _checks_view(report: AuditReport, lang: str) -> dict[str, list[list[str]]] | None:
    checks = report.checks
    if checks is None:
        return None
    add, rep = checks["additivity"], checks["reproducibility"]
    same = (
        message("report.identical", lang)
        if rep["identical"]
        else f"{message('report.max_difference', lang)} {fmt(rep['max_difference'])}"
    )
    recomputed = message(
        "report.rows_seed_background",
        lang,
        rows=fmt(rep["rows_recomputed"]),
        seed=fmt(rep["seed"]),
        background=fmt(rep["background_sha256"][:16]),
    )
    rows = [
        [
            message("report.additivity", lang),
            f"{fmt(add['max_error'])} (≤ {fmt(add['tolerance'])})",
        ],
        [message("report.reproducibility", lang), f"{same}; {recomputed}"],
    ]
    stability = checks.get("stability")

    def names(columns: list[str]) -> str:
        return fmt(", ".join(column_with_code(report.record, c, lang) for c in columns) or None)

    if stability is None:
        rows.append([message("report.stability", lang), message("report.no_previous", lang)])
    else:
        rows += [
            [message("report.spearman", lang), fmt(stability["spearman"])],
            [message("report.entered", lang), names(stability["entered_top"])],
            [message("report.left", lang), names(stability["left_top"])],
            [message("report.decision_changed", lang), fmt(stability["decision_changed_share"])],
        ]
    influence = []
    for item in checks["protected_influence"]["attributes"]:
        direct = (
            fmt(item["direct_share"]) if item["is_input"] else message("report.not_input", lang)
        )
        proxies = ", ".join(
            f"{column_with_code(report.record, p['feature'], lang)} "
            f"({p['measure']} {fmt(p['association'])}, |SHAP| {fmt(p['shap_share'])})"
            for p in item["proxies"]
        )
        attribute = column_with_code(report.record, item["attribute"], lang)
        influence.append([attribute, direct, proxies or "–", fmt(item["proxy_share"])])
    return {"rows": local_decimals(rows, lang), "influence": local_decimals(influence, lang)}


def _reviews_view(report: AuditReport, lang: str) -> list[dict[str, str]]:
    return [
        {
            "outcome": message(f"report.outcome.{review.outcome}", lang),
            "organisation": review.organisation,
            "date": review.date.isoformat(),
            "text": review.text.get(lang),
            "checks": ", ".join(check_name(c, lang) for c in review.checks),
        }
        for review in report.reviews
    ]


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#1a1a1a}table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid "
    "#ccc;padding:.25rem .5rem;text-align:left}.flag{color:#8a1c1c}.ok{color:#1c5e20}"
    "code{font-size:.85em}"
)
TEMPLATE = "report.html.j2"


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("register.audit", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(report: AuditReport, lang: str = "sv") -> str:
    """A self-contained HTML document (inline CSS, no scripts, no external resources).

    Rendered from ``register/audit/templates/report.html.j2`` with autoescaping on, so
    no text from a record, review or log entry can add markup; every label comes from
    the text catalogue (:mod:`register.text`, keys ``report.*``) in ``lang``. The
    portal's download and ``insyn audit --out`` both call this.
    """
    check = report.verification
    context = {
        "lang": lang,
        "t": functools.partial(message, lang=lang),
        "style": markupsafe.Markup(STYLE),
        "name": report.name.get(lang),
        "organisation": report.organisation,
        "slug": report.slug,
        "version": report.version,
        "generated": report.generated_at.isoformat(timespec="seconds"),
        "provenance": [[k, fmt(report.provenance.get(k))] for k in PROVENANCE_FIELDS],
        "fairness": _fairness_view(report, lang),
        "fairness_header": fairness_header(lang),
        "min_denominator": (report.fairness or {}).get("min_denominator"),
        "checks": _checks_view(report, lang),
        "reviews": _reviews_view(report, lang),
        "verified": None if check is None else check.ok,
        "problems": [] if check is None else [p.message for p in check.problems],
        "head_hash": fmt(report.head.hash),
        "head_sequence": report.head.sequence,
        "entries": [
            {
                "sequence": fmt(e.sequence),
                "time": fmt(e.time),
                "event": fmt(e.event),
                "version": fmt(e.version),
                "hash": fmt(e.hash[:16]),
            }
            for e in report.entries
        ],
    }
    return _environment().get_template(TEMPLATE).render(context)


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
