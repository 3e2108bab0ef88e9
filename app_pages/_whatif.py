"""What would change the outcome: up to three small changes, as plain sentences.

Built from the citizen's own validated values and the model (via
:func:`explainers.find_counterfactuals`). Only inputs the record marks as
changeable, and never a protected one, are changed; numbers stay within the
range the model was registered with; categories are the known ones. Every
sentence comes from a catalogue template (``whatif.*``).
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _data
from app_pages._format import format_percent, join_words
from app_pages._plain import THRESHOLD, given_text
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
    """ "If A were x instead of y (and B ...), the estimate would be p, below the limit.\""""
    changes = [
        t(
            "whatif.change",
            feature=feature_label(record, change.feature),
            suggested=given_text(change.suggested),
            given=given_text(change.given),
        )
        for change in suggestion.changes
    ]
    side = t("whatif.side.above" if suggestion.probability >= THRESHOLD else "whatif.side.below")
    return t(
        "whatif.sentence",
        changes=join_words(changes),
        percent=format_percent(suggestion.probability),
        side=side,
    )


def whatif_lines(record: TransparencyRecord, result: CounterfactualResult) -> list[str]:
    """The section's paragraphs for one search result."""
    if not result.searched:
        return [t("whatif.no_changeable")]
    names = join_words([feature_label(record, name) for name in result.searched])
    lines = [t("whatif.intro", features=names)]
    if result.suggestions:
        lines += ["• " + suggestion_sentence(record, s) for s in result.suggestions]
    else:
        lines.append(t("whatif.nothing"))
    lines.append(t("whatif.caveat"))
    return lines


def what_would_change(version: AlgorithmVersion, row: pd.DataFrame) -> None:
    """The heading and sentences for the citizen's validated ``row`` (one row)."""
    record = version.record
    model: Any = _data.load_model(_data.tracking_uri(), version.slug, version.version)
    heading("whatif.title")
    try:
        result = find_counterfactuals(
            model,
            row,
            version.input_profile.features,
            changeable=changeable_inputs(record),
            protected=record.data.protected_attributes,
            positive_class=record.technical.positive_class,
        )
        lines = whatif_lines(record, result)
    except ExplanationError:
        # The estimate above stands; the suggestions are an extra that may fail alone.
        logger.exception("what-if search failed for %s version %s", version.slug, version.version)
        lines = [t("whatif.unavailable")]
    with st.container(key="whatif"):
        for line in lines:
            plain(line)
