"""Charts of explanations (Vega-Lite through Altair).

Every chart comes with a text alternative on the page (a sentence and a
table); the charts here carry the same information for sighted readers.
Positive and negative contributions differ by sign, by label and by colour.
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from app_pages._text import current_language

# Colour-blind-safe pair (blue raises, orange lowers); never the only carrier of meaning.
RAISES_COLOUR = "#1f5fa8"
LOWERS_COLOUR = "#c45a00"
BAR_COLOUR = "#1f5fa8"


# Every bar gets at least this many pixels of height, and each line of its label this many.
MIN_BAND = 32
LINE_HEIGHT = 15
# Pixels the chart's title and value axis take (and with a legend below, the legend too).
TITLE_AND_AXIS = 90
TITLE_AXIS_AND_LEGEND = 130
# Labels wrap at this many characters a line (never cut: every word is shown).
LABEL_WRAP = 28
# Wide enough for any wrapped line, so Vega never shortens a label with "…".
LABEL_LIMIT = 1000


def wrap_label(label: str) -> str:
    """``label`` broken into lines of at most :data:`LABEL_WRAP` characters at spaces
    (a longer word stays whole on its own line); every word is kept."""
    return "\n".join(textwrap.wrap(str(label), LABEL_WRAP, break_long_words=False)) or str(label)


def _height(labels: list[str], chrome: int = TITLE_AND_AXIS) -> int:
    """Room for every bar and every line of its (wrapped) label: at least :data:`MIN_BAND`
    pixels a bar, more when a label takes several lines, plus ``chrome`` pixels for the
    title, the value axis and any legend (Streamlit fits the whole chart, those included,
    into this height)."""
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    band = max(MIN_BAND, lines * LINE_HEIGHT + 12)
    return max(120, band * len(labels)) + chrome


def label_axis() -> alt.Axis:
    """The bars' label axis: every label drawn (no overlap culling, no "…"), one line
    per wrapped part."""
    return alt.Axis(
        labelOverlap=False,
        labelLimit=LABEL_LIMIT,
        labelExpr="split(datum.label, '\\n')",
        labelLineHeight=LINE_HEIGHT,
    )


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


def importance_chart(table: pd.DataFrame, *, title: str, axis_title: str) -> alt.Chart:
    """Horizontal bars of ``table["value"]`` per ``table["label"]``, largest on top.

    Every bar has its label, in full (wrapped onto lines), and the chart grows with the
    number of bars (:func:`_height`).
    """
    labels = [wrap_label(label) for label in table["label"]]
    data = table.assign(axis_label=labels)
    return (
        alt.Chart(data, title=title)
        .mark_bar(color=BAR_COLOUR)
        .encode(
            x=alt.X("value:Q", axis=number_axis(axis_title)),
            y=alt.Y("axis_label:N", sort="-x", title=None, axis=label_axis()),
            tooltip=[alt.Tooltip("label:N", title=None), alt.Tooltip("text:N", title=axis_title)],
        )
        .properties(height=_height(labels))
    )


def contributions_chart(
    table: pd.DataFrame, *, title: str, axis_title: str, raises: str, lowers: str
) -> alt.LayerChart | alt.FacetChart:
    """Signed bars per input (``label``, ``value``, ``direction``, ``text``).

    The bars point right (+) or left (−), the legend names the direction in
    words, and each bar is annotated with its signed amount. Every bar has its label,
    in full, and the chart grows with the number of bars.
    """
    labels = [wrap_label(label) for label in table["label"]]
    base = alt.Chart(
        table.assign(axis_label=labels), height=_height(labels, TITLE_AXIS_AND_LEGEND)
    ).encode(
        y=alt.Y("axis_label:N", sort=labels, title=None, axis=label_axis()),
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
