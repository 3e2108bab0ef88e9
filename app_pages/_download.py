"""The record as a file a citizen can keep: ``<slug>-record.json``.

The JSON is ``record.to_json_dict()`` with every string cleaned by
:func:`register.clean_tree` (no bidi-override or control characters); it is
offered as a download (``application/json``), never rendered as a page.
"""

from __future__ import annotations

import json

import streamlit as st

from app_pages._text import t
from register import AlgorithmVersion, clean_tree

__all__ = ["record_download", "record_json"]


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
