"""Validation errors of transparency records, in plain words.

A :class:`RecordValidationError` lists every problem of a record at once; each
:class:`Problem` names the dotted path of the field, the rule it breaks and the
value that was given. The rule texts and message formats are module constants
so that tests and translations can refer to them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from register._errors import InsynError

MESSAGE_HEADER = "The transparency record {source} has {count} {noun}:"
MESSAGE_LINE = "- {path}: {rule} (given: {value})"
FILE_NOT_FOUND = "The transparency record file {file} does not exist."
FILE_NOT_READABLE = "The transparency record file {file} cannot be read: {detail}"
FILE_NOT_YAML = "The transparency record file {file} is not valid YAML: {detail}"
FILE_TOO_LARGE = (
    "The transparency record file {file} is larger than {limit} bytes; "
    "a record must be at most {limit} bytes."
)
FILE_NOT_MAPPING = (
    "The transparency record file {file} must hold a mapping of fields "
    "(key: value lines) at the top level, but holds {kind}."
)
DATA_NOT_MAPPING = "A transparency record must be a mapping of fields, but {kind} was given."
UNNAMED_SOURCE = "(without a valid slug)"
TOP_LEVEL = "(top level)"  # the path of a problem with the record's own field names

RULE_REQUIRED = "is required"
RULE_UNKNOWN_FIELD = "is not a known field"
RULE_NOT_EMPTY = "must not be empty"
RULE_MIN_CHARS = "must be at least {min_length} characters"
RULE_MAX_CHARS = "must be at most {max_length} characters"
RULE_TEXT = "must be text"
RULE_TEXT_NOT_BOOL = "must be text (write yes, no, on or off in quotes, like 'yes')"
RULE_SLUG = "must be lowercase letters a-z and digits, in words joined by single hyphens"
RULE_PATTERN = "must match the pattern {pattern}"
RULE_ONE_OF = "must be one of: {choices}"
RULE_BOOL = "must be true or false"
RULE_DATE = "must be a date written as YYYY-MM-DD"
RULE_EMAIL = "must be a valid email address"
RULE_URL = "must be a valid web address starting with http:// or https://"
RULE_LOCALIZED = "must give the text per language, like {sv: ..., en: ...} (Swedish is required)"
RULE_MAPPING = "must be a mapping of fields (key: value lines)"
RULE_LIST = "must be a list"
RULE_MIN_ITEMS = "must have at least {min_length} item(s)"
RULE_CONTACT = "must give an email address or a web address (url), or both"
RULE_END_BEFORE_START = "must not be earlier than start_date ({start})"
RULE_RETIRED_END = "is required when status is retired"
RULE_CHANGEABLE_PROTECTED = (
    "must be false, because this feature is a protected attribute (data.protected_attributes)"
)
RULE_DUPLICATE_FEATURE = "must be unique, but is also the name of technical.features.{index}"
RULE_OTHER = "is not valid: {detail}"
RULE_KEY_TEXT = "must have field names written as text (short, without control characters)"
RULE_MAX_DEPTH = "must not nest lists or mappings deeper than {max_depth} levels"
RULE_MAX_KEYS = "must have at most {max_keys} fields"
RULE_MAX_LIST_ITEMS = "must have at most {max_items} items"
RULE_MAX_TEXT = "must be at most {max_length} characters"
RULE_CONTROL_CHARS = (
    "must not contain control characters (such as NUL) or unpaired surrogate characters"
)
RULE_NUMBER_DIGITS = "must be a number of at most {max_digits} digits"
RULE_PLAIN_VALUE = "must be text, a number, true/false, a date, a list or a mapping"
RULE_TOO_MANY_VALUES = "must hold at most {max_values} values in all"
RULE_STORE_LIMIT = "must be at most {max_length} characters, as the register stores it ({where})"
MORE_PROBLEMS = "(and more problems, not listed: fix these first)"

MISSING_VALUE = "<missing>"
MAX_LISTED = 50  # problems listed in a message; the error's ``problems`` holds them all
VALUE_MAX_CHARS = 60
# The pydantic error type that carries ready-made problems from insyn's own rules.
RULES_ERROR_TYPE = "insyn_record_rules"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX_CHARS = 64


def is_slug(value: object) -> bool:
    """Whether ``value`` can be a record's slug (3-64 characters of the slug pattern)."""
    return (
        isinstance(value, str)
        and 3 <= len(value) <= SLUG_MAX_CHARS
        and re.fullmatch(SLUG_PATTERN, value) is not None
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class Problem:
    """One broken rule: dotted field path, the rule in plain words, the given value."""

    path: str
    rule: str
    value: str

    def __str__(self) -> str:
        return MESSAGE_LINE.format(path=self.path, rule=self.rule, value=self.value)


class RecordValidationError(InsynError, ValueError):
    """A transparency record that breaks the schema; lists every problem at once.

    ``problems`` is empty only for errors about the file itself (missing file,
    YAML syntax, no mapping at the top level); the message then says what is wrong.
    """

    def __init__(
        self,
        problems: Iterable[Problem] = (),
        *,
        source: str = UNNAMED_SOURCE,
        message: str | None = None,
    ) -> None:
        self._problems = tuple(problems)
        self._source = source
        if message is None:
            message = format_problems(self._problems, source=source)
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._problems, self._source, str(self)))

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem found, in the order pydantic reports the fields."""
        return self._problems

    @property
    def source(self) -> str:
        """The slug (quoted) or file the message names."""
        return self._source

    @classmethod
    def from_validation_error(
        cls,
        error: ValidationError,
        *,
        source: str = UNNAMED_SOURCE,
        extra: Iterable[Problem] = (),
    ) -> RecordValidationError:
        """Translate pydantic's error; ``extra`` problems are added unless their path is known."""
        problems = problems_from_validation_error(error)
        seen = {p.path for p in problems}
        problems += [p for p in extra if p.path not in seen]
        return cls(problems, source=source)


