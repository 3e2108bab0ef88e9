"""In headless Chromium, a Swedish reader meets no raw code: every tab of an algorithm page
after the try-it form was sent, the DOM's visible text scanned for the record's codes."""

from __future__ import annotations

from typing import Any

from tests.app_pages.test_no_raw_codes import ENGLISH, RECORDS, leaks, raw_codes
from tests.browser._portal import open_page, settle
from tests.browser.conftest import screenshot

BENEFITS = "benefits-uptake"
MAIN = '[data-testid="stMainBlockContainer"]'


def _main_text(page: Any) -> str:
    return str(page.locator(MAIN).inner_text())


def test_no_raw_code_in_any_tab_of_the_swedish_algorithm_page(page: Any, portal: str) -> None:
    open_page(page, portal + f"/algorithm?slug={BENEFITS}")
    page.wait_for_function("() => document.documentElement.lang === 'sv'", timeout=10_000)
    page.get_by_role("tab", name="Prova själv").click()
    settle(page)
    page.get_by_role("button", name="Visa uppskattning").click()
    settle(page)
    page.wait_for_function(
        "sel => document.querySelector(sel)?.innerText.includes('Modellens uppskattning')",
        arg=MAIN,
        timeout=60_000,
    )
    texts = []
    tabs = page.get_by_role("tab")
    for index in range(tabs.count()):
        tabs.nth(index).click()
        settle(page)
        texts.append(_main_text(page))
    screenshot(page, "labels-sv-last-tab")
    text = "\n".join(texts)
    assert "Modellens uppskattning" in text
    assert "Kön, Icke-vit" in text  # protected attributes by their names
    assert leaks(text, raw_codes(RECORDS[BENEFITS])) == []
    assert leaks(text, ENGLISH) == []
