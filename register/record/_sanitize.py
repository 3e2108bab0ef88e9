"""Make text written in records harmless before anyone displays or exports it.

Records are written by many organisations; their free text may contain
anything. These pure functions (no Streamlit, no MLflow) are shared by the
portal and the exports. Guarantees of :func:`clean_text`:

- kept: letters of every script with their combining marks (``é``, ``ü``,
  Devanagari vowel signs), digits, ordinary punctuation and spaces, tab and
  newline, and the ordinary text symbols (``€``, ``±``, ``°``, ``©``, ``→``);
- removed: every bidirectional control (U+202A–U+202E, U+2066–U+2069, U+200E,
  U+200F, U+061C), so text cannot be shown reversed or spoofed; every other
  invisible format character (Unicode category Cf: zero-width space, zero-width
  joiner and non-joiner, word joiner, soft hyphen, byte-order mark, tag
  characters U+E0020–U+E007F, ...); C0/C1 control characters other than tab and
  newline; private-use, surrogate and unassigned code points; variation selectors
  (U+FE00–U+FE0F, U+E0100–U+E01EF) and enclosing marks (category Me, such as
  the keycap U+20E3); and the pictographic blocks emoji live in (U+1F000–U+1FAFF,
  U+2600–U+27BF, U+2B00–U+2BFF and the emoji of U+2300–U+23FF). An emoji
  sequence joined with ZWJ (family, profession, flag, keycap, skin tone, tag
  sequence) therefore leaves nothing behind, and no invisible character can
  hide or join anything in cleaned text. The price: a few scripts that use
  ZWJ/ZWNJ for a particular ligature (Persian, some Indic forms) show the
  default form, which reads the same;
- the text is in Unicode NFC (normalised again after removal, so cleaning is
  idempotent); everything else (including ``<``, ``>`` and Markdown) is left
  as it is: escaping belongs to the renderer (plain text, or
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
# Every format character (category Cf, Unicode 14), enclosing mark (Me), variation
# selector, private-use and surrogate code point, control but tab and newline, and the
# pictographic blocks of emoji. Written out: scanning the categories at import is slow.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
)
_ENCLOSING = "\u0488-\u0489\u1abe\u20dd-\u20e4\ua670-\ua672"
_VARIATION = "\ufe00-\ufe0f\U000e0100-\U000e01ef"
_PRIVATE = "\ue000-\uf8ff\U000f0000-\U0010ffff\ud800-\udfff"
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_PICTOGRAPHS = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u231a-\u231b\u2328\u23cf"
    "\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa-\u25ab\u25b6\u25c0\u25fb-\u25fe"
    "\u2934-\u2935\u3030\u303d\u3297\u3299"
)
_REMOVE = re.compile(
    "["
    + "".join(sorted(BIDI_CONTROLS))
    + _FORMAT
    + _ENCLOSING
    + _VARIATION
    + _PRIVATE
    + _CONTROL
    + _PICTOGRAPHS
    + "]"
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
    """``text`` as a string of letters, marks, digits, punctuation, spaces and ordinary
    symbols only: no control, format (bidi, zero-width, joiner), private-use or emoji
    character remains (see the module's list); NFC; ``clean_text`` of it is itself."""
    cleaned = _REMOVE.sub("", unicodedata.normalize("NFC", str(text)))
    if not cleaned.isascii():  # unassigned code points (Cn): no meaning, maybe a new emoji
        cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) != "Cn")
    return unicodedata.normalize("NFC", cleaned)


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
