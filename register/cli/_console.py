"""Where every ``insyn`` command prints: the two consoles, the exit codes and the
progress bar of a registration.

Results go to ``out`` (stdout), errors, warnings and progress to ``err`` (stderr).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


UNITS = {"explaining": "rows"}


def progress_bar(*, transient: bool = False) -> tuple[Progress, Callable[[str, int, int], None]]:
    """A progress bar on stderr and the ``progress(label, done, total)`` callback that
    drives it (one line per label, counted in :data:`UNITS` or steps). A ``transient``
    bar is shown only while it runs on a terminal and leaves no line behind."""
    bar = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} {task.fields[unit]}"),
        TimeElapsedColumn(),
        console=err,
        transient=transient,
    )
    tasks: dict[str, Any] = {}

    def update(label: str, done: int, total: int) -> None:
        if label not in tasks:
            unit = UNITS.get(label, "steps")
            tasks[label] = bar.add_task(label, total=max(total, 1), unit=unit)
        bar.update(tasks[label], completed=done, total=max(total, 1))

    return bar, update
