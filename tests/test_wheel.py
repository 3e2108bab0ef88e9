"""insyn copied as a package: the wheel alone, outside the checkout, runs the register.

The wheel is built from a copy of this checkout and installed into a fresh virtual
environment (no system site-packages, so nothing of the checkout or the test
environment leaks in). Its dependencies come from the configured package index,
pinned by a constraints file to the versions of the environment running the tests:
the code under test is this checkout's, the dependencies the ones the rest of the
suite uses. Then, from a folder outside the checkout, as another municipality would:
``insyn demo``, ``insyn serve`` (health, the catalogue page, the open-data exports)
and ``insyn verify``.

Slow (minutes: dependencies install, the demo trains two models): marker ``package``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import free_port

pytestmark = [pytest.mark.package, pytest.mark.timeout(2400)]

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "register" / "text" / "locale"
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".insyn", "__pycache__", "*.egg-info", "build", "dist", "static",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", "mlruns", "mlartifacts", "test-artifacts",
    "out", "*.mo",
)  # fmt: skip
# Variables of the test environment that would point the installed insyn back at the
# checkout or at another register.
NOT_INHERITED = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "INSYN_HOME", "MLFLOW_")
STEP_TIMEOUT = 900
SERVE_TIMEOUT = 180
# Run by the installed Python: the catalogue page as the portal started by `insyn serve`
# renders it (its generated main script), reported as JSON.
RENDER_CATALOGUE = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=300)
at.run()
print(json.dumps({
    "exceptions": [str(e.value) for e in at.exception],
    "titles": [str(e.value) for e in at.title],
    "links": [str(link.value) for link in at.page_link],
}))
"""


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _run(command: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``command``; fail the test with its output when it exits non-zero."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT
    )
    assert result.returncode == 0, (
        f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result


def _pins() -> str:
    """``name==version`` for every distribution of this environment that an index can serve."""
    pins: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"] or "").lower()
        if not name or name == "insyn" or dist.read_text("direct_url.json") is not None:
            continue
        pins.setdefault(name, f"{name}=={dist.version}")
    return "\n".join(sorted(pins.values())) + "\n"


def _translations(catalog) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def _get(url: str, deadline: float, server: subprocess.Popen, log: Path) -> bytes:
    """The body of ``url`` once it answers 200; fails when the server exits or is too slow."""
    while True:
        assert server.poll() is None, f"insyn serve exited {server.returncode}:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200
                return bytes(response.read())
        except OSError:
            assert time.monotonic() < deadline, f"{url} did not answer:\n{log.read_text()}"
            time.sleep(1)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of this checkout (the checkout itself is not written to)."""
    source = tmp_path_factory.mktemp("source") / "insyn"
    shutil.copytree(ROOT, source, ignore=NOT_COPIED)
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist)]
    _run([*command, str(source)], cwd=dist, env=_environment())
    (built,) = dist.glob("insyn-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh virtual environment with the wheel installed."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(venv)], cwd=venv, env=_environment())
    constraints = venv / "constraints.txt"
    constraints.write_text(_pins(), "utf-8")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile"]
    _run([*pip, "--constraint", str(constraints), str(wheel)], cwd=venv, env=_environment())
    return venv / "bin"


def test_the_wheel_carries_the_portal_compiled_catalogues_templates_and_schemas(wheel: Path):
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    shipped = [ROOT / "streamlit_app.py", *(ROOT / "app_pages").rglob("*.py")]
    shipped += [*(ROOT / "api").glob("*.py")]  # the read API that `insyn serve` starts
    shipped += [*(ROOT / "app_pages" / "assets").glob("*.png")]
    shipped += [*(ROOT / "register" / "schemas").glob("*.json"), LOCALE / "insyn.pot"]
    shipped += [*(ROOT / "register" / "audit" / "templates").glob("*.j2")]
    catalogues = sorted(LOCALE.glob("*/LC_MESSAGES/insyn.po"))
    assert {p.parent.parent.name for p in catalogues} >= {"sv", "en"}
    missing = [p.relative_to(ROOT).as_posix() for p in [*shipped, *catalogues]]
    assert [name for name in missing if name not in names] == []
    for po in catalogues:
        mo = po.with_suffix(".mo").relative_to(ROOT).as_posix()
        assert mo in names, f"{mo} was not compiled into the wheel"
        compiled = _translations(read_mo(BytesIO(archive.read(mo))))
        with po.open("rb") as handle:
            assert compiled == _translations(read_po(handle))


def test_installed_wheel_runs_demo_serve_and_verify_outside_the_checkout(
    installed: Path, tmp_path: Path
):
    work = tmp_path / "kommun"
    work.mkdir()
    env = _environment()
    python, insyn = str(installed / "python"), str(installed / "insyn")
    where = _run(
        [python, "-c", "import importlib.util as u; print(u.find_spec('streamlit_app').origin)"],
        cwd=work,
        env=env,
    )
    router = Path(where.stdout.strip())
    site_packages = router.parent
    assert site_packages.is_relative_to(installed.parent) and router.is_file()

    demo = _run([insyn, "demo"], cwd=work, env=env)
    assert "Demo register ready" in demo.stdout

    port, log = free_port(), tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [insyn, "serve", "--port", str(port), "--address", "127.0.0.1"],
            cwd=work,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT
        assert _get(f"{base}/_stcore/health", deadline, server, log) == b"ok"
        assert b'<div id="root">' in _get(f"{base}/", deadline, server, log)
        exports = f"{base}/app/static/exports"
        register_nl = json.loads(
            _get(f"{exports}/nl-algoritmeregister-1.0.0.json", deadline, server, log)
        )
        head = json.loads(_get(f"{exports}/audit-head.json", deadline, server, log))["signed_head"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)

    # the portal runs from the register's home; nothing is written into the installation
    main_script = work / ".insyn" / "portal" / "streamlit_app.py"
    assert (main_script.parent / "static" / "exports" / "audit-head.json").is_file()
    assert not (site_packages / "static").exists()

    # the catalogue page that the served main script renders, in Swedish from the catalogue
    uri = f"sqlite:///{work / '.insyn' / 'mlflow.db'}"
    page = _run(
        [python, "-c", RENDER_CATALOGUE, str(main_script)],
        cwd=work,
        env=_environment(MLFLOW_TRACKING_URI=uri),
    )
    shown = json.loads(page.stdout.strip().splitlines()[-1])
    assert shown["exceptions"] == []
    with (LOCALE / "sv" / "LC_MESSAGES" / "insyn.po").open("rb") as handle:
        assert shown["titles"] == [_translations(read_po(handle))["catalogue.title"]]
    slugs = {entry["slug"] for entry in register_nl["algorithms"]}
    assert len(slugs) == 2
    links = "\n".join(shown["links"]).replace("\\", "")
    for slug in slugs:
        record = yaml.safe_load((ROOT / "models" / slug / "record.yaml").read_text("utf-8"))
        assert record["name"]["sv"] in links

    # the log the served export vouches for is intact and still holds that head
    verify = _run(
        [insyn, "verify", "--expect-head", f"{head['sequence']}:{head['hash']}"], cwd=work, env=env
    )
    assert "Audit log verified" in verify.stdout
