"""Try it: a citizen enters values, sees the model's estimate and why.

The form is built from the version's input profile (types, ranges and
categories seen in the reference data). The values are validated by the
register; only then is the model (cached) asked, and one local explanation
computed against the stored background. Nothing entered is stored beyond the
reader's own session.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _data
from app_pages._charts import contributions_chart
from app_pages._format import (
    effect_number,
    effect_text,
    effect_unit,
    escape_markdown,
    format_effect,
    format_number,
    format_result,
    join_words,
)
from app_pages._guard import show_error
from app_pages._plain import decision_lines, local_summary
from app_pages._sections import feature_label, heading, plain
from app_pages._text import localized, t
from app_pages._whatif import what_would_change
from register import AlgorithmVersion, FeatureSpec, InputValidationError, TransparencyRecord

TOP_FACTORS = 3


def _step(spec: FeatureSpec) -> float:
    """A round step of about a tenth of the order of magnitude of the range."""
    low, high = spec.minimum, spec.maximum
    span = (high - low) if low is not None and high is not None else 0.0
    if span <= 0:
        return 0.01
    return float(10 ** math.floor(math.log10(span)) / 10)


def number_field(spec: FeatureSpec, label: str, help_text: str, key: str) -> float | int | None:
    """A number input bounded by the range seen; whole numbers for integer inputs."""
    cast: type[int] | type[float] = int if spec.integer else float
    low = None if spec.minimum is None else cast(spec.minimum)
    high = None if spec.maximum is None else cast(spec.maximum)
    default = spec.default if spec.default is not None else (low if low is not None else 0)
    value = cast(default)
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    step = cast(1) if spec.integer else _step(spec)
    return st.number_input(
        label,
        min_value=low,
        max_value=high,
        value=value,
        step=step,
        help=help_text,
        key=key,
    )


def choice_field(spec: FeatureSpec, label: str, help_text: str, key: str) -> str | None:
    """A select box of the categories the model knows."""
    options = list(spec.categories)
    index = options.index(spec.default) if spec.default in options else 0
    return st.selectbox(label, options, index=index, help=help_text, key=key)


def form_key(version: AlgorithmVersion) -> str:
    return f"tryit_{version.slug}_{version.version}"


def input_form(version: AlgorithmVersion) -> dict[str, Any] | None:
    """The form; returns the values of the last submission (this session), or None."""
    record, key = version.record, form_key(version)
    with st.form(key=key):
        values: dict[str, Any] = {}
        columns = st.columns(2)
        for index, spec in enumerate(version.input_profile.features):
            described = record.feature(spec.name)
            label = escape_markdown(feature_label(record, spec.name))
            help_text = escape_markdown(localized(described.description)) if described else ""
            field = number_field if spec.kind == "numeric" else choice_field
            with columns[index % 2]:
                values[spec.name] = field(spec, label, help_text, f"{key}_{spec.name}")
        if st.form_submit_button(t("tryit.submit"), type="primary"):
            st.session_state[f"{key}_values"] = values
    submitted: dict[str, Any] | None = st.session_state.get(f"{key}_values")
    return submitted


def _value_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return format_number(float(value), 0 if float(value).is_integer() else 2)


def contributions_table(record: TransparencyRecord, contributions: pd.DataFrame) -> pd.DataFrame:
    """Per input: plain label, the value given, its signed effect and direction in words."""
    order = contributions["shap"].astype(float).abs().sort_values(ascending=False).index
    rows = contributions.loc[order].reset_index(drop=True)
    labels = [feature_label(record, str(name)) for name in rows["feature"]]
    return pd.DataFrame(
        {
            "name": labels,
            "given": [_value_text(v) for v in rows["value"]],
            "shap": rows["shap"].astype(float),
        }
    )


def explanation_sentence(table: pd.DataFrame, scale: str) -> str:
    """One sentence naming the strongest factors, their direction and size."""
    strongest = table[table["shap"] != 0].head(TOP_FACTORS)
    parts = [
        t(
            "tryit.factor.up" if shap > 0 else "tryit.factor.down",
            feature=name,
            value=given,
            amount=format_effect(abs(shap), scale, signed=False),
        )
        for name, given, shap in zip(
            strongest["name"], strongest["given"], strongest["shap"], strict=True
        )
    ]
    if not parts:
        return t("tryit.sentence.none")
    return t("tryit.sentence", factors=join_words(parts))


def show_problems(record: TransparencyRecord, error: InputValidationError) -> None:
    """The register's message, with each field named by its plain-words label."""
    if not error.problems:
        show_error("tryit.invalid", error)
        return
    lines = [
        t(
            "tryit.problem",
            feature=escape_markdown(feature_label(record, field)),
            rule=escape_markdown(rule),
            value=escape_markdown(value),
        )
        for field, rule, value in error.problems
    ]
    st.error("  \n".join([t("tryit.invalid"), *lines]))


def show_contributions(table: pd.DataFrame, scale: str, sentence: str) -> None:
    """The contributions as a chart (sign, words and colour) and as a table."""
    raises, lowers = t("tryit.direction.up"), t("tryit.direction.down")
    unit = effect_unit(scale)
    texts = [effect_text(v, scale) for v in table["shap"]]
    directions = [raises if v >= 0 else lowers for v in table["shap"]]
    chart = contributions_chart(
        pd.DataFrame(
            {
                "label": [f"{n} = {g}" for n, g in zip(table["name"], table["given"], strict=True)],
                "value": [effect_number(v, scale) for v in table["shap"]],
                "direction": directions,
                "text": texts,
            }
        ),
        title=t("tryit.chart_title"),
        axis_title=t("tryit.column.effect", unit=unit),
        raises=raises,
        lowers=lowers,
    )
    st.altair_chart(chart, width="stretch", alt=sentence)
    st.dataframe(
        pd.DataFrame(
            {
                t("column.feature"): table["name"],
                t("tryit.column.value"): table["given"],
                t("tryit.column.direction"): directions,
                t("tryit.column.effect", unit=unit): texts,
            }
        ),
        hide_index=True,
        width="stretch",
    )


def show_estimate(version: AlgorithmVersion, values: dict[str, Any]) -> None:
    """Validate ``values``, explain the model's estimate, and say what it is not."""
    try:
        row = version.input_profile.validate(values)
    except InputValidationError as error:
        show_problems(version.record, error)
        return
    uri, record = _data.tracking_uri(), version.record
    explainer = _data.local_explainer(
        uri, version.slug, version.version, record.technical.positive_class
    )
    local = explainer.explain(row)
    scale = str(local.scale)
    table = contributions_table(record, local.contributions)

    st.subheader(
        t("tryit.result", value=format_result(float(local.prediction), scale)), anchor=False
    )
    summary = local_summary(
        table,
        prediction=float(local.prediction),
        base_value=float(local.base_value),
        scale=scale,
        record=record,
    )
    decision = decision_lines(record)
    explained = summary[: len(summary) - len(decision)]
    with st.container(key="tryit_summary"):
        for line in explained:
            plain(line)
    # The chart's text alternative: the same plain-language factors, in one paragraph.
    show_contributions(table, scale, " ".join(line.removeprefix("• ") for line in explained))
    st.info(escape_markdown(" ".join(decision[:2])))
    plain(decision[2])
    what_would_change(version, row)


def try_it_section(version: AlgorithmVersion) -> None:
    """The heading, the form, and the estimate for the last values submitted."""
    heading("tryit.title")
    st.write(t("tryit.intro"))
    values = input_form(version)
    if values is not None:
        show_estimate(version, values)
