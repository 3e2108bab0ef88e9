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
- ``_a11y.install_page_css`` makes every text block wrap long words, so no
  record text can widen the page.

The pure rules live in :mod:`register.record._sanitize` (shared with the exports).
"""

from __future__ import annotations

from register import break_long_words, clean_text, inert_markdown

__all__ = ["LONG_WORD", "safe_inline", "safe_plain"]

# Unbroken runs longer than this get an invisible break opportunity.
LONG_WORD = 40


def safe_plain(text: object) -> str:
    """Text for ``st.text``: no control/bidi/zero-width characters, long words breakable."""
    return break_long_words(clean_text(text), LONG_WORD)


def safe_inline(text: object) -> str:
    """Text for Markdown contexts: cleaned, one line, every Markdown/HTML character escaped."""
    return inert_markdown(text, wrap=LONG_WORD)
