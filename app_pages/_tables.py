"""The portal's one way to show a table: every cell wraps, every row is on the page.

``st.dataframe`` is a canvas grid: it cuts long cells at the column's width and
hides rows behind an inner scroll bar, so a reader misses what does not fit.
:func:`show_table` uses ``st.table`` instead (an HTML table as tall as its rows,
cells that wrap). ``st.table`` reads its cells and headers as Markdown, so every
header and cell passes through the portal's sanitiser (:func:`app_pages._safe.safe_inline`)
first: nothing in a table, record text included, can become a link, an image or markup.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from app_pages._safe import safe_inline

__all__ = ["MISSING", "show_table", "table_cells"]

# What an empty cell (None, NaN) reads as.
MISSING = "–"


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return safe_inline(value)


def table_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as inert text: every header and cell escaped for Markdown, no index.

    Guarantees: same shape and column order as ``frame``; every value is a string that
    renders as exactly its characters (``None``/NaN as :data:`MISSING`).
    """
    return pd.DataFrame(
        [[_cell(value) for value in row] for row in frame.itertuples(index=False)],
        columns=[safe_inline(column) for column in frame.columns],
    )


def show_table(frame: pd.DataFrame, *, caption: str | None = None) -> None:
    """Show ``frame`` as a static table whose cells wrap and whose rows are all visible.

    No inner scroll, no cut cells, no index column; ``caption`` (plain text, escaped)
    is shown under the table.
    """
    st.table(table_cells(frame), hide_index=True, width="stretch", border="horizontal")
    if caption:
        st.caption(safe_inline(caption))
