"""Algorithm: everything published about one algorithm (``?slug=...&version=...``).

The record in plain language, what drives its results, a try-it form, the
version history, and which model version and explanation is shown. The
version defaults to the published one.
"""

from __future__ import annotations

import streamlit as st

from app_pages import _data
from app_pages._audit_sections import publication_notice, review_section
from app_pages._diff import diff_section
from app_pages._explanation import dependence_section, importance_section, provenance_section
from app_pages._format import escape_markdown
from app_pages._guard import guarded, show_error
from app_pages._sections import (
    catalogue_link,
    contact_box,
    history_section,
    page_header,
    record_sections,
)
from app_pages._text import t
from app_pages._tryit import try_it_section
from register import AlgorithmVersion, NotFoundError


def requested_version() -> AlgorithmVersion | None:
    """The version the address asks for, or None after saying why it cannot be shown."""
    slug = st.query_params.get("slug")
    if not slug:
        st.info(t("algorithm.missing_slug"))
        return None
    raw = st.query_params.get("version")
    try:
        number = int(raw) if raw else None
    except ValueError:
        st.error(t("algorithm.bad_version", version=escape_markdown(raw or "")))
        return None
    try:
        return _data.get_version(_data.tracking_uri(), slug, number)  # type: ignore[no-any-return]
    except NotFoundError as error:
        show_error("algorithm.not_found", error)
        return None


def algorithm_page() -> None:
    version = requested_version()
    if version is None:
        catalogue_link()
        return
    uri = _data.tracking_uri()
    tables = _data.explanation_tables(uri, version.slug, version.version)
    page_header(version)
    contact_box(version.record)
    publication_notice(version)
    about, drivers, try_it, versions = st.tabs(
        [t("tab.record"), t("tab.explanation"), t("tab.tryit"), t("tab.versions")]
    )
    with about:
        record_sections(version)
    with drivers:
        importance_section(version.record, tables)
        dependence_section(version.record, tables)
    with try_it:
        try_it_section(version)
    with versions:
        changes = _data.history(uri, version.slug)
        history_section(changes)
        diff_section(version, changes)
        provenance_section(version, tables)
        review_section(version)
    catalogue_link()


guarded(algorithm_page)
