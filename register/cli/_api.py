"""``insyn api``: the public read API alone; and the API process ``insyn serve`` runs beside
the portal.

The API (package ``api``) imports ``register``, so ``register`` never imports it: the
API runs in its own uvicorn process, which builds the app from the environment
(``api._serve:app_from_env``; see that module for the variables).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from types import FrameType

from register._errors import InsynError
from register._facade import Register
from register.cli._console import out
from register.store._uri import home

__all__ = [
    "API_FACTORY",
    "API_SERVING",
    "BAD_RATE_LIMIT",
    "DEFAULT_API_PORT",
    "DEFAULT_RATE_LIMIT",
    "add_api_command",
    "add_rate_limit_option",
    "api_command",
    "api_environment",
    "cmd_api",
    "rate_limit_of",
    "start_api",
    "stop_api",
    "terminate_as_exit",
]

API_FACTORY = "api._serve:app_from_env"
DEFAULT_API_PORT = 8502
DEFAULT_RATE_LIMIT = 600
API_SERVING = "Serving the read API on {base}/api/v1 (OpenAPI: {base}/api/v1/openapi.json)"
BAD_RATE_LIMIT = (
    "The rate limit must be a whole number of requests per minute, 0 (no limit) or more; "
    "it is {value!r}."
)
STOP_SECONDS = 10
EXIT_TERMINATED = 128 + signal.SIGTERM


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(EXIT_TERMINATED)


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """While inside, SIGTERM to this process ends it as ``SystemExit`` (so ``finally``
    blocks stop the processes it started) instead of ending it where it stands."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def rate_limit_of(given: int | None) -> int:
    """``--rate-limit`` if given, else ``$INSYN_API_RATE_LIMIT``, else 600; InsynError
    names a value that is not a whole number of 0 or more."""
    raw = str(given) if given is not None else os.environ.get("INSYN_API_RATE_LIMIT", "")
    raw = raw.strip()
    if not raw:
        return DEFAULT_RATE_LIMIT
    if not raw.isdigit():
        raise InsynError(BAD_RATE_LIMIT.format(value=raw))
    return int(raw)


def api_command(*, address: str, port: int) -> list[str]:
    """The uvicorn command that serves the API on ``address:port`` (one process; client
    addresses from the socket, never from headers uvicorn would believe)."""
    command = [sys.executable, "-m", "uvicorn", "--factory", API_FACTORY]
    command += ["--host", address, "--port", str(port)]
    return [*command, "--no-proxy-headers", "--no-server-header", "--log-level", "warning"]


def api_environment(
    reg: Register, *, base: str, rate_limit: int, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of the API process: the register, the rate limit, the public
    address and the folder register-wide exports are built in (under the register's home)."""
    env = dict(os.environ if environ is None else environ)
    env.setdefault("INSYN_API_EXPORTS_DIR", str(home() / "api" / "exports"))
    return {
        **env,
        "MLFLOW_TRACKING_URI": reg.tracking_uri,
        "INSYN_API_RATE_LIMIT": str(rate_limit),
        "INSYN_API_PUBLIC_URL": base,
    }


def start_api(
    reg: Register, *, address: str, port: int, rate_limit: int
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the API process; returns it and the address it serves (``http://host:port``)."""
    base = f"http://{address}:{port}"
    env = api_environment(reg, base=base, rate_limit=rate_limit)
    return subprocess.Popen(api_command(address=address, port=port), env=env), base


def stop_api(process: subprocess.Popen[bytes]) -> None:
    """Stop the API process (asked first, killed after a few seconds)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cmd_api(reg: Register, args: argparse.Namespace) -> int:
    """Serve the read API alone until stopped; returns uvicorn's exit code."""
    rate_limit = rate_limit_of(args.rate_limit)
    with terminate_as_exit():
        process, base = start_api(reg, address=args.address, port=args.port, rate_limit=rate_limit)
        out.print(API_SERVING.format(base=base), highlight=False)
        try:
            return process.wait()
        finally:
            stop_api(process)


def add_rate_limit_option(parser: argparse.ArgumentParser) -> None:
    """``--rate-limit N``: the API's requests per minute per client."""
    parser.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="read API: requests per minute per client (0: none; default "
        "$INSYN_API_RATE_LIMIT or 600)",
    )


def add_api_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``insyn api`` to the parser's commands."""
    p = sub.add_parser("api", help="serve the public read API (JSON, OpenAPI) alone")
    p.add_argument(
        "--port", type=int, default=DEFAULT_API_PORT, help=f"port (default {DEFAULT_API_PORT})"
    )
    p.add_argument("--address", default="127.0.0.1", help="interface (default 127.0.0.1)")
    add_rate_limit_option(p)
    p.set_defaults(func=cmd_api)
