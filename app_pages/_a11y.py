"""Accessibility helpers the page layout needs beyond Streamlit's defaults.

- :func:`set_document_language` sets ``<html lang>`` to the reader's language
  (Streamlit always says ``lang="en"``), so screen readers pronounce Swedish
  as Swedish (WCAG 2.1 SC 3.1.1).
"""

from __future__ import annotations

import json

import streamlit as st

__all__ = ["set_document_language"]

_LANGUAGE_SCRIPT = (
    "<script>(function(){{var d=window.parent&&window.parent.document||document;"
    "d.documentElement.lang={lang};}})();</script>"
)


def set_document_language(lang: str) -> None:
    """Set ``lang`` on the page's ``<html>`` element (a two-letter code such as "sv")."""
    code = lang if lang.isalpha() and len(lang) <= 3 else "sv"
    st.html(_LANGUAGE_SCRIPT.format(lang=json.dumps(code)), unsafe_allow_javascript=True)
