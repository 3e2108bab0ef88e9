"""insyn's public portal: the router.

Sets up the page, the language switch in the sidebar (kept in
``st.session_state["lang"]``; ``?lang=en`` in the address selects English),
the change feed's links and the navigation between the Catalogue, Algorithm, Auditor,
Statistics and About pages.
Run with ``streamlit run streamlit_app.py``, or ``insyn serve`` (which runs it from a
main script under ``$INSYN_HOME/portal``; page paths are absolute for that reason).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages import _resilience
from app_pages._a11y import install_page_css, set_document_language
from app_pages._feed_links import feed_links
from app_pages._guard import guarded
from app_pages._text import (
    DEFAULT_LANGUAGE,
    LANGUAGE_KEY,
    LANGUAGES,
    current_language,
    language_name,
    t,
)

PAGES = Path(__file__).resolve().parent / "app_pages"
FAVICON = PAGES / "assets" / "favicon.png"
# The language the address asked for last, so a later switch in the sidebar wins.
_URL_LANGUAGE_KEY = "_lang_from_url"


def _resolve_language() -> None:
    """Keep the reader's language in session state; a new ``?lang=`` in the address wins."""
    requested = st.query_params.get(LANGUAGE_KEY)
    if requested in LANGUAGES and requested != st.session_state.get(_URL_LANGUAGE_KEY):
        st.session_state[_URL_LANGUAGE_KEY] = requested
        st.session_state[LANGUAGE_KEY] = requested
    if st.session_state.get(LANGUAGE_KEY) not in LANGUAGES:
        st.session_state[LANGUAGE_KEY] = DEFAULT_LANGUAGE


def _language_switch() -> None:
    """The sidebar switch between Swedish and English (value in ``st.session_state["lang"]``)."""
    st.sidebar.radio(
        t("app.language"),
        LANGUAGES,
        key=LANGUAGE_KEY,
        format_func=language_name,
        horizontal=True,
    )


_resolve_language()
# A local favicon: a ":material/...:" icon makes every visitor's browser fetch it from
# fonts.gstatic.com, which a public register must not make citizens do.
st.set_page_config(page_title=t("app.title"), page_icon=str(FAVICON), layout="wide")
_language_switch()
feed_links()  # the change feed, on every page (when the read API runs beside the portal)
set_document_language(current_language())  # <html lang> for screen readers
install_page_css()  # long words wrap (record text cannot widen the page); caption contrast
page = st.navigation(
    [
        st.Page(
            PAGES / "catalogue.py",
            title=t("nav.catalogue"),
            icon=":material/list:",
            default=True,
        ),
        st.Page(
            PAGES / "algorithm.py",
            title=t("nav.algorithm"),
            icon=":material/insights:",
            url_path="algorithm",
        ),
        st.Page(
            PAGES / "auditor.py",
            title=t("nav.auditor"),
            icon=":material/fact_check:",
            url_path="auditor",
        ),
        st.Page(
            PAGES / "statistics.py",
            title=t("nav.statistics"),
            icon=":material/bar_chart:",
            url_path="statistics",
        ),
        st.Page(
            PAGES / "about.py",
            title=t("nav.about"),
            icon=":material/info:",
            url_path="about",
        ),
    ]
)
# When the register cannot be reached, pages show what was last read, with a notice.
_resilience.begin_run()
stale_slot = st.empty()
# Each page guards its own body; this catches what happens before that (its imports).
guarded(page.run)
notice = _resilience.stale_notice(current_language())
if notice:
    stale_slot.warning(notice, icon=":material/cloud_off:")