def _rebuild(problems: tuple[Problem, ...], source: str, message: str) -> RecordValidationError:
    return RecordValidationError(problems, source=source, message=message)


def format_problems(problems: tuple[Problem, ...], *, source: str) -> str:
    """One message: a header line naming the record, then one line per problem."""
    noun = "problem" if len(problems) == 1 else "problems"
    header = MESSAGE_HEADER.format(source=source, count=len(problems), noun=noun)
    lines = [header, *(str(p) for p in problems[:MAX_LISTED])]
    if len(problems) > MAX_LISTED:
        lines.append(MORE_PROBLEMS)
    return "\n".join(lines)


def _bounded_text(value: Any, budget: int, depth: int = 0) -> str:
    """A representation of ``value`` of about ``budget`` characters at most, built without
    formatting more of the value than that (no ``repr()`` of a huge or recursive value)."""
    if isinstance(value, str | bytes):
        return repr(value[: budget + 2])
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 4 * budget:
            digits = int(value.bit_length() * math.log10(2)) + 1
            return f"a number with about {digits} digits"
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if depth >= 3:
        return "..."
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        parts: list[str] = []
        used = 0
        for key in value:
            if used > budget:
                parts.append("...")
                break
            part = key if isinstance(key, str) else _bounded_text(key, budget, depth + 1)
            part = part[: budget + 2]
            parts.append(part)
            used += len(part) + 2
        return "a mapping with keys " + ", ".join(parts)
    if isinstance(value, list | tuple):
        parts = []
        used = 0
        for item in value:
            if used > budget:
                parts.append("...")
                break
            part = _bounded_text(item, budget - used, depth + 1)
            parts.append(part)
            used += len(part) + 2
        return "[" + ", ".join(parts) + "]"
    if type(value).__name__ == "OversizedNumber":
        return repr(value)  # its own short form (register.record._guard)
    return f"<{type(value).__name__}>"


def short_value(value: Any, *, length: bool = False) -> str:
    """A short, readable representation of a given value (at most ~60 characters).

    Bounded in time and memory for any value: only the part that is shown is formatted.
    """
    text = _bounded_text(value, VALUE_MAX_CHARS)
    if len(text) > VALUE_MAX_CHARS:
        text = text[: VALUE_MAX_CHARS - 3] + "..."
    if length and isinstance(value, str):
        text += f" ({len(value)} characters)"
    return text


