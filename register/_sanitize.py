"""Make text written in records harmless before anyone displays or exports it.

Records are written by many organisations; their free text may contain
anything. These pure functions (no Streamlit, no MLflow) are shared by the
portal and the exports. Guarantees of :func:`clean_text`:

- no bidirectional control character (U+202A–U+202E, U+2066–U+2069, U+200E,
  U+200F, U+061C) remains: text cannot be shown in a reversed or spoofed order;
- no C0/C1 control character other than tab and newline, no zero-width or
  byte-order-mark character (U+200B–U+200D, U+2060, U+FEFF) remains;
- the text is in Unicode NFC; everything else (including ``<``, ``>`` and
  Markdown) is left as it is — escaping belongs to the renderer (plain text, or
  :func:`inert_markdown` for Markdown).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

__all__ = [
    "BIDI_CONTROLS",
    "break_long_words",
    "clean_text",
    "clean_tree",
    "inert_markdown",
]

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_REMOVE = re.compile(
    "[" + "".join(sorted(BIDI_CONTROLS)) + _INVISIBLE + r"\x00-\x08\x0b-\x1f\x7f-\x9f]"
)
# Characters Markdown, HTML or Streamlit's directives give a meaning to.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()<>#|~$&:!{}=+\-.^])")
# Markdown renderers with GFM turn bare "http://", "https://" and "www." into links even
# when every character is escaped (the autolink runs on the parsed text); an invisible
# word joiner after the scheme keeps them plain text.
_AUTOLINK = re.compile(r"(?i)\b(https?|www)(?=:|\.)")
WORD_JOINER = "\u2060"
# Soft break opportunity for long words in plain text (zero-width space).
WORD_BREAK = "\u200b"
LONG_WORD = 40


def clean_text(text: object) -> str:
    """``text`` as a string without control, bidi-override or zero-width characters (NFC)."""
    return _REMOVE.sub("", unicodedata.normalize("NFC", str(text)))


def clean_tree(value: Any) -> Any:
    """A copy of a JSON-like value with :func:`clean_text` applied to every string
    (keys included); other values are returned unchanged."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_tree(k): clean_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_tree(v) for v in value]
    return value


def break_long_words(text: str, width: int = LONG_WORD) -> str:
    """``text`` with a zero-width space after every ``width`` characters of an unbroken
    run, so a very long word wraps instead of widening the page (for display only)."""
    pattern = re.compile(r"\S{" + str(int(width)) + r"}(?=\S)")
    return pattern.sub(lambda m: m.group() + WORD_BREAK, text)


def inert_markdown(text: object, *, wrap: int | None = None) -> str:
    """``text`` cleaned, on one line, with every Markdown and HTML character escaped.

    Rendered as Markdown it shows exactly the characters written: no link (bare
    addresses get an invisible word joiner after ``http``/``https``/``www``), image,
    HTML tag, heading, list, emphasis or directive can come out of it. With
    ``wrap``, unbroken runs longer than ``wrap`` get break opportunities first
    (see :func:`break_long_words`).
    """
    line = " ".join(clean_text(text).split())
    if wrap:
        line = break_long_words(line, wrap)
    line = _AUTOLINK.sub(lambda m: m.group(1) + WORD_JOINER, line)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", line)
