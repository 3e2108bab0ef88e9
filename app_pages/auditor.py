"""Auditor: provenance, fairness by group, explanation checks, reviews and the audit log
of one algorithm version (``?slug=...&version=...``; default the published version)."""

from __future__ import annotations

import streamlit as st

from app_pages import _audit_sections as sections
from app_pages import _data
from app_pages._format import escape_markdown
from app_pages._guard import guarded
from app_pages._text import localized, t


def auditor_page() -> None:
    version = sections.requested_version()
    if version is None:
        return
    uri = _data.tracking_uri()
    st.title(escape_markdown(t("audit.title", name=localized(version.record.name))), anchor=False)
    st.caption(escape_markdown(f"{version.slug} · " + t("audit.version", version=version.version)))
    st.write(t("audit.intro"))
    data = sections.audit_data(uri, version.slug, version.version)
    head_info = sections.head(uri)
    sections.head_notice(uri)
    sections.publication_notice(version)
    sections.provenance_section(uri, version)
    sections.fairness_section(data["fairness"], version.record)
    sections.override_warning(data["entries"], version.version)
    sections.checks_section(data["checks"], version.record)
    sections.reviews_list(data["reviews"], data["review_notes"])
    sections.log_section(uri, data["entries"], head_info)
    sections.download_section(uri, version, head_info)


guarded(auditor_page)
