"""The input profile of a model: what a citizen may type into the try-it form.

Built at registration from the model's inputs and the reference data (types,
allowed categories, the range seen, the step the values lie on and the reference
quantiles at every :data:`QUANTILE_LEVELS` share). Only aggregates are kept: no row.

:meth:`InputProfile.validate` is strict by default (a number outside the range seen
is refused, as Python and CLI callers expect); ``outside_range="note"`` (the portal's
try-it form) accepts such a number unless it cannot be meant (a negative number where
every value seen is 0 or more, or one :data:`ABSURD_SPANS` spans beyond the range) and
:meth:`InputProfile.outside_range` names the fields the model saw few or no cases of.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

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
RULE_SIGN = "cannot be negative (every value seen is {minimum} or more)"
RULE_MAGNITUDE = "is too far outside the values seen ({minimum} to {maximum}) to be used"
KIND_REQUIRED = "required"
KIND_NUMBER = "number"
KIND_WHOLE = "whole"
KIND_RANGE = "range"
KIND_CATEGORY = "category"
KIND_UNKNOWN = "unknown"
KIND_SIGN = "sign"
KIND_MAGNITUDE = "magnitude"
OUTSIDE_REFUSE: Final = "refuse"
OUTSIDE_NOTE: Final = "note"
OutsideRange = Literal["refuse", "note"]
BAD_OUTSIDE_RANGE = "outside_range must be 'refuse' or 'note', not {value!r}"
ABSURD_SPANS = 100
"""With ``outside_range="note"``, a number farther outside the range seen than this many
spans (the range's width, or its largest magnitude, at least 1) is refused as absurd."""
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


@dataclass(frozen=True, slots=True)
class OutsideNote:
    """A number accepted outside the range seen: ``side`` is 'below' or 'above' and
    ``bound`` the smallest or largest value seen."""

    name: str
    value: float
    side: str
    bound: float


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

    def validate(
        self, values: Mapping[str, Any], *, outside_range: OutsideRange = "refuse"
    ) -> pd.DataFrame:
        """Return a one-row frame in model column order, or raise.

        Raises :class:`InputValidationError` naming every bad field, the rule it
        breaks (its code in ``kinds``) and the value given; nothing partial is returned.
        ``outside_range="refuse"`` (default) refuses a number outside the range seen
        (:data:`RULE_RANGE`); ``"note"`` accepts it unless it breaks :data:`RULE_SIGN` or
        :data:`RULE_MAGNITUDE` (see :meth:`outside_range` for the accepted ones).
        """
        if outside_range not in (OUTSIDE_REFUSE, OUTSIDE_NOTE):
            raise ValueError(BAD_OUTSIDE_RANGE.format(value=outside_range))
        problems: list[tuple[str, str, str]] = []
        kinds: list[str] = []
        row: dict[str, Any] = {}
        for name in values:
            if name not in self.names:
                problems.append((name, RULE_UNKNOWN, _short(values[name])))
                kinds.append(KIND_UNKNOWN)
        for spec in self.features:
            if name_missing(values, spec.name):
                problems.append((spec.name, RULE_REQUIRED, "<missing>"))
                kinds.append(KIND_REQUIRED)
                continue
            value = values[spec.name]
            kind, checked = _check(spec, value, outside_range)
            if kind is None:
                row[spec.name] = checked
            else:
                problems.append((spec.name, str(checked), _short(value)))
                kinds.append(kind)
        if problems:
            lines = [INPUT_PROBLEMS_HEADER.format(count=len(problems))]
            lines += [INPUT_PROBLEM_LINE.format(field=f, rule=r, value=v) for f, r, v in problems]
            raise InputValidationError("\n".join(lines), tuple(problems), tuple(kinds))
        frame = pd.DataFrame([row], columns=list(self.names))
        for spec in self.features:
            if spec.kind == "categorical":
                frame[spec.name] = frame[spec.name].astype(object)
            elif spec.integer:
                frame[spec.name] = frame[spec.name].astype("int64")
            else:
                frame[spec.name] = frame[spec.name].astype("float64")
        return frame

    def outside_range(self, row: pd.DataFrame | Mapping[str, Any]) -> tuple[OutsideNote, ...]:
        """The numeric inputs of a validated ``row`` (a frame's first row, or a mapping)
        that lie outside the range seen in the reference data, in model column order."""
        first = row.iloc[0].to_dict() if isinstance(row, pd.DataFrame) else dict(row)
        notes = []
        for spec in self.features:
            value = first.get(spec.name)
            if spec.kind != "numeric" or isinstance(value, bool):
                continue
            if not isinstance(value, int | float | np.number):
                continue
            number = float(value)
            if spec.minimum is not None and number < spec.minimum:
                notes.append(OutsideNote(spec.name, number, "below", float(spec.minimum)))
            elif spec.maximum is not None and number > spec.maximum:
                notes.append(OutsideNote(spec.name, number, "above", float(spec.maximum)))
        return tuple(notes)


def name_missing(values: Mapping[str, Any], name: str) -> bool:
    """Whether ``name`` has no usable value in ``values``."""
    if name not in values or values[name] is None:
        return True
    value = values[name]
    return isinstance(value, str) and not value.strip()


def _check(
    spec: FeatureSpec, value: Any, outside_range: str = OUTSIDE_REFUSE
) -> tuple[str | None, Any]:
    """``(None, cleaned value)``, or ``(KIND_* code, the rule it breaks)``."""
    if spec.kind == "categorical":
        text = str(value)
        if text not in spec.categories:
            return KIND_CATEGORY, RULE_CATEGORY.format(categories=", ".join(spec.categories))
        return None, text
    if isinstance(value, bool):
        return KIND_NUMBER, RULE_NUMBER
    if isinstance(value, str) and not _PLAIN_NUMBER.fullmatch(value.strip()):
        return KIND_NUMBER, RULE_NUMBER  # float() would read "1_5" as 15 and "1e3" as 1000
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return KIND_NUMBER, RULE_NUMBER
    if not math.isfinite(number):
        return KIND_NUMBER, RULE_NUMBER
    if spec.integer and not number.is_integer():
        return KIND_WHOLE, RULE_WHOLE
    low, high = spec.minimum, spec.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = {"minimum": _format_number(low), "maximum": _format_number(high)}
        if outside_range == OUTSIDE_REFUSE:
            return KIND_RANGE, RULE_RANGE.format(**bounds)
        if low is not None and low >= 0 and number < 0:
            return KIND_SIGN, RULE_SIGN.format(**bounds)
        if _absurd(number, low, high):
            return KIND_MAGNITUDE, RULE_MAGNITUDE.format(**bounds)
    return None, (int(number) if spec.integer else number)


def _absurd(number: float, low: float | None, high: float | None) -> bool:
    """Whether ``number`` lies more than :data:`ABSURD_SPANS` spans outside [low, high]."""
    known = [float(b) for b in (low, high) if b is not None]
    width = (max(known) - min(known)) if len(known) == 2 else 0.0
    span = max([width, 1.0, *(abs(b) for b in known)])
    below = low is not None and number < float(low) - ABSURD_SPANS * span
    above = high is not None and number > float(high) + ABSURD_SPANS * span
    return below or above


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
