"""About: how to read an explanation, privacy, and whom to contact, in both languages."""

from __future__ import annotations

import pytest

from tests.app_pages.conftest import ABOUT, OpenPage, visible_text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "sv",
            [
                "Om registret",
                "Så läser du en förklaring",
                "Utgångsläget",
                "Global betydelse",
                "Vad en förklaring inte är",
                "Integritet",
                "färre än 10 personer",
                "Kontakt och invändningar",
            ],
        ),
        (
            "en",
            [
                "About the register",
                "How to read an explanation",
                "base value",
                "Global importance",
                "What an explanation is not",
                "Privacy",
                "fewer than 10 people",
                "Contact and objections",
            ],
        ),
    ],
)
def test_about_page(open_page: OpenPage, lang: str, words: list[str]) -> None:
    text = visible_text(open_page(ABOUT, lang=lang))
    for word in words:
        assert word in text, word
