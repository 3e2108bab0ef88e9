"""Hostile record files: every one is accepted or plainly refused, fast and in bounded memory.

The property test starts from the real demo record and mutates it the way an
outside tester did: wrong types, huge texts, deep nesting, YAML anchors and
aliases, giant numbers, odd keys, tags, invalid UTF-8 and truncation. Each
file must be either a valid record or refused with the register's own error,
whose message names the file or the field and the rule, within one second and
under a tracemalloc peak of :data:`MEMORY_BOUND` bytes.
"""

from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from register.record._errors import (
    FILE_NOT_YAML,
    FILE_TOO_LARGE,
    MESSAGE_HEADER,
    RULE_CHANGEABLE_PROTECTED,
    RULE_CONTROL_CHARS,
    RULE_KEY_TEXT,
    RULE_MAX_CHARS,
    RULE_MAX_DEPTH,
    RULE_MAX_TEXT,
    RULE_NUMBER_DIGITS,
    RULE_PLAIN_VALUE,
    RULE_TEXT,
    TOP_LEVEL,
    RecordValidationError,
)
from register.record._guard import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NUMBER_DIGITS,
    MAX_TEXT_CHARS,
    YAML_KEY_NOT_TEXT,
    YAML_NO_ANCHORS,
)
from register.record._schema import (
    DEPARTMENT_MAX_CHARS,
    TransparencyRecord,
    load_record,
    parse_record,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "models" / "benefits-uptake" / "record.yaml"
DEMO_TEXT = DEMO.read_text(encoding="utf-8")
DEMO_DATA: dict[str, Any] = yaml.safe_load(DEMO_TEXT)
TIME_BOUND = 1.0  # CPU seconds of this process, per file (the demo record loads in ~50 ms);
# CPU time, not wall-clock: the shared servers other tests leave running load the machine
MEMORY_BOUND = 64 * 1024 * 1024  # bytes of Python allocations at the peak
MESSAGE_BOUND = 20_000  # characters: a refusal is read by a person
FILE_MESSAGE = re.compile(r"^The transparency record file .+ (is|cannot|does|must)")
PROBLEM_LINE = re.compile(r"^- (?P<path>[^:]+): (?P<rule>.+) \(given: (?P<value>.*)\)$")
RAW = "RAWPLACEHOLDER"


def _outcome(path: Path) -> tuple[TransparencyRecord | RecordValidationError, float, int]:
    """Load ``path``; the record or the register's error, the CPU seconds taken, the peak bytes."""
    tracemalloc.start()
    started = time.process_time()
    try:
        result: TransparencyRecord | RecordValidationError = load_record(path)
    except RecordValidationError as error:
        result = error
    finally:
        elapsed = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, elapsed, peak


def assert_plain_outcome(path: Path) -> TransparencyRecord | RecordValidationError:
    """Accepted, or refused in plain words naming file or field and rule; fast, bounded."""
    result, elapsed, peak = _outcome(path)
    assert elapsed < TIME_BOUND, f"{elapsed:.2f} s"
    assert peak < MEMORY_BOUND, f"{peak / 1e6:.1f} MB"
    if isinstance(result, TransparencyRecord):
        return result
    message = str(result)
    assert 0 < len(message) < MESSAGE_BOUND
    if result.problems:
        lines = message.splitlines()
        assert lines[0].startswith("The transparency record ") and " problem" in lines[0]
        for problem in result.problems:
            assert problem.path and problem.rule and problem.value
            assert len(problem.value) < 200
        for line in lines[1:]:
            if line.startswith("- "):
                assert PROBLEM_LINE.match(line), line
    else:
        assert FILE_MESSAGE.match(message), message
        assert str(path) in message
    return result


# -- generating hostile files ----------------------------------------------------
def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = [p for p in _paths(DEMO_DATA) if p]


def _nested(depth: int, mapping: bool) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value} if mapping else [value]
    return value


