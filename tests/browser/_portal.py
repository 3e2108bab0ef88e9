"""Run the real portal and a headless Chromium for browser tests and benchmarks.

The portal is ``streamlit run streamlit_app.py`` on a free loopback port with
``MLFLOW_TRACKING_URI`` pointing at a register; Chromium is the system
browser (Debian's ``/usr/bin/chromium``, or ``$INSYN_CHROMIUM``) driven by
Playwright — no browser is ever downloaded.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = (
    "No Chromium found (looked for $INSYN_CHROMIUM, chromium, chromium-browser). "
    "Install it with: apt-get update && apt-get install -y chromium"
)
PORTAL_EXITED = "the portal exited with code {code} before it answered; its log:\n{log}"
PORTAL_SLOW = "the portal did not answer within {seconds} s; its log:\n{log}"
VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    """The system Chromium to drive, or None when there is none."""
    for candidate in (os.environ.get("INSYN_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_portal(tracking_uri: str, log_path: Path, *, timeout: float = 120) -> Iterator[str]:
    """Serve the portal on ``tracking_uri``; yields its base URL; stops it afterwards."""
    port = free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    log = log_path.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    PORTAL_EXITED.format(code=process.returncode, log=_tail(log_path))
                )
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                    break
            except OSError as error:
                if time.monotonic() > deadline:
                    message = PORTAL_SLOW.format(seconds=timeout, log=_tail(log_path))
                    raise TimeoutError(message) from error
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def launch_chromium(playwright: Any) -> Any:
    """A headless system Chromium (never a downloaded one)."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError(NO_CHROMIUM)
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


# -- waiting for Streamlit ------------------------------------------------------------
_IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  if (status && status.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  return !!document.querySelector('[data-testid="stMainBlockContainer"] h1');
}"""


def settle(page: Any, *, timeout: float = 60_000, pause: int = 250) -> None:
    """Wait until the script run finished: a heading shown, nothing stale, not running."""
    page.wait_for_timeout(pause)
    page.wait_for_function(_IDLE, timeout=timeout)
    page.wait_for_timeout(pause)


def open_page(page: Any, url: str, *, timeout: float = 90_000) -> None:
    """Go to ``url`` and wait until the page's content is shown."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout)
    settle(page, timeout=timeout)
