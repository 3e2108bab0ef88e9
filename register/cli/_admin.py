"""``insyn admin``: organisations and accounts on a shared server, and a shared demo.

Administrator credentials come from ``INSYN_ADMIN_USERNAME``/``INSYN_ADMIN_PASSWORD``
or ``INSYN_ADMIN_CREDENTIALS_FILE`` (see :mod:`register.shared._admin`). Passwords of new
accounts are written to a file outside the repository (mode 0600), never printed.
"""

from __future__ import annotations

import argparse
import configparser
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from register._facade import Register
from register.cli._portal import portal_folder, streamlit_command, write_main_script
from register.lifecycle._folder import load_folder
from register.record._schema import load_record, parse_record
from register.shared._admin import (
    PASSWORD_FILE_SECTION,
    ROLES,
    WRITER_USERNAME,
    AdminClient,
    AdminError,
    read_secret_file,
)
from register.shared._server import (
    DEFAULT_AUTH_CACHE_SECONDS,
    SharedServer,
    WriterProcess,
    create_database,
)
from register.shared._writer_app import add_arguments, serve

SHARED_DEMO_ORGANISATIONS = ("Exempelkommun", "Grannkommun")
NOT_A_SERVER_MESSAGE = (
    "'insyn admin' needs a tracking server (http:// or https://), not {uri}; "
    "pass --tracking-uri or set MLFLOW_TRACKING_URI."
)


def _admin(reg: Register) -> AdminClient:
    if not reg.tracking_uri.startswith(("http://", "https://")):
        raise AdminError(NOT_A_SERVER_MESSAGE.format(uri=reg.tracking_uri))
    return AdminClient.from_environment(reg.tracking_uri)


