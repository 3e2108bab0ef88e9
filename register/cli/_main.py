"""The ``insyn`` parser and ``main``: which module runs each command, and how errors end.

Every error a user can cause prints one plain message and exits non-zero;
nothing half-way is written.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from register._errors import InsynError
from register._facade import Register
from register.cli._admin import add_admin_commands
from register.cli._api import add_api_command, add_rate_limit_option
from register.cli._audit import add_audit_commands
from register.cli._catalogue import cmd_list, cmd_show
from register.cli._console import EXIT_ERROR, err
from register.cli._export import add_export_commands
from register.cli._register import (
    OVERRIDE_HELP,
    cmd_demo,
    cmd_publish,
    cmd_register,
    cmd_retire,
)
from register.cli._serve import cmd_serve
from register.store._library_log import library_messages_to_log, log_path
from register.store._model_io import TRUSTED_TYPES, UNTRUSTED_TYPES_MESSAGE, untrusted_names
from register.store._uri import resolve_tracking_uri

# Plain text: argparse prints it as it stands (no reST markup).
DESCRIPTION = (
    "insyn: register, publish, retire, list and show algorithms; build the demo; serve.\n"
    "\n"
    "Every error a user can cause prints one plain message and exits non-zero;\n"
    "nothing half-way is written.\n"
)
UNEXPECTED_MESSAGE = "insyn stopped on an unexpected error: {kind}: {error}"


def build_parser() -> argparse.ArgumentParser:
    """The ``insyn`` argument parser."""
    parser = argparse.ArgumentParser(prog="insyn", description=DESCRIPTION)
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

    p = sub.add_parser("serve", help="serve the public portal and the read API beside it")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--address", default="127.0.0.1", help="interface (default 127.0.0.1)")
    p.add_argument(
        "--api-port", type=int, help="port of the read API (default: the portal's port + 1)"
    )
    add_rate_limit_option(p)
    p.set_defaults(func=cmd_serve)
    add_api_command(sub)

    add_audit_commands(sub)
    add_export_commands(sub)
    add_admin_commands(sub)
    return parser


def _known_refusal(exc: Exception) -> str | None:
    """The plain message of a refusal raised outside :class:`InsynError` (the Python API
    wraps these; a folder's own code may still let one through), else None."""
    from explainers import ExplanationError  # noqa: PLC0415 - register loads explainers lazily

    if isinstance(exc, ExplanationError):
        return str(exc)
    if type(exc).__name__ == "UntrustedTypesFoundException":
        return UNTRUSTED_TYPES_MESSAGE.format(
            types=untrusted_names(exc), trusted=", ".join(TRUSTED_TYPES)
        )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``insyn`` and return its exit code (0 ok, 1 error, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # MLflow's INFO lines and schema warnings go to the register's log file (insyn.log).
        with library_messages_to_log(log_path(resolve_tracking_uri(args.tracking_uri))):
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
