"""Try it: a citizen enters values, sees the model's estimate and why.

The form is built from the version's input profile (types, ranges and
categories seen in the reference data). The values are validated by the
register (:mod:`app_pages._tryit_fields`): a value that cannot be used gets a
message in the page's language directly below its field, a number outside the
range seen is accepted with a note below its field and beside the result; only
then is the model (cached) asked, and one local explanation computed against the
stored background. A classifier's estimate is a probability and its contributions
are percentage points of that probability (exact interventional Shapley values of
the probability, see :func:`app_pages._data.local_explainer`): they add up, with the
background's average probability, to the estimate shown. Nothing entered is stored
beyond the reader's own session.
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
from app_pages._labels import label_in, value_text
from app_pages._numbers import format_input
from app_pages._plain import decision_lines, local_summary
from app_pages._sections import feature_label, heading, plain
from app_pages._tables import show_table
from app_pages._text import current_language, localized, t
from app_pages._tryit_fields import Checked, check_submitted, check_values, labelled
from app_pages._whatif import what_would_change
from register import AlgorithmVersion, FeatureSpec, TransparencyRecord

TOP_FACTORS = 3


def number_field(spec: FeatureSpec, label: str, help_text: str, key: str) -> str:
    """A text field for a number, filled with a typical value written in the reader's
    language; the range seen is in its help (a fact about the data, not a limit). Read by
    :func:`app_pages._tryit_fields.check_submitted`, never by the browser (a browser's
    number field reads "1,5" as 15)."""
    lang = current_language()
    default = spec.default if spec.default is not None else (spec.minimum or 0)
    if spec.minimum is not None and spec.maximum is not None:
        bounds = t(
            "tryit.range_seen",
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


def input_form(version: AlgorithmVersion) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The form; returns the values of the last submission (this session, this language),
    numbers still as typed, or None; and per input an empty slot directly below its field
    for that field's message or note."""
    record, key = version.record, form_key(version)
    slots: dict[str, Any] = {}
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
                slots[spec.name] = st.empty()
        if st.form_submit_button(t("tryit.submit"), type="primary"):
            st.session_state[f"{key}_values"] = values
    submitted: dict[str, Any] | None = st.session_state.get(f"{key}_values")
    return submitted, slots


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


def show_problems(version: AlgorithmVersion, checked: Checked) -> None:
    """Every value that cannot be used, named by its plain-words label, in the page's
    language (the same messages stand below the fields)."""
    st.error("  \n".join([t("tryit.fix"), *labelled(version, checked.problems)]))


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
    show_table(
        pd.DataFrame(
            {
                t("column.feature"): table["name"],
                t("tryit.column.value"): table["given"],
                t("tryit.column.direction"): directions,
                t("tryit.column.effect", unit=unit): texts,
            }
        )
    )


def show_estimate(version: AlgorithmVersion, values: dict[str, Any]) -> None:
    """Check ``values`` (numbers already read), then explain the model's estimate."""
    show_checked(version, check_values(version, values))


def show_checked(version: AlgorithmVersion, checked: Checked) -> None:
    """The problems of a submission, or the estimate with its notes, explanation and what
    it is not."""
    row = checked.row
    if row is None:
        show_problems(version, checked)
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
    if checked.notes:
        st.warning("  \n".join(labelled(version, checked.notes)))
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
    """The heading, the form, and the estimate for the last values submitted; each field's
    message or note stands directly below it."""
    heading("tryit.title")
    st.write(t("tryit.intro"))
    submitted, slots = input_form(version)
    if submitted is None:
        return
    checked = check_submitted(version, submitted)
    for name, message in checked.problems.items():
        if name in slots:
            slots[name].error(message)
    for name, note in checked.notes.items():
        if name in slots:
            slots[name].warning(note)
    show_checked(version, checked)
