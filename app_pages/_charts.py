"""Charts of explanations (Vega-Lite through Altair).

Every chart comes with a text alternative on the page (a sentence and a
table); the charts here carry the same information for sighted readers.
Positive and negative contributions differ by sign, by label and by colour.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from app_pages._text import current_language

# Colour-blind-safe pair (blue raises, orange lowers); never the only carrier of meaning.
RAISES_COLOUR = "#1f5fa8"
LOWERS_COLOUR = "#c45a00"
BAR_COLOUR = "#1f5fa8"


# Vega's format writes a decimal point; a Swedish reader reads a decimal comma. "~g"
# drops trailing zeros, and d3 writes negatives with the minus sign (−).
NUMBER_FORMAT = "~g"
_DECIMAL_COMMA = f"replace(format(datum.value, '{NUMBER_FORMAT}'), '.', ',')"


def number_axis(title: str, lang: str | None = None) -> alt.Axis:
    """A numeric axis titled ``title`` whose labels follow ``lang`` (the page's language
    by default): ``−1,5`` in Swedish, ``−1.5`` in English."""
    if (lang or current_language()) == "sv":
        return alt.Axis(title=title, labelExpr=_DECIMAL_COMMA)
    return alt.Axis(title=title, format=NUMBER_FORMAT)


def _height(table: pd.DataFrame) -> int:
    """Room for one readable bar and label per row."""
    return max(120, 32 * len(table))


def importance_chart(table: pd.DataFrame, *, title: str, axis_title: str) -> alt.Chart:
    """Horizontal bars of ``table["value"]`` per ``table["label"]``, largest on top."""
    return (
        alt.Chart(table, title=title)
        .mark_bar(color=BAR_COLOUR)
        .encode(
            x=alt.X("value:Q", axis=number_axis(axis_title)),
            y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            tooltip=[alt.Tooltip("label:N", title=None), alt.Tooltip("text:N", title=axis_title)],
        )
        .properties(height=_height(table))
    )


def contributions_chart(
    table: pd.DataFrame, *, title: str, axis_title: str, raises: str, lowers: str
) -> alt.LayerChart | alt.FacetChart:
    """Signed bars per input (``label``, ``value``, ``direction``, ``text``).

    The bars point right (+) or left (−), the legend names the direction in
    words, and each bar is annotated with its signed amount.
    """
    order = list(table["label"])
    base = alt.Chart(table, height=_height(table)).encode(
        y=alt.Y(
            "label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False)
        ),
    )
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", axis=number_axis(axis_title)),
        color=alt.Color(
            "direction:N",
            title=None,
            scale=alt.Scale(domain=[raises, lowers], range=[RAISES_COLOUR, LOWERS_COLOUR]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("label:N", title=None),
            alt.Tooltip("direction:N", title=None),
            alt.Tooltip("text:N", title=axis_title),
        ],
    )
    right = base.mark_text(align="left", dx=4).encode(x="value:Q", text="text:N")
    left = base.mark_text(align="right", dx=-4).encode(x="value:Q", text="text:N")
    return alt.layer(
        bars,
        right.transform_filter(alt.datum.value >= 0),
        left.transform_filter(alt.datum.value < 0),
        title=title,
    )
