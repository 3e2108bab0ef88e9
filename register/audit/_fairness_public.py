"""The public fairness result: suppression, 95 % intervals, gaps and the finding.

Used by :meth:`register.audit._fairness.FairnessReport.public_dict`. Two rules keep
small numbers out (see :mod:`register.audit._intervals` for the definitions):

- a group with fewer than ``MIN_GROUP_SIZE`` people shows no number at all (and when
  exactly one group is that small, the next-smallest goes too);
- in a reported group, a rate whose own denominator has fewer than
  :data:`~register.audit._intervals.MIN_DENOMINATOR` people is "too few to report"
  (listed in the group's ``too_few_rates``); every other rate carries its exact
  95 % interval (``intervals``) and its denominator (``denominators``).

A difference between groups is flagged only when it crosses its threshold *and* the
two groups' 95 % intervals do not overlap ("clear"); one that crosses the threshold
with overlapping intervals is listed in ``uncertain`` and worded as one that could be
chance.
"""

from __future__ import annotations

from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import get_decimal_symbol

from register.audit._intervals import MIN_DENOMINATOR, clear_pair, is_number, published_rate
from register.text import languages, message

MIN_GROUP_SIZE = 10
"""Groups with fewer people than this are reported as "too few to report"."""
FOUR_FIFTHS = 0.8
"""Flag when the lowest selection rate is below this share of the highest (four-fifths rule)."""
MAX_RATE_DIFFERENCE = 0.10
"""Flag when true- or false-positive rates differ by more than this between groups."""
METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision", "count")
RATE_METRICS = METRICS[:4]
COMPARED = ("selection_rate", "true_positive_rate", "false_positive_rate")
"""The rates a difference is flagged on (precision is shown, not judged)."""


def _crosses(metric: str, low: float, high: float) -> bool:
    """Whether point values ``low <= high`` of ``metric`` cross its threshold."""
    if metric == "selection_rate":
        return high > 0 and low / high < FOUR_FIFTHS
    return high - low > MAX_RATE_DIFFERENCE


def published_group(row: dict[str, Any]) -> dict[str, Any]:
    """A reported group (or the overall row) from its computed row with ``tallies``.

    Guarantees: every rate is either a number with its interval and denominator (at
    least MIN_DENOMINATOR people behind it) or None and listed in ``too_few_rates``.
    """
    tallies = row.get("tallies") or {}
    out: dict[str, Any] = {"group": row["group"], "count": row["count"], "too_few": False}
    intervals: dict[str, list[float] | None] = {}
    denominators: dict[str, int | None] = {}
    too_few: list[str] = []
    for metric in RATE_METRICS:
        successes, trials = tallies.get(metric, (None, None))
        rate = published_rate(successes, trials)
        if rate is None:
            too_few.append(metric)
            out[metric], intervals[metric], denominators[metric] = None, None, None
        else:
            out[metric] = rate["value"]
            intervals[metric] = [rate["low"], rate["high"]]
            denominators[metric] = rate["denominator"]
    return {**out, "intervals": intervals, "denominators": denominators, "too_few_rates": too_few}


def hidden_group(name: str) -> dict[str, Any]:
    """A group that is too few to report: no number, no interval, no denominator."""
    return {"group": name, "too_few": True, **dict.fromkeys(METRICS)}


