"""Text made ready for the page: record text made inert, numbers in the reader's format.

Record text that has to pass through Markdown (headings, widget labels) goes
through :func:`escape_markdown`. Numbers follow the reader's language (decimal
comma in Swedish); contributions are shown in the unit of the explained scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from app_pages._safe import safe_inline
from app_pages._text import current_language, t


def escape_markdown(text: str) -> str:
    """``text`` on one line with every Markdown, HTML and directive character made inert,
    control and bidi-override characters removed and long words breakable
    (:func:`app_pages._safe.safe_inline`, the portal's one sanitiser)."""
    return safe_inline(text)


def format_number(value: float, decimals: int = 1, *, signed: bool = False) -> str:
    """A number in the reader's language: ``1 234,5`` in Swedish, ``1,234.5`` in English."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{abs(value):,.{decimals}f}"
    if current_language() == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    nonzero = bool(text.strip("0,.\u00a0"))
    if value < 0 and nonzero:
        return "\u2212" + text
    return "+" + text if signed and nonzero else text


def format_percent(probability: float) -> str:
    """A probability as a percentage with one decimal (``42,5 %``)."""
    return format_number(100 * probability, 1) + "\u00a0%"


def format_result(value: float, scale: str) -> str:
    """A model output on its scale: a probability as a percentage; log-odds also as
    the probability they stand for; else the number."""
    if scale == "probability":
        return format_percent(value)
    if scale == "log_odds":
        probability = 1 / (1 + math.exp(-min(max(value, -700.0), 700.0)))
        return t(
            "result.log_odds", value=format_number(value, 2), percent=format_percent(probability)
        )
    return format_number(value, 2)


def effect_unit(scale: str) -> str:
    """The unit contributions are shown in: percentage points for probabilities."""
    return t({"probability": "unit.pp", "log_odds": "unit.log_odds"}.get(scale, "unit.raw"))


def effect_number(value: float, scale: str) -> float:
    """A contribution in the unit of :func:`effect_unit` (x100 for probabilities)."""
    return 100 * value if scale == "probability" else value


def effect_text(value: float, scale: str, *, signed: bool = True) -> str:
    """A contribution as a number in its unit (``+3,2`` percentage points), without the unit."""
    decimals = 1 if scale == "probability" else 2
    return format_number(effect_number(value, scale), decimals, signed=signed)


def format_effect(value: float, scale: str, *, signed: bool = True) -> str:
    """A contribution with its unit, e.g. ``+3,2 procentenheter``."""
    return f"{effect_text(value, scale, signed=signed)} {effect_unit(scale)}"


def join_words(items: Sequence[str]) -> str:
    """``a, b och c`` in Swedish, ``a, b and c`` in English."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " " + t("word.and") + " " + items[-1]
