"""Try it: a citizen enters values, sees the model's estimate and why.

The form is built from the version's input profile (types, ranges and
categories seen in the reference data). The values are validated by the
register; only then is the model (cached) asked, and one local explanation
computed against the stored background. Nothing entered is stored beyond the
reader's own session.
"""

from __future__ import annotations

from functools import partial
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
    format_result,
    join_words,
)
from app_pages._guard import show_error
from app_pages._labels import label_in, value_text
from app_pages._numbers import AMBIGUOUS, NumberFormatError, format_input, read_number
from app_pages._plain import decision_lines, local_summary
from app_pages._sections import feature_label, heading, plain
from app_pages._text import current_language, localized, t
from app_pages._whatif import what_would_change
from register import AlgorithmVersion, FeatureSpec, InputValidationError, TransparencyRecord

TOP_FACTORS = 3


def number_field(spec: FeatureSpec, label: str, help_text: str, key: str) -> str:
    """A text field for a number, filled with a typical value written in the reader's
    language; the range seen is in its help. Read by :func:`read_inputs`, never by the
    browser (a browser's number field reads "1,5" as 15)."""
    lang = current_language()
    default = spec.default if spec.default is not None else (spec.minimum or 0)
    if spec.minimum is not None and spec.maximum is not None:
        bounds = t(
            "tryit.range",
            minimum=format_input(spec.minimum, lang, integer=spec.integer),
            maximum=format_input(spec.maximum, lang, integer=spec.integer),
        )
        help_text = f"{help_text} {escape_markdown(bounds)}".strip()
    return st.text_input(
        label,
        value=format_input(default, lang, integer=spec.integer),
        max_chars=40,
        help=help_text,
        key=key,
    )


def choice_field(
    spec: FeatureSpec,
    label: str,
    help_text: str,
    key: str,
    *,
    record: TransparencyRecord | None = None,
) -> str | None:
    """A select box of the categories the model knows, each shown by its plain label in
    the page's language; the value returned is the raw category."""
    options, lang = list(spec.categories), current_language()
    index = options.index(spec.default) if spec.default in options else 0

    def shown(code: Any) -> str:
        return label_in(record, spec.name, code, lang) if record is not None else str(code)

    return st.selectbox(label, options, index=index, help=help_text, key=key, format_func=shown)


def form_key(version: AlgorithmVersion) -> str:
    """The form's key; its fields are ``<form key>_<input name>``. Per language, so that a
    number typed in one language is never read in the other's format."""
    return f"tryit_{version.slug}_{version.version}_{current_language()}"


def input_form(version: AlgorithmVersion) -> dict[str, Any] | None:
    """The form; returns the values of the last submission (this session, this language),
    numbers still as typed, or None."""
    record, key = version.record, form_key(version)
    with st.form(key=key):
        values: dict[str, Any] = {}
        columns = st.columns(2)
        for index, spec in enumerate(version.input_profile.features):
            described = record.feature(spec.name)
            label = escape_markdown(feature_label(record, spec.name))
            help_text = escape_markdown(localized(described.description)) if described else ""
            field = number_field if spec.kind == "numeric" else partial(choice_field, record=record)
            with columns[index % 2]:
                values[spec.name] = field(spec, label, help_text, f"{key}_{spec.name}")
        if st.form_submit_button(t("tryit.submit"), type="primary"):
            st.session_state[f"{key}_values"] = values
    submitted: dict[str, Any] | None = st.session_state.get(f"{key}_values")
    return submitted


def read_inputs(
    version: AlgorithmVersion, submitted: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The submitted values with every number read as the page's language writes it, and
    a message in that language for each number that cannot be read (field and text named).

    An empty field stays empty (the register then says it is required); numbers out of
    range or not whole are left to the register's own rules.
    """
    lang, record = current_language(), version.record
    values: dict[str, Any] = dict(submitted)
    problems: list[str] = []
    for spec in version.input_profile.features:
        raw = submitted.get(spec.name)
        if spec.kind != "numeric" or not isinstance(raw, str):
            continue
        if not raw.strip():
            values[spec.name] = None
            continue
        try:
            values[spec.name] = read_number(raw, lang)
        except NumberFormatError as error:
            key = "tryit.number_ambiguous" if error.kind == AMBIGUOUS else "tryit.number_format"
            feature = escape_markdown(feature_label(record, spec.name))
            problems.append(t(key, feature=feature, value=escape_markdown(raw)))
    return values, problems


def contributions_table(record: TransparencyRecord, contributions: pd.DataFrame) -> pd.DataFrame:
    """Per input: plain label, the value given, its signed effect and direction in words."""
    order = contributions["shap"].astype(float).abs().sort_values(ascending=False).index
    rows = contributions.loc[order].reset_index(drop=True)
    labels = [feature_label(record, str(name)) for name in rows["feature"]]
    return pd.DataFrame(
        {
            "name": labels,
            "given": [
                value_text(record, str(n), v)
                for n, v in zip(rows["feature"], rows["value"], strict=True)
            ],
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
    submitted = input_form(version)
    if submitted is None:
        return
    values, problems = read_inputs(version, submitted)
    if problems:
        st.error("  \n".join([t("tryit.unreadable"), *problems]))
        return
    show_estimate(version, values)
