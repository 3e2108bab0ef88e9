"""Numbers a reader types, read as the reader's language writes them (app_pages._numbers)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app_pages._numbers import AMBIGUOUS, NOT_A_NUMBER, NumberFormatError, format_input, read_number

READ = [
    ("sv", "1,5", 1.5),
    ("sv", "15", 15.0),
    ("sv", "−1,25", -1.25),
    ("sv", "12 500", 12500.0),
    ("sv", "12\u00a0500,5", 12500.5),
    ("sv", "1\u202f234\u202f567", 1234567.0),
    ("sv", "0.55", 0.55),
    ("sv", "1,500", 1.5),
    ("sv", ",5", 0.5),
    ("en", "1.5", 1.5),
    ("en", "12,500", 12500.0),
    ("en", "12,500.25", 12500.25),
    ("en", "1 500", 1500.0),
    ("en", "-0.5", -0.5),
    ("en", "1.500", 1.5),
]
REFUSED = [
    ("sv", "1.500", AMBIGUOUS),
    ("sv", "2.000.000", AMBIGUOUS),
    ("sv", "1,5,5", NOT_A_NUMBER),
    ("sv", "1 2 3", NOT_A_NUMBER),
    ("sv", "1_5", NOT_A_NUMBER),
    ("sv", "1e3", NOT_A_NUMBER),
    ("sv", "15 %", NOT_A_NUMBER),
    ("sv", "١٥", NOT_A_NUMBER),
    ("sv", "", NOT_A_NUMBER),
    ("en", "1,5", NOT_A_NUMBER),
    ("en", "1,50", NOT_A_NUMBER),
    ("en", "12,50,000", NOT_A_NUMBER),
    ("en", "1.5.5", NOT_A_NUMBER),
    ("en", "9" * 41, NOT_A_NUMBER),
]


@pytest.mark.parametrize(("lang", "text", "number"), READ)
def test_numbers_are_read_as_the_language_writes_them(lang: str, text: str, number: float) -> None:
    assert read_number(text, lang) == number


@pytest.mark.parametrize(("lang", "text", "kind"), REFUSED)
def test_text_that_is_not_a_number_in_the_language_is_refused(
    lang: str, text: str, kind: str
) -> None:
    with pytest.raises(NumberFormatError) as caught:
        read_number(text, lang)
    assert caught.value.kind == kind


def test_the_reported_fault_reads_one_and_a_half_not_fifteen() -> None:
    assert read_number("1,5", "sv") == 1.5
    with pytest.raises(NumberFormatError):
        read_number("1,5", "en")


@given(
    st.sampled_from(["sv", "en"]),
    st.one_of(
        st.integers(-(10**9), 10**9).map(lambda n: (n, True)),
        st.integers(-(10**9), 10**9).map(lambda n: (n / 1000, False)),
    ),
)
def test_a_formatted_number_reads_back_exactly(lang: str, case: tuple[float, bool]) -> None:
    value, integer = case
    assert read_number(format_input(value, lang, integer=integer), lang) == value


@given(st.sampled_from(["sv", "en"]), st.text(max_size=12))
def test_any_text_is_a_number_or_refused_never_an_error(lang: str, text: str) -> None:
    try:
        number = read_number(text, lang)
    except NumberFormatError:
        return
    assert isinstance(number, float)
