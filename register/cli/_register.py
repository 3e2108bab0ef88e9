"""``insyn register``, ``insyn demo``, ``insyn publish`` and ``insyn retire``: putting
algorithms into the register and changing their state.

Every command is ``fn(reg, args) -> int``; user errors raise :class:`InsynError`.
"""

from __future__ import annotations

import argparse
import hashlib
import time
import warnings
from pathlib import Path

from rich.table import Table

from register._errors import NotFoundError
from register._facade import Register
from register.cli._audit import add_demo_review
from register.cli._console import EXIT_OK, err, out, progress_bar
from register.export import standard_omissions
from register.lifecycle._folder import load_folder
from register.lifecycle._labels_check import LabelsMissingWarning
from register.lifecycle._summary import registration_summary
from register.record._schema import load_record

SOURCE_TAG = "insyn.source_fingerprint"
STANDARD_WARNING = "Note: {message} (The record is registered; other standards hold it.)"
LABELS_WARNING = "Warning: {message}"
UP_TO_DATE_MESSAGE = "{slug}: already registered and published as version {version}; unchanged."
OVERRIDE_HELP = (
    "publish even though the additivity or reproducibility check failed; the reason is "
    "written to the audit log and shown to auditors as a warning"
)
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
    model_folder = load_folder(folder)
    record = load_record(model_folder.record_path)
    for omitted in standard_omissions(record):  # known before anything is stored
        out.print(STANDARD_WARNING.format(message=omitted.message), markup=False, highlight=False)
    fingerprint = _source_fingerprint(folder)
    if skip_unchanged:
        try:
            current = reg.get(record.slug)
            mv = reg.view.version(record.slug, current.version)
            if mv.tags.get(SOURCE_TAG) == fingerprint and current.record == record:
                return UP_TO_DATE_MESSAGE.format(slug=record.slug, version=current.version)
        except NotFoundError:
            pass
    built = model_folder.build()
    bar, update = progress_bar(transient=not summary)  # the demo keeps one line per model
    started = time.perf_counter()
    with bar, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LabelsMissingWarning)
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
    for warning in caught:
        if issubclass(warning.category, LabelsMissingWarning):
            err.print(LABELS_WARNING.format(message=warning.message), markup=False, highlight=False)
        else:  # every other warning as Python would have shown it
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    reg.store.set_model_version_tag(record.slug, version.version, SOURCE_TAG, fingerprint)
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
    # The demos are a separate package that imports the register: imported only here.
    from models import demo_folders  # noqa: PLC0415

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
