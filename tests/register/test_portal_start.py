"""Starting the portal from any folder: the router is found by import, never by repository path."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from register.cli import _portal
from register.shared import _admin, _server

ROOT = Path(__file__).resolve().parents[2]


def test_the_router_is_the_one_beside_the_imported_portal_pages():
    import app_pages

    assert _portal.router_path() == Path(app_pages.__file__).resolve().parent.parent / (
        "streamlit_app.py"
    )


def test_the_main_script_runs_the_router_and_is_rewritten_only_when_it_changes(tmp_path):
    folder = _portal.portal_folder(tmp_path)
    script = _portal.write_main_script(folder, ROOT / "streamlit_app.py")
    assert script == tmp_path / "portal" / "streamlit_app.py"
    assert repr(str(ROOT / "streamlit_app.py")) in script.read_text("utf-8")
    compile(script.read_text("utf-8"), str(script), "exec")  # valid Python
    os.utime(script, (0, 0))
    assert _portal.write_main_script(folder, ROOT / "streamlit_app.py") == script
    assert script.stat().st_mtime == 0  # unchanged text: a running portal is not restarted
    _portal.write_main_script(folder, tmp_path / "other" / "streamlit_app.py")
    assert script.stat().st_mtime > 0
    assert [p.name for p in folder.iterdir()] == ["streamlit_app.py"]  # no partial file left


def test_only_the_served_portal_gets_static_serving(tmp_path):
    main = tmp_path / "streamlit_app.py"
    served = _portal.streamlit_command(main, port=8501, address="127.0.0.1", static=True)
    shared = _portal.streamlit_command(main, port=8502, address="0.0.0.0", static=False)
    assert served[served.index("run") + 1] == str(main)
    assert served[served.index("--server.enableStaticServing") + 1] == "true"
    assert "--server.enableStaticServing" not in shared
    assert shared[shared.index("--server.address") + 1] == "0.0.0.0"


def test_a_served_portal_watches_no_files_and_collects_no_garbage_after_each_run(tmp_path):
    """Both cost most of a visit's CPU time; a served portal never reloads its code."""
    for command in (
        _portal.streamlit_command(tmp_path / "m.py", port=8501, address="127.0.0.1", static=True),
        _portal.streamlit_command(tmp_path / "m.py", port=8502, address="0.0.0.0", static=False),
    ):
        assert command[command.index("--server.fileWatcherType") + 1] == "none"
        assert command[command.index("--runner.postScriptGC") + 1] == "false"
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False


def test_an_installed_insyn_has_no_checkout_to_protect_or_put_on_pythonpath(monkeypatch, tmp_path):
    assert _server.source_checkout() == ROOT
    installed = tmp_path / "site-packages" / "register" / "shared" / "_server.py"
    monkeypatch.setattr(_server, "__file__", str(installed))
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    assert _server.source_checkout() is None
    assert _server.child_pythonpath() == "/elsewhere"
    secret = tmp_path / "site-packages" / "admin.ini"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("[insyn-admin]\nusername = a\npassword = b\n", "utf-8")
    assert _admin.read_secret_file(secret)["insyn-admin"]["username"] == "a"
