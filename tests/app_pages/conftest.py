"""Helpers for the portal's AppTests: open a page as a citizen would, read what is shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "streamlit_app.py"
TIMEOUT = 180
CATALOGUE = "app_pages/catalogue.py"
ALGORITHM = "app_pages/algorithm.py"
ABOUT = "app_pages/about.py"
BENEFITS = "benefits-uptake"
HOUSING = "housing-guarantee"

OpenPage = Callable[..., AppTest]


def visible_text(at: AppTest) -> str:
    """Everything a reader sees as text, with Markdown escapes removed, one item a line."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "text",
        "caption",
        "info",
        "error",
        "warning",
        "success",
    ):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [str(link.value) for link in at.page_link]
    parts += [block.label for block in (*at.expander, *at.tabs)]
    parts += [
        widget.label for widget in (*at.button, *at.number_input, *at.text_input, *at.selectbox)
    ]
    for table in shown_tables(at):
        parts += [str(column) for column in table.columns]
        parts += [str(cell) for row in table.itertuples(index=False) for cell in row]
    text = re.sub(r"(?<!\\)\*\*", "", "\n".join(parts))  # bold markers
    return re.sub(r"\\(.)", r"\1", text)  # Markdown escapes


def _unescape(cell: object) -> str:
    return re.sub(r"\\(.)", r"\1", str(cell)).replace("\u2060", "")


def shown_tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table on the page as the reader reads it (Markdown escapes removed).

    The portal shows tables with ``st.table`` only (``app_pages._tables``): a table shown
    as a scrolling ``st.dataframe`` would hide rows and cut cells, so none may appear.
    """
    assert not at.dataframe, "a table is shown as st.dataframe (cuts cells, hides rows)"
    frames = []
    for element in at.table:
        frame = element.value
        frames.append(
            pd.DataFrame(
                [[_unescape(cell) for cell in row] for row in frame.itertuples(index=False)],
                columns=[_unescape(column) for column in frame.columns],
            )
        )
    return frames


def assert_no_exception(at: AppTest) -> None:
    """The page ran to its end and shows no traceback."""
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture()
def open_page(demo_tracking_uri: str) -> OpenPage:
    """Open ``page`` of the portal on the demo register in ``lang`` with query ``params``."""

    def _open(page: str = CATALOGUE, *, lang: str | None = None, **params: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        if lang is not None:
            at.query_params["lang"] = lang
        at.run()
        if page != CATALOGUE or params:
            for key, value in params.items():
                at.query_params[key] = value
            at.switch_page(page).run()
        assert_no_exception(at)
        return at

    return _open
