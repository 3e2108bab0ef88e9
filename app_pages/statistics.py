"""Statistics: how many algorithms are published, by whom and about what, and how the
register changed month by month."""

from __future__ import annotations

import streamlit as st

from app_pages import _data
from app_pages._guard import guarded
from app_pages._statistics import statistics_sections
from app_pages._text import t


def statistics_page() -> None:
    st.title(t("stats.title"), anchor=False)
    st.write(t("stats.intro"))
    statistics_sections(_data.statistics(_data.tracking_uri()))


guarded(statistics_page)
