"""Time to content per portal page in a real browser, cold and warm, and the what-if
round trip, printed as one table.

Starts the real portal (``streamlit run streamlit_app.py``) on a register —
``--tracking-uri``, or a demo register built into a temporary folder — and
drives the system Chromium with Playwright. *Cold* is the first visit after
the portal started (nothing cached in the server); *warm* is the median of
``--repeat`` later visits, each in a fresh browser context (a new session).
*Time to content* runs from navigation until the page's heading is shown and
the script run has finished. The what-if round trip runs from pressing
"Visa uppskattning" until the estimate, its explanation and the suggestions
are shown. A second table gives the portal server process's resident memory
(RSS) after start, after the pages, after the what-ifs, and its peak.

    .venv/bin/python benchmarks/page_speed.py [--tracking-uri URI] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser._portal import (  # noqa: E402
    _IDLE,
    VIEWPORT,
    launch_chromium,
    running_portal,
)

PAGES = [
    ("catalogue", "/"),
    ("algorithm benefits-uptake", "/algorithm?slug=benefits-uptake"),
    ("algorithm housing-guarantee", "/algorithm?slug=housing-guarantee"),
    ("about", "/about"),
]
WHATIF_SLUGS = ("benefits-uptake", "housing-guarantee")


def _time_to_content(browser: Any, url: str) -> float:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=120_000)
    page.wait_for_timeout(50)
    page.wait_for_function(_IDLE, timeout=120_000, polling=20)
    seconds = time.perf_counter() - start
    context.close()
    return seconds


def _first_input_bounds(url: str, uri: str) -> list[str]:
    """The first numeric input's minimum and maximum, written as the Swedish page reads them."""
    from app_pages._numbers import format_input
    from register import Register

    slug = url.rsplit("slug=", 1)[-1]
    spec = next(
        f
        for f in Register(tracking_uri=uri).get(slug).input_profile.features
        if f.kind == "numeric"
    )
    return [format_input(v, "sv", integer=spec.integer) for v in (spec.minimum, spec.maximum)]


def _whatif_round_trip(browser: Any, url: str, repeat: int, uri: str) -> list[float]:
    """Seconds from pressing the button until the new estimate and suggestions are shown
    (the first input alternates between its minimum and maximum so each result differs)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url, timeout=120_000)
    page.wait_for_function(_IDLE, timeout=120_000)
    page.get_by_role("tab", name="Prova själv").click()
    button = page.get_by_role("button", name="Visa uppskattning")
    button.wait_for()
    field = page.locator('[data-testid="stTextInputRootElement"] input').first
    bounds = _first_input_bounds(url, uri)
    times = []
    for attempt in range(repeat + 1):
        page.wait_for_function(_IDLE, timeout=120_000)
        summary = page.locator(".st-key-tryit_summary")
        before = summary.inner_text() if summary.count() else ""
        field.fill(str(bounds[attempt % 2]))
        start = time.perf_counter()
        button.click()
        page.wait_for_function(
            """before => {
              const summary = document.querySelector('.st-key-tryit_summary');
              return !!summary && summary.innerText !== before
                && !!document.querySelector('.st-key-whatif');
            }""",
            arg=before,
            timeout=120_000,
            polling=20,
        )
        page.wait_for_function(_IDLE, timeout=120_000, polling=20)
        times.append(time.perf_counter() - start)
    context.close()
    return times


class PortalMemory:
    """Resident memory (MiB) of the portal's server process: now, and the peak so far
    (sampled every 50 ms in a background thread)."""

    def __init__(self, base_url: str) -> None:
        import psutil

        port = base_url.rsplit(":", 1)[1]
        self._proc = next(
            p
            for p in psutil.process_iter(["cmdline"])
            if "streamlit" in " ".join(p.info["cmdline"] or [])
            and port in (p.info["cmdline"] or [])
        )
        self.peak = self.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def now(self) -> float:
        return float(self._proc.memory_info().rss) / 2**20

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.now())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracking-uri", help="serve this register (default: build the demo)")
    parser.add_argument("--repeat", type=int, default=5, help="warm visits per page")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        uri = args.tracking_uri
        if uri is None:
            from register.cli import main as insyn

            uri = f"sqlite:///{tmp}/mlflow.db"
            assert insyn(["--tracking-uri", uri, "demo"]) == 0
        rows = []
        with running_portal(uri, Path(tmp) / "portal.log") as base, sync_playwright() as pw:
            browser = launch_chromium(pw)
            memory = PortalMemory(base)
            memory_rows = [("portal started, nothing visited", f"{memory.now():.0f}")]
            for name, path in PAGES:
                cold = _time_to_content(browser, base + path)
                warm = [_time_to_content(browser, base + path) for _ in range(args.repeat)]
                rows.append(
                    (name, f"{cold:.2f}", f"{statistics.median(warm):.2f}", f"{max(warm):.2f}")
                )
            memory_rows.append(("after every page, cold and warm", f"{memory.now():.0f}"))
            for slug in WHATIF_SLUGS:
                times = _whatif_round_trip(
                    browser, f"{base}/algorithm?slug={slug}", args.repeat, uri
                )
                first, rest = times[0], times[1:]
                rows.append(
                    (
                        f"what-if round trip {slug}",
                        f"{first:.2f}",
                        f"{statistics.median(rest):.2f}",
                        f"{max(rest):.2f}",
                    )
                )
            memory_rows.append(("after the what-if round trips", f"{memory.now():.0f}"))
            memory.stop()
            memory_rows.append(("peak during the run", f"{memory.peak:.0f}"))
            browser.close()
        print(f"Portal on {uri}; seconds; warm = median of {args.repeat} fresh sessions")
        _table(("page", "cold s", "warm median s", "warm max s"), rows)
        print("\nPortal server process, resident memory")
        _table(("when", "RSS MiB"), memory_rows)


if __name__ == "__main__":
    main()
