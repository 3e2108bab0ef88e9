"""The model's outcomes in the record's own words: class labels, the favourable
outcome, the 50 % limit explained, and values as a reader should see them.

Guarantees: an outcome is only ever named by the record's label
(``record.class_label``, ``technical.favourable_outcome.label``), never by a raw
class code; when the record gives no label the functions return None and the
caller says it without naming the outcome. A categorical value is shown by its
label when the record gives one (``record.value_label``), a number in the reader's
language (:func:`app_pages._format.format_number`).

The limit is the two-class rule of :func:`explainers.find_counterfactuals`: the
positive class at 50 % or more, the other class below. The other class is the
favourable outcome when that is not the positive class, else the one other class
the record labels.
"""

from __future__ import annotations

from typing import Any

from app_pages._format import format_number
from app_pages._labels import value_text as labelled_value
from app_pages._text import localized, t
from register import TransparencyRecord

__all__ = [
    "THRESHOLD",
    "expected_outcome",
    "favourable_label",
    "number_text",
    "threshold_sentence",
    "value_text",
]

# The limit the portal explains: the positive class is expected at this estimate or more.
THRESHOLD = 0.5
# Most decimals a suggested number is written with.
MAX_DECIMALS = 4


def _codes_equal(left: Any, right: Any) -> bool:
    if str(left) == str(right):
        return True
    try:
        return float(left) == float(right)
    except (TypeError, ValueError):
        return False


def _class_text(record: TransparencyRecord, code: Any) -> str | None:
    if code is None:
        return None
    label = record.class_label(code)
    return (localized(label) or None) if label is not None else None


def _other_code(record: TransparencyRecord) -> Any:
    """The class that is not the positive one (two-class records), as the record names it."""
    positive = record.technical.positive_class
    favourable = record.technical.favourable_outcome
    if positive is None:
        return None
    if favourable is not None and not _codes_equal(favourable.value, positive):
        return favourable.value
    others = [e.code for e in record.technical.class_labels if not _codes_equal(e.code, positive)]
    return others[0] if len(others) == 1 else None


def favourable_label(record: TransparencyRecord) -> str | None:
    """The favourable outcome in the reader's language, or None when the record has none."""
    favourable = record.technical.favourable_outcome
    return (localized(favourable.label) or None) if favourable is not None else None


def expected_outcome(record: TransparencyRecord, probability: float) -> str | None:
    """The label of the outcome the model expects at ``probability`` (the positive
    class at :data:`THRESHOLD` or more, else the other), or None when unlabelled."""
    positive = record.technical.positive_class
    return _class_text(record, positive if probability >= THRESHOLD else _other_code(record))


def threshold_sentence(record: TransparencyRecord) -> str | None:
    """What the 50 % limit means, in the record's words, or None when unlabelled."""
    positive = _class_text(record, record.technical.positive_class)
    if positive is None:
        return None
    other = _class_text(record, _other_code(record))
    if other is None:
        return t("plain.threshold.positive", positive=positive)
    return t("plain.threshold", positive=positive, other=other)


def number_text(value: float) -> str:
    """A number in the reader's language with as few decimals as it needs (at most
    :data:`MAX_DECIMALS`)."""
    for decimals in range(MAX_DECIMALS + 1):
        if abs(round(value, decimals) - value) < 1e-9:
            return format_number(float(value), decimals)
    return format_number(float(value), MAX_DECIMALS)


def value_text(record: TransparencyRecord, column: str, value: Any) -> str:
    """A value of input ``column`` as a reader sees it: a category by its label (the
    raw value only when the record gives none), a number in the reader's language."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return labelled_value(record, column, value)
    return number_text(float(value))