# Raw YAML that safe_dump cannot write: giant numbers, aliases, tags, complex keys.
RAW_SNIPPETS = st.one_of(
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.integers(1, 3000).map(lambda n: "-0x" + "f" * n),
    st.integers(1, 3000).map(lambda n: ":".join(["59"] * n)),
    st.integers(1, 3000).map(lambda n: "1" + "0" * n + ".5e" + "9" * min(n, 40)),
    st.sampled_from(
        [
            "&a [lol, lol, lol]",
            "*undefined",
            "!!binary AAAA",
            "!!set {a, b}",
            "!!omap [a: 1]",
            "!!python/object:os.system ls",
            "!!timestamp 2024-02-30",
            "{? [a, b] : c}",
            "{? {k: v} : c}",
            "{1: a, true: b, null: c, 2024-01-01: d}",
            '"\\0\\x07\\ud800"',
            ".nan",
            "-.inf",
            "1e99999",
            "0o777777777777777777777777777777777777777777",
            "[&x a, *x, *x]",
        ]
    ),
)
HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**40), 10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.text(max_size=40),
    st.builds(lambda ch, n: ch * n, st.characters(), st.integers(0, 120_000)),
    st.builds(_nested, st.integers(1, 60), st.booleans()),
    st.lists(st.text(max_size=5), max_size=5),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=4),
    st.dictionaries(st.integers(), st.text(max_size=3), min_size=1, max_size=3),
    st.builds(lambda n: [["x"] * 3] * n, st.integers(0, 3000)),
    st.builds(lambda n: {f"k{i}": i for i in range(n)}, st.integers(0, 400)),
    st.text(alphabet="\u200d\u202e\u2066\ufeff\x00\x1b\u0301", max_size=20),
    RAW_SNIPPETS.map(lambda raw: (RAW, raw)),
)


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


