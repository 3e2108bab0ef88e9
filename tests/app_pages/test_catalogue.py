"""Catalogue: search, filters, paging and links, in Swedish and English."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages.conftest import (
    ALGORITHM,
    APP,
    HOUSING,
    TIMEOUT,
    OpenPage,
    assert_no_exception,
    visible_text,
)


def unescape(text: str) -> str:
    """A label as the reader sees it (Markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", text)


BENEFITS_SV = "Stöd för uppsökande information om arbetslöshetsersättning (demonstration)"
HOUSING_SV = "Stöd för bedömning av kommunal hyresgaranti (demonstration)"
BENEFITS_EN = "Outreach support on unemployment benefits (demonstration)"
HOUSING_EN = "Screening support for a municipal rental guarantee (demonstration)"


def test_swedish_by_default_lists_every_published_algorithm(open_page: OpenPage) -> None:
    at = open_page()
    text = visible_text(at)
    assert "Algoritmer i kommunerna" in text
    assert BENEFITS_SV in text and HOUSING_SV in text
    assert "Exempelkommun · Arbetsmarknad · Under utveckling · Risk: Hög risk" in text
    assert "Demonstration på offentliga forskningsdata" in text  # the short description
    assert [unescape(link.value) for link in at.page_link] == [
        f"Läs mer om {BENEFITS_SV}",
        f"Läs mer om {HOUSING_SV}",
    ]


def test_english_by_query_parameter(open_page: OpenPage) -> None:
    text = visible_text(open_page(lang="en"))
    assert "Algorithms in municipalities" in text
    assert BENEFITS_EN in text and HOUSING_EN in text
    assert "Exempelkommun · Housing · In development · Risk: High risk" in text
    assert "Algoritmer i kommunerna" not in text


def test_language_switch_in_the_sidebar(open_page: OpenPage) -> None:
    at = open_page()
    at.sidebar.radio[0].set_value("en").run()
    assert_no_exception(at)
    assert at.session_state["lang"] == "en"
    assert "Algorithms in municipalities" in visible_text(at)
    at.sidebar.radio[0].set_value("sv").run()
    assert "Algoritmer i kommunerna" in visible_text(at)


@pytest.mark.parametrize(
    ("lang", "words", "shown", "hidden"),
    [
        ("sv", "hyresgaranti", HOUSING_SV, BENEFITS_SV),
        ("en", "unemployment", BENEFITS_EN, HOUSING_EN),
    ],
)
def test_free_text_search_narrows_results(
    open_page: OpenPage, lang: str, words: str, shown: str, hidden: str
) -> None:
    at = open_page(lang=lang)
    at.text_input(key="catalogue_text").input(words).run()
    assert_no_exception(at)
    text = visible_text(at)
    assert shown in text
    assert hidden not in text


def test_theme_filter_narrows_results_and_options_are_translated(open_page: OpenPage) -> None:
    at = open_page()
    theme = at.selectbox(key="catalogue_theme")
    assert theme.options == ["Alla", "Boende", "Arbetsmarknad"]
    theme.set_value("housing").run()
    assert_no_exception(at)
    text = visible_text(at)
    assert HOUSING_SV in text and BENEFITS_SV not in text


def test_filters_that_match_nothing_give_a_friendly_message(open_page: OpenPage) -> None:
    at = open_page()
    at.text_input(key="catalogue_text").input("zzzz-inget-sådant").run()
    assert_no_exception(at)
    assert "Inga algoritmer matchar din sökning" in visible_text(at)
    assert not at.page_link


def test_empty_result_in_english(open_page: OpenPage) -> None:
    at = open_page(lang="en")
    at.text_input(key="catalogue_text").input("zzzz-no-such-thing").run()
    assert "No algorithms match your search" in visible_text(at)


def test_paging_walks_next_and_previous(
    open_page: OpenPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app_pages import _data

    monkeypatch.setattr(_data, "PAGE_SIZE", 1)
    at = open_page()
    text = visible_text(at)
    assert BENEFITS_SV in text and HOUSING_SV not in text and "Sida 1" in text
    at.button(key="catalogue_next").click().run()
    assert_no_exception(at)
    text = visible_text(at)
    assert HOUSING_SV in text and BENEFITS_SV not in text and "Sida 2" in text
    assert at.button(key="catalogue_next").disabled
    at.button(key="catalogue_previous").click().run()
    text = visible_text(at)
    assert BENEFITS_SV in text and "Sida 1" in text
    assert at.button(key="catalogue_previous").disabled


def test_a_result_links_to_its_algorithm_page(open_page: OpenPage) -> None:
    at = open_page()
    link = at.page_link[1]
    params = {k: v[0] for k, v in parse_qs(link.proto.query_string).items()}
    assert params == {"slug": HOUSING}
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(ALGORITHM).run()
    assert_no_exception(at)
    assert HOUSING_SV in visible_text(at)


@pytest.mark.parametrize(
    ("lang", "empty", "no_match"),
    [
        (
            "sv",
            "Registret innehåller inga algoritmer ännu.",
            "Inga algoritmer matchar din sökning",
        ),
        ("en", "The register holds no algorithms yet.", "No algorithms match your search"),
    ],
)
def test_an_empty_register_says_it_is_empty_until_the_reader_searches(
    empty_store_uri: str, monkeypatch: pytest.MonkeyPatch, lang: str, empty: str, no_match: str
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", empty_store_uri)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    assert_no_exception(at)
    text = visible_text(at)
    assert empty in text and no_match not in text  # nothing was searched
    assert not at.page_link
    at.text_input(key="catalogue_text").input("hyresgaranti").run()
    text = visible_text(at)
    assert no_match in text and empty not in text  # now a search found nothing
