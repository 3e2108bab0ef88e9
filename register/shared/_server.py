"""Starting a shared tracking server: PostgreSQL databases and an auth-enabled ``mlflow server``.

Used by ``insyn admin serve-shared``, ``deploy/start-shared.sh``, the tests and
the scale benchmark. Secrets (the admin password, the Flask secret key) reach
the server process through its environment only; the auth ini it writes holds
none.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from register._errors import InsynError

DEFAULT_POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432"
SERVER_START_TIMEOUT = 240.0
DEFAULT_AUTH_CACHE_SECONDS = 10
AUTH_INI = """[mlflow]
default_permission = READ
database_uri = {auth_db}
admin_username = {admin}
# MLflow's basic-auth check, then the register's own refusals (register.store._server_guard).
authorization_function = register.store._server_guard:authenticate
grant_default_workspace_access = true
# A good password check is cached for {cache} s per worker (PBKDF2 on every request
# otherwise): a changed or removed password keeps working for at most that long.
auth_cache_ttl_seconds = {cache}

[insyn]
writer_username = {writer}
"""
SERVER_EXITED_MESSAGE = "The {what} exited with code {code} while starting; see {log}."
SERVER_TIMEOUT_MESSAGE = "The {what} at {url} did not answer within {seconds:.0f} s."
BAD_DATABASE_NAME_MESSAGE = "{name!r} is not a valid database name (letters, digits, underscores)."


def source_checkout() -> Path | None:
    """The source checkout this ``register`` package runs from, or ``None`` when insyn is
    installed (a wheel in site-packages has no ``pyproject.toml`` beside its packages)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def child_pythonpath() -> str:
    """``PYTHONPATH`` for a child process: this checkout first (so a server imports the same
    ``register`` as its parent), then the inherited one; an installed insyn adds nothing."""
    checkout = source_checkout()
    parts = (str(checkout) if checkout else "", os.environ.get("PYTHONPATH", ""))
    return os.pathsep.join(p for p in parts if p)


def postgres_base() -> str:
    """The PostgreSQL server URI without a database (``$INSYN_POSTGRES_URL`` or local trust)."""
    return os.environ.get("INSYN_POSTGRES_URL", DEFAULT_POSTGRES).rstrip("/")


def database_uri(name: str) -> str:
    """The SQLAlchemy URI of database ``name`` on :func:`postgres_base`."""
    return f"{postgres_base()}/{name}"


def _connect(dbname: str = "postgres"):  # type: ignore[no-untyped-def]
    import psycopg2  # noqa: PLC0415  (lazy: only the shared deployment needs PostgreSQL)

    parsed = urlparse(postgres_base())
    connection = psycopg2.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname=dbname,
    )
    connection.autocommit = True
    return connection


def _check_name(name: str) -> None:
    if not name or not all(ch.isalnum() or ch == "_" for ch in name):
        raise InsynError(BAD_DATABASE_NAME_MESSAGE.format(name=name))


def create_database(name: str) -> str:
    """Create database ``name`` unless it exists; returns its URI."""
    _check_name(name)
    conn = _connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    return database_uri(name)


def drop_database(name: str) -> None:
    """Drop database ``name`` (closing its other connections first); no error if missing."""
    _check_name(name)
    conn = _connect()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        conn.close()


def analyze_database(name: str) -> None:
    """Refresh PostgreSQL's planner statistics of database ``name`` (``ANALYZE``).

    Autovacuum does this by itself within about a minute of a large change; where
    it is off, or right after a bulk import, searches with tag filters run with
    row estimates of 1 and slow down a hundredfold until statistics exist.
    """
    _check_name(name)
    conn = _connect(name)
    try:
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
    finally:
        conn.close()


