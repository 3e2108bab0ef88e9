"""Explanations in plain language (about B1): short texts from catalogue templates.

Nothing here is generated freely: every sentence is a catalogue template
(``plain.*``) filled with labels, values and rounded numbers. Guarantees:

- a local summary names at most :data:`TOP_FACTORS` inputs, those that moved the
  estimate most, each with its direction and rough size in the unit of the
  result: for a classifier "percentage points of the estimated probability"
  (the portal's what-if explains the probability itself, so the contributions
  and the background's average probability add up to the estimate); for a
  regressor the output's own unit;
- it names the outcome the model expects and what the 50 % limit means, in the
  record's own labels (:mod:`app_pages._outcome`), never a raw class code;
- it says what the number is and is not (decision support, not the decision;
  who decides, from the record) and how to object (from the record);
- a global summary names the inputs that matter most on average, with their
  average size in percentage points (probability explanations), as a share of the
  combined importance (log-odds explanations: an average log-odds value has no
  percentage-point equivalent), or in the output's unit (regressors), and what
  such a summary does not show;
- no sentence names log-odds or an internal scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from app_pages._format import (
    format_number,
    format_percent,
    is_relative,
    join_words,
)
from app_pages._outcome import THRESHOLD, expected_outcome, threshold_sentence
from app_pages._text import localized, t
from register import TransparencyRecord

__all__ = ["TOP_FACTORS", "global_summary", "local_summary", "outcome_sentence", "probability"]

TOP_FACTORS = 3


def probability(value: float, scale: str) -> float | None:
    """The probability an output on ``scale`` stands for (None for raw outputs)."""
    if scale == "probability":
        return float(value)
    if scale == "log_odds":
        return 1 / (1 + math.exp(-min(max(float(value), -700.0), 700.0)))
    return None


def _points(value: float) -> str:
    """A probability difference as rounded percentage points (no sign)."""
    return format_number(abs(100 * value), 1 if abs(100 * value) < 10 else 0)


def outcome_sentence(value: float, scale: str, record: TransparencyRecord) -> str:
    """The estimate, what the 50 % limit means in the record's words (which outcome the
    model expects on each side) and the outcome expected here; a record without class
    labels gets the side of the limit without naming an outcome."""
    p = probability(value, scale)
    if p is None:
        return t("plain.result.raw", value=format_number(value, 2))
    limit, expected = threshold_sentence(record), expected_outcome(record, p)
    if limit is None or expected is None:
        side = "plain.result.above" if p >= THRESHOLD else "plain.result.below"
        return t(side, percent=format_percent(p), output=localized(record.technical.output))
    estimate = t("plain.estimate", percent=format_percent(p))
    return " ".join([estimate, limit, t("plain.outcome", outcome=expected)])


def _factor_sentence(name: str, given: str, shap: float, scale: str) -> str:
    direction = "up" if shap > 0 else "down"
    if scale == "probability":
        return t(f"plain.factor.{direction}", feature=name, value=given, points=_points(shap))
    amount = format_number(abs(shap), 2)
    return t(f"plain.factor.raw.{direction}", feature=name, value=given, amount=amount)


def local_summary(
    table: pd.DataFrame,
    *,
    prediction: float,
    base_value: float,
    scale: str,
    record: TransparencyRecord,
) -> list[str]:
    """Short paragraphs explaining one estimate (``table``: name, given, shap; any order).

    For a classifier, ``table`` holds contributions to the probability (``scale``
    "probability"), as :func:`app_pages._data.local_explainer` gives them."""
    rows = table.assign(size=table["shap"].astype(float).abs())
    rows = rows[rows["size"] > 0].sort_values("size", ascending=False, kind="stable")
    top = rows.head(TOP_FACTORS)
    lines = [outcome_sentence(prediction, scale, record)]
    base = probability(base_value, scale)
    if base is not None:
        lines.append(t("plain.base", percent=format_percent(base)))
    if top.empty:
        lines.append(t("plain.no_factors"))
    else:
        lines.append(t("plain.factors.lead"))
        lines += [
            "• " + _factor_sentence(str(n), str(g), float(s), scale)
            for n, g, s in zip(top["name"], top["given"], top["shap"], strict=True)
        ]
        rest = rows.iloc[len(top) :]
        if not rest.empty:
            lines.append(t("plain.rest", count=len(rest)))
    lines += decision_lines(record)
    return lines


def decision_lines(record: TransparencyRecord) -> list[str]:
    """What the number is and is not, who decides, and how to object (from the record)."""
    process = record.decision_process
    decides = "plain.decides.human" if process.human_decides else "plain.decides.no_human"
    return [
        t("plain.not_decision"),
        t(decides),
        t("plain.objection", objection=localized(process.objection)),
    ]


def global_summary(labels: Sequence[str], sizes: Sequence[float], scale: str) -> list[str]:
    """Short paragraphs on what drives the results overall (mean |SHAP| per input)."""
    pairs = [(str(label), float(size)) for label, size in zip(labels, sizes, strict=True)]
    pairs = [(label, size) for label, size in pairs if size > 0][:TOP_FACTORS]
    if not pairs:
        return [t("plain.global.none")]
    lines = [t("plain.global.lead", factors=join_words([label for label, _ in pairs]))]
    total = sum(abs(float(s)) for s in sizes)
    for label, size in pairs:
        if scale == "probability":
            lines.append("• " + t("plain.global.factor", feature=label, points=_points(size)))
        elif is_relative(scale):
            share = format_number(100 * size / total, 0) + "\u00a0%"
            lines.append("• " + t("plain.global.factor.share", feature=label, share=share))
        else:
            amount = format_number(size, 2)
            lines.append("• " + t("plain.global.factor.raw", feature=label, amount=amount))
    if is_relative(scale):
        lines.append(t("plain.global.relative"))
    lines.append(t("plain.global.not"))
    return lines


def given_text(value: Any) -> str:
    """A value a person entered, as shown in sentences."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return format_number(float(value), 0 if float(value).is_integer() else 2)
