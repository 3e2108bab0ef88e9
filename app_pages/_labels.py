"""Plain labels for what a record's data hold: inputs, their values, protected attributes
and their groups, and the model's classes, in the reader's language.

Each helper returns the record's label (``technical.features[].values``,
``data.protected_labels``, ``technical.class_labels``) when the record gives one, and
otherwise the raw value as text, so a page always has something to show. Numbers the
record does not label are written in the reader's number format. The ``*_with_code``
helpers are for auditors: the label, and the raw code beside it when they differ.
"""

from __future__ import annotations

import math
from typing import Any

from app_pages._format import format_number
from app_pages._text import localized
from register import TransparencyRecord

__all__ = [
    "class_text",
    "column_text",
    "column_with_code",
    "label_in",
    "raw_text",
    "value_text",
    "value_with_code",
]


def raw_text(value: Any) -> str:
    """A value the record does not label: a finite number in the reader's format
    (``7,2``; whole numbers without decimals), anything else as its text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return str(value)
    if number.is_integer():
        return format_number(number, 0)
    text = format_number(number, 2)
    return text.rstrip("0").rstrip(",.") if ("," in text or "." in text) else text


def label_in(record: TransparencyRecord, column: str, value: Any, lang: str) -> str:
    """The label of ``value`` of ``column`` in ``lang``, or the value as text. For a
    widget's ``format_func``, which may run outside the page's script run."""
    found = record.value_label(column, value)
    return found.get(lang) if found is not None else str(value)


def value_text(record: TransparencyRecord, column: str, value: Any) -> str:
    """The plain label of one raw ``value`` of an input or protected attribute ``column``,
    or the value itself (:func:`raw_text`) when the record gives no label."""
    found = record.value_label(column, value)
    return localized(found) if found is not None else raw_text(value)


def value_with_code(record: TransparencyRecord, column: str, value: Any) -> str:
    """For auditors: ``Kvinna (female)``; the raw value alone when unlabelled."""
    found = record.value_label(column, value)
    if found is None:
        return raw_text(value)
    label = localized(found)
    return label if label == str(value) else f"{label} ({value})"


def column_text(record: TransparencyRecord, column: str) -> str:
    """The plain name of an input or protected attribute, or ``column`` when unlabelled."""
    found = record.column_label(column)
    return localized(found) if found is not None else column


def column_with_code(record: TransparencyRecord, column: str) -> str:
    """For auditors: ``Kön (sex)``; the column name alone when unlabelled."""
    label = column_text(record, column)
    return label if label == column else f"{label} ({column})"


def class_text(record: TransparencyRecord, value: Any) -> str:
    """The plain label of one of the model's classes, or the class as text."""
    found = record.class_label(value)
    return localized(found) if found is not None else raw_text(value)