@st.composite
def hostile_files(draw: st.DrawFn) -> bytes:
    """The demo record with 1-3 fields replaced by hostile values, then maybe corrupted bytes."""
    data = yaml.safe_load(DEMO_TEXT)
    raws: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        value = draw(HOSTILE_VALUES)
        if isinstance(value, tuple) and value and value[0] == RAW:
            raws.append(value[1])
            value = f"{RAW}{len(raws) - 1}"
        try:
            _set(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced the parent
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200)
    for index, raw in enumerate(raws):
        text = re.sub(rf"'?{RAW}{index}'?", lambda _m, raw=raw: raw, text)
    if draw(st.booleans()):
        text += draw(st.sampled_from(["", "extra: &e x\nmore: *e\n", "? [k]\n: v\n", "1: one\n"]))
    content = text.encode("utf-8", errors="surrogatepass")
    corruption = draw(st.sampled_from(["none", "none", "bytes", "truncate"]))
    if corruption == "bytes":
        at = draw(st.integers(0, len(content)))
        content = (
            content[:at]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"]))
            + (content[at:])
        )
    elif corruption == "truncate":
        content = content[: draw(st.integers(0, len(content)))]
    return content


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(content=hostile_files())
def test_every_hostile_record_file_is_accepted_or_plainly_refused(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    path = tmp_path_factory.mktemp("hostile") / "record.yaml"
    path.write_bytes(content)
    assert_plain_outcome(path)


# -- each finding of the outside tester, explicitly --------------------------------
def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "record.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _refusal(tmp_path: Path, text: str | bytes) -> RecordValidationError:
    result = assert_plain_outcome(_write(tmp_path, text))
    assert isinstance(result, RecordValidationError)
    return result


def _one_problem(error: RecordValidationError) -> tuple[str, str, str]:
    [problem] = error.problems
    return problem.path, problem.rule, problem.value


BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def test_the_demo_records_load_within_the_bounds(tmp_path: Path) -> None:
    for demo in sorted((ROOT / "models").glob("*/record.yaml")):
        assert isinstance(assert_plain_outcome(demo), TransparencyRecord)


def test_billion_laughs_is_refused_at_once(tmp_path: Path) -> None:
    assert len(BILLION_LAUGHS) < 1024
    error = _refusal(tmp_path, BILLION_LAUGHS)
    assert str(error).startswith(FILE_NOT_YAML.split("{detail}")[0].format(file=error.source))
    assert YAML_NO_ANCHORS in str(error)
    assert "line 1" in str(error)


def test_a_list_or_mapping_as_feature_name_is_named(tmp_path: Path) -> None:
    for value in ("[age, x]", "{a: 1}"):
        text = DEMO_TEXT.replace("- name: age", f"- name: {value}", 1)
        path, rule, given = _one_problem(_refusal(tmp_path, text))
        assert (path, rule) == ("technical.features.2.name", RULE_TEXT)
        assert "age" in given or "a mapping with keys a" in given


def test_a_protected_feature_named_by_a_list_does_not_crash_the_cross_field_rules() -> None:
    data = yaml.safe_load(DEMO_TEXT)
    data["technical"]["features"][0]["name"] = ["age"]
    data["technical"]["features"][0]["changeable"] = True
    data["data"]["protected_attributes"] = ["age"]
    with pytest.raises(RecordValidationError) as caught:
        parse_record(data)
    paths = [p.path for p in caught.value.problems]
    assert "technical.features.0.name" in paths
    assert RULE_CHANGEABLE_PROTECTED not in str(caught.value)


@pytest.mark.parametrize("key", ["? [a, b]\n: c\n", "? {a: 1}\n: c\n"])
def test_a_list_or_mapping_as_key_is_refused(tmp_path: Path, key: str) -> None:
    error = _refusal(tmp_path, DEMO_TEXT + key)
    assert YAML_KEY_NOT_TEXT in str(error)


def test_a_number_as_key_is_named(tmp_path: Path) -> None:
    path, rule, given = _one_problem(_refusal(tmp_path, DEMO_TEXT + "1: one\n"))
    assert (path, rule, given) == (TOP_LEVEL, RULE_KEY_TEXT, "1")


@pytest.mark.parametrize("digits", [31, 5001, 100_000])
def test_a_giant_integer_is_named_without_being_converted(tmp_path: Path, digits: int) -> None:
    text = DEMO_TEXT.replace("schema_version: 1", "schema_version: " + "9" * digits)
    path, rule, given = _one_problem(_refusal(tmp_path, text))
    assert (path, rule) == ("schema_version", RULE_NUMBER_DIGITS.format(max_digits=30))
    assert len(given) < 80


def test_a_giant_python_integer_is_named_without_being_printed() -> None:
    data = yaml.safe_load(DEMO_TEXT)
    data["supplier"] = 7**100_000  # about 84,510 digits: more than Python will print
    with pytest.raises(RecordValidationError) as caught:
        parse_record(data)
    assert _one_problem(caught.value)[:2] == (
        "supplier",
        RULE_NUMBER_DIGITS.format(max_digits=MAX_NUMBER_DIGITS),
    )
    assert "about 84510 digits" in caught.value.problems[0].value


@pytest.mark.parametrize("mapping", [False, True])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 30, 5000])
def test_deep_nesting_is_refused(tmp_path: Path, depth: int, mapping: bool) -> None:
    value = ("{a: " * depth + "1" + "}" * depth) if mapping else "[" * depth + "]" * depth
    error = _refusal(tmp_path, DEMO_TEXT.replace("supplier:", f"supplier: {value}\nx_supplier:"))
    if error.problems:
        problem = error.problems[0]
        assert problem.rule == RULE_MAX_DEPTH.format(max_depth=MAX_DEPTH)
        assert problem.path.startswith("supplier.0" if not mapping else "supplier.a")
    else:
        assert "nested deeper than" in str(error) or "nesting depth" in str(error)


def test_a_recursive_mapping_is_refused() -> None:
    data: dict[str, Any] = yaml.safe_load(DEMO_TEXT)
    data["supplier"] = data
    with pytest.raises(RecordValidationError) as caught:
        parse_record(data)
    assert caught.value.problems[0].rule == RULE_MAX_DEPTH.format(max_depth=MAX_DEPTH)


def test_a_file_larger_than_the_bound_is_refused_unread(tmp_path: Path) -> None:
    text = DEMO_TEXT + "x: " + "a" * MAX_FILE_BYTES + "\n"
    error = _refusal(tmp_path, text)
    assert str(error) == FILE_TOO_LARGE.format(file=error.source, limit=MAX_FILE_BYTES)


