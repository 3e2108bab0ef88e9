"""The versions tab's "Compare versions" part: what changed between two versions.

Reads :func:`app_pages._data.version_diff` (the register's :func:`register.diff_versions`
as JSON-safe aggregates, cached): the changed record fields, both versions' importances
side by side with the share of reference decisions that changed, and fairness by group
before and after. Every table goes through :func:`app_pages._tables.show_table`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _data
from app_pages._explanation import shown_scale
from app_pages._format import (
    format_effect,
    format_number,
    format_percent,
    importance_shares,
    is_relative,
    join_words,
)
from app_pages._labels import column_text, value_text
from app_pages._tables import MISSING, show_table
from app_pages._text import current_language, t, t_enum
from register import AlgorithmVersion, TransparencyRecord, VersionChange

__all__ = ["diff_section"]

# Record fields whose values are codes the catalogue names (path -> t_enum group).
_ENUM_FIELDS = {"theme": "theme", "status": "status", "risk.category": "risk"}
_RATES = ("selection_rate", "true_positive_rate", "false_positive_rate")


def _defaults(numbers: list[int], shown: int) -> tuple[int, int]:
    """The previous and the shown version (the shown and the next when it is the first)."""
    at = numbers.index(shown) if shown in numbers else len(numbers) - 1
    return (numbers[at - 1], numbers[at]) if at > 0 else (numbers[0], numbers[1])


def _pick(numbers: list[int], shown: int, slug: str) -> tuple[int, int]:
    older, newer = _defaults(numbers, shown)
    lang = current_language()
    label = lambda n: t("diff.version_option", version=n)  # noqa: E731
    left, right = st.columns(2)
    picked_old = left.selectbox(
        t("diff.from"),
        numbers,
        index=numbers.index(older),
        format_func=label,
        key=f"diff_{slug}_{lang}_from",
    )
    picked_new = right.selectbox(
        t("diff.to"),
        numbers,
        index=numbers.index(newer),
        format_func=label,
        key=f"diff_{slug}_{lang}_to",
    )
    return int(picked_old), int(picked_new)


def _value(path: str, value: Any) -> str:
    """A record value as a reader reads it: yes/no, named codes, dates and texts as given."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return t("diff.value.true") if value else t("diff.value.false")
    if path in _ENUM_FIELDS:
        return t_enum(_ENUM_FIELDS[path], str(value))
    return str(value)


def _fields(diff: dict[str, Any]) -> None:
    st.subheader(t("diff.fields.title"), anchor=False)
    changes = diff["fields"]
    if not changes:
        st.write(t("diff.fields.none"))
    else:
        lang = current_language()
        show_table(
            pd.DataFrame(
                {
                    t("diff.column.field"): [c["label"].get(lang, c["path"]) for c in changes],
                    t("diff.column.before", version=diff["from"]): [
                        _value(c["path"], c["before"]) for c in changes
                    ],
                    t("diff.column.after", version=diff["to"]): [
                        _value(c["path"], c["after"]) for c in changes
                    ],
                }
            )
        )


def _inputs(diff: dict[str, Any], old: TransparencyRecord, new: TransparencyRecord) -> None:
    if diff["inputs_added"]:
        added = join_words([column_text(new, c) for c in diff["inputs_added"]])
        st.write(t("diff.inputs_added", columns=added))
    if diff["inputs_removed"]:
        removed = join_words([column_text(old, c) for c in diff["inputs_removed"]])
        st.write(t("diff.inputs_removed", columns=removed))


def _sizes(items: list[dict[str, Any]], side: str, scale: str) -> dict[str, str]:
    """Each input's importance on ``side`` in the reader's unit (log-odds as shares)."""
    present = [(i["feature"], float(i[side])) for i in items if i[side] is not None]
    if is_relative(scale):
        shares = importance_shares([v for _, v in present])
        return {
            f: format_number(s, 0) + "\u00a0%" for (f, _), s in zip(present, shares, strict=True)
        }
    return {f: format_effect(v, scale, signed=False) for f, v in present}


def _change(items: list[dict[str, Any]], explanation: dict[str, Any]) -> dict[str, str]:
    if not explanation["comparable"]:
        return {}
    scale = explanation["scale_after"]
    if not is_relative(scale):
        return {
            i["feature"]: format_effect(float(i["change"]), scale)
            for i in items
            if i["change"] is not None
        }
    both = [i for i in items if i["before"] is not None and i["after"] is not None]
    before = importance_shares([float(i["before"]) for i in both])
    after = importance_shares([float(i["after"]) for i in both])
    return {
        i["feature"]: format_number(a - b, 0, signed=True) + " " + t("unit.pp")
        for i, b, a in zip(both, before, after, strict=True)
    }


