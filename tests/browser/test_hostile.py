"""Hostile record text is harmless in the real browser.

The hostile-text algorithm (``_hostile.py``) is registered with ``insyn
register`` like any other. Opening its pages must run no script, load nothing
from another host, show no reversed (RLO) text and never widen the page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from tests.browser._hostile import EVIL_HOST, SLUG
from tests.browser._portal import open_page, settle
from tests.browser.conftest import screenshot

# Layout tolerance in CSS pixels (scrollbars, sub-pixel rounding).
OVERFLOW_TOLERANCE = 4
LOCAL_HOSTS = {"127.0.0.1"}
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def _assert_harmless(page: Any, where: str) -> None:
    assert page.evaluate("window.__pwned === undefined"), f"a script ran on {where}"
    external = [
        url
        for url in page.requested
        if urlparse(url).scheme in ("http", "https", "ws", "wss")
        and urlparse(url).hostname not in LOCAL_HOSTS
    ]
    assert external == [], f"requests to other hosts from {where}: {external[:5]}"
    width = page.evaluate("window.innerWidth")
    scroll = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll <= width + OVERFLOW_TOLERANCE, f"{where} is {scroll}px wide in a {width}px window"
    main = page.locator('[data-testid="stMainBlockContainer"]')
    inner = main.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert inner[0] <= inner[1] + OVERFLOW_TOLERANCE, f"{where}: content wider than its column"
    text = page.evaluate("document.body.innerText")
    assert not any(ch in text for ch in BIDI), f"bidi override characters shown on {where}"
    live = page.evaluate(
        """() => [
          ...[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
          ...[...document.querySelectorAll('img[src], iframe[src]')]
            .map(e => e.getAttribute('src')),
        ]"""
    )
    bad = [
        u
        for u in live
        if u and (u.strip().lower().startswith(("javascript:", "data:text")) or EVIL_HOST in u)
    ]
    assert bad == [], f"live hostile links or sources on {where}: {bad}"


def test_hostile_record_is_harmless_on_every_tab(page: Any, portal: str) -> None:
    for lang in ("sv", "en"):
        open_page(page, f"{portal}/algorithm?slug={SLUG}&lang={lang}")
        tabs = page.get_by_role("tab")
        assert tabs.count() >= 4
        for index in range(tabs.count()):
            tabs.nth(index).click()
            settle(page)
            submit = page.get_by_role(
                "button", name="Visa uppskattning" if lang == "sv" else "Show estimate"
            )
            if submit.is_visible():
                submit.click()
                settle(page)
            _assert_harmless(page, f"{SLUG} tab {index} [{lang}]")
            screenshot(page, f"hostile-tab{index}-{lang}")
        _assert_harmless(page, f"{SLUG} [{lang}]")


def test_hostile_record_is_harmless_in_the_catalogue(page: Any, portal: str) -> None:
    open_page(page, f"{portal}/?lang=sv")
    search = page.get_by_label("Sök", exact=True)
    search.fill("Fientlig")
    search.press("Enter")
    settle(page)
    _assert_harmless(page, "the catalogue")
    screenshot(page, "hostile-catalogue-sv")


def test_hostile_record_download_is_clean_json(page: Any, portal: str) -> None:
    import json

    open_page(page, f"{portal}/algorithm?slug={SLUG}&lang=sv")
    with page.expect_download() as download:
        page.get_by_role("button", name="Ladda ner registreringen (JSON)").click()
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115
    record = json.loads(text)
    assert record["slug"] == SLUG
    assert not any(ch in text for ch in BIDI)
    _assert_harmless(page, "the download")
