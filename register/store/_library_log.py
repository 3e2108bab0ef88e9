"""Where MLflow's own messages go while an ``insyn`` command runs: into a log file.

MLflow logs INFO lines to the terminal (for example when it creates a new sqlite
register's tables) and warns once per model about its schema inference (integer
columns and missing values). Neither is something a user of ``insyn`` can act on,
and they bury the one line per model the command prints. Inside
:func:`library_messages_to_log` they are written to a log file beside the register
instead; MLflow's errors still reach the terminal, and warnings raised by any other
code (insyn's own included) are shown as usual.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import mlflow

from register.store._uri import home

__all__ = ["LIBRARY_LOGGERS", "LOG_NAME", "library_messages_to_log", "log_path"]

LOG_NAME = "insyn.log"
#: The loggers MLflow configures with its own terminal handler (see
#: ``mlflow.utils.logging_utils._configure_mlflow_loggers``).
LIBRARY_LOGGERS = ("mlflow", "alembic", "huey", "sqlalchemy.engine")
#: The two of them whose INFO lines are worth keeping in the log (``sqlalchemy.engine``
#: at INFO would echo every SQL statement).
INFO_LOGGERS = ("mlflow", "alembic")
#: The lowest level of these loggers that still reaches the terminal.
TERMINAL_LEVEL = logging.ERROR
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
WARNINGS_LOGGER = "insyn.library_warnings"
_SQLITE_PREFIX = "sqlite:///"
_MLFLOW_FOLDER = Path(mlflow.__file__).resolve().parent


def log_path(tracking_uri: str) -> Path:
    """The log file of a register: ``insyn.log`` beside an embedded (sqlite) register's
    database file, else in the register's home (``$INSYN_HOME``, default ``./.insyn``)."""
    if tracking_uri.startswith(_SQLITE_PREFIX):
        database = tracking_uri[len(_SQLITE_PREFIX) :].split("?", 1)[0]
        if database and database != ":memory:":
            return Path(database).parent / LOG_NAME
    return home() / LOG_NAME


class _LazyFileHandler(logging.FileHandler):
    """Appends to its file, created (with its folder) only when the first record comes:
    a command that has nothing to log writes nothing."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)

    def _open(self) -> Any:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


def _from_mlflow(filename: str) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(_MLFLOW_FOLDER)
    except (OSError, ValueError):
        return False


@contextmanager
def library_messages_to_log(path: Path) -> Iterator[None]:
    """While inside: records of :data:`LIBRARY_LOGGERS` at INFO and above are appended to
    ``path`` (created on the first record), and only those at :data:`TERMINAL_LEVEL` and
    above still reach the terminal; warnings raised inside MLflow's package go to
    ``path``, every other warning is shown as before. On exit every logger, handler and
    ``warnings.showwarning`` is as it was."""
    file_handler = _LazyFileHandler(path)
    file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    saved_loggers = []
    saved_handlers: list[tuple[logging.Handler, int]] = []
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        saved_loggers.append((logger, logger.level))
        for handler in logger.handlers:
            saved_handlers.append((handler, handler.level))
            handler.setLevel(max(handler.level, TERMINAL_LEVEL))
        logger.addHandler(file_handler)
        if name in INFO_LOGGERS and (logger.level == logging.NOTSET or logger.level > logging.INFO):
            logger.setLevel(logging.INFO)
    warnings_logger = logging.getLogger(WARNINGS_LOGGER)
    warnings_logger.addHandler(file_handler)
    warnings_logger.propagate = False
    show_before = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if _from_mlflow(filename):
            text = warnings.formatwarning(message, category, filename, lineno, line)
            warnings_logger.warning(text.rstrip())
        else:
            show_before(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = show_before
        warnings_logger.removeHandler(file_handler)
        for logger, level in saved_loggers:
            logger.removeHandler(file_handler)
            logger.setLevel(level)
        for handler, level in saved_handlers:
            handler.setLevel(level)
        file_handler.close()
