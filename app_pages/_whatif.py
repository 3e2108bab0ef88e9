"""What would change the outcome: up to three small changes toward the outcome that
is good for the person, as plain sentences.

Built from the citizen's own validated values and the model (via
:func:`explainers.find_counterfactuals` with the record's favourable outcome).
Guarantees:

- a suggestion is only shown when it leads to the record's favourable outcome
  (``technical.favourable_outcome``), named in the record's own words; a person who
  already has it is told so and gets no suggestions;
- a record that names no favourable outcome gets no suggestions at all, and the
  page says why: the portal never guesses which direction is good for a person;
- only inputs the record marks as changeable, and never a protected one, are
  changed, each only in the direction (``change_direction``) and to the categories
  (``change_to``) the record allows; numbers stay within the range seen and on the input's own step;
  categories are the known ones, shown by their labels;
- every sentence comes from a catalogue template (``whatif.*``).
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _data
from app_pages._format import format_percent, join_words
from app_pages._outcome import favourable_label, value_text
from app_pages._sections import feature_label, heading, plain
from app_pages._text import t
from explainers import CounterfactualResult, ExplanationError, Suggestion, find_counterfactuals
from register import AlgorithmVersion, TransparencyRecord

__all__ = ["changeable_inputs", "suggestion_sentence", "what_would_change", "whatif_lines"]

logger = logging.getLogger("insyn.portal")


def changeable_inputs(record: TransparencyRecord) -> list[str]:
    """Inputs the record marks as changeable by the person, minus protected ones."""
    protected = set(record.data.protected_attributes)
    return [f.name for f in record.technical.features if f.changeable and f.name not in protected]


def suggestion_sentence(record: TransparencyRecord, suggestion: Suggestion) -> str:
    """ "If A were x instead of y (and B ...), the estimate would be p and the outcome
    would likely be: <the favourable outcome>.\""""
    changes = [
        t(
            "whatif.change.would",
            feature=feature_label(record, change.feature),
            suggested=value_text(record, change.feature, change.suggested),
            given=value_text(record, change.feature, change.given),
        )
        for change in suggestion.changes
    ]
    return t(
        "whatif.sentence.favourable",
        changes=join_words(changes),
        percent=format_percent(suggestion.probability),
        outcome=favourable_label(record) or "",
    )


def whatif_lines(record: TransparencyRecord, result: CounterfactualResult | None) -> list[str]:
    """The section's paragraphs for one search result (None: no search was made
    because the record names no favourable outcome)."""
    outcome = favourable_label(record)
    if outcome is None or result is None or result.favourable_class is None:
        return [t("whatif.no_favourable")]
    if result.already_favourable:
        return [t("whatif.already", outcome=outcome)]
    if not result.searched:
        return [t("whatif.no_changeable")]
    names = join_words([feature_label(record, name) for name in result.searched])
    lines = [t("whatif.intro.favourable", features=names, outcome=outcome)]
    if result.suggestions:
        lines += ["• " + suggestion_sentence(record, s) for s in result.suggestions]
    else:
        lines.append(t("whatif.nothing.favourable", outcome=outcome))
    lines.append(t("whatif.caveat"))
    return lines


def what_would_change(version: AlgorithmVersion, row: pd.DataFrame) -> None:
    """The heading and sentences for the citizen's validated ``row`` (one row)."""
    record = version.record
    heading("whatif.title")
    favourable = record.technical.favourable_outcome
    try:
        result = None
        if favourable is not None:
            model: Any = _data.load_model(_data.tracking_uri(), version.slug, version.version)
            result = find_counterfactuals(
                model,
                row,
                version.input_profile.features,
                changeable=changeable_inputs(record),
                protected=record.data.protected_attributes,
                positive_class=record.technical.positive_class,
                favourable_class=favourable.value,
                directions={f.name: f.change_direction for f in record.technical.features},
                targets={f.name: f.change_to for f in record.technical.features if f.change_to},
            )
        lines = whatif_lines(record, result)
    except ExplanationError:
        # The estimate above stands; the suggestions are an extra that may fail alone.
        logger.exception("what-if search failed for %s version %s", version.slug, version.version)
        lines = [t("whatif.unavailable")]
    with st.container(key="whatif"):
        for line in lines:
            plain(line)
