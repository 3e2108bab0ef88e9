"""Admin helpers that need no server: secrets stay outside the repository, files are private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from register.cli import main
from register.cli._admin import password_from_file
from register.shared._admin import (
    CREDENTIALS_IN_REPO_MESSAGE,
    NO_ADMIN_CREDENTIALS_MESSAGE,
    AdminError,
    admin_credentials,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_new_password_file_is_private_and_read_back(tmp_path):
    path = tmp_path / "anna.ini"
    first = password_from_file(path, "anna")
    assert len(first) >= 24
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "mlflow_tracking_username = anna" in path.read_text()
    assert password_from_file(path, "anna") == first


def test_a_secret_file_inside_the_repository_is_refused():
    inside = ROOT / "deploy" / "anna.ini"
    with pytest.raises(AdminError) as refused:
        password_from_file(inside, "anna")
    assert str(refused.value) == CREDENTIALS_IN_REPO_MESSAGE.format(path=inside, repo=ROOT)
    assert not inside.exists()


def test_admin_credentials_come_from_environment_or_file(monkeypatch, tmp_path):
    for key in ("INSYN_ADMIN_USERNAME", "INSYN_ADMIN_PASSWORD", "INSYN_ADMIN_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(AdminError, match="No administrator credentials"):
        admin_credentials()
    assert NO_ADMIN_CREDENTIALS_MESSAGE.startswith("No administrator credentials")
    secret = tmp_path / "admin.ini"
    secret.write_text("[insyn-admin]\nusername = root\npassword = from-file\n")
    monkeypatch.setenv("INSYN_ADMIN_CREDENTIALS_FILE", str(secret))
    assert admin_credentials() == ("root", "from-file")
    monkeypatch.setenv("INSYN_ADMIN_PASSWORD", "from-env")
    assert admin_credentials() == ("root", "from-env")


def test_admin_commands_need_a_server(tmp_path, capsys):
    uri = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["--tracking-uri", uri, "admin", "add-organisation", "Kommun A"]) == 1
    assert "needs a tracking server" in capsys.readouterr().err


def test_every_server_command_listens_on_localhost_unless_told():
    from register.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["serve"]).address == "127.0.0.1"
    shared = parser.parse_args(["admin", "serve-shared"])
    assert (shared.host, shared.auth_cache_seconds) == ("127.0.0.1", 10)
    writer = parser.parse_args(
        ["admin", "serve-writer", "--credentials-file", "w.ini", "--key-file", "k.pem"]
    )
    assert writer.host == "127.0.0.1"
    assert parser.parse_args(["admin", "serve-shared", "--host", "0.0.0.0"]).host == "0.0.0.0"


def test_the_auth_ini_states_the_cache_window_and_the_guard(tmp_path):
    from register.shared._server import SharedServer

    server = SharedServer(
        backend_uri="postgresql://x/y",
        auth_db_uri="postgresql://x/y_auth",
        home=tmp_path,
        port=1,
        admin_password="p" * 16,
        auth_cache_seconds=7,
    )
    ini = server._write_ini().read_text()
    assert "auth_cache_ttl_seconds = 7\n" in ini
    assert "authorization_function = register.store._server_guard:authenticate\n" in ini
    assert "writer_username = insyn-writer\n" in ini
    assert "p" * 16 not in ini  # the admin password reaches the server by environment only


@pytest.mark.parametrize(
    ("name", "reserved"),
    [
        ("insyn", True),
        ("insyn/Kommun Z", True),
        ("insyn.audit", True),
        (" INSYN.Audit.old", True),
        ("insynx", False),
        ("scratch", False),
        ("my insyn/x", False),
        (5, False),
    ],
)
def test_reserved_experiment_names(name, reserved):
    from register.store._server_guard import is_reserved

    assert is_reserved(name) is reserved


def test_the_writer_service_reads_the_role_from_the_servers_roles():
    from register.shared._writer_service import caller_from_roles

    org = caller_from_roles("anna", [{"name": "insyn-org:Kommun A"}, {"name": "__user_2__"}])
    assert (org.role, org.organisations) == ("organisation", ("Kommun A",))
    assert caller_from_roles("rev", [{"name": "insyn-auditor"}]).role == "auditor"
    assert caller_from_roles("portal", []).role == "reader"
    assert caller_from_roles("x", [{"name": "insyn-writer"}]).role == "reader"


def test_the_guard_refuses_what_mlflows_permissions_allow():
    from register.store._server_guard import (
        ALIAS_REFUSED_MESSAGE,
        DEMO_REFUSED_MESSAGE,
        RESERVED_NAME_MESSAGE,
        refusal,
    )

    names = {"1": "insyn/Kommun A", "2": "scratch"}.get
    api = "/api/2.0/mlflow"
    assert refusal("/ajax-api/3.0/mlflow/demo/generate", "POST", {}, "portal") == (
        DEMO_REFUSED_MESSAGE
    )
    alias = f"{api}/registered-models/alias"
    assert refusal(alias, "POST", {}, "anna") == ALIAS_REFUSED_MESSAGE
    assert refusal(alias, "DELETE", {}, "anna") == ALIAS_REFUSED_MESSAGE
    assert refusal(alias, "POST", {}, "insyn-writer") is None
    assert refusal(alias, "GET", {}, "anna") is None  # reading an alias stays open
    create = f"{api}/experiments/create"
    assert refusal(create, "POST", {"name": "insyn/X"}, "anna") == RESERVED_NAME_MESSAGE.format(
        name="insyn/X"
    )
    assert refusal(create, "POST", {"name": "mine"}, "anna") is None
    update = f"{api}/experiments/update"
    moved = {"experiment_id": "1", "new_name": "elsewhere"}
    assert refusal(update, "POST", moved, "anna", names) == RESERVED_NAME_MESSAGE.format(
        name="insyn/Kommun A"
    )
    assert refusal(update, "POST", {"experiment_id": "2", "new_name": "x"}, "anna", names) is None
    delete = f"{api}/experiments/delete"
    assert refusal(delete, "POST", {"experiment_id": "1"}, "anna", names) is not None
