"""Sections of the auditor page, and the review section of the public algorithm page.

Only public results are shown: explanation metadata, the stored fairness result
(groups under the size limit already read "too few to report"), stored checks,
reviews and the audit log. No row of data is read or shown here.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from app_pages import _cache, _data
from app_pages._audit_checks import (
    checks_section,
    influence_section,
    number_text,
    override_warning,
    value_table,
)
from app_pages._audit_notices import head_notice, publication_notice
from app_pages._audit_provenance import HASH_CHARS, error_text, provenance_rows
from app_pages._fairness_table import fairness_table
from app_pages._format import escape_markdown, format_number
from app_pages._labels import column_with_code
from app_pages._tables import show_table
from app_pages._text import current_language, localized, t
from register import (
    AlgorithmVersion,
    NotFoundError,
    TransparencyRecord,
    build_audit_report,
    render_html,
)
from register.audit import check_name, grouping_text, labelled_finding

_table = value_table  # the auditor page's two-column tables
_number = number_text
# Absolute: `insyn serve` runs the router from a main script outside this package.
AUDITOR_PAGE = str(Path(__file__).resolve().with_name("auditor.py"))
# shown by the auditor and algorithm pages
__all__ = [
    "checks_section",
    "head_notice",
    "influence_section",
    "override_warning",
    "publication_notice",
]


# -- cached reads -----------------------------------------------------------------
@_cache.TABLES.cache
def audit_data(uri: str, slug: str, version: int) -> dict[str, Any]:
    """The version's stored fairness result, checks, reviews and its slug's log entries."""
    reg = _data.get_register(uri)
    fairness = reg.get_fairness(slug, version)
    checks = reg.get_checks(slug, version)
    return {
        "fairness": None if fairness is None else fairness.public_dict(),
        "checks": None if checks is None else checks.to_dict(),
        "reviews": [_review_dict(r) for r in reg.reviews(slug, version)],
        "review_notes": reg.review_notes(slug, version),
        "entries": [e.to_dict() for e in reg.audit_entries(slug)],
    }


def _review_dict(review: Any) -> dict[str, Any]:
    return {**review.to_dict(), "text_obj": review.text}


@_cache.TABLES.cache
def head(uri: str) -> dict[str, Any]:
    """The audit chain's head: entry number and hash."""
    found = _data.get_register(uri).audit_head()
    return {"sequence": found.sequence, "hash": found.hash}


@_cache.VERIFICATIONS.cache
def verification(uri: str, head_hash: str) -> Any:
    """The verification of the whole chain at ``head_hash`` (recomputed when the head moves)."""
    return _data.get_register(uri).verify_audit()


@_cache.REPORTS.cache
def report_html(uri: str, slug: str, version: int, lang: str, head_hash: str) -> str:
    """The self-contained HTML audit report (built by ``register``)."""
    reg = _data.get_register(uri)
    report = build_audit_report(reg, slug, version, verification=verification(uri, head_hash))
    return render_html(report, lang=lang)


# -- the request ------------------------------------------------------------------
def requested_version() -> AlgorithmVersion | None:
    """The version named by ``?slug=&version=`` (default: published), or None after saying why."""
    slug = st.query_params.get("slug")
    if not slug:
        st.info(t("audit.missing_slug"))
        return None
    raw = st.query_params.get("version")
    try:
        number = int(raw) if raw else None
    except ValueError:
        st.error(t("audit.bad_version", version=escape_markdown(raw or "")))
        return None
    try:
        return _data.get_version(_data.tracking_uri(), slug, number)  # type: ignore[no-any-return]
    except NotFoundError as error:
        st.error(t("audit.not_found") + "  \n" + escape_markdown(str(error)))
        return None


# -- sections ---------------------------------------------------------------------
def provenance_section(uri: str, version: AlgorithmVersion) -> None:
    """The explanation's provenance (:func:`provenance_rows`); a warning when the values
    were sampled, a caption when model-agnostic values are exact."""
    meta = _data.explanation_tables(uri, version.slug, version.version)["metadata"]
    st.header(t("audit.provenance.title"), anchor=False)
    _table(provenance_rows(meta))
    estimation = meta.get("estimation")
    if estimation and not estimation.get("exact"):
        st.warning(t("audit.estimation.sampled", error=error_text(estimation)))
    elif estimation:
        st.caption(t("audit.estimation.exact"))


