"""The statistics page and the change feed's sidebar links, on a register in memory."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages import _cache, _data
from register import MemoryStore, Register
from tests.app_pages.conftest import APP, TIMEOUT, assert_no_exception, shown_tables, visible_text
from tests.register.history.conftest import ALGORITHMS, RETIRED, build_history_register

STATISTICS = "app_pages/statistics.py"
API = "http://127.0.0.1:8502"
ORGANISATION_COLUMN = {"sv": "Organisation", "en": "Organisation"}
COUNT_COLUMN = {"sv": "Algoritmer", "en": "Algorithms"}
THEME = {"sv": ("Område", "Utbildning"), "en": ("Theme", "Education")}


@pytest.fixture(scope="module")
def history_register(small_model: Any, small_reference: Any, benefits_record: Any) -> Register:
    """Four algorithms of three organisations, one retired (tests/register/history)."""
    return build_history_register(small_model, small_reference, benefits_record)


def _open(monkeypatch: pytest.MonkeyPatch, reg: Register, page: str | None, lang: str) -> AppTest:
    """The portal on ``reg`` in ``lang``, on ``page`` (None: the start page)."""
    st.cache_data.clear()
    monkeypatch.setattr(_data, "tracking_uri", lambda: f"memory:{id(reg)}")
    monkeypatch.setattr(_data, "get_register", lambda _uri: reg)
    monkeypatch.setattr(_cache, "open_register", lambda _uri: reg)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert_no_exception(at)
    return at


def _column(table: object, name: str) -> list[str]:
    return [str(v) for v in table[name]]  # type: ignore[index]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_statistics_page_shows_the_counts_in_tables(
    monkeypatch: pytest.MonkeyPatch,
    history_register: Register,
    lang: str,
) -> None:
    at = _open(monkeypatch, history_register, STATISTICS, lang)
    tables = shown_tables(at)
    by_organisation = next(t for t in tables if ORGANISATION_COLUMN[lang] in t.columns)
    counts = dict(
        zip(
            _column(by_organisation, ORGANISATION_COLUMN[lang]),
            _column(by_organisation, COUNT_COLUMN[lang]),
            strict=True,
        )
    )
    assert counts == {org: str(n) for org, n in Counter(o for _, o, *_ in ALGORITHMS).items()}
    column, education = THEME[lang]
    by_theme = next(t for t in tables if column in t.columns and COUNT_COLUMN[lang] in t.columns)
    assert education in _column(by_theme, column)  # themes in the reader's language
    text = visible_text(at)
    assert "education" not in text and "high_risk" not in text  # no raw codes
    assert f"{len(ALGORITHMS)} " in text
    months = [t for t in tables if ("Månad" if lang == "sv" else "Month") in t.columns]
    assert months, "a table of the months beside the chart"
    in_register = months[0].iloc[-1, -1]
    assert in_register == str(len([s for s, *_ in ALGORITHMS if s != RETIRED]))
    assert len(at.get("vega_lite_chart")) >= 5  # a chart beside each table


@pytest.mark.parametrize(("lang", "words"), [("sv", "ingen publicerad"), ("en", "no published")])
def test_an_empty_register_says_it_is_empty(
    monkeypatch: pytest.MonkeyPatch, lang: str, words: str
) -> None:
    at = _open(monkeypatch, Register(store=MemoryStore()), STATISTICS, lang)
    assert words in visible_text(at)
    assert not shown_tables(at)


@pytest.mark.parametrize(
    ("lang", "label"), [("sv", "Ändringsflöde (Atom)"), ("en", "Change feed (Atom)")]
)
def test_the_sidebar_links_to_the_change_feed_when_the_api_runs(
    monkeypatch: pytest.MonkeyPatch, lang: str, label: str
) -> None:
    monkeypatch.setenv("INSYN_API_URL", API)
    at = _open(monkeypatch, Register(store=MemoryStore()), None, lang)
    sidebar = "\n".join(str(m.value) for m in at.sidebar.markdown)
    query = "" if lang == "sv" else "?lang=en"
    assert f"[{label}]({API}/api/v1/feed.atom{query})" in sidebar
    assert f"({API}/api/v1/feed.json{query})" in sidebar


def test_no_feed_link_without_an_api_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSYN_API_URL", raising=False)
    at = _open(monkeypatch, Register(store=MemoryStore()), None, "sv")
    assert "feed.atom" not in "\n".join(str(m.value) for m in at.sidebar.markdown)
