"""What a newcomer types first: ``make run`` (on the port they choose) and what the README
promises it prints."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from register.cli._register import UP_TO_DATE_MESSAGE

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "port"), [([], "8501"), (["PORT=8600"], "8600")])
def test_make_run_serves_on_the_chosen_port(args: list[str], port: str) -> None:
    # -n prints the commands without running them; -o: the venv counts as installed.
    planned = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"insyn serve --port {port}" in planned


def test_readme_documents_the_port_and_the_demo_lines() -> None:
    assert "make run PORT=8600" in README
    assert "benefits-uptake: version 1 published." in README
    assert UP_TO_DATE_MESSAGE.format(slug="benefits-uptake", version=1) in README
    assert "Demo register ready at sqlite:///" in README
    assert ".insyn/insyn.log" in README