class SharedServer:
    """One ``mlflow server`` process: PostgreSQL backend, served artifacts, basic auth.

    ``start()`` waits until ``/health`` answers; ``stop()`` ends the process
    (SIGTERM, or the signal given); ``start()`` again brings it back on the same
    port with the same databases.
    """

    def __init__(
        self,
        *,
        backend_uri: str,
        auth_db_uri: str,
        home: Path,
        port: int,
        admin_username: str = "admin",
        admin_password: str,
        host: str = "127.0.0.1",
        workers: int = 2,
        auth_cache_seconds: int = DEFAULT_AUTH_CACHE_SECONDS,
        writer_username: str = "insyn-writer",
    ) -> None:
        self._backend = backend_uri
        self._auth_db = auth_db_uri
        self._home = Path(home)
        self._port = port
        self._host = host
        self._workers = workers
        self._admin = (admin_username, admin_password)
        self._cache_seconds = int(auth_cache_seconds)
        self._writer = writer_username
        self._secret = os.environ.get("MLFLOW_FLASK_SERVER_SECRET_KEY") or secrets.token_hex(32)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://{self._host}:{self._port}"

    @property
    def auth_cache_seconds(self) -> int:
        """How long the server trusts a checked password (the ini's auth_cache_ttl_seconds)."""
        return self._cache_seconds

    @property
    def admin(self) -> tuple[str, str]:
        """The administrator's (username, password)."""
        return self._admin

    @property
    def log_path(self) -> Path:
        """Where the server's output goes."""
        return self._home / "server.log"

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The running server process (None when stopped)."""
        return self._process

    def _write_ini(self) -> Path:
        self._home.mkdir(parents=True, exist_ok=True)
        ini = self._home / "basic_auth.ini"
        text = AUTH_INI.format(
            auth_db=self._auth_db,
            admin=self._admin[0],
            cache=self._cache_seconds,
            writer=self._writer,
        )
        ini.write_text(text, "utf-8")
        ini.chmod(0o600)
        return ini

    def start(self, timeout: float = SERVER_START_TIMEOUT) -> str:
        """Start the server and wait until it answers; returns :attr:`url`."""
        ini = self._write_ini()
        env = {
            **os.environ,
            "MLFLOW_AUTH_CONFIG_PATH": str(ini),
            "MLFLOW_AUTH_ADMIN_USERNAME": self._admin[0],
            "MLFLOW_AUTH_ADMIN_PASSWORD": self._admin[1],
            "MLFLOW_FLASK_SERVER_SECRET_KEY": self._secret,
            "MLFLOW_BASIC_AUTH_FAIL_CLOSED": "true",  # no MLflow rule for a route: refused
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",  # the register runs no server jobs
            # the guard (register.store._server_guard) must import this checkout's register package
            "PYTHONPATH": child_pythonpath(),
        }
        for leaked in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
            env.pop(leaked, None)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        command = [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            self._backend,
            "--artifacts-destination",
            str(self._home / "artifacts"),
            "--serve-artifacts",
            "--app-name",
            "basic-auth",
            "--enable-workspaces",
            "--host",
            self._host,
            "--port",
            str(self._port),
            "--workers",
            str(self._workers),
        ]
        self._process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self._home,
            env=env,
            start_new_session=True,
        )
        log.close()
        self._wait(timeout)
        return self.url

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise InsynError(
                    SERVER_EXITED_MESSAGE.format(
                        what="tracking server", code=self._process.returncode, log=self.log_path
                    )
                )
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise InsynError(
            SERVER_TIMEOUT_MESSAGE.format(what="tracking server", url=self.url, seconds=timeout)
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        """End the server's process group with ``sig``; waits until it has exited."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)


class WriterProcess:
    """The writer service (:mod:`register.shared._writer_app`) as a child process.

    ``start()`` waits until ``/v1/health`` answers; ``stop()`` ends it.
    """

    def __init__(
        self,
        *,
        tracking_uri: str,
        credentials_file: Path,
        key_file: Path,
        home: Path,
        port: int,
        host: str = "127.0.0.1",
        auth_cache_seconds: float = DEFAULT_AUTH_CACHE_SECONDS,
    ) -> None:
        self._command = [
            sys.executable,
            "-m",
            "register.shared._writer_app",
            "--tracking-uri",
            tracking_uri,
            "--credentials-file",
            str(credentials_file),
            "--key-file",
            str(key_file),
            "--host",
            host,
            "--port",
            str(port),
            "--auth-cache-seconds",
            str(auth_cache_seconds),
        ]
        self._url = f"http://{host}:{port}"
        self._log = Path(home) / "writer.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The service's base URL."""
        return self._url

    @property
    def log_path(self) -> Path:
        """Where the service's output goes."""
        return self._log

    def start(self, timeout: float = 120.0) -> str:
        """Start the service and wait until it answers; returns :attr:`url`."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
        env["PYTHONPATH"] = child_pythonpath()
        self._log.parent.mkdir(parents=True, exist_ok=True)
        log = open(self._log, "ab")  # noqa: SIM115 - handed to the child process
        self._process = subprocess.Popen(
            self._command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise InsynError(
                    SERVER_EXITED_MESSAGE.format(
                        what="writer service", code=self._process.returncode, log=self._log
                    )
                )
            try:
                with urllib.request.urlopen(self._url + "/v1/health", timeout=2):
                    return self._url
            except OSError:
                time.sleep(0.3)
        raise InsynError(
            SERVER_TIMEOUT_MESSAGE.format(what="writer service", url=self._url, seconds=timeout)
        )

    def stop(self, timeout: float = 30.0) -> None:
        """End the service (SIGTERM, then SIGKILL after ``timeout``)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
