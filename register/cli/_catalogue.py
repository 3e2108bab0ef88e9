"""``insyn list`` and ``insyn show``: reading the catalogue from the command line.

Every command is ``fn(reg, args) -> int``; user errors raise :class:`InsynError`.
"""

from __future__ import annotations

import argparse
import json

from rich.table import Table

from register._facade import Register
from register.cli._console import EXIT_OK, out


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
