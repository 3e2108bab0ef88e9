"""Helpers for the shared-deployment tests: a PostgreSQL-backed, auth-enabled server per module.

Each server gets its own databases (``insyn_test_<random>``), dropped afterwards,
and per-run credentials from :func:`secrets.token_urlsafe`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from register.cli._admin import start_writer
from register.shared._admin import AdminClient
from register.shared._server import SharedServer, WriterProcess, create_database, drop_database
from tests.conftest import free_port

ORG_A, ORG_B, ORG_C, ORG_D = "Kommun A", "Kommun B", "Kommun C", "Kommun D"
# The deployment's default; the security module uses a short window to test a changed
# password past it (short windows cost a PBKDF2 check per account and worker every window).
AUTH_CACHE_SECONDS = 10
SHORT_AUTH_CACHE_SECONDS = 2
PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def ensure_postgres() -> None:
    """Start the machine's PostgreSQL cluster when it is down (a no-op when it is up)."""
    if subprocess.call(["pg_isready", "-h", "127.0.0.1", "-q"]) != 0:
        subprocess.call(PG_START, shell=True)


@dataclass
class Shared:
    """A running shared server and the accounts made on it."""

    server: SharedServer
    admin: AdminClient
    writer: WriterProcess
    home: Path
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def add(self, role: str, name: str, organisation: str | None = None) -> None:
        self.passwords[name] = secrets.token_urlsafe(18)
        self.admin.add_user(role, name, self.passwords[name], organisation)

    @contextlib.contextmanager
    def as_user(self, name: str | None, password: str | None = None) -> Iterator[None]:
        """Run a block as account ``name`` (None: anonymous; ``password`` overrides)."""
        keys = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")
        old = {k: os.environ.get(k) for k in keys}
        for key in keys:
            os.environ.pop(key, None)
        if name is not None:
            os.environ["MLFLOW_TRACKING_USERNAME"] = name
            os.environ["MLFLOW_TRACKING_PASSWORD"] = password or self.passwords[name]
        try:
            yield
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def env(self, name: str) -> dict[str, str]:
        """A child process environment logged in as ``name``."""
        return {
            **os.environ,
            "MLFLOW_TRACKING_URI": self.url,
            "MLFLOW_TRACKING_USERNAME": name,
            "MLFLOW_TRACKING_PASSWORD": self.passwords[name],
        }


@contextlib.contextmanager
def shared_server(
    home: Path, port: int, auth_cache_seconds: int = AUTH_CACHE_SECONDS
) -> Iterator[Shared]:
    """A fresh server with its writer service (account ``insyn-writer``, key in ``home``),
    organisations A and B, a second A data scientist, an auditor and the portal's reader;
    databases dropped afterwards."""
    ensure_postgres()
    name = f"insyn_test_{secrets.token_hex(6)}"
    password = secrets.token_urlsafe(24)
    server = SharedServer(
        backend_uri=create_database(name),
        auth_db_uri=create_database(f"{name}_auth"),
        home=home,
        port=port,
        admin_password=password,
        auth_cache_seconds=auth_cache_seconds,
    )
    writer = None
    try:
        server.start()
        admin = AdminClient(server.url, "admin", password)
        writer = start_writer(server.url, admin, home, free_port(), auth_cache_seconds, "127.0.0.1")
        shared = Shared(server=server, admin=admin, writer=writer, home=home)
        shared.add("data-scientist", "ds-a", ORG_A)
        shared.add("data-scientist", "ds-a2", ORG_A)
        shared.add("data-scientist", "ds-b", ORG_B)
        shared.add("auditor", "auditor")
        shared.add("reader", "portal")
        yield shared
    finally:
        if writer is not None:
            writer.stop()
        server.stop()
        drop_database(name)
        drop_database(f"{name}_auth")
