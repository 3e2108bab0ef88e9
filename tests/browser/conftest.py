"""Browser fixtures: one real portal process and one headless Chromium per session.

The portal serves a copy of the session's demo register with one more
algorithm whose record is full of hostile text (``_hostile.py``). Screenshots
go to ``test-artifacts/screenshots/``; axe results per page are collected and
printed at the end of the run (and written to ``test-artifacts/axe-summary.json``).

Without Chromium or Playwright the browser tests are skipped, unless
``INSYN_REQUIRE_BROWSER=1`` (CI sets it), which turns that into a failure.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser._portal import ROOT, VIEWPORT, chromium_path, launch_chromium, running_portal

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_SUMMARY = ARTIFACTS / "axe-summary.json"
# page label -> {"impacts": {impact: count}, "rules": {rule id: impact}}
AXE_RESULTS: dict[str, dict[str, Any]] = {}


def _require_browser() -> None:
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    if reason is None and chromium_path() is None:
        reason = "no system Chromium (apt-get install -y chromium)"
    if reason is not None:  # `make test` installs Chromium first, so this is a real failure
        pytest.fail(f"the browser tests need a browser, but {reason}")


@pytest.fixture(scope="session")
def browser_register(demo_tracking_uri: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the demo register plus the hostile-text algorithm (published)."""
    _require_browser()
    from register.cli import main
    from tests.browser._hostile import hostile_folder

    source = Path(demo_tracking_uri.removeprefix("sqlite:///"))
    home = tmp_path_factory.mktemp("browser-register")
    shutil.copyfile(source, home / "mlflow.db")
    uri = f"sqlite:///{home / 'mlflow.db'}"
    folder = hostile_folder(ROOT / "models" / "housing-guarantee", home / "hostile-text")
    assert main(["--tracking-uri", uri, "register", str(folder)]) == 0
    return uri


@pytest.fixture(scope="session")
def portal(browser_register: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the real portal (``streamlit run streamlit_app.py``)."""
    log = tmp_path_factory.mktemp("portal") / "streamlit.log"
    with running_portal(browser_register, log) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless system Chromium for the session."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser: Any, portal: str) -> Iterator[Any]:
    """A fresh browser tab (own session, Swedish by default) that records every request."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="sv-SE")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.requested = []  # type: ignore[attr-defined]
    tab.on("request", lambda request: tab.requested.append(request.url))  # type: ignore[attr-defined]
    try:
        yield tab
    finally:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Streamlit scrolls inside its main section, so grow the window to the content first.
    height = page.evaluate(
        "() => (document.querySelector('[data-testid=\"stMain\"]') || document.body).scrollHeight"
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, 600), 12_000)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    page.set_viewport_size(VIEWPORT)
    page.wait_for_timeout(100)
    return path


def record_axe(label: str, violations: list[dict[str, Any]]) -> dict[str, int]:
    """Keep one page's axe violations for the summary; returns counts by impact."""
    impacts: dict[str, int] = {}
    rules: dict[str, str] = {}
    nodes: dict[str, list[str]] = {}
    for violation in violations:
        impact = str(violation.get("impact") or "unknown")
        impacts[impact] = impacts.get(impact, 0) + len(violation.get("nodes", []))
        rules[str(violation["id"])] = impact
        nodes[str(violation["id"])] = [
            f"{node.get('target')}: {str(node.get('failureSummary', ''))[:200]}"
            for node in violation.get("nodes", [])[:5]
        ]
    AXE_RESULTS[label] = {"impacts": impacts, "rules": rules, "nodes": nodes}
    return impacts


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print axe violation counts per page (also written to test-artifacts)."""
    if not AXE_RESULTS:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    AXE_SUMMARY.write_text(json.dumps(AXE_RESULTS, indent=2, sort_keys=True), encoding="utf-8")
    write = terminalreporter.write_line
    terminalreporter.section("axe-core accessibility (violations per page, by impact)")
    levels = ("critical", "serious", "moderate", "minor")
    width = max(len(label) for label in AXE_RESULTS)
    write(f"{'page':<{width}}  " + "  ".join(f"{level:>8}" for level in levels) + "  rules")
    for label in sorted(AXE_RESULTS):
        result = AXE_RESULTS[label]
        counts = "  ".join(f"{result['impacts'].get(level, 0):>8}" for level in levels)
        rules = ", ".join(f"{rule} ({impact})" for rule, impact in sorted(result["rules"].items()))
        write(f"{label:<{width}}  {counts}  {rules or '-'}")
    write(f"(details: {AXE_SUMMARY.relative_to(ROOT)})")