def kind_of(value: Any) -> str:
    """Plain words for the kind of a YAML/JSON value ('a list', 'text', ...)."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _choices(expected: str) -> str:
    quoted = re.findall(r"'([^']*)'", expected)
    return ", ".join(quoted) if quoted else expected.replace(" or ", ", ")


def _rule(kind: str, ctx: Mapping[str, Any], given: Any) -> str:
    """The plain-words rule for one pydantic error type."""
    if kind == "missing":
        return RULE_REQUIRED
    if kind == "extra_forbidden":
        return RULE_UNKNOWN_FIELD
    if kind == "string_too_short":
        minimum = int(ctx.get("min_length", 1))
        return RULE_NOT_EMPTY if minimum <= 1 else RULE_MIN_CHARS.format(min_length=minimum)
    if kind == "string_too_long":
        return RULE_MAX_CHARS.format(max_length=ctx.get("max_length"))
    if kind == "string_type":
        return RULE_TEXT_NOT_BOOL if isinstance(given, bool) else RULE_TEXT
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return RULE_SLUG if pattern == SLUG_PATTERN else RULE_PATTERN.format(pattern=pattern)
    if kind in ("enum", "literal_error"):
        return RULE_ONE_OF.format(choices=_choices(str(ctx.get("expected", ""))))
    if kind.startswith("bool_"):
        return RULE_BOOL
    if kind.startswith(("date_", "datetime_")):
        return RULE_DATE
    if kind == "invalid_email":
        return RULE_EMAIL
    if kind == "invalid_url" or kind.startswith("url_"):
        return RULE_URL
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return RULE_LOCALIZED if ctx.get("class_name") == "LocalizedText" else RULE_MAPPING
    if kind in ("list_type", "tuple_type", "iterable_type"):
        return RULE_LIST
    if kind == "too_short":
        return RULE_MIN_ITEMS.format(min_length=ctx.get("min_length"))
    return RULE_OTHER.format(detail=str(ctx.get("detail", kind))[:200])


def dotted(loc: Iterable[Any]) -> str:
    """A pydantic location as a dotted path (``legal_basis.references.0.url``)."""
    return ".".join(str(part) for part in loc)


def problems_from_validation_error(error: ValidationError) -> list[Problem]:
    """Every problem of a pydantic ValidationError, as plain-words Problems."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        ctx: Mapping[str, Any] = item.get("ctx") or {}
        kind = item["type"]
        if kind == RULES_ERROR_TYPE:
            for sub, rule, value in ctx["problems"]:
                problems.append(Problem(path=dotted(loc + tuple(sub)), rule=rule, value=value))
            continue
        given = item.get("input")
        if kind == "missing":
            value = MISSING_VALUE
        else:
            value = short_value(given, length=kind == "string_too_long")
        if kind not in {"missing", "extra_forbidden"} and "detail" not in ctx:
            ctx = {**ctx, "detail": item["msg"]}
        problems.append(Problem(path=dotted(loc), rule=_rule(kind, ctx, given), value=value))
    return problems


# Problems found by insyn's own rules: (path below the validated value, rule, value).
RuleProblem = tuple[tuple[str | int, ...], str, str]


def rules_error(problems: list[RuleProblem]) -> PydanticCustomError:
    """A pydantic error carrying ready-made problems (expanded by the translation)."""
    summary = "; ".join(f"{dotted(p)}: {rule}" for p, rule, _ in problems)
    ctx = {"summary": summary, "problems": tuple(problems)}
    return PydanticCustomError(RULES_ERROR_TYPE, "{summary}", ctx)


def cross_field_problems(
    *,
    status: Any,
    start: dt.date | None,
    end: dt.date | None,
    protected: set[str],
    features: list[tuple[Any, Any]],
) -> list[RuleProblem]:
    """Problems of the rules that join several fields (dates, protected features)."""
    problems: list[RuleProblem] = []
    if start is not None and end is not None and end < start:
        rule = RULE_END_BEFORE_START.format(start=start.isoformat())
        problems.append((("end_date",), rule, end.isoformat()))
    if status == "retired" and end is None:
        problems.append((("end_date",), RULE_RETIRED_END, MISSING_VALUE))
    first: dict[str, int] = {}
    for index, (name, changeable) in enumerate(features):
        where = ("technical", "features", index)
        if not isinstance(name, str):
            continue
        if changeable is True and name in protected:
            given = f"true (feature {name!r})"
            problems.append(((*where, "changeable"), RULE_CHANGEABLE_PROTECTED, given))
        if name in first:
            rule = RULE_DUPLICATE_FEATURE.format(index=first[name])
            problems.append(((*where, "name"), rule, short_value(name)))
        first.setdefault(name, index)
    return problems


def _lenient(kind: type[Any], value: Any) -> Any:
    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError:
        return None


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def raw_cross_field_problems(data: Mapping[Any, Any]) -> list[Problem]:
    """The cross-field rules checked on raw data, to list them next to field errors.

    pydantic runs the record's own check only when every field is valid; this
    best-effort pass looks only at the values that are themselves valid.
    """
    section = data.get("data")
    technical = data.get("technical")
    protected = section.get("protected_attributes") if isinstance(section, Mapping) else None
    features = technical.get("features") if isinstance(technical, Mapping) else None
    problems = cross_field_problems(
        status=data.get("status"),
        start=_lenient(dt.date, data.get("start_date")),
        end=_lenient(dt.date, data.get("end_date")),
        protected={p for p in _items(protected) if isinstance(p, str)},
        features=[
            (f.get("name"), _lenient(bool, f.get("changeable", False)))
            for f in _items(features)
            if isinstance(f, Mapping)
        ],
    )
    return [Problem(path=dotted(p), rule=rule, value=value) for p, rule, value in problems]
