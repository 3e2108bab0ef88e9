"""The input profile of a model: what a citizen may type into the try-it form.

Built at registration from the model's inputs and the reference data (types,
allowed categories, the range seen, the step the values lie on and the reference
quantiles at every :data:`QUANTILE_LEVELS` share). Only aggregates are kept: no row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
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
# The shares at which a numeric input's reference quantiles are kept: 0 %, 5 %, ..., 100 %.
QUANTILE_LEVELS = tuple(k / 20 for k in range(21))
# Most decimals a grid step is looked for with; finer values count as continuous.
STEP_DECIMALS = 6


@dataclass(frozen=True, kw_only=True, slots=True)
class FeatureSpec:
    """One model input: its kind, allowed values and default. Read-only.

    ``name``: the input column; ``kind``: 'numeric' or 'categorical'; ``minimum`` and
    ``maximum``: the allowed numbers; ``integer``: whether only whole numbers fit;
    ``categories``: the allowed categories; ``default``: a typical value for the form;
    ``step``: the grid every observed value lies on (``1`` for 1-6 scores, ``0.5``
    for half steps; None when the values are continuous or the profile predates it);
    ``quantiles``: the reference data's quantiles at :data:`QUANTILE_LEVELS` (empty
    for categorical inputs and for profiles that predate them).
    """

    name: str
    kind: str
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    categories: tuple[str, ...] = ()
    default: Any = None
    step: float | None = None
    quantiles: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("numeric", "categorical"):
            raise ValueError(f"kind must be 'numeric' or 'categorical', not {self.kind!r}")
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "quantiles", tuple(float(q) for q in self.quantiles))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict that :meth:`from_dict` turns back into an equal spec."""
        return {
            "name": self.name,
            "kind": self.kind,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "integer": self.integer,
            "categories": list(self.categories),
            "default": self.default,
            "step": self.step,
            "quantiles": list(self.quantiles),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSpec:
        """The spec that :meth:`to_dict` wrote (older dicts without ``step`` or
        ``quantiles`` read as None and empty)."""
        return cls(
            **{
                **data,
                "categories": tuple(data.get("categories", ())),
                "quantiles": tuple(data.get("quantiles") or ()),
            }
        )

    def __hash__(self) -> int:  # the default may be unhashable; the name identifies the input
        return hash(self.name)


def _format_number(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _short(value: Any) -> str:
    return short_value(value)  # bounded: never repr() of a whole huge value


@dataclass(frozen=True, kw_only=True, slots=True)
class InputProfile:
    """The inputs a model takes (``features``), in its column order. Read-only."""

    features: tuple[FeatureSpec, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", tuple(self.features))

    @property
    def names(self) -> tuple[str, ...]:
        """The input column names, in model order."""
        return tuple(f.name for f in self.features)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict; :meth:`from_dict` restores an equal profile."""
        return {"features": [f.to_dict() for f in self.features]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InputProfile:
        """The profile :meth:`to_dict` wrote."""
        return cls(features=tuple(FeatureSpec.from_dict(f) for f in data["features"]))

    def defaults(self) -> dict[str, Any]:
        """A typical value for every input."""
        return {f.name: f.default for f in self.features}

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
        for spec in self.features:
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
        for spec in self.features:
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


def observed_step(values: np.ndarray) -> float | None:
    """The largest step every value is a whole multiple of (``1`` for 1-6 scores,
    ``0.5`` for half steps, ``0.01`` for values with two decimals), or None when the
    values need more than :data:`STEP_DECIMALS` decimals or fewer than two differ."""
    distinct = np.unique(values[np.isfinite(values)])
    if len(distinct) < 2:
        return None
    for decimals in range(STEP_DECIMALS + 1):
        scaled = distinct * 10**decimals
        whole = np.round(scaled)
        if np.max(np.abs(whole)) >= 2**53:
            return None  # beyond exact integers: count the values as continuous
        # Equal up to float32 rounding (data often arrive as float32), and far below the step.
        tolerance = np.minimum(5e-7 * np.abs(distinct), 0.01 / 10**decimals)
        if np.all(np.abs(distinct - whole / 10**decimals) <= tolerance):
            divisor = int(np.gcd.reduce(np.abs(whole).astype(np.int64)))
            return float(round(max(divisor, 1) / 10**decimals, decimals))
    return None


def profile_from(model: Any, reference_data: pd.DataFrame) -> InputProfile:
    """The input profile of ``model`` as seen in ``reference_data``.

    Numeric inputs get the range seen, the step their values lie on
    (:func:`observed_step`) and their quantiles at :data:`QUANTILE_LEVELS`;
    categorical ones the categories the model knows (or, failing that, those
    seen). Defaults are the median or the mode.
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
                step=observed_step(values),
                quantiles=tuple(float(q) for q in np.quantile(values, QUANTILE_LEVELS)),
            )
        )
    return InputProfile(features=tuple(specs))
