"""Citizens never see a traceback: each page body runs inside :func:`guarded`."""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from app_pages._format import escape_markdown
from app_pages._text import t
from register import InsynError

logger = logging.getLogger("insyn.portal")


def show_error(lead_key: str, error: InsynError) -> None:
    """A translated lead sentence and the register's plain-words message, line by line."""
    lines = [escape_markdown(line) for line in str(error).splitlines() if line.strip()]
    st.error("  \n".join([t(lead_key), *lines]))


def guarded(body: Callable[[], None]) -> None:
    """Run a page body; any failure becomes a plain, translated message.

    A register error (``InsynError``) is written in plain words and is shown;
    anything else is logged with its traceback and replaced by a general message.
    Streamlit's own control flow (rerun, stop, switch page) passes through: it
    does not derive from ``Exception``.
    """
    try:
        body()
    except InsynError as error:
        logger.warning("register error on a page: %s", error)
        show_error("error.register", error)
    except Exception:
        logger.exception("page failed")
        st.error(t("error.page"))
