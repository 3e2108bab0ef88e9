"""Text made ready for the page: record text made inert, numbers in the reader's format.

Record text that has to pass through Markdown (headings, widget labels) goes
through :func:`escape_markdown`. Numbers follow the reader's language (decimal
comma in Swedish). Citizens see a classifier's estimate as a probability and its
contributions in percentage points only: an explanation stored on the log-odds scale
is shown as relative importance (:func:`importance_shares`), never as log-odds;
regressors keep the unit of their own output.
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
    """A model output as a citizen reads it: a probability as a percentage; a log-odds
    value as the probability it stands for (the log-odds number itself is never shown);
    a regressor's output as the number."""
    if scale == "probability":
        return format_percent(value)
    if scale == "log_odds":
        return format_percent(1 / (1 + math.exp(-min(max(value, -700.0), 700.0))))
    return format_number(value, 2)


def is_relative(scale: str) -> bool:
    """True when contributions on ``scale`` are shown to citizens only as relative
    importance: log-odds values are not percentage points, and no honest conversion of
    an average log-odds contribution to percentage points exists."""
    return scale == "log_odds"


def importance_shares(sizes: Sequence[float]) -> list[float]:
    """Each size as its share of the total, in percent (the shares add up to 100; all 0
    when every size is 0). Scale-free, so it reads the same whatever the explained scale."""
    total = float(sum(abs(float(s)) for s in sizes))
    return [100 * abs(float(s)) / total if total > 0 else 0.0 for s in sizes]


def effect_unit(scale: str) -> str:
    """The unit contributions are shown in: percentage points for probabilities, the share
    of the combined importance for log-odds explanations, the output's own unit else."""
    if is_relative(scale):
        return t("unit.share")
    return t("unit.pp" if scale == "probability" else "unit.raw")


def effect_number(value: float, scale: str) -> float:
    """A probability contribution in percentage points (x100); any other value unchanged.
    Callers show log-odds values through :func:`importance_shares`, never through this."""
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
