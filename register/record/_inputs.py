"""The input profile of a model: what a citizen may type into the try-it form.

Built at registration from the model's inputs and the reference data (types,
allowed categories, the range seen). Only aggregates are kept: no row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from register._errors import InputValidationError
from register.record._errors import short_value

RULE_REQUIRED = "is required"
RULE_NUMBER = "must be a number"
RULE_WHOLE = "must be a whole number"
RULE_RANGE = "must be between {minimum} and {maximum}"
RULE_CATEGORY = "must be one of: {categories}"
RULE_UNKNOWN = "is not an input of this model"
INPUT_PROBLEMS_HEADER = "The values entered have {count} problem(s):"
INPUT_PROBLEM_LINE = "- {field}: {rule} (given: {value})"
# A number given as text: digits with an optional decimal point, nothing else.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


class FeatureSpec:
    """One model input: its kind, allowed values and default. Read-only."""

    __slots__ = ("_categories", "_default", "_integer", "_kind", "_maximum", "_minimum", "_name")

    def __init__(
        self,
        *,
        name: str,
        kind: str,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
        categories: tuple[str, ...] = (),
        default: Any = None,
    ) -> None:
        if kind not in ("numeric", "categorical"):
            raise ValueError(f"kind must be 'numeric' or 'categorical', not {kind!r}")
        self._name, self._kind = name, kind
        self._minimum, self._maximum, self._integer = minimum, maximum, integer
        self._categories, self._default = tuple(categories), default

    name = property(lambda self: self._name, doc="The input column's name.")
    kind = property(lambda self: self._kind, doc="'numeric' or 'categorical'.")
    minimum = property(lambda self: self._minimum, doc="Smallest allowed number.")
    maximum = property(lambda self: self._maximum, doc="Largest allowed number.")
    integer = property(lambda self: self._integer, doc="Whether only whole numbers fit.")
    categories = property(lambda self: self._categories, doc="Allowed categories.")
    default = property(lambda self: self._default, doc="A typical value for the form.")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict that :meth:`from_dict` turns back into an equal spec."""
        return {
            "name": self._name,
            "kind": self._kind,
            "minimum": self._minimum,
            "maximum": self._maximum,
            "integer": self._integer,
            "categories": list(self._categories),
            "default": self._default,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSpec:
        """The spec that :meth:`to_dict` wrote."""
        return cls(**{**data, "categories": tuple(data.get("categories", ()))})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FeatureSpec) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f"FeatureSpec({self.to_dict()!r})"


