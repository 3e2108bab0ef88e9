"""The auditor page's explanation checks: additivity, reproducibility, stability, the
influence of protected attributes, and the warning when a version was published although
a check failed. Inputs and attributes are named by their label with the column beside it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages._audit_provenance import scientific
from app_pages._format import escape_markdown, format_number
from app_pages._labels import column_with_code
from app_pages._tables import show_table
from app_pages._text import t
from register import TransparencyRecord

__all__ = ["checks_section", "influence_section", "number_text", "override_warning", "value_table"]


def value_table(rows: list[tuple[str, str]]) -> None:
    """A two-column table: what, and its value."""
    show_table(
        pd.DataFrame(
            {
                t("audit.column.what"): [r[0] for r in rows],
                t("audit.column.value"): [r[1] for r in rows],
            }
        )
    )


def number_text(value: Any, decimals: int = 3) -> str:
    """A rate or share in the reader's number format; "–" when missing."""
    return "–" if value is None else format_number(float(value), decimals)


def checks_section(checks: dict[str, Any] | None, record: TransparencyRecord | None = None) -> None:
    """Additivity, reproducibility, stability and protected influence as stored; inputs
    and attributes by their label with the column name beside it."""
    st.header(t("audit.checks.title"), anchor=False)
    if checks is None:
        st.info(t("audit.checks.none"))
        return
    add, rep = checks["additivity"], checks["reproducibility"]
    verdict = {True: t("audit.checks.passed"), False: t("audit.checks.failed")}
    same = (
        t("audit.checks.identical", rows=rep["rows_recomputed"])
        if rep["identical"]
        else t(
            "audit.checks.different",
            difference=scientific(rep["max_difference"]),
            rows=rep["rows_recomputed"],
        )
    )
    value_table(
        [
            (
                t("audit.checks.additivity"),
                f"{scientific(add['max_error'])} ({verdict[bool(add['passed'])]})",
            ),
            (t("audit.checks.reproducibility"), f"{same} ({verdict[bool(rep['passed'])]})"),
        ]
    )
    st.markdown("**" + t("audit.stability.title") + "**")
    stability = checks.get("stability")

    def names(columns: list[str]) -> str:
        return ", ".join(_column(record, c) for c in columns) or "–"

    if stability is None:
        st.info(t("audit.stability.none"))
    else:
        value_table(
            [
                (t("audit.stability.spearman"), number_text(stability["spearman"])),
                (t("audit.stability.entered"), names(stability["entered_top"])),
                (t("audit.stability.left"), names(stability["left_top"])),
                (t("audit.stability.changed"), number_text(stability["decision_changed_share"])),
            ]
        )
    influence_section(checks["protected_influence"], record)


def override_warning(entries: list[dict[str, Any]], version: int) -> None:
    """A warning when ``version`` was published although a check failed: the reason the
    publisher gave and the failed checks with their numbers (from the ``published`` entry)."""
    published = [
        e for e in entries if e.get("event") == "published" and e.get("version") == version
    ]
    override = ((published[-1].get("details") or {}) if published else {}).get("override")
    if not isinstance(override, dict):
        return
    failed = []
    for check in override.get("checks") or []:
        if check.get("check") == "additivity":
            failed.append(
                t(
                    "audit.override.additivity",
                    error=scientific(check.get("max_error")),
                    tolerance=scientific(check.get("tolerance")),
                )
            )
        else:
            failed.append(
                t(
                    "audit.override.reproducibility",
                    difference=scientific(check.get("max_difference")),
                    tolerance=scientific(check.get("tolerance")),
                )
            )
    st.warning(
        escape_markdown(
            t(
                "audit.override.warning",
                reason=str(override.get("reason", "")),
                checks="; ".join(failed) or "–",
            )
        )
    )


def _column(record: TransparencyRecord | None, column: str) -> str:
    return column if record is None else column_with_code(record, str(column))


def influence_section(influence: dict[str, Any], record: TransparencyRecord | None = None) -> None:
    """Share of |SHAP| carried by protected attributes directly and through named proxies
    (each by its label with the column name beside it)."""
    st.markdown("**" + t("audit.influence.title") + "**")
    rows = []
    for item in influence["attributes"]:
        proxies = ", ".join(
            f"{_column(record, p['feature'])} "
            f"({number_text(p['association'], 2)}; {number_text(p['shap_share'])})"
            for p in item["proxies"]
        )
        direct = (
            number_text(item["direct_share"])
            if item["is_input"]
            else t("audit.influence.not_input")
        )
        rows.append(
            [
                _column(record, item["attribute"]),
                direct,
                proxies or "–",
                number_text(item["proxy_share"]),
            ]
        )
    columns = ["attribute", "direct", "proxies", "proxy_share"]
    show_table(pd.DataFrame(rows, columns=[t(f"audit.influence.{c}") for c in columns]))
