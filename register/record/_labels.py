"""Plain words for what a model reads and says: labels for raw values, the protected
attributes and their groups, and the outcome that is good for the person.

A record's data often hold codes (``slack_work``, ``yes``, ``0``). The record gives
each a label per language; readers see the label, auditors the label beside the code.
A code matches a value when their texts are equal, or when both are numbers of equal
value (so the label for ``0`` also names ``0.0`` and ``0``). Registration warns, naming
every value, when a label is missing (:func:`missing_labels`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Annotated, Any

from pydantic import BeforeValidator

from register.record._base import LocalizedText, NonEmpty, _Model
from register.record._errors import short_value

__all__ = [
    "FavourableOutcome",
    "ProtectedAttribute",
    "ValueLabel",
    "find_value_label",
    "label_problems",
    "missing_labels",
    "same_code",
]

RULE_LABEL_NOT_PROTECTED = "must be one of data.protected_attributes ({names})"
RULE_DUPLICATE_CODE = "must be unique, but is also the code of {where}"
RULE_DUPLICATE_LABELLED = "must be unique, but data.protected_labels.{index} also labels it"
MISSING_LABELS_WARNING = (
    "The record {slug!r} gives no plain label for {count} value(s) that readers will see; "
    "they are shown as raw codes until a label is added: {items}."
)
MISSING_ITEM = "{column} = {code!r} ({where})"
MISSING_ATTRIBUTE_ITEM = "protected attribute {column!r} (data.protected_labels)"
FEATURE_WHERE = "technical.features[{name}].values"
CLASS_WHERE = "technical.class_labels"
PROTECTED_WHERE = "data.protected_labels[{name}].values"


def _code_text(value: Any) -> Any:
    """A number written in the record (``code: 0``) is read as its text; text stays."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format(value, "g") if isinstance(value, float) else str(value)
    return value


Code = Annotated[NonEmpty, BeforeValidator(_code_text)]


class ValueLabel(_Model):
    """A plain label for one raw value (``code``) of a column, as the data record it."""

    code: Code
    label: LocalizedText


class FavourableOutcome(_Model):
    """The outcome that is good for the person: ``value`` is one of the model's classes
    (as text, e.g. ``"no"`` for "no refusal"); ``label`` says it in plain words."""

    value: Code
    label: LocalizedText


class ProtectedAttribute(_Model):
    """A protected attribute's plain name and labels for its groups' codes."""

    name: NonEmpty
    label: LocalizedText
    values: tuple[ValueLabel, ...] = ()


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def same_code(code: str, value: Any) -> bool:
    """Whether the record's ``code`` names ``value``: equal texts, or equal numbers."""
    text = str(value)
    if text == code:
        return True
    if isinstance(value, bool):
        return False
    left, right = _number(code), _number(text)
    return left is not None and right is not None and left == right


def find_value_label(labels: Iterable[ValueLabel], value: Any) -> LocalizedText | None:
    """The label of the first entry whose code names ``value``, or None."""
    for entry in labels:
        if same_code(entry.code, value):
            return entry.label
    return None


def _duplicates(labels: Sequence[ValueLabel], where: tuple[Any, ...]) -> Iterator[Any]:
    for index, entry in enumerate(labels):
        for earlier in range(index):
            if same_code(labels[earlier].code, entry.code):
                rule = RULE_DUPLICATE_CODE.format(where=f"values.{earlier}")
                yield ((*where, "values", index, "code"), rule, short_value(entry.code))
                break


def label_problems(
    *,
    protected: Sequence[str],
    protected_labels: Sequence[ProtectedAttribute],
    features: Sequence[tuple[str, Sequence[ValueLabel]]],
    classes: Sequence[ValueLabel] = (),
) -> list[tuple[tuple[Any, ...], str, str]]:
    """Problems of the label rules: labelled attributes must be protected ones, each
    only once, and codes unique within a column."""
    problems: list[tuple[tuple[Any, ...], str, str]] = []
    names = ", ".join(protected) or "none"
    seen: dict[str, int] = {}
    for index, attribute in enumerate(protected_labels):
        where = ("data", "protected_labels", index)
        if attribute.name not in protected:
            rule = RULE_LABEL_NOT_PROTECTED.format(names=names)
            problems.append(((*where, "name"), rule, short_value(attribute.name)))
        if attribute.name in seen:
            rule = RULE_DUPLICATE_LABELLED.format(index=seen[attribute.name])
            problems.append(((*where, "name"), rule, short_value(attribute.name)))
        seen.setdefault(attribute.name, index)
        problems += _duplicates(attribute.values, where)
    for index, (_, values) in enumerate(features):
        problems += _duplicates(values, ("technical", "features", index))
    problems += [
        (("technical", "class_labels", *path[1:]), rule, value)
        for path, rule, value in _duplicates(classes, ())
    ]
    return problems


def missing_labels(
    *,
    feature_values: Mapping[str, tuple[Sequence[ValueLabel], Iterable[Any]]],
    protected: Mapping[str, tuple[ProtectedAttribute | None, Iterable[Any] | None]],
    classes: tuple[Sequence[ValueLabel], Iterable[Any]] = ((), ()),
) -> list[str]:
    """Every value readers would see as a raw code, described for a warning.

    ``feature_values`` maps a categorical input to (its labels, the categories the
    model knows); ``protected`` maps a protected attribute to (its labels or None, the
    group codes formed from the evaluation data, or None when groups are bands).
    """
    items: list[str] = []
    class_labels, class_values = classes
    items += [
        MISSING_ITEM.format(column="(outcome)", code=str(code), where=CLASS_WHERE)
        for code in class_values
        if find_value_label(class_labels, code) is None
    ]
    for column, (labels, categories) in feature_values.items():
        where = FEATURE_WHERE.format(name=column)
        items += [
            MISSING_ITEM.format(column=column, code=str(code), where=where)
            for code in categories
            if find_value_label(labels, code) is None
        ]
    for column, (attribute, codes) in protected.items():
        if attribute is None:
            items.append(MISSING_ATTRIBUTE_ITEM.format(column=column))
        where = PROTECTED_WHERE.format(name=column)
        for code in codes or ():
            if attribute is None or find_value_label(attribute.values, code) is None:
                items.append(MISSING_ITEM.format(column=column, code=str(code), where=where))
    return items
