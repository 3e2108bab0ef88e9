"""Numbers typed by a reader, read as the reader's language writes them (no Streamlit).

The try-it form takes numbers as text, because a browser's number field reads
``1,5`` as ``15``. :func:`read_number` reads the text the way the page's
language writes numbers, or refuses it; it never returns a different number
from the one a reader of that language would see:

- Swedish: decimal comma (``1,5``), thousands separated by a space, a
  no-break space or a narrow no-break space (``12 500``). A point is read as a
  decimal point too (``0.55``, as keyboards and calculators write it) unless it
  could be a thousands separator (``1.500``, ``2.000.000``): that is refused
  as ambiguous;
- English: decimal point (``1.5``), thousands separated by commas in groups of
  three (``12,500``) or by spaces. A comma anywhere else (``1,5``) is refused:
  in English it is no decimal mark;
- a leading ``+``, ``-`` or the minus sign ``−`` is allowed; nothing else
  (no exponent, no underscore, no currency or unit).

:func:`format_input` writes a number so that :func:`read_number` in the same
language reads it back exactly.
"""

from __future__ import annotations

import re

__all__ = [
    "AMBIGUOUS",
    "NOT_A_NUMBER",
    "NumberFormatError",
    "format_input",
    "format_scientific",
    "read_number",
]

NOT_A_NUMBER = "not_a_number"
AMBIGUOUS = "ambiguous"
SPACES = " \u00a0\u202f\u2009"
_DIGITS = r"(?:\d+)"
_GROUPED = r"(?:\d{{1,3}}(?:{sep}\d{{3}})+)"
_THOUSANDS_POINT = re.compile(r"^\d{1,3}(?:\.\d{3})+$", re.ASCII)


class NumberFormatError(ValueError):
    """Text that is not a number in the reader's language; ``kind`` says why."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _pattern(group: str, decimal: str) -> re.Pattern[str]:
    whole = f"(?:{_GROUPED.format(sep=group)}|{_DIGITS})"
    return re.compile(rf"^(?P<whole>{whole})?(?:{re.escape(decimal)}(?P<fraction>\d+))?$", re.ASCII)


_SV_SPACE = _pattern("[ ]", ",")
_SV_POINT = _pattern("[ ]", ".")
_EN_COMMA = _pattern(",", ".")
_EN_SPACE = _pattern("[ ]", ".")


def _parsed(match: re.Match[str] | None) -> float | None:
    if match is None or not (match["whole"] or match["fraction"]):
        return None
    whole = re.sub(r"\D", "", match["whole"] or "") or "0"
    return float(f"{whole}.{match['fraction'] or '0'}")


def read_number(text: str, lang: str) -> float:
    """The number ``text`` means in ``lang`` (``"sv"`` or ``"en"``), or NumberFormatError."""
    value = text.strip()
    for space in SPACES:
        value = value.replace(space, " ")
    sign = 1.0
    if value[:1] in ("-", "\u2212", "+"):
        sign = -1.0 if value[0] != "+" else 1.0
        value = value[1:].lstrip()
    if len(value) > 40 or not value:
        raise NumberFormatError(NOT_A_NUMBER)
    if lang == "sv":
        if "," in value:
            number = _parsed(_SV_SPACE.match(value))
        elif "." in value:
            if _THOUSANDS_POINT.match(value.replace(" ", "")):
                raise NumberFormatError(AMBIGUOUS)
            number = _parsed(_SV_POINT.match(value))
        else:
            number = _parsed(_SV_SPACE.match(value))
    else:
        pattern = _EN_COMMA if "," in value else _EN_SPACE
        number = _parsed(pattern.match(value))
    if number is None:
        raise NumberFormatError(NOT_A_NUMBER)
    return sign * number


def format_input(value: float | int, lang: str, *, integer: bool) -> str:
    """``value`` as a reader of ``lang`` writes it (``12 500,5`` / ``12,500.5``)."""
    decimals = f"{float(value):,.6f}".rstrip("0").rstrip(".")
    text = f"{round(value):,}" if integer else decimals
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text.replace("-", "\u2212") if text.startswith("-") else text


def format_scientific(value: float, lang: str) -> str:
    """``value`` in scientific notation with three significant digits, as a reader of
    ``lang`` writes it: ``8,88e-16`` in Swedish, ``8.88e-16`` in English."""
    text = f"{float(value):.2e}"
    return text.replace(".", ",") if lang == "sv" else text
