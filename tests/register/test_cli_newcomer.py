"""What a newcomer meets first on the command line (issue 15): no MLflow chatter, help
texts without markup, and ``insyn list`` that never cuts a slug."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from register.cli import EXIT_OK, _console, main
from register.cli._main import build_parser

ROOT = Path(__file__).resolve().parents[2]


def _copy_demo(tmp_path: Path, slug: str = "housing-guarantee") -> Path:
    folder = tmp_path / slug
    shutil.copytree(ROOT / "models" / slug, folder)
    return folder


@pytest.mark.store  # a register of its own, new, so that MLflow creates its tables
def test_registration_prints_no_mlflow_chatter_and_logs_it_beside_the_register(tmp_path, capsys):
    """A new register (MLflow creates its tables) and a model with integer columns (MLflow
    warns about its schema): the terminal shows insyn's own lines only."""
    folder = _copy_demo(tmp_path)
    uri = f"sqlite:///{tmp_path / 'new' / 'mlflow.db'}"
    (tmp_path / "new").mkdir()
    assert main(["--tracking-uri", uri, "register", str(folder)]) == EXIT_OK
    captured = capsys.readouterr()
    terminal = captured.out + captured.err
    assert "housing-guarantee: version 1 published." in captured.out.splitlines()
    for chatter in ("INFO", "mlflow.", "alembic", "UserWarning", "Inferred schema"):
        assert chatter not in terminal
    log = (tmp_path / "new" / "insyn.log").read_text("utf-8")
    assert "Creating initial MLflow database tables" in log
    assert "Inferred schema contains integer column" in log


def _every_help(parser: argparse.ArgumentParser, name: str) -> Iterator[tuple[str, str]]:
    yield name, parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, sub in action.choices.items():
                yield from _every_help(sub, f"{name} {command}")


def test_no_help_text_shows_markup():
    helps = dict(_every_help(build_parser(), "insyn"))
    assert {"insyn", "insyn demo", "insyn list", "insyn serve", "insyn verify"} <= set(helps)
    for name, text in helps.items():
        for markup in ("``", ":class:", ":func:", ":data:", "**"):
            assert markup not in text, f"{name} --help shows {markup!r}"


def test_list_on_an_80_column_terminal_prints_the_longest_slug_whole(
    tmp_path, empty_store_uri, capsys, monkeypatch
):
    """The slug is the name every other command needs: never cut, whatever the width."""
    folder = _copy_demo(tmp_path)
    data = yaml.safe_load((folder / "record.yaml").read_text(encoding="utf-8"))
    slug = ("housing-guarantee-" + "x" * 64)[:64]
    data["slug"] = slug
    (folder / "record.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    uri = ["--tracking-uri", empty_store_uri]
    assert main([*uri, "register", str(folder)]) == EXIT_OK
    capsys.readouterr()
    for columns in ("80", "200"):
        monkeypatch.setenv("COLUMNS", columns)
        monkeypatch.setattr(_console.out, "_width", None)  # read COLUMNS, as a new process
        assert main([*uri, "list"]) == EXIT_OK
        lines = capsys.readouterr().out.splitlines()
        assert any(slug in line for line in lines), columns
        assert all(len(line) <= int(columns) or slug not in line for line in lines)
