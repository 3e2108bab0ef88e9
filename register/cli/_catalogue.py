"""``insyn list`` and ``insyn show``: reading the catalogue from the command line.

Every command is ``fn(reg, args) -> int``; user errors raise :class:`InsynError`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from register._facade import Register
from register.cli._console import EXIT_OK, out

LIST_COLUMNS = ("slug", "name", "organisation", "theme", "status", "risk", "published")
#: The width the other columns of ``insyn list`` need beside the slug for a table.
OTHER_COLUMNS_MIN = 90


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
    lines = [
        (
            i.slug,
            i.name.sv,
            i.organisation,
            i.theme,
            i.status,
            i.risk_category,
            str(i.version) if i.version else "-",
        )
        for i in items
    ]
    _print_list(lines, f"{len(items)} algorithm(s) in {reg.tracking_uri}")
    return EXIT_OK


def _print_list(rows: Sequence[tuple[str, ...]], title: str) -> None:
    """Print ``rows`` (in :data:`LIST_COLUMNS` order) so that every slug shows whole: a
    table when the terminal has room for the longest slug and :data:`OTHER_COLUMNS_MIN`
    more, else one block per algorithm with the slug alone on its first line."""
    slug_width = max((len(row[0]) for row in rows), default=len(LIST_COLUMNS[0]))
    if out.width >= slug_width + OTHER_COLUMNS_MIN:
        table = Table(title=title)
        table.add_column(LIST_COLUMNS[0], no_wrap=True, min_width=slug_width)
        for column in LIST_COLUMNS[1:]:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(Text(value) for value in row))
        out.print(table)
        return
    out.print(title, markup=False, highlight=False)
    for row in rows:
        out.print()
        out.print(Text(row[0], style="bold"), soft_wrap=True)
        out.print(Text(f"  {LIST_COLUMNS[1]}: {row[1]}"))
        details = ", ".join(f"{c}: {v}" for c, v in zip(LIST_COLUMNS[2:], row[2:], strict=True))
        out.print(Text(f"  {details}"))


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
