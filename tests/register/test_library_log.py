"""MLflow's chatter goes to the register's log file; real errors and other warnings do not."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import mlflow

from register.store._library_log import LOG_NAME, library_messages_to_log, log_path

MLFLOW_FILE = str(Path(mlflow.__file__).resolve().parent / "types" / "utils.py")


def test_log_file_sits_beside_an_embedded_register(tmp_path, monkeypatch):
    assert log_path(f"sqlite:///{tmp_path / 'mlflow.db'}") == tmp_path / LOG_NAME
    monkeypatch.setenv("INSYN_HOME", str(tmp_path / "home"))
    assert log_path("http://127.0.0.1:5000") == (tmp_path / "home" / LOG_NAME).resolve()


def test_mlflow_info_and_warnings_go_to_the_log_errors_and_other_warnings_stay(tmp_path, capsys):
    log = tmp_path / "register" / LOG_NAME
    # Outside: what reaches the terminal's warning display (pytest records it).
    with warnings.catch_warnings(record=True) as shown, library_messages_to_log(log):
        warnings.simplefilter("always")
        logging.getLogger("mlflow.store.db.utils").info("Creating initial tables")
        warnings.warn_explicit("Hint: Inferred schema", UserWarning, MLFLOW_FILE, 440)
        logging.getLogger("mlflow.tracking").error("The tracking server refused")
        warnings.warn("insyn's own warning", UserWarning, stacklevel=1)
    captured = capsys.readouterr()
    terminal = captured.out + captured.err
    assert "Creating initial tables" not in terminal
    assert "Inferred schema" not in terminal
    assert "The tracking server refused" in terminal
    assert [str(w.message) for w in shown] == ["insyn's own warning"]
    written = log.read_text("utf-8")
    assert "Creating initial tables" in written and "Inferred schema" in written


def test_everything_is_restored_after_the_command(tmp_path):
    logger = logging.getLogger("mlflow")
    handlers, level, show = list(logger.handlers), logger.level, warnings.showwarning
    handler_levels = [h.level for h in handlers]
    with library_messages_to_log(tmp_path / LOG_NAME):
        assert all(h.level >= logging.ERROR for h in handlers)
    assert logger.handlers == handlers and logger.level == level
    assert [h.level for h in handlers] == handler_levels
    assert warnings.showwarning is show
    assert not (tmp_path / LOG_NAME).exists()  # nothing logged, no file