def test_invalid_utf8_names_the_byte(tmp_path: Path) -> None:
    content = DEMO_TEXT.encode("utf-8")
    error = _refusal(tmp_path, content[:100] + b"\xff" + content[100:])
    assert "is not UTF-8 text (byte 101 cannot be read)" in str(error)


@pytest.mark.parametrize("escape", ["\\0", "\\x1b", "\\ud800"])
def test_control_characters_and_surrogates_are_refused(tmp_path: Path, escape: str) -> None:
    text = DEMO_TEXT.replace("supplier:", f'supplier: "a{escape}b"\nx_supplier:')
    error = _refusal(tmp_path, text)
    if error.problems:
        assert _one_problem(error)[:2] == ("supplier", RULE_CONTROL_CHARS)
    else:
        assert "escape" in str(error)


def test_a_100000_character_field_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    text = DEMO_TEXT.replace(
        "department: Arbetsmarknadsförvaltningen", "department: " + "d" * 100_000
    )
    path, rule, given = _one_problem(_refusal(tmp_path, text))
    assert path == "department"
    assert rule.startswith("must be at most ")
    assert "(100000 characters)" in given
    text = DEMO_TEXT.replace(
        "department: Arbetsmarknadsförvaltningen", "department: " + "d" * (DEPARTMENT_MAX_CHARS + 1)
    )
    assert _one_problem(_refusal(tmp_path, text))[:2] == (
        "department",
        RULE_MAX_CHARS.format(max_length=DEPARTMENT_MAX_CHARS),
    )


def test_many_problems_are_counted_but_listed_briefly() -> None:
    data = yaml.safe_load(DEMO_TEXT)
    data["data"]["protected_attributes"] = [1] * 900
    with pytest.raises(RecordValidationError) as caught:
        parse_record(data)
    assert len(caught.value.problems) == 900
    lines = str(caught.value).splitlines()
    assert lines[0] == MESSAGE_HEADER.format(source="'benefits-uptake'", count=900, noun="problems")
    assert len(lines) < 60


class _Hostile:
    """A value whose repr would take forever or fail: the message must never call it."""

    def __repr__(self) -> str:
        raise AssertionError("repr() of a hostile value was called")

    __str__ = __repr__


def test_a_value_that_is_not_plain_data_is_named_by_its_kind_only() -> None:
    data = yaml.safe_load(DEMO_TEXT)
    data["supplier"] = _Hostile()
    data["technical"]["features"][0]["name"] = [_Hostile()] * 3
    with pytest.raises(RecordValidationError) as caught:
        parse_record(data)
    values = {p.path: (p.rule, p.value) for p in caught.value.problems}
    assert values["supplier"] == (RULE_PLAIN_VALUE, "<_Hostile>")
    assert values["technical.features.0.name.0"] == (RULE_PLAIN_VALUE, "<_Hostile>")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(PATHS),
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=4) | st.integers(), children, max_size=4)
        ),
        max_leaves=40,
    ),
)
def test_any_json_like_value_in_any_field_is_accepted_or_named(
    path: tuple[Any, ...], value: Any
) -> None:
    data = yaml.safe_load(DEMO_TEXT)
    _set(data, path, value)
    started = time.process_time()
    try:
        parse_record(data)
    except RecordValidationError as error:
        assert error.problems
        assert all(p.path and p.rule and len(p.value) < 200 for p in error.problems)
    assert time.process_time() - started < TIME_BOUND


def test_a_text_longer_than_any_field_may_be_is_refused_before_validation() -> None:
    data = yaml.safe_load(DEMO_TEXT)
    data["purpose"]["en"] = "p" * (MAX_TEXT_CHARS + 1)
    with pytest.raises(RecordValidationError) as caught:
        parse_record(data)
    assert _one_problem(caught.value) == (
        "purpose.en",
        RULE_MAX_TEXT.format(max_length=MAX_TEXT_CHARS),
        "'" + "p" * 56 + "... (100001 characters)",
    )
