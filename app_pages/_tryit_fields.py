"""The try-it form's checks, said in the page's language beside each field.

Guarantees of :func:`check_values` and :func:`check_submitted`:

- a number outside the range seen in the reference data is accepted; the field
  gets a note that the model saw no cases beyond the smallest / largest value seen
  and that the estimate is less certain (:data:`NOTE_KEYS`);
- a value that cannot be used (unreadable, not whole where whole numbers are
  required, negative where every value seen is 0 or more, absurdly far outside the
  range, an unknown category, missing) gets one message in the page's language
  (:data:`FIELD_KEYS`, one per rule of :mod:`register.record._inputs`), keyed by field;
- no English rule text of the register reaches the page; nothing is refused silently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from app_pages._format import escape_markdown
from app_pages._numbers import AMBIGUOUS, NumberFormatError, format_input, read_number
from app_pages._sections import feature_label
from app_pages._text import current_language, t
from register import AlgorithmVersion, FeatureSpec, InputValidationError
from register.record._inputs import (
    KIND_CATEGORY,
    KIND_MAGNITUDE,
    KIND_NUMBER,
    KIND_RANGE,
    KIND_REQUIRED,
    KIND_SIGN,
    KIND_UNKNOWN,
    KIND_WHOLE,
    OUTSIDE_NOTE,
)

FIELD_KEYS = {
    KIND_REQUIRED: "tryit.field.required",
    KIND_NUMBER: "tryit.field.number_format",
    KIND_WHOLE: "tryit.field.whole",
    KIND_RANGE: "tryit.field.range",
    KIND_CATEGORY: "tryit.field.category",
    KIND_SIGN: "tryit.field.sign",
    KIND_MAGNITUDE: "tryit.field.magnitude",
    KIND_UNKNOWN: "tryit.field.unknown",
}
"""The catalogue key of the message for each rule the register's input profile names."""
NOTE_KEYS = {"above": "tryit.note.above", "below": "tryit.note.below"}
"""The catalogue key of the note for a number above / below the range seen."""


@dataclass
class Checked:
    """The outcome of checking one submission.

    ``row``: the validated one-row frame, or None when any value cannot be used;
    ``problems`` and ``notes``: a message in the page's language per field name
    (problems stop the estimate, notes do not).
    """

    row: pd.DataFrame | None
    problems: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _bound(spec: FeatureSpec | None, value: float | None) -> str:
    if value is None:
        return "?"
    return format_input(value, current_language(), integer=bool(spec and spec.integer))


def _specs(version: AlgorithmVersion) -> dict[str, FeatureSpec]:
    return {spec.name: spec for spec in version.input_profile.features}


def _given(value: Any) -> str:
    """A value as the reader wrote it: text as typed, a number in the page's language."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        value = format_input(value, current_language(), integer=float(value).is_integer())
    return escape_markdown(str(value)[:40])


def field_message(spec: FeatureSpec | None, kind: str, given: Any, name: str = "") -> str:
    """The message for a value of ``spec`` that breaks rule ``kind``, in the page's language."""
    return t(
        FIELD_KEYS.get(kind, "tryit.field.number_format"),
        value=_given(given),
        minimum=_bound(spec, spec.minimum if spec else None),
        maximum=_bound(spec, spec.maximum if spec else None),
        feature=escape_markdown(name),
    )


def _read(
    version: AlgorithmVersion, submitted: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Numbers read as the page's language writes them; a message per unreadable one."""
    lang = current_language()
    values: dict[str, Any] = dict(submitted)
    problems: dict[str, str] = {}
    for spec in version.input_profile.features:
        raw = submitted.get(spec.name)
        if spec.kind != "numeric" or not isinstance(raw, str):
            continue
        if not raw.strip():
            values[spec.name] = None
            continue
        try:
            number = read_number(raw, lang)
        except NumberFormatError as error:
            key = (
                "tryit.field.number_ambiguous"
                if error.kind == AMBIGUOUS
                else FIELD_KEYS[KIND_NUMBER]
            )
            problems[spec.name] = t(key, value=_given(raw))
            values[spec.name] = None
            continue
        if not math.isfinite(number):
            problems[spec.name] = field_message(spec, KIND_MAGNITUDE, raw)
            values[spec.name] = None
            continue
        values[spec.name] = number
    return values, problems


def check_values(
    version: AlgorithmVersion,
    values: Mapping[str, Any],
    read: Mapping[str, str] | None = None,
    typed: Mapping[str, Any] | None = None,
) -> Checked:
    """Validate ``values`` (numbers already read) with out-of-range numbers accepted, and
    say per field what cannot be used (``read``: messages already known per field; a
    message quotes ``typed``, the text as entered, when given) and which accepted numbers
    lie outside the range seen."""
    specs, profile = _specs(version), version.input_profile
    problems: dict[str, str] = dict(read or {})
    try:
        row = profile.validate(values, outside_range=OUTSIDE_NOTE)
    except InputValidationError as error:
        kinds = error.kinds or (KIND_NUMBER,) * len(error.problems)
        for (name, _rule, given), kind in zip(error.problems, kinds, strict=False):
            if name in problems:
                continue
            shown = (typed or {}).get(name, values.get(name, given))
            label = feature_label(version.record, name)
            problems[name] = field_message(specs.get(name), kind, shown, label)
        return Checked(None, problems)
    if problems:
        return Checked(None, problems)
    notes = {
        note.name: t(NOTE_KEYS[note.side], bound=_bound(specs.get(note.name), note.bound))
        for note in profile.outside_range(row)
    }
    return Checked(row, {}, notes)


def check_submitted(version: AlgorithmVersion, submitted: Mapping[str, Any]) -> Checked:
    """Read the form's text as numbers in the page's language, then :func:`check_values`."""
    values, unreadable = _read(version, submitted)
    return check_values(version, values, unreadable, submitted)


def labelled(version: AlgorithmVersion, messages: Mapping[str, str]) -> list[str]:
    """``Label: message`` per field, in model column order (unknown fields last)."""
    order = {name: i for i, name in enumerate(version.input_profile.names)}
    names = sorted(messages, key=lambda n: (order.get(n, len(order)), n))
    return [
        t(
            "tryit.field_problem",
            feature=escape_markdown(feature_label(version.record, n)),
            message=messages[n],
        )
        for n in names
    ]