def _format_number(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _short(value: Any) -> str:
    return short_value(value)  # bounded: never repr() of a whole huge value


class InputProfile:
    """The inputs a model takes, in its column order. Read-only."""

    def __init__(self, *, features: tuple[FeatureSpec, ...] | list[FeatureSpec]) -> None:
        self._features = tuple(features)

    @property
    def features(self) -> tuple[FeatureSpec, ...]:
        """The model's inputs, in the order the model expects them."""
        return self._features

    @property
    def names(self) -> tuple[str, ...]:
        """The input column names, in model order."""
        return tuple(f.name for f in self._features)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict; :meth:`from_dict` restores an equal profile."""
        return {"features": [f.to_dict() for f in self._features]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InputProfile:
        """The profile :meth:`to_dict` wrote."""
        return cls(features=tuple(FeatureSpec.from_dict(f) for f in data["features"]))

    def defaults(self) -> dict[str, Any]:
        """A typical value for every input."""
        return {f.name: f.default for f in self._features}

    def validate(self, values: Mapping[str, Any]) -> pd.DataFrame:
        """Return a one-row frame in model column order, or raise.

        Raises :class:`InputValidationError` naming every bad field, the rule it
        breaks and the value given; nothing partial is returned.
        """
        problems: list[tuple[str, str, str]] = []
        row: dict[str, Any] = {}
        for name in values:
            if name not in self.names:
                problems.append((name, RULE_UNKNOWN, _short(values[name])))
        for spec in self._features:
            if name_missing(values, spec.name):
                problems.append((spec.name, RULE_REQUIRED, "<missing>"))
                continue
            value = values[spec.name]
            ok, checked = _check(spec, value)
            if ok:
                row[spec.name] = checked
            else:
                problems.append((spec.name, str(checked), _short(value)))
        if problems:
            lines = [INPUT_PROBLEMS_HEADER.format(count=len(problems))]
            lines += [INPUT_PROBLEM_LINE.format(field=f, rule=r, value=v) for f, r, v in problems]
            raise InputValidationError("\n".join(lines), tuple(problems))
        frame = pd.DataFrame([row], columns=list(self.names))
        for spec in self._features:
            if spec.kind == "categorical":
                frame[spec.name] = frame[spec.name].astype(object)
            elif spec.integer:
                frame[spec.name] = frame[spec.name].astype("int64")
            else:
                frame[spec.name] = frame[spec.name].astype("float64")
        return frame


def name_missing(values: Mapping[str, Any], name: str) -> bool:
    """Whether ``name`` has no usable value in ``values``."""
    if name not in values or values[name] is None:
        return True
    value = values[name]
    return isinstance(value, str) and not value.strip()


def _check(spec: FeatureSpec, value: Any) -> tuple[bool, Any]:
    """``(True, cleaned value)``, or ``(False, the rule it breaks)``."""
    if spec.kind == "categorical":
        text = str(value)
        if text not in spec.categories:
            return False, RULE_CATEGORY.format(categories=", ".join(spec.categories))
        return True, text
    if isinstance(value, bool):
        return False, RULE_NUMBER
    if isinstance(value, str) and not _PLAIN_NUMBER.fullmatch(value.strip()):
        return False, RULE_NUMBER  # float() would read "1_5" as 15 and "1e3" as 1000
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False, RULE_NUMBER
    if not math.isfinite(number):
        return False, RULE_NUMBER
    if spec.integer and not number.is_integer():
        return False, RULE_WHOLE
    low, high = spec.minimum, spec.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        return False, RULE_RANGE.format(minimum=_format_number(low), maximum=_format_number(high))
    return True, (int(number) if spec.integer else number)


def _encoder_categories(model: Any) -> dict[str, tuple[str, ...]]:
    """Categories that one-hot encoders inside ``model`` learnt, by input column."""
    found: dict[str, tuple[str, ...]] = {}
    steps = getattr(model, "steps", None) or [(None, model)]
    for _, step in steps:
        for _, transformer, columns in getattr(step, "transformers_", []):
            encoder = transformer
            if hasattr(transformer, "steps"):
                encoder = transformer.steps[-1][1]
            cats = getattr(encoder, "categories_", None)
            if cats is None or isinstance(columns, str):
                continue
            for column, values in zip(list(columns), cats, strict=False):
                found[str(column)] = tuple(str(v) for v in values if not _is_nan(v))
    return found


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def profile_from(model: Any, reference_data: pd.DataFrame) -> InputProfile:
    """The input profile of ``model`` as seen in ``reference_data``.

    Numeric inputs get the range seen; categorical ones the categories the model
    knows (or, failing that, those seen). Defaults are the median or the mode.
    """
    names = [str(c) for c in getattr(model, "feature_names_in_", reference_data.columns)]
    encoder_cats = _encoder_categories(model)
    specs = []
    for name in names:
        column = reference_data[name]
        if name in encoder_cats or not pd.api.types.is_numeric_dtype(column):
            cats = encoder_cats.get(name) or tuple(sorted(str(v) for v in column.dropna().unique()))
            mode = column.dropna().astype(str).mode()
            default = str(mode.iloc[0]) if len(mode) else cats[0]
            specs.append(
                FeatureSpec(name=name, kind="categorical", categories=cats, default=default)
            )
            continue
        values = column.dropna().to_numpy(dtype=float)
        integer = bool(pd.api.types.is_integer_dtype(column)) or bool(
            np.all(np.equal(np.mod(values, 1), 0))
        )
        median = float(np.median(values))
        specs.append(
            FeatureSpec(
                name=name,
                kind="numeric",
                minimum=float(values.min()),
                maximum=float(values.max()),
                integer=integer,
                default=round(median) if integer else round(median, 4),
            )
        )
    return InputProfile(features=tuple(specs))
