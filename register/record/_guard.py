"""Bounds a record file or mapping must keep before the schema validation sees it.

Records come from many organisations and from files anyone can write. Before
pydantic looks at a value, this module guarantees that reading and checking it
costs at most about a second and a bounded amount of memory, whatever it holds:

- :func:`read_yaml_record` reads at most :data:`MAX_FILE_BYTES` bytes, refuses
  invalid UTF-8, refuses YAML anchors and aliases (so no "billion laughs"
  expansion: the demo records use none), refuses values nested deeper than
  :data:`MAX_YAML_DEPTH` or more than :data:`MAX_YAML_NODES` values, refuses a
  key given twice or a list or mapping used as a key, and never turns a number
  written with more than :data:`MAX_NUMBER_CHARS` characters into a Python
  number (it becomes :class:`OversizedNumber`, refused below with its field);
- :func:`bound_problems` walks a mapping (from YAML, JSON or Python) without
  recursion and with a budget of :data:`MAX_VALUES` values, and lists the
  values that break a bound, each with its dotted field path, the rule and a
  safely shortened value: non-text keys, nesting deeper than :data:`MAX_DEPTH`,
  lists longer than :data:`MAX_ITEMS`, mappings with more than :data:`MAX_KEYS`
  keys, texts longer than :data:`MAX_TEXT_CHARS` or with control characters or
  unpaired surrogates (the store refuses NUL; UTF-8 cannot hold a surrogate),
  numbers with more than :data:`MAX_NUMBER_DIGITS` digits, and values that are
  not plain data. A self-referencing mapping is caught by the depth bound.

No value is ever ``repr()``-ed whole: :func:`register.record._errors.short_value`
shortens before it formats.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.resolver import Resolver

from register.record._errors import (
    FILE_NOT_READABLE,
    FILE_NOT_YAML,
    FILE_TOO_LARGE,
    RULE_CONTROL_CHARS,
    RULE_KEY_TEXT,
    RULE_MAX_DEPTH,
    RULE_MAX_KEYS,
    RULE_MAX_LIST_ITEMS,
    RULE_MAX_TEXT,
    RULE_NUMBER_DIGITS,
    RULE_PLAIN_VALUE,
    RULE_TOO_MANY_VALUES,
    RecordValidationError,
    RuleProblem,
    short_value,
)

MAX_FILE_BYTES = 256 * 1024
MAX_YAML_NODES = 20_000
MAX_YAML_DEPTH = 32
MAX_NUMBER_CHARS = 40
MAX_DEPTH = 10
MAX_ITEMS = 1_000
MAX_KEYS = 100
MAX_TEXT_CHARS = 100_000
MAX_NUMBER_DIGITS = 30
MAX_VALUES = 50_000
MAX_PROBLEMS = 50

YAML_NO_ANCHORS = "anchors (&name) and aliases (*name) are not allowed in a record"
YAML_TOO_DEEP = "values are nested deeper than {max_depth} levels"
YAML_TOO_MANY_NODES = "the file holds more than {max_nodes} values"
YAML_KEY_NOT_TEXT = "a field name must be text, not a list or mapping"
YAML_KEY_TWICE = "the key {key} is given twice"

# Control characters other than tab, line feed and carriage return, and surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_PLAIN_LEAVES = (str, bool, int, float, dt.date, type(None))

try:  # libyaml's parser produces the events (fast); insyn's composer below checks them.
    import yaml.cyaml

    CParser: Any = yaml.cyaml.CParser  # type: ignore[attr-defined]
except (ImportError, AttributeError):  # pragma: no cover - PyYAML built without libyaml
    CParser = None


class OversizedNumber:
    """A YAML number written with too many characters to be read safely (kept as text)."""

    __slots__ = ("length", "start")

    def __init__(self, text: str) -> None:
        self.start = text[:20]
        self.length = len(text)

    def __repr__(self) -> str:
        return f"{self.start}... ({self.length} characters)"


class _Bounds:
    """SafeLoader semantics, with no anchors or aliases, bounded depth and size, text keys."""

    def _start_bounds(self) -> None:
        self._depth = 0
        self._nodes = 0

    def compose_node(self: Any, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, YAML_NO_ANCHORS, event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            problem = YAML_TOO_MANY_NODES.format(max_nodes=MAX_YAML_NODES)
            raise yaml.composer.ComposerError(None, None, problem, event.start_mark)
        nested = isinstance(event, MappingStartEvent | SequenceStartEvent)
        if nested:
            self._depth += 1
            if self._depth > MAX_YAML_DEPTH:
                problem = YAML_TOO_DEEP.format(max_depth=MAX_YAML_DEPTH)
                raise yaml.composer.ComposerError(None, None, problem, event.start_mark)
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            if nested:
                self._depth -= 1

    def construct_mapping(self: Any, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, YAML_KEY_NOT_TEXT, key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, YAML_KEY_TWICE.format(key=short_value(key)), key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc, no-any-return]

    def _number(self, node: Any, build: Any) -> Any:
        text = str(node.value)
        if len(text) > MAX_NUMBER_CHARS:
            return OversizedNumber(text)
        return build(self, node)


class _PyLoader(_Bounds, yaml.SafeLoader):
    def __init__(self, text: str) -> None:
        yaml.SafeLoader.__init__(self, text)
        self._start_bounds()


if CParser is not None:

    class _CLoader(_Bounds, Composer, CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._start_bounds()


_Loader: Any = _PyLoader if CParser is None else _CLoader
for _tag, _build in (
    ("tag:yaml.org,2002:int", SafeConstructor.construct_yaml_int),
    ("tag:yaml.org,2002:float", SafeConstructor.construct_yaml_float),
):
    _Loader.add_constructor(_tag, lambda loader, node, build=_build: loader._number(node, build))


def _yaml_detail(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    problem = short_value(problem).strip("'\"") if len(str(problem)) > 200 else problem
    if mark is None:
        return str(problem)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"


def read_yaml_record(path: Path) -> Any:
    """The YAML value in ``path`` within the file bounds, or RecordValidationError naming why.

    A missing file raises FileNotFoundError (the caller names it).
    """
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        message = FILE_TOO_LARGE.format(file=path, limit=MAX_FILE_BYTES)
        raise RecordValidationError(source=str(path), message=message)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        detail = f"it is not UTF-8 text (byte {error.start + 1} cannot be read)"
        raise RecordValidationError(
            source=str(path), message=FILE_NOT_READABLE.format(file=path, detail=detail)
        ) from None
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        message = FILE_NOT_YAML.format(file=path, detail=_yaml_detail(error))
        raise RecordValidationError(source=str(path), message=message) from None
    except (RecursionError, MemoryError):  # pragma: no cover - bounded above
        detail = YAML_TOO_DEEP.format(max_depth=MAX_YAML_DEPTH)
        message = FILE_NOT_YAML.format(file=path, detail=detail)
        raise RecordValidationError(source=str(path), message=message) from None
    finally:
        loader.dispose()


def _leaf_problem(value: Any) -> str | None:
    """The rule a leaf value breaks, or None."""
    if isinstance(value, OversizedNumber):
        return RULE_NUMBER_DIGITS.format(max_digits=MAX_NUMBER_DIGITS)
    if isinstance(value, str):
        if len(value) > MAX_TEXT_CHARS:
            return RULE_MAX_TEXT.format(max_length=MAX_TEXT_CHARS)
        if _CONTROL.search(value):
            return RULE_CONTROL_CHARS
        return None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        # Compare bits, never digits: converting a huge int to text is the slow part.
        if value.bit_length() > MAX_NUMBER_DIGITS * math.log2(10):
            return RULE_NUMBER_DIGITS.format(max_digits=MAX_NUMBER_DIGITS)
        return None
    if isinstance(value, _PLAIN_LEAVES):
        return None
    return RULE_PLAIN_VALUE


def bound_problems(data: Mapping[Any, Any]) -> list[RuleProblem]:
    """Every bound ``data`` breaks (at most :data:`MAX_PROBLEMS`), as (path, rule, value).

    Runs in time and memory proportional to :data:`MAX_VALUES` at most; values
    below a broken bound are not looked into.
    """
    problems: list[RuleProblem] = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    visited = 0
    while stack and len(problems) < MAX_PROBLEMS:
        path, value = stack.pop()
        visited += 1
        if visited > MAX_VALUES:
            rule = RULE_TOO_MANY_VALUES.format(max_values=MAX_VALUES)
            problems.append(((), rule, f"more than {MAX_VALUES} values"))
            break
        if isinstance(value, Mapping | list | tuple) and len(path) >= MAX_DEPTH:
            problems.append((path, RULE_MAX_DEPTH.format(max_depth=MAX_DEPTH), short_value(value)))
            continue
        if isinstance(value, Mapping):
            if len(value) > MAX_KEYS:
                given = f"{len(value)} fields"
                problems.append((path, RULE_MAX_KEYS.format(max_keys=MAX_KEYS), given))
                continue
            children: list[tuple[tuple[str | int, ...], Any]] = []
            for key, child in value.items():
                text_key = isinstance(key, str) and len(key) <= MAX_TEXT_CHARS
                if not text_key or _CONTROL.search(key):
                    problems.append((path, RULE_KEY_TEXT, short_value(key)))
                else:
                    children.append(((*path, key), child))
            stack.extend(reversed(children))
        elif isinstance(value, list | tuple):
            if len(value) > MAX_ITEMS:
                given = f"{len(value)} items"
                problems.append((path, RULE_MAX_LIST_ITEMS.format(max_items=MAX_ITEMS), given))
                continue
            stack.extend(reversed([((*path, i), item) for i, item in enumerate(value)]))
        else:
            broken = _leaf_problem(value)
            if broken is not None:
                shown = short_value(value, length=isinstance(value, str))
                problems.append((path, broken, shown))
    return problems
