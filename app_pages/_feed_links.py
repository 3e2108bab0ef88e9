"""The sidebar's links to the register's change feed (Atom and JSON Feed), served by the
read API at ``$INSYN_API_URL`` (set by ``insyn serve``); no link when it is not set."""

from __future__ import annotations

import os

import streamlit as st

from app_pages._text import DEFAULT_LANGUAGE, current_language, t

API_URL_ENV = "INSYN_API_URL"
FEED_PATH = "/api/v1/feed"


def feed_urls(lang: str) -> dict[str, str] | None:
    """The Atom and JSON feed addresses in ``lang``, or None when no API address is set
    (or it is not an http(s) address)."""
    base = os.environ.get(API_URL_ENV, "").strip().rstrip("/")
    if not base.startswith(("http://", "https://")) or any(c in base for c in " ()[]<>"):
        return None
    query = "" if lang == DEFAULT_LANGUAGE else f"?lang={lang}"
    return {
        "atom": f"{base}{FEED_PATH}.atom{query}",
        "json": f"{base}{FEED_PATH}.json{query}",
    }


def feed_links() -> None:
    """The links in the sidebar, with a sentence on what they are for."""
    urls = feed_urls(current_language())
    if urls is None:
        return
    st.sidebar.markdown(
        f"**{t('feed.link.heading')}**\n\n"
        f"- [{t('feed.link.atom')}]({urls['atom']})\n"
        f"- [{t('feed.link.json')}]({urls['json']})"
    )
    st.sidebar.caption(t("feed.link.help"))