def suppress(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The public groups: too-small groups hidden (with their complement), others published."""
    small = {g["group"] for g in groups if (g["count"] or 0) < MIN_GROUP_SIZE}
    if len(small) == 1:
        others = sorted(
            (g for g in groups if g["group"] not in small), key=lambda g: g["count"] or 0
        )
        if others:
            small.add(others[0]["group"])
    if len(small) == len(groups):
        small = {g["group"] for g in groups}
    return [hidden_group(g["group"]) if g["group"] in small else published_group(g) for g in groups]


def published_overall(overall: dict[str, Any]) -> dict[str, Any]:
    """The overall row: hidden below MIN_GROUP_SIZE people, else published like a group."""
    if (overall.get("count") or 0) < MIN_GROUP_SIZE:
        return dict.fromkeys(METRICS)
    published = published_group({"group": "", **overall})
    published.pop("group")
    published.pop("too_few")
    return published


def _rates(groups: list[dict[str, Any]], metric: str) -> list[tuple[str, float, float, float]]:
    found = []
    for g in groups:
        value: Any = g.get(metric)
        interval = (g.get("intervals") or {}).get(metric)
        if g.get("too_few") or not is_number(value) or not interval:
            continue
        found.append((g["group"], float(value), float(interval[0]), float(interval[1])))
    return found


def _pair(by_group: dict[str, float], low: str, high: str) -> dict[str, Any]:
    return {
        "lowest": low,
        "highest": high,
        "difference": by_group[high] - by_group[low],
        "ratio": by_group[low] / by_group[high] if by_group[high] > 0 else None,
    }


def gaps(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per rate over published rates only: the largest difference and smallest ratio
    (``lowest``/``highest`` name the groups) and ``clear``, the pair with the largest
    difference that crosses the threshold with non-overlapping intervals (else None)."""
    out: dict[str, dict[str, Any]] = {}
    for metric in RATE_METRICS:
        found = _rates(groups, metric)
        if len(found) < 2:
            out[metric] = {
                "difference": None,
                "ratio": None,
                "lowest": None,
                "highest": None,
                "clear": None,
            }
            continue
        by_group = {name: value for name, value, _, _ in found}
        low = min(found, key=lambda r: (r[1], r[0]))[0]
        high = max(found, key=lambda r: (r[1], r[0]))[0]
        pair = clear_pair(found, lambda a, b, m=metric: _crosses(m, a, b))
        clear = None if pair is None or metric not in COMPARED else _pair(by_group, *pair)
        out[metric] = {**_pair(by_group, low, high), "clear": clear}
    return out


def points(share: float, lang: str, decimals: int) -> str:
    """``100 * share`` with ``decimals`` decimals and ``lang``'s decimal sign."""
    text = f"{100 * share:.{decimals}f}"
    try:
        decimal = get_decimal_symbol(lang)
    except (UnknownLocaleError, ValueError):
        decimal = "."
    return text.replace(".", decimal)


def interval_text(interval: list[float] | None, lang: str) -> str:
    """A 95 % interval as ``12,3–25,1 %`` in ``lang``'s format; ``–`` when there is none."""
    if not interval:
        return "–"
    return f"{points(interval[0], lang, 1)}–{points(interval[1], lang, 1)}\u00a0%"


def _selection_text(attribute: str, pair: dict[str, Any], lang: str, *, clear: bool) -> str:
    values = {
        "attribute": attribute,
        "low": pair["lowest"],
        "high": pair["highest"],
        "ratio": points(pair["ratio"], lang, 0),
        "threshold": points(FOUR_FIFTHS, lang, 0),
    }
    if clear:
        return message("fairness.finding.selection", lang, **values)
    return message("fairness.finding.selection_chance", lang, **values)


def _rate_text(attribute: str, metric: str, difference: float, lang: str, *, clear: bool) -> str:
    values = {
        "attribute": attribute,
        "metric": message(f"fairness.finding.metric.{metric}", lang),
        "difference": points(difference, lang, 1),
        "threshold": points(MAX_RATE_DIFFERENCE, lang, 0),
    }
    if clear:
        return message("fairness.finding.rate", lang, **values)
    return message("fairness.finding.rate_chance", lang, **values)


def _state(metric: str, gap: dict[str, Any]) -> str | None:
    """ "clear" (crosses the threshold, intervals apart), "uncertain" (crosses it, intervals
    overlap) or None (does not cross it, or nothing to compare)."""
    if gap.get("clear") is not None:
        return "clear"
    if metric == "selection_rate":
        crosses = gap.get("ratio") is not None and gap["ratio"] < FOUR_FIFTHS
    else:
        crosses = gap.get("difference") is not None and gap["difference"] > MAX_RATE_DIFFERENCE
    return "uncertain" if crosses else None


def _sentence(attribute: str, metric: str, gap: dict[str, Any], lang: str, state: str) -> str:
    """The finding's sentence: the clear pair's numbers, else the extremes' numbers."""
    clear = state == "clear"
    pair = gap["clear"] if clear else gap
    if metric == "selection_rate":
        return _selection_text(attribute, pair, lang, clear=clear)
    return _rate_text(attribute, metric, pair["difference"], lang, clear=clear)


def findings(
    attribute: str, gap_by_metric: dict[str, dict[str, Any]], *, rates_too_few: bool = False
) -> tuple[list[str], list[str], dict[str, str]]:
    """``(flags, uncertain, {lang: finding})`` in every language of the catalogue.

    ``flags``: ``four_fifths`` (selection rate) and the rate names whose difference is
    clear; ``uncertain``: those whose difference crosses the threshold but could be
    chance (overlapping intervals), which are never flags. ``rates_too_few`` adds a
    sentence that some rates were not compared because too few people are behind them.
    """
    langs = languages()
    if all(g.get("difference") is None for g in gap_by_metric.values()):
        texts = {
            lang: message("fairness.finding.too_few", lang, minimum=MIN_GROUP_SIZE)
            for lang in langs
        }
        return ["too_few_groups"], [], texts
    flags: list[str] = []
    uncertain: list[str] = []
    parts: dict[str, list[str]] = {lang: [] for lang in langs}
    for metric in COMPARED:
        gap = gap_by_metric.get(metric)
        state = None if gap is None else _state(metric, gap)
        if gap is None or state is None:
            continue
        name = "four_fifths" if metric == "selection_rate" else metric
        (flags if state == "clear" else uncertain).append(name)
        for lang in langs:
            parts[lang].append(_sentence(attribute, metric, gap, lang, state))
    if not flags and not uncertain:
        parts = {
            lang: [message("fairness.finding.ok", lang, attribute=attribute)] for lang in langs
        }
    if rates_too_few:
        for lang in langs:
            parts[lang].append(
                message("fairness.finding.rates_too_few", lang, minimum=MIN_DENOMINATOR)
            )
    return flags, uncertain, {lang: " ".join(texts) for lang, texts in parts.items()}


def public_attribute(item: dict[str, Any], groups: list[dict[str, Any]]) -> dict[str, Any]:
    """One attribute's public result from its public ``groups`` (already suppressed)."""
    gap_by_metric = gaps(groups)
    rates_too_few = any(
        set(g.get("too_few_rates") or ()) & set(COMPARED) for g in groups if not g["too_few"]
    )
    flags, uncertain, finding = findings(
        item["attribute"], gap_by_metric, rates_too_few=rates_too_few
    )
    return {
        "attribute": item["attribute"],
        "grouping": item["grouping"],
        "overall": item["overall"],
        "groups": groups,
        "gaps": gap_by_metric,
        "flags": flags,
        "uncertain": uncertain,
        "finding": finding,
    }
