"""``insyn export`` and ``insyn import``: the register in published standards, and back.

``add_export_commands(subparsers)`` adds both commands to the ``insyn`` parser;
each command is ``fn(reg, args) -> int`` and raises InsynError subclasses for
user errors (the main CLI prints them).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from register._facade import Register
from register.audit import _chain as _audit
from register.export import export_register, import_standard
from register.export._common import ExportError
from register.record._schema import load_record

EXPORT_DONE = "Exported {count} algorithm(s) to {folder} at {generated_at}."
EXPORT_FILE = "  {name:<52} {status}"
EXPORT_LEFT_OUT = "Left out of a standard ({count}); every other file and standard holds them:"
IMPORT_HEADER = "{standard}: {slug} (texts in {languages})"
IMPORT_CARRIED = "Carried by the file ({count}):"
IMPORT_MISSING = "Not carried by the file ({count}){source}:"
IMPORT_FROM_BASE = ", taken from the base record"
IMPORT_WRITTEN = "Record written to {path}."
IMPORT_NO_RECORD = "No complete record: {problems}"
OUT_NEEDS_RECORD = (
    "Cannot write {path}: the file does not carry every record field; "
    "give --base RECORD_YAML to fill the missing ones."
)
OUT_NOT_WRITABLE = "Cannot write {path}: {reason}."


def _print(text: str) -> None:
    print(text, flush=True)


def audit_head(reg: Register) -> str | None:
    """The head hash of the register's audit chain to state in exports (None while empty)."""
    head = reg.audit_head()
    return None if head.sequence == 0 else str(head.hash)


def audit_anchor(reg: Register) -> dict[str, Any] | None:
    """What an export states so anyone can check the log later: the signed head, the
    public keys the register publishes, and the command that checks both (None while
    the log is empty)."""
    head = reg.signed_head()
    if head.sequence == 0:
        return None
    run_id = _audit.log_run(reg.view, create=False)
    if run_id is None:
        return None
    keys = {
        key_id: reg.store.read_artifact(run_id, f"{_audit.KEY_DIR}/{key_id}.pem").decode("ascii")
        for key_id in _audit.published_key_ids(reg.view, run_id)
    }
    return {
        "signed_head": head.to_dict(),
        "public_keys": keys,
        "check": (
            f"insyn verify --expect-head {head.sequence}:{head.hash} "
            "--trusted-key <the key file, saved from public_keys>"
        ),
    }


def cmd_export(reg: Register, args: argparse.Namespace) -> int:
    """Write every published record in every format to ``args.folder`` (the files as one set);
    print each file and each record left out of a standard, with field, limit and standard."""
    report = export_register(
        reg,
        args.folder,
        base_url=args.base_url,
        audit_head=audit_head(reg),
        audit_anchor=audit_anchor(reg),
    )
    _print(
        EXPORT_DONE.format(
            count=len(report.algorithms), folder=report.folder, generated_at=report.generated_at
        )
    )
    for item in report.files:
        _print(EXPORT_FILE.format(name=item.name, status=item.validation))
    if report.omitted:
        _print(EXPORT_LEFT_OUT.format(count=len(report.omitted)))
        for omitted in report.omitted:
            _print(f"  {omitted.message}")
    return 0


def _write_yaml(path: Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise ExportError(OUT_NOT_WRITABLE.format(path=path, reason=reason)) from None


def cmd_import(reg: Register, args: argparse.Namespace) -> int:
    """Read an NL, Eurocities or ATRS file back; print carried and missing fields; maybe write."""
    del reg  # reading a file needs no register
    base = load_record(args.base) if args.base else None
    report = import_standard(args.file, base=base, slug=args.slug, lang=args.lang)
    languages = ", ".join(report.languages) or "-"
    _print(
        IMPORT_HEADER.format(
            standard=report.standard, slug=report.slug or "(no slug)", languages=languages
        )
    )
    _print(IMPORT_CARRIED.format(count=len(report.carried_fields)))
    for name in report.carried_fields:
        _print(f"  {name}")
    source = IMPORT_FROM_BASE if report.filled_from_base else ""
    _print(IMPORT_MISSING.format(count=len(report.missing_fields), source=source))
    for name in report.missing_fields:
        _print(f"  {name}")
    if report.record is None:
        _print(IMPORT_NO_RECORD.format(problems=report.problems))
    if args.out:
        out = Path(args.out)
        if report.record is None:
            raise ExportError(OUT_NEEDS_RECORD.format(path=out))
        _write_yaml(out, report.record.to_json_dict())
        _print(IMPORT_WRITTEN.format(path=out))
    return 0


def add_export_commands(subparsers: Any) -> None:
    """Add ``export`` and ``import`` to the ``insyn`` subparsers (``set_defaults(func=...)``)."""
    p = subparsers.add_parser(
        "export",
        help="export every published record (NL, Eurocities, UK ATRS, CSV, explanations, DCAT-AP)",
    )
    p.add_argument("folder", metavar="DIR", help="export folder (replaced as a whole)")
    p.add_argument("--base-url", help="public URL the folder will be served from (for DCAT-AP)")
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser(
        "import",
        help="read an NL, Eurocities, UK ATRS, Annex VIII or model card export back into a record",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--base", metavar="RECORD_YAML", help="record that fills the missing fields")
    p.add_argument("--out", metavar="RECORD_YAML", help="write the complete record here")
    p.add_argument("--slug", help="the algorithm to read when the file holds several")
    p.add_argument(
        "--lang", choices=("sv", "en"), help="language of a bare NL object's or model card's texts"
    )
    p.set_defaults(func=cmd_import)
