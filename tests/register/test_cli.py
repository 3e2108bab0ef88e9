"""The `insyn` command line: clear errors, non-zero exit codes, nothing written on failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from register import Register
from register.cli import EXIT_ERROR, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[2]


def _copy_demo(tmp_path: Path, slug: str = "housing-guarantee") -> Path:
    folder = tmp_path / slug
    shutil.copytree(ROOT / "models" / slug, folder)
    return folder


def test_register_publish_retire_and_show(tmp_path, empty_store_uri, capsys):
    folder = _copy_demo(tmp_path)
    uri = ["--tracking-uri", empty_store_uri]
    assert main([*uri, "register", str(folder), "--no-publish"]) == EXIT_OK
    assert "version 1 registered (not published)" in capsys.readouterr().out
    assert Register(empty_store_uri).search().items == []
    assert main([*uri, "publish", "housing-guarantee", "1"]) == EXIT_OK
    assert main([*uri, "show", "housing-guarantee"]) == EXIT_OK
    shown = capsys.readouterr().out
    assert "housing-guarantee, version 1" in shown
    assert "linear" in shown
    assert main([*uri, "retire", "housing-guarantee"]) == EXIT_OK
    assert Register(empty_store_uri).get("housing-guarantee").status == "retired"


def test_bad_record_is_one_clear_message_and_writes_nothing(tmp_path, empty_store_uri, capsys):
    folder = _copy_demo(tmp_path)
    data = yaml.safe_load((folder / "record.yaml").read_text(encoding="utf-8"))
    data["contact"] = {"email": "not-an-email"}
    data["colour"] = "blue"
    del data["purpose"]
    (folder / "record.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    code = main(["--tracking-uri", empty_store_uri, "register", str(folder)])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    assert "contact.email" in err and "not-an-email" in err
    assert "colour" in err and "purpose" in err
    assert "Traceback" not in err
    assert Register(empty_store_uri).search(include_unpublished=True).items == []


def test_folder_without_record_is_a_clear_error(tmp_path, empty_store_uri, capsys):
    code = main(["--tracking-uri", empty_store_uri, "register", str(tmp_path)])
    assert code == EXIT_ERROR
    assert "record.yaml" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["show", "no-such-algorithm"], "no-such-algorithm"),
        (["publish", "no-such-algorithm", "3"], "no-such-algorithm"),
    ],
)
def test_unknown_algorithm_is_a_clear_error(empty_store_uri, capsys, argv, needle):
    assert main(["--tracking-uri", empty_store_uri, *argv]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_malformed_tracking_uri_exits_non_zero(capsys):
    assert main(["--tracking-uri", "ftp:/nowhere", "list"]) == EXIT_ERROR
    assert "ftp:/nowhere" in capsys.readouterr().err
