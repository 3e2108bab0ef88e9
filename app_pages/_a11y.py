"""Accessibility helpers the page layout needs beyond Streamlit's defaults.

- :func:`set_document_language` sets ``<html lang>`` to the reader's language
  (Streamlit always says ``lang="en"``), so screen readers pronounce Swedish
  as Swedish (WCAG 2.1 SC 3.1.1), and gives Streamlit's "Skip to main content"
  link (English in Streamlit, SC 2.4.1) its text from the catalogue
  (``a11y.skip_link``) in that language (SC 3.1.2).
- :func:`install_page_css` adds the portal's style: long words wrap in every
  text block (SC 1.4.10 reflow; record text cannot widen the page) and captions
  use the body text colour, slightly faded, for at least 4.5:1 contrast in light
  and dark themes (SC 1.4.3; Streamlit's caption grey #828180 on white is 3.9:1).
"""

from __future__ import annotations

import json

import streamlit as st

from app_pages._text import t

__all__ = ["PAGE_CSS", "install_page_css", "set_document_language"]

PAGE_CSS = """
<style>
[data-testid="stMarkdownContainer"], [data-testid="stText"], [data-testid="stCaptionContainer"],
[data-testid="stHeading"], [data-testid="stAlert"], [data-testid="stExpander"] summary,
[data-testid="stWidgetLabel"], [data-testid="stPageLink"] {
  overflow-wrap: anywhere;
  word-break: break-word;
  max-width: 100%;
}
[data-testid="stText"] > div { white-space: pre-wrap; }
[data-testid="stCaptionContainer"] { color: inherit; opacity: 0.85; }
</style>
"""

# Streamlit renders its skip link (data-testid="stSkipToContent") itself and may render it
# again later: an observer puts the catalogue's text back whenever it differs.
_LANGUAGE_SCRIPT = (
    "<script>(function(){{var d=window.parent&&window.parent.document||document;"
    "d.documentElement.lang={lang};d.__insynSkipText={skip};"
    "function apply(){{var a=d.querySelector('[data-testid=\"stSkipToContent\"]');"
    "if(a&&a.textContent!==d.__insynSkipText){{a.textContent=d.__insynSkipText;}}}}"
    "apply();if(!d.__insynSkipObserver){{d.__insynSkipObserver=new MutationObserver(apply);"
    "d.__insynSkipObserver.observe(d.body,{{childList:true,subtree:true,characterData:true}});}}"
    "}})();</script>"
)


def set_document_language(lang: str) -> None:
    """Set ``lang`` on the page's ``<html>`` element (a two-letter code such as "sv") and
    the skip link's text to the catalogue's ``a11y.skip_link`` in the reader's language."""
    code = lang if lang.isalpha() and len(lang) <= 3 else "sv"
    script = _LANGUAGE_SCRIPT.format(lang=json.dumps(code), skip=json.dumps(t("a11y.skip_link")))
    st.html(script, unsafe_allow_javascript=True)


def install_page_css() -> None:
    """Add the portal's page style (call once per script run; takes no space)."""
    st.html(PAGE_CSS)
