"""The record as a file a citizen can keep: ``<slug>-record.json``.

The JSON is ``record.to_json_dict()`` with every string cleaned by
:func:`register.clean_tree` (no bidi-override or control characters); it is
offered as a download (``application/json``), never rendered as a page.
"""

from __future__ import annotations

import json

import streamlit as st

from app_pages import _cache, _data
from app_pages._safe import safe_inline
from app_pages._text import t
from register import AlgorithmVersion, ExportError, clean_tree, record_exports

__all__ = ["record_download", "record_json", "standard_downloads"]


def record_json(version: AlgorithmVersion) -> bytes:
    """The version's record as UTF-8 JSON (cleaned strings, stable key order)."""
    data = clean_tree(version.record.to_json_dict())
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def record_download(version: AlgorithmVersion) -> None:
    """A download button for the record of ``version``."""
    st.download_button(
        t("record.download"),
        data=record_json(version),
        file_name=f"{version.slug}-record.json",
        mime="application/json",
        help=t("record.download_help"),
        key=f"record_download_{version.slug}_{version.version}",
        on_click="ignore",
        icon=":material/download:",
    )


#: The standard each per-record export file follows, by the end of its file name.
STANDARD_NAMES = {
    "nl-algoritmeregister-1.0.0.json": "NL Algoritmeregister 1.0.0 (JSON)",
    "eurocities-ats-0.3.1.json": "Eurocities ATS 0.3.1 (JSON)",
    "nl-algoritmeregister-1.0.10.json": "NL Algoritmeregister 1.0.10 (JSON)",
    "uk-atrs-3.0.json": "UK ATRS 3.0 (JSON)",
    ".csv": "CSV",
    "eu-ai-act-annex-viii-c.json": "EU AI Act Annex VIII C (JSON)",
    "model-card.json": "Model card, Model Card Toolkit (JSON)",
    "model-card.md": "Model card, Hugging Face (Markdown)",
}


@_cache.TABLES.cache
def _exports(uri: str, slug: str, number: int) -> dict[str, tuple[bytes, str]]:
    """The per-record export files of one version (built and validated once per TTL); the
    model cards carry the public explanation tables and the stored public fairness result."""
    fairness = _data.get_register(uri).get_fairness(slug, number)
    return record_exports(
        _data.get_version(uri, slug, number),
        explanation=_data.explanation_tables(uri, slug, number),
        fairness=None if fairness is None else fairness.public_dict(),
    )


def _standard_name(file_name: str) -> str:
    if file_name.endswith("-record-sv.html"):  # the printable record: a page, not a standard
        return t("printable.download_sv")
    if file_name.endswith("-record-en.html"):
        return t("printable.download_en")
    return next((n for end, n in STANDARD_NAMES.items() if file_name.endswith(end)), file_name)


def standard_downloads(version: AlgorithmVersion) -> None:
    """Download buttons for the record in every published standard it can be expressed in."""
    try:
        files = _exports(_data.tracking_uri(), version.slug, version.version)
    except ExportError as error:  # e.g. a category the standard has no value for
        st.caption(safe_inline(str(error)))  # the message may quote record text
        return
    for file_name, (content, mime) in files.items():
        st.download_button(
            t("record.download_standard", format=_standard_name(file_name)),
            data=content,
            file_name=file_name,
            mime=mime,
            help=t("record.download_standard_help"),
            key=f"standard_download_{file_name}",
            on_click="ignore",
            icon=":material/download:",
        )
