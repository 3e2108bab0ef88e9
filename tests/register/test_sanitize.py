"""register.record._sanitize: record text made harmless for pages and exports."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from register import break_long_words, clean_text, clean_tree, inert_markdown
from register.record._sanitize import BIDI_CONTROLS, WORD_BREAK, WORD_JOINER

MARKUP = "\\`*_[]()<>#|~$&:!{}=+-.^"


def test_bidi_controls_zero_width_and_control_characters_are_removed() -> None:
    text = "a\u202eb\u2066c\u200bd\ufeffe\x00f\x1bg\u200fh"
    assert clean_text(text) == "abcdefgh"
    assert clean_text("line one\n\tline two") == "line one\n\tline two"
    assert clean_text("e\u0301") == "\u00e9"  # NFC


@given(st.text())
def test_clean_text_never_leaves_a_bidi_control(text: str) -> None:
    cleaned = clean_text(text)
    assert not set(cleaned) & BIDI_CONTROLS
    assert clean_text(cleaned) == cleaned


def test_clean_tree_cleans_every_string_and_keeps_other_values() -> None:
    tree = {"a\u202e": ["x\u202ey", 1, None, {"k": "v\u200b"}], "n": 2.5, "b": True}
    assert clean_tree(tree) == {"a": ["xy", 1, None, {"k": "v"}], "n": 2.5, "b": True}


def test_long_words_get_break_opportunities() -> None:
    broken = break_long_words("x" * 100 + " short", 40)
    assert all(len(run) <= 40 for run in broken.replace(" ", WORD_BREAK).split(WORD_BREAK))
    assert broken.replace(WORD_BREAK, "") == "x" * 100 + " short"


@given(st.text())
def test_inert_markdown_escapes_every_markup_character(text: str) -> None:
    escaped = inert_markdown(text)
    bare = re.sub(r"\\.", "", escaped)
    assert not any(ch in bare for ch in MARKUP)
    assert "\n" not in escaped
    unescaped = re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "")
    assert unescaped == " ".join(clean_text(text).split())


def test_hostile_markdown_cannot_make_a_link_or_image() -> None:
    hostile = "[x](javascript:alert(1)) ![i](http://evil.example/p.png) <script>x</script>"
    escaped = inert_markdown(hostile)
    bare = re.sub(r"\\.", "", escaped)
    assert not any(ch in bare for ch in "[]()<>!")


def test_bare_addresses_cannot_become_links() -> None:
    # GFM autolinks run on parsed text, so escaping alone does not stop them.
    escaped = inert_markdown("see http://evil.example/x and www.evil.example and HTTPS://e.x")
    assert "http://" not in escaped and "www." not in escaped.replace("\\", "")
    assert f"http{WORD_JOINER}" in escaped and f"HTTPS{WORD_JOINER}" in escaped


EMOJI_SEQUENCES = {
    "family (ZWJ)": "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "profession with skin tone (ZWJ)": "\U0001f469\U0001f3fd\u200d\U0001f52c",
    "rainbow flag (ZWJ, VS16)": "\U0001f3f3\ufe0f\u200d\U0001f308",
    "flag (regional indicators)": "\U0001f1f8\U0001f1ea",
    "tag sequence (Scotland)": "\U0001f3f4"
    + "".join(chr(0xE0000 + ord(c)) for c in "gbsct")
    + "\U000e007f",
    "heart (dingbat, VS16)": "\u2764\ufe0f",
    "thumbs up, skin tone": "\U0001f44d\U0001f3fd",
}
INVISIBLE = "\u200b\u200c\u200d\u2060\u2061\u2064\u00ad\ufeff\u180e\U000e0001\ufe0f\u20e3"


@pytest.mark.parametrize("sequence", EMOJI_SEQUENCES.values(), ids=EMOJI_SEQUENCES.keys())
def test_emoji_sequences_leave_nothing_behind(sequence: str) -> None:
    assert clean_text(f"Före{sequence}efter") == "Föreefter"


def test_a_keycap_keeps_its_digit_only() -> None:
    assert clean_text("Steg 1\ufe0f\u20e3 klart") == "Steg 1 klart"


def test_every_invisible_joiner_and_format_character_is_removed() -> None:
    assert clean_text("a".join(INVISIBLE)) == "a" * (len(INVISIBLE) - 1)


def test_letters_of_every_script_punctuation_and_ordinary_symbols_are_kept() -> None:
    text = (
        "Åsa Ñandú Øre, Дмитрий; 東京の「街」; محمد؟ हिन्दी। ελληνικά — "
        "\"citat\" (20 °C, 5 € ± 1 %, © 2025 → §3) 'ok'!\n\tnästa rad"
    )
    assert clean_text(text) == text


ALLOWED_CATEGORIES = ("L", "M", "N", "P", "Z", "S")


@given(st.text())
def test_cleaned_text_holds_no_invisible_format_or_emoji_character(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    for ch in cleaned:
        category = unicodedata.category(ch)
        assert ch in "\t\n" or category.startswith(ALLOWED_CATEGORIES), hex(ord(ch))
        assert category not in ("Cf", "Me", "Co", "Cs"), hex(ord(ch))
        assert not 0xFE00 <= ord(ch) <= 0xFE0F and not 0x1F000 <= ord(ch) <= 0x1FAFF


@given(st.lists(st.sampled_from([*EMOJI_SEQUENCES.values(), *INVISIBLE, "a", "ö", " "])))
def test_no_emoji_or_joiner_survives_in_any_mix(parts: list[str]) -> None:
    cleaned = clean_text("".join(parts))
    assert set(cleaned) <= {"a", "ö", " "}