def _importances(diff: dict[str, Any], old: TransparencyRecord, new: TransparencyRecord) -> None:
    explanation = diff["explanation"]
    items = explanation["importances"]
    st.subheader(t("diff.importance.title"), anchor=False)
    before = _sizes(items, "before", explanation["scale_before"])
    after = _sizes(items, "after", explanation["scale_after"])
    change = _change(items, explanation)
    labels = [column_text(new if i["after"] is not None else old, i["feature"]) for i in items]
    older, newer = diff["from"], diff["to"]
    show_table(
        pd.DataFrame(
            {
                t("diff.column.feature"): labels,
                t("diff.column.importance", version=older): [
                    before.get(i["feature"], MISSING) for i in items
                ],
                t("diff.column.importance", version=newer): [
                    after.get(i["feature"], MISSING) for i in items
                ],
                t("diff.column.change"): [change.get(i["feature"], MISSING) for i in items],
                t("diff.column.rank", version=older): [i["rank_before"] for i in items],
                t("diff.column.rank", version=newer): [i["rank_after"] for i in items],
            }
        ),
        caption=t(
            "diff.importance.caption",
            older=older,
            newer=newer,
            scale_before=shown_scale(explanation["scale_before"]),
            scale_after=shown_scale(explanation["scale_after"]),
        ),
    )
    if not explanation["comparable"]:
        st.write(t("diff.importance.not_comparable"))


def _decisions(diff: dict[str, Any]) -> None:
    decisions = diff["explanation"]["decisions"]
    lang = current_language()
    st.subheader(t("diff.decisions.title"), anchor=False)
    older, newer, rows = diff["from"], diff["to"], format_number(decisions["rows"], 0)
    if not decisions["comparable"]:
        st.write((decisions["reason"] or {}).get(lang, ""))
    elif decisions["fewer_than_ten"]:
        st.write(t("diff.decisions.fewer", rows=rows, older=older, newer=newer))
    else:
        st.write(
            t(
                "diff.decisions.share",
                changed=format_number(decisions["changed"], 0),
                rows=rows,
                share=format_percent(decisions["share"] or 0.0),
                older=older,
                newer=newer,
            )
        )
    st.caption(decisions["definition"].get(lang, ""))


def _rate_cells(rate: dict[str, Any], change: dict[str, Any]) -> list[str]:
    if rate["too_few"]:
        too_few = t("audit.fairness.too_few")
        return [too_few, too_few, MISSING]
    absent = t("diff.fairness.absent")
    before = absent if not change["in_before"] else _percent(rate["before"])
    after = absent if not change["in_after"] else _percent(rate["after"])
    moved = MISSING if rate["change"] is None else _points(rate["change"])
    return [before, after, moved]


def _percent(value: float | None) -> str:
    return MISSING if value is None else format_percent(float(value))


def _points(value: float) -> str:
    return format_number(100 * float(value), 1, signed=True) + " " + t("unit.pp")


def _fairness(diff: dict[str, Any], old: TransparencyRecord, new: TransparencyRecord) -> None:
    st.subheader(t("diff.fairness.title"), anchor=False)
    fairness = diff["fairness"]
    if fairness is None:
        st.write(t("diff.fairness.none"))
        return
    if not (fairness["has_before"] and fairness["has_after"]):
        only = diff["to"] if fairness["has_after"] else diff["from"]
        st.write(t("diff.fairness.one_side", version=only))
    rows = []
    for change in fairness["changes"]:
        record = new if change["in_after"] else old
        attribute = change["attribute"]
        group = (
            t("audit.fairness.overall")
            if change["overall"]
            else value_text(record, attribute, change["group"])
        )
        for rate in _RATES:
            if rate in change["rates"]:
                cells = _rate_cells(change["rates"][rate], change)
                rows.append(
                    [column_text(record, attribute), group, t(f"audit.column.{rate}"), *cells]
                )
    columns = [
        t("diff.column.attribute"),
        t("audit.column.group"),
        t("diff.column.rate"),
        t("diff.column.before", version=diff["from"]),
        t("diff.column.after", version=diff["to"]),
        t("diff.column.change"),
    ]
    show_table(pd.DataFrame(rows, columns=columns), caption=t("diff.fairness.caption"))


def diff_section(version: AlgorithmVersion, changes: list[VersionChange]) -> None:
    """ "Compare versions": two select boxes (default the previous and the shown version)
    and what changed between them; one sentence when there is only one version."""
    st.header(t("diff.title"), anchor=False)
    numbers = [int(c.version) for c in changes]
    if len(numbers) < 2:
        st.write(t("diff.only_one"))
        return
    older, newer = _pick(numbers, int(version.version), version.slug)
    if older == newer:
        st.info(t("diff.same"))
        return
    uri = _data.tracking_uri()
    diff = _data.version_diff(uri, version.slug, older, newer)
    old = _data.get_version(uri, version.slug, older).record
    new = _data.get_version(uri, version.slug, newer).record
    _fields(diff)
    _inputs(diff, old, new)
    _importances(diff, old, new)
    _decisions(diff)
    _fairness(diff, old, new)
