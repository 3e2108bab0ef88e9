"""About: how to read an explanation, what it is not, privacy, and whom to contact."""

from __future__ import annotations

import streamlit as st

from app_pages._guard import guarded
from app_pages._text import t

SECTIONS = ("about.read", "about.not", "about.privacy", "about.contact")


def about_page() -> None:
    st.title(t("about.title"), anchor=False)
    st.write(t("about.intro"))
    for section in SECTIONS:
        st.header(t(f"{section}.title"), anchor=False)
        st.markdown(t(f"{section}.body"))


guarded(about_page)
