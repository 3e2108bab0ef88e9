"""Measuring helpers shared by the speed benchmarks: CPU/wall/memory timing, row budgets, tables."""

from __future__ import annotations

import os
import platform
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


class PeakRss:
    """Largest RSS growth (MB) over the ``with`` block, sampled every 5 ms."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.peak_mb = 0.0

    def __enter__(self) -> PeakRss:
        self._base = self._proc.memory_info().rss
        self._peak = self._base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, self._proc.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, self._proc.memory_info().rss)
        self.peak_mb = (self._peak - self._base) / 2**20


@dataclass(frozen=True, kw_only=True)
class Timing:
    """One timed call: its result, the rows it explained, wall and CPU seconds, peak RSS growth."""

    out: Any
    rows: int
    wall: float
    cpu: float
    mb: float


def timed(fn: Callable[[], Any], rows: int) -> Timing:
    """Runs ``fn`` once; CPU is ``time.process_time()`` (every thread of this process)."""
    with PeakRss() as mem:
        cpu = time.process_time()
        start = time.perf_counter()
        out = fn()
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
    return Timing(out=out, rows=rows, wall=wall, cpu=cpu, mb=mem.peak_mb)


@dataclass
class RowBudget:
    """Chooses how many rows an engine may explain within ``seconds`` of CPU time.

    Every measured call is recorded; the cost of ``n`` rows is modelled as ``a + b*n``
    (a fixed per-call cost, e.g. building per-tree tables, plus a per-row cost), fitted
    on the smallest and the largest call. With one call the model is proportional
    (``a = 0``: an over-estimate, so the plan stays within the budget).
    """

    seconds: float
    floor: int = 10
    calls: list[Timing] = field(default_factory=list)

    def record(self, timing: Timing) -> None:
        self.calls.append(timing)

    @property
    def largest(self) -> Timing | None:
        """The recorded call that explained the most rows."""
        return max(self.calls, key=lambda t: t.rows, default=None)

    @property
    def sizes(self) -> int:
        """How many different row counts were measured (two make a real fit)."""
        return len({t.rows for t in self.calls})

    def fit(self) -> tuple[float, float] | None:
        """``(a, b)`` of the cost model through the smallest and the largest call (the widest
        spread, so timing noise moves ``b`` least), or ``None`` before any call."""
        if not self.calls:
            return None
        small = min(self.calls, key=lambda t: t.rows)
        large = max(self.calls, key=lambda t: t.rows)
        if small.rows == large.rows:
            return 0.0, large.cpu / max(large.rows, 1)
        b = max((large.cpu - small.cpu) / (large.rows - small.rows), 0.0)
        return max(large.cpu - b * large.rows, 0.0), b

    def plan(self, wanted: int) -> int:
        """Rows to explain: ``wanted`` when the model predicts it fits, else the most that fit
        (at least ``min(floor, wanted)``)."""
        model = self.fit()
        if model is None:
            return wanted
        a, b = model
        if a + b * wanted <= self.seconds:
            return wanted
        fitting = int((self.seconds - a) / b) if b > 0 else wanted
        return max(min(self.floor, wanted), min(wanted, fitting))

    def per_row_at(self, rows: int) -> float | None:
        """Predicted CPU seconds per row when ``rows`` rows are explained in one call."""
        model = self.fit()
        return None if model is None else (model[0] + model[1] * rows) / rows


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({cpu_model()}), load average {load} (1/5/15 min)"


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    """Left-aligned columns with a rule under the header (keys of the first row)."""
    if not rows:
        print("(no cases)")
        return
    headers = list(rows[0])
    widths = [max(len(h), *(len(str(r[h])) for r in rows)) for h in headers]
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(r[h]).ljust(w) for h, w in zip(headers, widths, strict=True)))
