"""register._sanitize: record text made harmless for pages and exports."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from register import break_long_words, clean_text, clean_tree, inert_markdown
from register._sanitize import BIDI_CONTROLS, WORD_BREAK, WORD_JOINER

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