def password_from_file(path: Path, username: str) -> str:
    """The password stored for ``username`` in ``path``; a new one is generated and stored
    (mode 0600, MLflow's credentials-file format) when the file does not exist yet."""
    if path.exists():
        section = read_secret_file(path)[PASSWORD_FILE_SECTION]
        return str(section["mlflow_tracking_password"])
    read_secret_file(path)  # refuses a path inside the repository before writing
    password = secrets.token_urlsafe(24)
    parser = configparser.ConfigParser()
    parser[PASSWORD_FILE_SECTION] = {
        "mlflow_tracking_username": username,
        "mlflow_tracking_password": password,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        parser.write(handle)
    return password


def cmd_add_organisation(reg: Register, args: argparse.Namespace) -> int:
    experiment_id = _admin(reg).add_organisation(args.organisation)
    print(f"Organisation {args.organisation!r} ready (experiment {experiment_id}).")
    return 0


def cmd_add_user(reg: Register, args: argparse.Namespace) -> int:
    password = password_from_file(Path(args.password_file), args.username)
    created = _admin(reg).add_user(args.role, args.username, password, args.organisation)
    state = "created" if created else "already existed; rights updated"
    where = f" of {args.organisation!r}" if args.organisation else ""
    print(f"{args.role} {args.username!r}{where}: {state}. Password in {args.password_file}.")
    return 0


def cmd_serve_writer(reg: Register, args: argparse.Namespace) -> int:
    """The writer service for this shared register, until interrupted."""
    if not reg.tracking_uri.startswith(("http://", "https://")):
        raise AdminError(NOT_A_SERVER_MESSAGE.format(uri=reg.tracking_uri))
    print(f"Writer service on http://{args.host}:{args.port} for {reg.tracking_uri}")
    serve(
        reg.tracking_uri,
        Path(args.credentials_file),
        Path(args.key_file),
        host=args.host,
        port=args.port,
        cache_seconds=args.auth_cache_seconds,
        public_url=args.public_url,
    )
    return 0


def start_writer(
    url: str, admin: AdminClient, home: Path, port: int, cache_seconds: float, host: str
) -> Any:
    """Create the writer account (password in ``home/insyn-writer.ini``), start the writer
    service with its key ``home/writer-key.pem`` and record its address; returns the
    running :class:`register.shared._server.WriterProcess`."""
    credentials = home / f"{WRITER_USERNAME}.ini"
    admin.add_writer(WRITER_USERNAME, password_from_file(credentials, WRITER_USERNAME))
    writer = WriterProcess(
        tracking_uri=url,
        credentials_file=credentials,
        key_file=home / "writer-key.pem",
        home=home,
        port=port,
        host=host,
        auth_cache_seconds=cache_seconds,
    )
    writer.start()
    return writer


def cmd_serve_shared(reg: Register, args: argparse.Namespace) -> int:
    """PostgreSQL databases -> auth-enabled tracking server -> writer service -> two demo
    organisations -> portal. Everything listens on ``--host`` (127.0.0.1 by default)."""
    home = Path(args.home).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    admin_password = password_from_file(home / "admin.ini", "admin")
    server = SharedServer(
        backend_uri=create_database(args.database),
        auth_db_uri=create_database(f"{args.database}_auth"),
        home=home,
        port=args.port,
        admin_password=admin_password,
        host=args.host,
        auth_cache_seconds=args.auth_cache_seconds,
    )
    print(f"Starting the tracking server on {server.url} (log {server.log_path}) ...")
    server.start()
    writer = None
    try:
        admin = AdminClient(server.url, "admin", admin_password)
        writer = start_writer(
            server.url, admin, home, args.writer_port, args.auth_cache_seconds, args.host
        )
        print(f"Writer service on {writer.url} (log {writer.log_path})")
        accounts = build_shared_demo(server.url, admin, home)
        env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": server.url,
            "MLFLOW_TRACKING_USERNAME": "portal",
            "MLFLOW_TRACKING_PASSWORD": accounts["portal"],
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
            "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
        }
        main_script = write_main_script(portal_folder(home))
        print(f"Portal (read-only account 'portal') on http://{args.host}:{args.portal_port}")
        portal = subprocess.Popen(
            streamlit_command(main_script, port=args.portal_port, address=args.host, static=False),
            env=env,
        )
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` or a service manager: same as Ctrl-C
        try:
            while portal.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            portal.send_signal(signal.SIGTERM)
            portal.wait(timeout=30)
    finally:
        if writer is not None:
            writer.stop()
        server.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def build_shared_demo(url: str, admin: AdminClient, home: Path) -> dict[str, str]:
    """Two organisations with one data scientist each, an auditor and the portal's reader;
    each organisation registers one demo algorithm with its own account. Returns passwords."""
    # The demos are a separate package that imports the register: imported only here.
    from models import demo_folders  # noqa: PLC0415

    accounts: dict[str, str] = {}
    for role, name, organisation in (
        ("data-scientist", "ds-exempel", SHARED_DEMO_ORGANISATIONS[0]),
        ("data-scientist", "ds-granne", SHARED_DEMO_ORGANISATIONS[1]),
        ("auditor", "auditor", None),
        ("reader", "portal", None),
    ):
        accounts[name] = password_from_file(home / f"{name}.ini", name)
        admin.add_user(role, name, accounts[name], organisation)
    for folder, (user, organisation) in zip(
        demo_folders(),
        (("ds-exempel", SHARED_DEMO_ORGANISATIONS[0]), ("ds-granne", SHARED_DEMO_ORGANISATIONS[1])),
        strict=False,
    ):
        loaded = load_folder(folder.path)
        data: dict[str, Any] = load_record(loaded.record_path).to_json_dict()
        data["organisation"] = organisation
        built = loaded.build()
        with _as_user(user, accounts[user]):
            reg = Register(url)
            try:
                reg.get(data["slug"])
                print(f"{data['slug']}: already published ({organisation}).")
            except Exception:
                reg.register_algorithm(
                    built.model, parse_record(data), reference_data=built.reference_data
                )
                print(f"{data['slug']}: registered and published by {user} ({organisation}).")
    return accounts


class _as_user:
    """Run a block with the MLflow client's credentials set to one account."""

    def __init__(self, username: str, password: str) -> None:
        self._new = {"MLFLOW_TRACKING_USERNAME": username, "MLFLOW_TRACKING_PASSWORD": password}
        self._old: dict[str, str | None] = {}

    def __enter__(self) -> None:
        for key, value in self._new.items():
            self._old[key] = os.environ.get(key)
            os.environ[key] = value

    def __exit__(self, *exc: object) -> None:
        for key, value in self._old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def add_admin_commands(subparsers: Any) -> None:
    """Add ``insyn admin ...`` to the ``insyn`` parser's subcommands."""
    admin = subparsers.add_parser("admin", help="organisations and accounts on a shared server")
    sub = admin.add_subparsers(dest="admin_command", required=True)

    p = sub.add_parser("add-organisation", help="create an organisation's experiment and role")
    p.add_argument("organisation", help="exactly as in the records' organisation field")
    p.set_defaults(func=cmd_add_organisation)

    p = sub.add_parser("add-user", help="create an account (or extend its rights)")
    p.add_argument("username")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--organisation", help="the data scientist's organisation")
    p.add_argument(
        "--password-file",
        required=True,
        help="ini file outside the repository: read if it exists, else a new password is "
        "generated and written there (mode 0600, usable as ~/.mlflow/credentials)",
    )
    p.set_defaults(func=cmd_add_user)

    p = sub.add_parser(
        "serve-shared",
        help="PostgreSQL -> auth-enabled tracking server -> demo with two organisations -> portal",
    )
    p.add_argument("--home", default=str(Path.home() / ".insyn-shared"), help="outside the repo")
    p.add_argument("--database", default="insyn_shared")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--portal-port", type=int, default=8501)
    p.add_argument("--writer-port", type=int, default=5080)
    p.add_argument(
        "--host", default="127.0.0.1", help="interface for all three services (default 127.0.0.1)"
    )
    p.add_argument(
        "--auth-cache-seconds",
        type=int,
        default=DEFAULT_AUTH_CACHE_SECONDS,
        help="how long a checked password is trusted, by the tracking server and by the "
        f"writer service each (default {DEFAULT_AUTH_CACHE_SECONDS} s)",
    )
    p.set_defaults(func=cmd_serve_shared)

    p = sub.add_parser("serve-writer", help="the writer service: the audit log's one writer")
    add_arguments(p)
    p.set_defaults(func=cmd_serve_writer)
