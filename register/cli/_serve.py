"""``insyn serve``: the public portal, with the open-data exports published beside it and
the read API (``insyn api``) in a process of its own, stopped when the portal stops.

Every command is ``fn(reg, args) -> int``; user errors raise :class:`InsynError`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

from register._errors import InsynError
from register._facade import Register
from register.cli._api import API_SERVING, rate_limit_of, start_api, stop_api, terminate_as_exit
from register.cli._console import err, out
from register.cli._export import audit_anchor, audit_head
from register.cli._portal import portal_folder, streamlit_command, write_main_script
from register.export import export_register
from register.store._uri import home


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
    """Serve the installed portal from ``$INSYN_HOME/portal`` (any working folder), with the
    open-data exports in its ``static/exports``, and the read API on ``--api-port``
    (default: the portal's port + 1) until the portal stops; returns Streamlit's exit code."""
    rate_limit = rate_limit_of(getattr(args, "rate_limit", None))
    api_port = getattr(args, "api_port", None) or args.port + 1
    folder = portal_folder(home())
    main_script = write_main_script(folder)
    base = f"http://{args.address}:{args.port}"
    _publish_exports(reg, folder / "static", f"{base}/app/static/exports")
    with terminate_as_exit():  # SIGTERM stops the portal (subprocess.call kills it) and the API
        api, api_base = start_api(reg, address=args.address, port=api_port, rate_limit=rate_limit)
        try:
            env = {**os.environ, "MLFLOW_TRACKING_URI": reg.tracking_uri, "INSYN_API_URL": api_base}
            out.print(f"Serving the portal on {base} (register {reg.tracking_uri})")
            out.print(API_SERVING.format(base=api_base), highlight=False)
            command = streamlit_command(
                main_script, port=args.port, address=args.address, static=True
            )
            return subprocess.call(command, env=env)
        finally:
            stop_api(api)
