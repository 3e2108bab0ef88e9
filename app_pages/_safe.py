"""The portal's one way to show text written in records: harmless in every page.

Record text is written by many organisations and may contain HTML, scripts,
Markdown links to ``javascript:``/``data:`` addresses, images on other hosts,
very long words or right-to-left override characters. Every record text
reaches the page through one of these functions (via ``_text.localized``,
``_text.escape_markdown`` and ``_sections.plain``):

- :func:`safe_plain` for ``st.text`` (never interpreted): control and
  bidi-override characters removed, long words given break opportunities;
- :func:`safe_inline` for Markdown contexts (headings, labels, table cells):
  the same, on one line, with every Markdown/HTML character escaped;
- :func:`install_wrapping_css` makes every text block wrap long words, so no
  record text can widen the page.

The pure rules live in :mod:`register._sanitize` (shared with the exports).
"""

from __future__ import annotations

import streamlit as st

from register import break_long_words, clean_text, inert_markdown

__all__ = ["LONG_WORD", "install_wrapping_css", "safe_inline", "safe_plain"]

# Unbroken runs longer than this get an invisible break opportunity.
LONG_WORD = 40

# Long words wrap in every text block; tables and code scroll inside themselves.
WRAPPING_CSS = """
<style>
[data-testid="stMarkdownContainer"], [data-testid="stText"], [data-testid="stCaptionContainer"],
[data-testid="stHeading"], [data-testid="stAlert"], [data-testid="stExpander"] summary,
[data-testid="stWidgetLabel"], [data-testid="stPageLink"] {
  overflow-wrap: anywhere;
  word-break: break-word;
  max-width: 100%;
}
[data-testid="stText"] > div { white-space: pre-wrap; }
</style>
"""


def safe_plain(text: object) -> str:
    """Text for ``st.text``: no control/bidi/zero-width characters, long words breakable."""
    return break_long_words(clean_text(text), LONG_WORD)


def safe_inline(text: object) -> str:
    """Text for Markdown contexts: cleaned, one line, every Markdown/HTML character escaped."""
    return inert_markdown(text, wrap=LONG_WORD)


def install_wrapping_css() -> None:
    """Add the page style that wraps long words (call once per script run)."""
    st.html(WRAPPING_CSS)
