"""``insyn``: register, publish, retire, list and show algorithms; build the demo; serve.

Every error a user can cause prints one plain message and exits non-zero;
nothing half-way is written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from register._errors import InsynError, NotFoundError
from register._facade import Register
from register.cli._admin import add_admin_commands
from register.cli._audit import add_audit_commands, add_demo_review
from register.cli._export import add_export_commands
from register.cli._portal import portal_folder, streamlit_command, write_main_script
from register.export import standard_omissions
from register.record._schema import load_record
from register.store._uri import home

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
UNEXPECTED_MESSAGE = "insyn stopped on an unexpected error: {kind}: {error}"
SOURCE_TAG = "insyn.source_fingerprint"
STANDARD_WARNING = "Note: {message} (The record is registered; other standards hold it.)"
UP_TO_DATE_MESSAGE = "{slug}: already registered and published as version {version}; unchanged."
OVERRIDE_HELP = (
    "publish even though the additivity or reproducibility check failed; the reason is "
    "written to the audit log and shown to auditors as a warning"
)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


UNITS = {"explaining": "rows"}
SOURCE_FILES = (
    "record.yaml",
    "train.py",
    "model.skops",
    "reference.parquet",
    "reference.csv",
    "evaluation.parquet",
    "evaluation.csv",
    "evaluation.yaml",
)


def _progress_bar() -> tuple[Progress, Callable[[str, int, int], None]]:
    bar = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} {task.fields[unit]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    tasks: dict[str, Any] = {}

    def update(label: str, done: int, total: int) -> None:
        if label not in tasks:
            unit = UNITS.get(label, "steps")
            tasks[label] = bar.add_task(label, total=max(total, 1), unit=unit)
        bar.update(tasks[label], completed=done, total=max(total, 1))

    return bar, update


def _source_fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    model_dir = folder / "model"
    extra = sorted(p for p in model_dir.rglob("*") if p.is_file()) if model_dir.is_dir() else []
    for path in [folder / name for name in SOURCE_FILES] + extra:
        if path.exists():
            name = path.relative_to(folder).as_posix()
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _print_summary(reg: Register, slug: str, version: int, seconds: float) -> None:
    from register.lifecycle._summary import registration_summary

    summary = registration_summary(reg, slug, version, seconds=seconds)
    table = Table(title=f"{slug}, version {version}", show_header=False)
    table.add_column("what")
    table.add_column("value")
    for label, value in summary.lines():
        table.add_row(label, value)
    out.print(table)
    if summary.override is not None:
        err.print("[yellow]Warning:[/yellow]", end=" ")
        err.print(
            f"published although a check failed; reason: {summary.override.get('reason')}",
            markup=False,
            highlight=False,
        )


def _register_folder(
    reg: Register,
    folder: Path,
    *,
    publish: bool,
    skip_unchanged: bool,
    override: str | None = None,
    summary: bool = False,
) -> str:
    from register.record._folder import load_folder

    model_folder = load_folder(folder)
    record = load_record(model_folder.record_path)
    for omitted in standard_omissions(record):  # known before anything is stored
        out.print(STANDARD_WARNING.format(message=omitted.message), markup=False, highlight=False)
    fingerprint = _source_fingerprint(folder)
    if skip_unchanged:
        try:
            current = reg.get(record.slug)
            mv = reg.client.get_model_version(record.slug, str(current.version))
            if mv.tags.get(SOURCE_TAG) == fingerprint and current.record == record:
                return UP_TO_DATE_MESSAGE.format(slug=record.slug, version=current.version)
        except NotFoundError:
            pass
    built = model_folder.build()
    bar, update = _progress_bar()
    started = time.perf_counter()
    with bar:
        version = reg.register_algorithm(
            built.model,
            record,
            reference_data=built.reference_data,
            evaluation_data=built.evaluation_data,
            label=built.label,
            publish=publish,
            progress=update,
            publish_despite_failed_checks=override,
        )
    seconds = time.perf_counter() - started
    reg.client.set_model_version_tag(record.slug, str(version.version), SOURCE_TAG, fingerprint)
    if summary:
        _print_summary(reg, record.slug, version.version, seconds)
    state = "published" if version.is_published else "registered (not published)"
    return f"{record.slug}: version {version.version} {state}."


def cmd_register(reg: Register, args: argparse.Namespace) -> int:
    message = _register_folder(
        reg,
        Path(args.folder),
        publish=not args.no_publish,
        skip_unchanged=False,
        override=args.publish_despite_failed_checks,
        summary=True,
    )
    out.print(message)
    return EXIT_OK


def cmd_demo(reg: Register, args: argparse.Namespace) -> int:
    from models import demo_folders

    for folder in demo_folders():
        out.print(_register_folder(reg, folder.path, publish=True, skip_unchanged=True))
    out.print(add_demo_review(reg))
    out.print(f"Demo register ready at {reg.tracking_uri}")
    return EXIT_OK


def cmd_publish(reg: Register, args: argparse.Namespace) -> int:
    version = reg.publish(
        args.slug, args.version, despite_failed_checks=args.publish_despite_failed_checks
    )
    out.print(f"{version.slug}: version {version.version} is now published.")
    return EXIT_OK


def cmd_retire(reg: Register, args: argparse.Namespace) -> int:
    version = reg.retire(args.slug)
    out.print(f"{version.slug}: version {version.version} is retired.")
    return EXIT_OK


def cmd_list(reg: Register, args: argparse.Namespace) -> int:
    items = []
    token = None
    while True:
        page = reg.search(
            args.text,
            organisation=args.organisation,
            theme=args.theme,
            status=args.status,
            risk=args.risk,
            include_unpublished=args.all,
            max_results=200,
            page_token=token,
        )
        items += page.items
        token = page.next_page_token
        if not token:
            break
    if args.json:
        rows = [
            {
                "slug": i.slug,
                "name": i.name.sv,
                "organisation": i.organisation,
                "theme": i.theme,
                "status": i.status,
                "risk_category": i.risk_category,
                "published_version": i.version,
            }
            for i in items
        ]
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    table = Table(title=f"{len(items)} algorithm(s) in {reg.tracking_uri}")
    for column in ("slug", "name", "organisation", "theme", "status", "risk", "published"):
        table.add_column(column)
    for i in items:
        table.add_row(
            i.slug,
            i.name.sv,
            i.organisation,
            i.theme,
            i.status,
            i.risk_category,
            str(i.version) if i.version else "-",
        )
    out.print(table)
    return EXIT_OK


def cmd_show(reg: Register, args: argparse.Namespace) -> int:
    version = reg.get(args.slug, args.version)
    explanation = reg.get_explanation(args.slug, version.version)
    record = version.record
    out.print(f"[bold]{record.name.sv}[/bold] ({version.slug}, version {version.version})")
    out.print(f"Organisation: {record.organisation} / {record.department}")
    out.print(f"Status: {version.status}   Risk: {record.risk.category.value}")
    out.print(f"Aliases: {', '.join(version.aliases) or '-'}")
    out.print(record.short_description.sv)
    meta = explanation.metadata
    out.print(
        f"Explanation: {meta.explainer} ({meta.explainer_class}), scale {meta.scale}, "
        f"rows {meta.rows}, additivity error {meta.additivity_max_error:.2e}, "
        f"fingerprint {meta.fingerprint[:12]}"
    )
    table = Table(title="What drives the results (mean |SHAP|)")
    table.add_column("feature")
    table.add_column("mean |SHAP|", justify="right")
    for row in explanation.global_importance.itertuples():
        table.add_row(str(row.feature), f"{row.mean_abs_shap:.4f}")
    out.print(table)
    history = Table(title="History")
    for column in ("version", "created", "status", "aliases", "changed"):
        history.add_column(column)
    for change in reg.history(args.slug):
        history.add_row(
            str(change.version),
            change.created_at.strftime("%Y-%m-%d %H:%M"),
            change.status,
            ", ".join(change.aliases),
            ", ".join(change.changed_fields) or "-",
        )
    out.print(history)
    return EXIT_OK


def _publish_exports(reg: Register, static: Path, base_url: str) -> None:
    """Write the open-data exports where the portal serves them (``/app/static/exports``)."""
    from register.cli._export import audit_anchor, audit_head
    from register.export import export_register

    try:
        export_register(
            reg,
            static / "exports",
            base_url=base_url,
            audit_head=audit_head(reg),
            audit_anchor=audit_anchor(reg),
        )
        out.print(f"Open-data exports served at {base_url}/")
    except InsynError as exc:
        err.print("[yellow]Exports not refreshed:[/yellow]", end=" ")
        err.print(str(exc), markup=False, highlight=False)


def cmd_serve(reg: Register, args: argparse.Namespace) -> int:
    """Serve the installed portal from ``$INSYN_HOME/portal`` (any working folder), with the
    open-data exports in its ``static/exports``; returns Streamlit's exit code."""
    folder = portal_folder(home())
    main_script = write_main_script(folder)
    base = f"http://{args.address}:{args.port}"
    _publish_exports(reg, folder / "static", f"{base}/app/static/exports")
    env = {**os.environ, "MLFLOW_TRACKING_URI": reg.tracking_uri}
    out.print(f"Serving the portal on {base} (register {reg.tracking_uri})")
    command = streamlit_command(main_script, port=args.port, address=args.address, static=True)
    return subprocess.call(command, env=env)