def fairness_section(
    fairness: dict[str, Any] | None, record: TransparencyRecord | None = None
) -> None:
    """Per protected attribute (its label and code): how groups were formed, the table
    and the finding. A clear difference (flagged) is a warning, one that could be
    chance a notice, none a success."""
    st.header(t("audit.fairness.title"), anchor=False)
    if fairness is None:
        st.info(t("audit.fairness.none"))
        return
    thresholds = fairness["thresholds"]
    st.write(
        t(
            "audit.fairness.intro",
            minimum=fairness["min_group_size"],
            four_fifths=format_number(100 * thresholds["four_fifths"], 0),
            difference=format_number(100 * thresholds["max_rate_difference"], 0),
        )
    )
    if "min_denominator" in fairness:  # results stored before intervals have none
        st.write(t("audit.fairness.intervals", minimum=fairness["min_denominator"]))
    lang = current_language()
    for attribute in fairness["attributes"]:
        name = str(attribute["attribute"])
        shown = name if record is None else column_with_code(record, name)
        st.markdown("**" + escape_markdown(t("audit.fairness.attribute", attribute=shown)) + "**")
        grouping = grouping_text(str(attribute["grouping"]), lang)
        st.caption(escape_markdown(t("audit.fairness.grouping", grouping=grouping)))
        show_table(fairness_table(attribute, record))
        finding = attribute["finding"].get(lang) or attribute["finding"]["sv"]
        finding = labelled_finding(finding, name, record, lang)
        flagged = [f for f in attribute["flags"] if f != "too_few_groups"]
        if flagged:
            st.warning(escape_markdown(t("audit.fairness.flagged", finding=finding)))
        elif attribute.get("uncertain"):
            st.info(escape_markdown(finding))
        else:
            st.success(escape_markdown(finding))


def reviews_list(reviews: list[dict[str, Any]], notes: list[str] | tuple[str, ...] = ()) -> None:
    """Each review: outcome, organisation, date, text (plain text) and the checks it relied
    on; a notice when some review entries cannot be read (the rest are shown)."""
    st.header(t("audit.reviews.title"), anchor=False)
    if notes:
        st.warning(t("audit.reviews.unreadable", count=len(notes)), icon=":material/warning:")
    if not reviews:
        st.info(t("audit.reviews.none"))
        return
    for review in reviews:
        st.markdown(
            "**"
            + escape_markdown(
                t(
                    "audit.reviews.item",
                    outcome=t(f"audit.outcome.{review['outcome']}"),
                    organisation=review["organisation"],
                    date=review["date"],
                )
            )
            + "**"
        )
        st.text(localized(review["text_obj"]), width="stretch")
        if review["checks"]:
            st.caption(
                escape_markdown(
                    t(
                        "audit.reviews.checks",
                        checks=", ".join(
                            check_name(c, current_language()) for c in review["checks"]
                        ),
                    )
                )
            )


def log_section(uri: str, entries: list[dict[str, Any]], head_info: dict[str, Any]) -> None:
    """The verification status, the head hash and this algorithm's log entries."""
    st.header(t("audit.log.title"), anchor=False)
    result = verification(uri, head_info["hash"])
    if result.ok:
        st.success(t("audit.log.ok", entries=result.entries))
    else:
        st.error(
            "  \n".join(
                [t("audit.log.broken"), *[escape_markdown(p.message) for p in result.problems]]
            )
        )
    st.caption(
        escape_markdown(t("audit.log.head", sequence=head_info["sequence"], hash=head_info["hash"]))
    )
    columns = ["sequence", "time", "event", "version", "author", "hash"]
    rows = [
        [
            str(e["sequence"]),
            e["time"].replace("T", " ")[:19],
            t(f"audit.event.{e['event']}"),
            "–" if e["version"] is None else str(e["version"]),
            _author(e.get("author")),
            e["hash"][:HASH_CHARS],
        ]
        for e in entries
    ]
    show_table(pd.DataFrame(rows, columns=[t(f"audit.log.column.{c}") for c in columns]))


def _author(author: Any) -> str:
    """Who wrote an entry: account (role, organisation); "–" for unsigned older entries."""
    if not isinstance(author, dict) or not author.get("username"):
        return "–"
    where = ", ".join(str(v) for v in (author.get("role"), author.get("organisation")) if v)
    return f"{author['username']} ({where})" if where else str(author["username"])


def download_section(uri: str, version: AlgorithmVersion, head_info: dict[str, Any]) -> None:
    """A button that downloads the self-contained HTML audit report."""
    lang = current_language()
    html = report_html(uri, version.slug, version.version, lang, head_info["hash"])
    st.download_button(
        t("audit.download"),
        data=html.encode("utf-8"),
        file_name=f"insyn-audit-{version.slug}-v{version.version}-{lang}.html",
        mime="text/html",
        icon=":material/download:",
    )


def review_section(version: AlgorithmVersion) -> None:
    """For the public algorithm page: the version's reviews, the chain head and an audit link."""
    uri = _data.tracking_uri()
    data = audit_data(uri, version.slug, version.version)
    head_notice(uri)
    reviews_list(data["reviews"], data["review_notes"])
    info = head(uri)
    st.caption(escape_markdown(t("audit.log.head", sequence=info["sequence"], hash=info["hash"])))
    with contextlib.suppress(StreamlitAPIException):  # auditor page not in the navigation
        st.page_link(
            AUDITOR_PAGE,
            label=t("audit.link"),
            query_params={"slug": version.slug, "version": str(version.version)},
            icon=":material/fact_check:",
        )
