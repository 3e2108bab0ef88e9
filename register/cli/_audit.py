"""``insyn audit``, ``insyn review`` and ``insyn verify``: the auditor's commands.

Every command is ``fn(reg, args) -> int``; user errors raise :class:`InsynError`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

from register._errors import InsynError
from register._facade import Register
from register.audit._report import build_audit_report, render_html, render_text
from register.audit._reviews import CHECKS, OUTCOMES
from register.audit._signing import load_public_file
from register.cli._console import err, out
from register.text import available_languages

EXIT_OK, EXIT_BROKEN = 0, 1
HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
BAD_HEAD_MESSAGE = (
    "--expect-head must be a head hash (64 hex digits), optionally after its entry number "
    "and a colon (SEQ:HASH); got {value!r}."
)
HEADS_FILE_MISSING_MESSAGE = "--heads {path}: no such file."
BAD_HEADS_LINE_MESSAGE = (
    "--heads {path}, line {line}: each line must be a JSON object with 'hash' (64 hex "
    "digits) and 'sequence', as 'insyn head --save' writes."
)
SIGNED_PINNED = "Signatures: every signed entry verifies with the trusted key(s): {keys}."
SIGNED_UNPINNED = (
    "Signatures: every signed entry verifies with a key the store publishes ({keys}); "
    "the keys are not pinned (pass --trusted-key to pin them)."
)
UNSIGNED_NOTE = (
    "{count} entries are unsigned (format 1, written before signing): hash-checked only."
)
HEADS_CHECKED = "Remembered heads checked against the log: {count}."
NO_HEADS = (
    "No remembered head given: entries cut off the end cannot be detected "
    "(pass --heads FILE or --expect-head)."
)
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
    for line in lines:
        out.print(line, markup=False, highlight=False)


def cmd_audit(reg: Register, args: argparse.Namespace) -> int:
    """Print the audit report of one version and write it as HTML to ``--out``."""
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


def _expected_heads(args: argparse.Namespace) -> list[dict[str, Any]]:
    heads: list[dict[str, Any]] = []
    for text in args.expect_head or ():
        sequence, _, digest = text.rpartition(":")
        if not HASH_PATTERN.fullmatch(digest.lower()) or (sequence and not sequence.isdigit()):
            raise InsynError(BAD_HEAD_MESSAGE.format(value=text))
        heads.append({"sequence": int(sequence) if sequence else None, "hash": digest.lower()})
    if args.heads:
        path = Path(args.heads)
        if not path.is_file():
            raise InsynError(HEADS_FILE_MISSING_MESSAGE.format(path=path))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict) or not HASH_PATTERN.fullmatch(str(data["hash"])):
                    raise ValueError
                int(data.get("sequence") or 0)
            except (ValueError, KeyError, TypeError):
                raise InsynError(BAD_HEADS_LINE_MESSAGE.format(path=path, line=number)) from None
            heads.append(data)
    return heads


def cmd_verify(reg: Register, args: argparse.Namespace) -> int:
    """Verify the audit log (chain, signatures, remembered heads, artifacts, catalogue);
    non-zero exit when anything is broken."""
    _quiet_downloads()
    heads = _expected_heads(args)
    keys = [load_public_file(Path(p)) for p in args.trusted_key] if args.trusted_key else None
    result = reg.verify_audit(expected_heads=heads, trusted_keys=keys)
    if result.ok:
        _print(
            f"Audit log verified: {result.entries} entries, head #{result.head.sequence} "
            f"{result.head.hash}",
            *_details(result),
        )
        return EXIT_OK
    err.print(
        f"Audit log BROKEN ({len(result.problems)} problem(s) in {result.entries} entries):",
        markup=False,
        highlight=False,
    )
    for problem in result.problems:
        err.print(f"  {problem.message}", markup=False, highlight=False)
    for line in _details(result):
        err.print(line, markup=False, highlight=False)
    return EXIT_BROKEN


def _details(result: Any) -> list[str]:
    keys = ", ".join(result.key_ids) or "none"
    lines = [
        SIGNED_PINNED.format(keys=keys) if result.keys_pinned else SIGNED_UNPINNED.format(keys=keys)
    ]
    if result.unsigned:
        lines.append(UNSIGNED_NOTE.format(count=result.unsigned))
    lines.append(
        HEADS_CHECKED.format(count=result.heads_checked) if result.heads_checked else NO_HEADS
    )
    return lines


def cmd_head(reg: Register, args: argparse.Namespace) -> int:
    """Print the signed head (JSON); ``--save FILE`` appends it to a heads file."""
    head = reg.signed_head().to_dict()
    line = json.dumps(head, sort_keys=True)
    _print(line)
    if args.save:
        path = Path(args.save)
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        if not lines or lines[-1] != line:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        _print(f"Head #{head['sequence']} remembered in {path}")
    return EXIT_OK


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
    p.add_argument(
        "--lang",
        choices=available_languages(),
        default="sv",
        help="report language (one per catalogue)",
    )
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

    p = sub.add_parser(
        "verify", help="verify the audit trail: chain, signatures, heads, artifacts, catalogue"
    )
    p.add_argument(
        "--expect-head",
        action="append",
        metavar="[SEQ:]HASH",
        help="a head seen before; the log must still contain it (repeatable)",
    )
    p.add_argument("--heads", metavar="FILE", help="a file of remembered heads (insyn head --save)")
    p.add_argument(
        "--trusted-key",
        action="append",
        metavar="PEMFILE",
        help="pin the writer's public key: every signature must verify with it (repeatable)",
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("head", help="print the audit log's signed head; --save remembers it")
    p.add_argument("--save", metavar="FILE", help="append the head to this JSON-lines file")
    p.set_defaults(func=cmd_head)
