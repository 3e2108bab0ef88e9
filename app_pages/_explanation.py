"""The sections of an algorithm page that come from its stored explanation.

Only aggregates are shown: global importance, dependence summaries whose small
groups are already suppressed, and the explanation's provenance. No row of
reference or background data is ever shown.

Numbers follow the explanation's scale as a citizen can read it: probability
explanations in percentage points (additive Shapley values of the probability);
log-odds explanations (linear and multiclass boosted classifiers) only as each
input's share of the combined importance and, per bin, the direction in words,
because an average log-odds value has no percentage-point equivalent; regressors
in their own output's unit.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from app_pages._charts import importance_chart
from app_pages._format import (
    effect_number,
    effect_text,
    effect_unit,
    escape_markdown,
    format_number,
    importance_shares,
    is_relative,
    join_words,
)
from app_pages._labels import value_text
from app_pages._numbers import format_scientific
from app_pages._plain import global_summary
from app_pages._sections import feature_label, heading, plain
from app_pages._tables import show_table
from app_pages._text import current_language, t, t_enum
from register import AlgorithmVersion, TransparencyRecord

TOP_FACTORS = 3
# The label the explainers give to rows without a value.
MISSING_BIN = "(missing)"
FINGERPRINT_CHARS = 12


def importance_section(record: TransparencyRecord, tables: dict[str, Any]) -> None:
    """Global importance: a sentence naming the top factors, a bar chart and a table."""
    scale = str(tables["metadata"].get("scale", "raw"))
    importance: pd.DataFrame = tables["global_importance"]
    labels = [feature_label(record, str(name)) for name in importance["feature"]]
    sizes = [float(v) for v in importance["mean_abs_shap"]]
    if is_relative(scale):
        values = importance_shares(sizes)
        texts = [share_text(v) for v in values]
    else:
        values = [effect_number(v, scale) for v in sizes]
        texts = [effect_text(v, scale, signed=False) for v in sizes]
    unit = effect_unit(scale)
    sentence = t("explain.top", factors=join_words(labels[:TOP_FACTORS]))

    heading("explain.title")
    st.write(t("explain.intro"))
    plain(sentence)
    # The plain-language detail (sizes, scale, what it does not show); its lead
    # sentence is the one above.
    with st.container(key="explain_summary"):
        for line in global_summary(labels, sizes, scale)[1:]:
            plain(line)
    chart_column, table_column = st.columns([3, 2])
    chart = importance_chart(
        pd.DataFrame({"label": labels, "value": values, "text": texts}),
        title=t("explain.chart_title"),
        axis_title=t("explain.column.importance", unit=unit),
    )
    chart_column.altair_chart(chart, width="stretch", alt=sentence)
    with table_column:
        show_table(
            pd.DataFrame(
                {
                    t("column.feature"): labels,
                    t("explain.column.importance", unit=unit): texts,
                }
            )
        )


def share_text(share: float) -> str:
    """A share of the combined importance (0-100) as ``42 %``."""
    return format_number(share, 0) + "\u00a0%"


def direction_text(value: float) -> str:
    """The direction of an average contribution in words (for log-odds explanations)."""
    if value > 0:
        return t("dependence.direction.up")
    return t("dependence.direction.down") if value < 0 else t("dependence.direction.none")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def edge_text(value: float) -> str:
    """A bin edge with at most four significant digits, in the reader's number format."""
    if float(value).is_integer():
        return format_number(value, 0)
    digits = 3 - math.floor(math.log10(abs(value)))
    text = format_number(value, min(4, max(0, digits)))
    return text.rstrip("0").rstrip(",.") if ("," in text or "." in text) else text


def bin_text(row: pd.Series, record: TransparencyRecord | None = None) -> str:
    """A bin as a citizen reads it: ``< 25``, ``25 – 40``, ``≥ 40``, one value, or a
    category by its plain label when ``record`` gives one for the row's feature."""
    lower, upper = row.get("lower"), row.get("upper")
    has_lower, has_upper = _is_number(lower), _is_number(upper)
    if has_lower and has_upper:
        if lower == upper:
            return edge_text(lower)
        return f"{edge_text(lower)} – {edge_text(upper)}"
    if has_upper:
        return f"< {edge_text(upper)}"
    if has_lower:
        return f"≥ {edge_text(lower)}"
    label = str(row.get("bin"))
    if label == MISSING_BIN:
        return t("dependence.missing")
    return label if record is None else value_text(record, str(row.get("feature")), label)


def dependence_table(
    rows: pd.DataFrame, scale: str, record: TransparencyRecord | None = None
) -> pd.DataFrame:
    """One feature's bins: value (a category by its label), count and mean effect;
    suppressed bins say so in words.

    On a log-odds scale the mean effect is given as its direction in words only."""
    too_few = t("dependence.suppressed")
    relative = is_relative(scale)
    bins, counts, effects = [], [], []
    for _, row in rows.iterrows():
        bins.append(bin_text(row, record))
        if bool(row.get("suppressed")):
            counts.append(too_few)
            effects.append(too_few)
        else:
            counts.append(format_number(float(row["count"]), 0))
            mean = float(row["mean_shap"])
            effects.append(direction_text(mean) if relative else effect_text(mean, scale))
    effect_column = (
        t("dependence.column.direction")
        if relative
        else t("dependence.column.effect", unit=effect_unit(scale))
    )
    return pd.DataFrame(
        {
            t("dependence.column.bin"): bins,
            t("dependence.column.count"): counts,
            effect_column: effects,
        }
    )


def dependence_section(record: TransparencyRecord, tables: dict[str, Any]) -> None:
    """Per feature (most important first), the mean effect per bin or category."""
    scale = str(tables["metadata"].get("scale", "raw"))
    dependence: pd.DataFrame = tables["dependence"]
    heading("dependence.title")
    st.write(t("dependence.intro"))
    for name in tables["global_importance"]["feature"]:
        rows = dependence[dependence["feature"] == name]
        with st.expander(escape_markdown(feature_label(record, str(name)))):
            if rows.empty:
                plain(t("dependence.none"))
            else:
                show_table(dependence_table(rows, scale, record))


def _scientific(value: Any) -> str:
    if not _is_number(value):
        return t("not_given")
    return format_scientific(float(value), current_language())


def shown_scale(scale: str) -> str:
    """What the explanation tab's numbers are, in words without log-odds (the auditor page
    gives the stored scale and its definition)."""
    if is_relative(scale):
        return t("provenance.scale.relative")
    return t_enum("scale", scale)


def provenance_section(version: AlgorithmVersion, tables: dict[str, Any]) -> None:
    """Which model version and which explanation the page shows, for auditors."""
    meta = tables["metadata"]
    fingerprint = str(meta.get("fingerprint") or version.explanation_fingerprint)
    explainer = str(meta.get("explainer") or version.explainer)
    items = [
        ("provenance.model_version", str(version.version)),
        ("provenance.created", version.created_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("provenance.run_id", version.run_id),
        ("provenance.fingerprint", fingerprint[:FINGERPRINT_CHARS]),
        ("provenance.explainer", t_enum("explainer", explainer)),
        ("provenance.shap_version", str(meta.get("shap_version", t("not_given")))),
        ("provenance.background_size", str(meta.get("background_size", t("not_given")))),
        ("provenance.additivity", _scientific(meta.get("additivity_max_error"))),
        ("provenance.scale", shown_scale(str(meta.get("scale", "")))),
    ]
    heading("provenance.title")
    show_table(
        pd.DataFrame(
            {
                t("provenance.column.what"): [t(key) for key, _ in items],
                t("provenance.column.value"): [value for _, value in items],
            }
        )
    )
