"""Auditor: provenance, fairness by group, explanation checks, reviews and the audit log
of one algorithm version (``?slug=...&version=...``; default the published version).

Reached without ``?slug=`` (from the sidebar), the page lists the published algorithms
by name to pick from; picking one writes its slug to the address, so the page can be
shared and ``?slug=`` keeps working.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from app_pages import _audit_sections as sections
from app_pages import _data
from app_pages._format import escape_markdown
from app_pages._guard import guarded
from app_pages._text import localized, t

# Session key of the algorithm picker (its value is a slug).
PICK_KEY = "auditor_slug"


def _pick_changed() -> None:
    """Write the picked slug to the address; a new algorithm starts at its published version."""
    slug = st.session_state.get(PICK_KEY)
    st.query_params.pop("version", None)
    if slug:
        st.query_params["slug"] = slug
    else:
        st.query_params.pop("slug", None)


def _option_text(names: dict[str, str], slug: str) -> str:
    return names.get(slug, slug)


def algorithm_picker() -> bool:
    """A selectbox of every published algorithm by its plain name, in step with ``?slug=``.

    Returns whether the register lists any algorithm (False after saying it is empty).
    """
    items = _data.algorithms(_data.tracking_uri())
    names = {item.slug: localized(item.name) for item in items}
    slug = st.query_params.get("slug")
    if slug and slug not in names:
        names[slug] = slug  # an unpublished or unknown slug from the address: shown as given
    if not names:
        st.info(t("catalogue.empty_register"))
        return False
    st.session_state[PICK_KEY] = slug or None  # the address decides what is picked
    st.selectbox(
        t("audit.pick"),
        list(names),
        index=None,
        key=PICK_KEY,
        format_func=partial(_option_text, names),
        placeholder=t("audit.pick.placeholder"),
        on_change=_pick_changed,
    )
    return True


def auditor_page() -> None:
    if not st.query_params.get("slug"):
        st.title(t("nav.auditor"), anchor=False)
        st.write(t("audit.pick.intro"))
        algorithm_picker()
        return
    version = sections.requested_version()
    if version is None:
        algorithm_picker()
        return
    uri = _data.tracking_uri()
    st.title(escape_markdown(t("audit.title", name=localized(version.record.name))), anchor=False)
    st.caption(escape_markdown(f"{version.slug} · " + t("audit.version", version=version.version)))
    algorithm_picker()
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
