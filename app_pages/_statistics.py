"""The statistics page's sections: counts now and month by month, each chart with its
table and the definition of its numbers (from :func:`register.register_statistics`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from app_pages._charts import BAR_COLOUR, importance_chart, label_axis, number_axis
from app_pages._tables import show_table
from app_pages._text import t, t_enum

# The splits of what is published now: (field of the statistics, its enum group or "").
SPLITS = (
    ("by_organisation", ""),
    ("by_theme", "theme"),
    ("by_risk_category", "risk"),
    ("by_status", "status"),
)
# The splits month by month: (field of each month, its enum group).
MONTH_SPLITS = (("by_theme", "theme"), ("by_risk_category", "risk"))


def label(group: str, value: str) -> str:
    """A value as the reader reads it: enum values translated, organisations as given."""
    return t_enum(group, value) if group else value


def count_table(counts: Mapping[str, int], group: str, column: str) -> pd.DataFrame:
    """One row per value: its label and the number of algorithms."""
    return pd.DataFrame(
        {
            t(column): [label(group, value) for value in counts],
            t("stats.column.count"): [str(count) for count in counts.values()],
        }
    )


def split_section(stats: Any, field: str, group: str) -> None:
    """One split of the published algorithms: heading, bar chart and table."""
    counts: Mapping[str, int] = getattr(stats, field)
    st.header(t(f"stats.{field}.title"), anchor=False)
    table = count_table(counts, group, f"stats.column.{field}")
    chart_data = pd.DataFrame(
        {
            "label": [label(group, value) for value in counts],
            "value": list(counts.values()),
            "text": [str(count) for count in counts.values()],
        }
    )
    st.altair_chart(
        importance_chart(
            chart_data, title=t(f"stats.{field}.title"), axis_title=t("stats.axis.count")
        ),
        width="stretch",
    )
    show_table(table, caption=t("stats.definition.published"))


def month_table(months: Sequence[Any]) -> pd.DataFrame:
    """Published, retired and in the register, one row per month."""
    return pd.DataFrame(
        {
            t("stats.column.month"): [m.month for m in months],
            t("stats.column.published"): [str(m.published) for m in months],
            t("stats.column.retired"): [str(m.retired) for m in months],
            t("stats.column.in_register"): [str(m.in_register) for m in months],
        }
    )


def month_split_table(months: Sequence[Any], field: str, group: str) -> pd.DataFrame:
    """In the register at each month's end, one column per value of ``field``."""
    values = sorted({value for m in months for value in getattr(m, field)})
    data: dict[str, list[str]] = {t("stats.column.month"): [m.month for m in months]}
    for value in values:
        data[label(group, value)] = [str(getattr(m, field).get(value, 0)) for m in months]
    return pd.DataFrame(data)


def _month_chart(frame: pd.DataFrame, *, title: str, colour: str | None) -> alt.Chart:
    encoding: dict[str, Any] = {
        "x": alt.X("month:N", title=t("stats.column.month"), axis=label_axis()),
        "y": alt.Y("value:Q", axis=number_axis(t("stats.axis.count"))),
        "tooltip": [alt.Tooltip("month:N", title=None), alt.Tooltip("value:Q", title=None)],
    }
    chart = alt.Chart(frame, title=title)
    mark = chart.mark_bar() if colour else chart.mark_bar(color=BAR_COLOUR)
    if colour:
        encoding["color"] = alt.Color("series:N", title=colour, legend=alt.Legend(orient="bottom"))
        encoding["tooltip"].insert(1, alt.Tooltip("series:N", title=None))
    return mark.encode(**encoding).properties(height=320)


def months_section(stats: Any) -> None:
    """How the register changed: in the register at each month's end, and the splits."""
    months = stats.months
    st.header(t("stats.months.title"), anchor=False)
    frame = pd.DataFrame(
        {"month": [m.month for m in months], "value": [m.in_register for m in months]}
    )
    st.altair_chart(
        _month_chart(frame, title=t("stats.months.chart"), colour=None), width="stretch"
    )
    show_table(month_table(months), caption=t("stats.definition.months"))
    for field, group in MONTH_SPLITS:
        st.subheader(t(f"stats.months.{field}.title"), anchor=False)
        rows = [
            {"month": m.month, "series": label(group, value), "value": count}
            for m in months
            for value, count in getattr(m, field).items()
        ]
        if rows:
            st.altair_chart(
                _month_chart(
                    pd.DataFrame(rows),
                    title=t(f"stats.months.{field}.title"),
                    colour=t(f"stats.column.{field}"),
                ),
                width="stretch",
            )
        show_table(month_split_table(months, field, group), caption=t("stats.definition.split"))


def statistics_sections(stats: Any) -> None:
    """Every section of the page, or the notice that the register is empty."""
    if stats.empty:
        st.info(t("stats.empty"))
        return
    one = stats.published == 1
    st.write(t("stats.total_one") if one else t("stats.total", count=stats.published))
    for field, group in SPLITS:
        split_section(stats, field, group)
    if stats.months:
        months_section(stats)
