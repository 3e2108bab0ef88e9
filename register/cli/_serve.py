"""``insyn serve``: the public portal, with the open-data exports published beside it.

Every command is ``fn(reg, args) -> int``; user errors raise :class:`InsynError`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from register._errors import InsynError
from register._facade import Register
from register.cli._console import err, out
from register.cli._export import audit_anchor, audit_head
from register.export import export_register


def _publish_exports(reg: Register, static: Path, base_url: str) -> None:
    """Write the open-data exports where the portal serves them (``/app/static/exports``)."""
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
    app = Path(__file__).resolve().parents[2] / "streamlit_app.py"
    base = f"http://{args.address}:{args.port}"
    _publish_exports(reg, app.parent / "static", f"{base}/app/static/exports")
    env = {**os.environ, "MLFLOW_TRACKING_URI": reg.tracking_uri}
    out.print(f"Serving the portal on {base} (register {reg.tracking_uri})")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--server.headless",
        "true",
        "--server.enableStaticServing",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    return subprocess.call(command, env=env)
