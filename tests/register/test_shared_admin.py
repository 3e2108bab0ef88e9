"""Admin helpers that need no server: secrets stay outside the repository, files are private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from register._admin import (
    CREDENTIALS_IN_REPO_MESSAGE,
    NO_ADMIN_CREDENTIALS_MESSAGE,
    AdminError,
    admin_credentials,
)
from register._cli_admin import password_from_file
from register.cli import main

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
