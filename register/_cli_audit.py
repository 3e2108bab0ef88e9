"""``insyn audit``, ``insyn review`` and ``insyn verify``: the auditor's commands.

Every command is ``fn(reg, args) -> int``; user errors raise :class:`InsynError`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register._errors import InsynError
from register._reviews import CHECKS, OUTCOMES

if TYPE_CHECKING:
    from register._store import Register

EXIT_OK, EXIT_BROKEN = 0, 1
OUT_EXISTS_AS_FOLDER_MESSAGE = "--out {path} is a folder; give a file name such as audit.html."
DEMO_REVIEW: dict[str, Any] = {
    "slug": "benefits-uptake",
    "outcome": "approved_with_remarks",
    "organisation": "Exempelkommuns internrevision",
    "date": "2025-11-20",
    "checks": ("fairness", "additivity", "reproducibility", "protected_influence"),
    "text_sv": (
        "Demonstrationsgranskning. Förklaringarna summerar till modellens resultat och kan "
        "återskapas. Ålder påverkar resultatet direkt och kvinnor och män behandlas olika; "
        "förvaltningen ska följa upp skillnaderna innan modellen tas i bruk."
    ),
    "text_en": (
        "Demonstration review. The explanations add up to the model's output and can be "
        "reproduced. Age affects the result directly and women and men are treated "
        "differently; the department must follow up the differences before the model is used."
    ),
}


def _quiet_downloads() -> None:
    """Verification downloads many small files; MLflow's progress bars would bury the result."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def _print(*lines: str) -> None:
    from register.cli import out

    for line in lines:
        out.print(line, markup=False, highlight=False)


def cmd_audit(reg: Register, args: argparse.Namespace) -> int:
    """Print the audit report of one version and write it as HTML to ``--out``."""
    from register._report import build_audit_report, render_html, render_text

    _quiet_downloads()
    report = build_audit_report(reg, args.slug, args.version)
    _print(render_text(report))
    if args.out:
        path = Path(args.out)
        if path.is_dir():
            raise InsynError(OUT_EXISTS_AS_FOLDER_MESSAGE.format(path=path))
        path.write_text(render_html(report, lang=args.lang), encoding="utf-8")
        _print(f"Report written to {path}")
    ok = report.verification is None or report.verification.ok
    return EXIT_OK if ok else EXIT_BROKEN


def cmd_review(reg: Register, args: argparse.Namespace) -> int:
    """Record a review of one version."""
    review = reg.add_review(
        args.slug,
        args.version,
        outcome=args.outcome,
        text_sv=args.text,
        text_en=args.text_en,
        organisation=args.organisation,
        date=args.date,
        checks=tuple(c.strip() for c in (args.checks or "").split(",") if c.strip()),
    )
    _print(
        f"{review.slug}: review {review.review_id} of version {review.version} recorded "
        f"({review.outcome}, {review.organisation})."
    )
    return EXIT_OK


def cmd_verify(reg: Register, args: argparse.Namespace) -> int:
    """Verify the audit chain and every artifact; non-zero exit when anything is broken."""
    _quiet_downloads()
    result = reg.verify_audit()
    if result.ok:
        _print(
            f"Audit log verified: {result.entries} entries, head #{result.head.sequence} "
            f"{result.head.hash}"
        )
        return EXIT_OK
    from register.cli import err

    err.print(
        f"Audit log BROKEN ({len(result.problems)} problem(s) in {result.entries} entries):",
        markup=False,
        highlight=False,
    )
    for problem in result.problems:
        err.print(f"  {problem.message}", markup=False, highlight=False)
    return EXIT_BROKEN


def add_demo_review(reg: Register) -> str:
    """Add the demo review to the published version of benefits-uptake (idempotent)."""
    fields = dict(DEMO_REVIEW)
    slug = fields.pop("slug")
    version = reg.get(slug).version
    review = reg.add_review(slug, version, **fields)
    return f"{slug}: demo review {review.review_id} of version {version} in place."


def add_audit_commands(sub: Any) -> None:
    """Add ``audit``, ``review`` and ``verify`` to the ``insyn`` subparsers."""
    p = sub.add_parser("audit", help="print an algorithm's audit report; --out writes HTML")
    p.add_argument("slug")
    p.add_argument("--version", type=int, help="default: the published version")
    p.add_argument("--out", help="write the self-contained HTML report to this file")
    p.add_argument("--lang", choices=("sv", "en"), default="sv", help="report language")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("review", help="record an auditor's review of one version")
    p.add_argument("slug")
    p.add_argument("--version", type=int, required=True)
    p.add_argument("--outcome", required=True, help="one of " + ", ".join(OUTCOMES))
    p.add_argument("--text", required=True, help="the review in Swedish")
    p.add_argument("--text-en", help="the review in English (optional)")
    p.add_argument("--organisation", required=True, help="the reviewing organisation")
    p.add_argument("--date", help="YYYY-MM-DD (default: today)")
    p.add_argument("--checks", help="comma-separated checks relied on: " + ", ".join(CHECKS))
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("verify", help="verify the audit trail's hash chain and every artifact")
    p.set_defaults(func=cmd_verify)
