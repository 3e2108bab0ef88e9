"""WCAG 2.2 AA in the real browser: axe-core on every page in both languages, and
the checks axe cannot make (page language, the skip link's language, chart text
alternatives)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser._portal import open_page, settle
from tests.browser.conftest import record_axe, screenshot

# What axe checks: WCAG 2.0, 2.1 and 2.2 A and AA (axe-core 4.12 tags its one 2.2 rule,
# target-size for SC 2.5.8, "wcag22aa" and leaves it off by default: turned on here),
# plus best practices (reported, not failed).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": [*WCAG_TAGS, "best-practice"]},
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
PAGES = [
    ("catalogue", "/"),
    ("about", "/about"),
    ("algorithm:benefits-uptake", "/algorithm?slug=benefits-uptake"),
    ("algorithm:housing-guarantee", "/algorithm?slug=housing-guarantee"),
    ("auditor", "/auditor"),  # no slug: the list of algorithms to pick from
    ("auditor:housing-guarantee", "/auditor?slug=housing-guarantee"),
    ("statistics", "/statistics"),
]
SUBMIT = {"sv": "Visa uppskattning", "en": "Show estimate"}
SKIP_LINK = {"sv": "Hoppa till huvudinnehållet", "en": "Skip to main content"}


def run_axe(page: Any, label: str) -> list[dict[str, Any]]:
    """axe-core on the whole page; records the result and returns blocking violations."""
    from axe_playwright_python.sync_playwright import Axe

    # Let fades and transitions finish: a half-faded element would fail colour contrast.
    page.wait_for_function(
        "document.getAnimations().every(a => a.playState !== 'running')", timeout=10_000
    )
    violations = list(Axe().run(page, options=AXE_OPTIONS).response["violations"])
    record_axe(label, violations)
    return [
        {"page": label, "rule": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
        for v in violations
        if v.get("impact") in BLOCKING
    ]


def _url(portal: str, path: str, lang: str) -> str:
    return f"{portal}{path}{'&' if '?' in path else '?'}lang={lang}"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_axe_finds_nothing_serious_on_any_page(page: Any, portal: str, lang: str) -> None:
    blocking: list[dict[str, Any]] = []
    for name, path in PAGES:
        open_page(page, _url(portal, path, lang))
        page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
        tabs = page.get_by_role("tab")
        if tabs.count() == 0:
            blocking += run_axe(page, f"{name} [{lang}]")
            screenshot(page, f"axe-{name.replace(':', '-')}-{lang}")
            continue
        for index in range(tabs.count()):
            tab = tabs.nth(index)
            label = tab.inner_text().strip()
            tab.click()
            settle(page)
            blocking += run_axe(page, f"{name} / {label} [{lang}]")
            if page.get_by_role("button", name=SUBMIT[lang]).is_visible():
                page.get_by_role("button", name=SUBMIT[lang]).click()
                settle(page)
                blocking += run_axe(page, f"{name} / {label} + result [{lang}]")
                screenshot(page, f"axe-{name.replace(':', '-')}-tryit-{lang}")
    assert blocking == []


def test_every_chart_has_a_sentence_and_a_table(page: Any, portal: str) -> None:
    open_page(page, _url(portal, "/algorithm?slug=housing-guarantee", "sv"))
    checked = 0
    for tab_name in ("Vad påverkar resultatet", "Prova själv"):
        page.get_by_role("tab", name=tab_name).click()
        settle(page)
        if tab_name == "Prova själv":
            page.get_by_role("button", name=SUBMIT["sv"]).click()
            settle(page)
        panel = page.locator('[role="tabpanel"]:visible')
        charts = panel.locator('[data-testid="stVegaLiteChart"][role="graphics-document"]')
        charts.first.wait_for()
        for index in range(charts.count()):
            # Vega-Lite puts the text alternative (alt=...) on the chart as its aria-label.
            described = charts.nth(index).get_attribute("aria-label") or ""
            assert len(described.strip()) > 20, "a chart without a text alternative"
            checked += 1
        # The same numbers as a table, beside or below every chart.
        assert panel.locator('[data-testid="stTable"]').count() >= charts.count()
    assert checked >= 2


def test_every_bar_of_a_chart_has_its_label_in_full(page: Any, portal: str) -> None:
    open_page(page, _url(portal, "/algorithm?slug=benefits-uptake", "en"))
    page.get_by_role("tab", name="What drives the results").click()
    settle(page)
    panel = page.locator('[role="tabpanel"]:visible')
    chart = panel.locator('[data-testid="stVegaLiteChart"] svg').first
    chart.wait_for()
    bars = chart.locator("g.mark-rect path").count()
    labels = chart.evaluate(
        """svg => Array.from(svg.querySelectorAll('g.role-axis-label text'))
        .map(t => t.textContent)"""
    )
    table = panel.locator('[data-testid="stTable"]').first
    names = table.evaluate(
        "t => Array.from(t.querySelectorAll('tbody tr')).map(r => r.cells[0].innerText)"
    )
    assert bars == len(names) >= 7
    # One label per bar (none dropped for overlapping), each the whole name (no "…").
    y_labels = [label for label in labels if not label.replace(".", "").isdigit()]
    squeeze = [("".join(label.split())) for label in y_labels]
    for name in names:
        assert "".join(name.replace("\u200b", "").split()) in squeeze, name
    assert not any("…" in label for label in labels)


def test_colour_is_not_the_only_carrier_of_direction(page: Any, portal: str) -> None:
    open_page(page, _url(portal, "/algorithm?slug=housing-guarantee", "sv"))
    page.get_by_role("tab", name="Prova själv").click()
    settle(page)
    page.get_by_role("button", name=SUBMIT["sv"]).click()
    settle(page)
    panel = page.locator('[role="tabpanel"]:visible')
    text = panel.inner_text()
    # Direction in words in the sentences...
    assert "höjde uppskattningen" in text or "sänkte uppskattningen" in text
    # ...in the chart's legend and signed labels (SVG text, not colour alone)...
    chart = panel.locator('[data-testid="stVegaLiteChart"] svg').first
    chart.wait_for()
    svg_text = chart.evaluate("el => el.textContent")
    assert "höjer" in svg_text or "sänker" in svg_text
    assert "+" in svg_text or "\u2212" in svg_text
    # ...and in the table's "Riktning" column.
    table = panel.locator('[data-testid="stTable"]').last
    assert "höjer" in table.inner_text() or "sänker" in table.inner_text()


def test_axe_runs_the_wcag_2_2_target_size_rule(page: Any, portal: str) -> None:
    """The 2.2 check is really among the rules axe ran (it passes or is reported)."""
    from axe_playwright_python.sync_playwright import Axe

    open_page(page, _url(portal, "/", "en"))
    options = {**AXE_OPTIONS, "resultTypes": ["passes", "violations", "incomplete"]}
    response = Axe().run(page, options=options).response
    ran = {r["id"] for kind in ("passes", "violations", "incomplete") for r in response[kind]}
    assert "target-size" in ran


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_skip_link_speaks_the_page_language(page: Any, portal: str, lang: str) -> None:
    for _name, path in PAGES[:3]:
        open_page(page, _url(portal, path, lang))
        link = page.locator('[data-testid="stSkipToContent"]')
        page.wait_for_function(
            "t => document.querySelector('[data-testid=\"stSkipToContent\"]')?.textContent === t",
            arg=SKIP_LINK[lang],
        )
        assert link.text_content() == SKIP_LINK[lang]