def build_parser() -> argparse.ArgumentParser:
    """The ``insyn`` argument parser."""
    parser = argparse.ArgumentParser(prog="insyn", description=__doc__)
    parser.add_argument(
        "--tracking-uri",
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or the embedded ./.insyn store)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "register",
        help="register the model in FOLDER with its record.yaml",
        description=(
            "Register the model in FOLDER: record.yaml plus train.py, or a saved model "
            "(model/ or model.skops) with reference.parquet/.csv. Optional evaluation data "
            "for fairness: evaluation.parquet/.csv plus evaluation.yaml (label: <column>)."
        ),
    )
    p.add_argument("folder")
    p.add_argument("--no-publish", action="store_true", help="store without publishing")
    p.add_argument("--publish-despite-failed-checks", metavar="REASON", help=OVERRIDE_HELP)
    p.set_defaults(func=cmd_register)

    p = sub.add_parser("publish", help="publish a stored version")
    p.add_argument("slug")
    p.add_argument("version", type=int)
    p.add_argument("--publish-despite-failed-checks", metavar="REASON", help=OVERRIDE_HELP)
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("retire", help="mark the published version as retired")
    p.add_argument("slug")
    p.set_defaults(func=cmd_retire)

    p = sub.add_parser("list", help="list the algorithms in the register")
    p.add_argument("text", nargs="?", help="free-text search")
    p.add_argument("--organisation")
    p.add_argument("--theme")
    p.add_argument("--status")
    p.add_argument("--risk")
    p.add_argument("--all", action="store_true", help="include unpublished algorithms")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="show one algorithm")
    p.add_argument("slug")
    p.add_argument("--version", type=int)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("demo", help="build the demo register (running it twice changes nothing)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="serve the public portal")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="127.0.0.1", help="interface (default 127.0.0.1)")
    p.set_defaults(func=cmd_serve)

    add_audit_commands(sub)
    add_export_commands(sub)
    add_admin_commands(sub)
    return parser


def _known_refusal(exc: Exception) -> str | None:
    """The plain message of a refusal raised outside :class:`InsynError` (the Python API
    wraps these; a folder's own code may still let one through), else None."""
    from explainers import ExplanationError

    if isinstance(exc, ExplanationError):
        return str(exc)
    if type(exc).__name__ == "UntrustedTypesFoundException":
        from register.store._model_io import TRUSTED_TYPES, UNTRUSTED_TYPES_MESSAGE, untrusted_names

        return UNTRUSTED_TYPES_MESSAGE.format(
            types=untrusted_names(exc), trusted=", ".join(TRUSTED_TYPES)
        )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``insyn`` and return its exit code (0 ok, 1 error, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        reg = Register(args.tracking_uri)
        code: int = args.func(reg, args)
        return code
    except InsynError as exc:
        err.print("[red]Error:[/red]", end=" ")
        err.print(str(exc), markup=False, highlight=False)
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.print("Interrupted; nothing was published half-way.")
        return EXIT_ERROR
    except Exception as exc:
        known = _known_refusal(exc)
        if known is not None:
            err.print("[red]Error:[/red]", end=" ")
            err.print(known, markup=False, highlight=False)
            return EXIT_ERROR
        if args.debug:
            raise
        err.print(UNEXPECTED_MESSAGE.format(kind=type(exc).__name__, error=exc), highlight=False)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
