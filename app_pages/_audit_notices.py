"""Notices where the register and its audit log disagree: a head the portal showed is gone,
the signing key changed, or the shown version's publication is not the log's.

A notice is a warning beside the page's content, never an error page.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from app_pages import _cache, _data
from app_pages._format import escape_markdown
from app_pages._text import t
from register import AlgorithmVersion
from register.audit._heads import check_remembered_head

HASH_CHARS = 16


@_cache.TABLES.cache
def head_check(uri: str) -> dict[str, Any]:
    """The log checked against the head this portal showed before (see register.audit._heads)."""
    found = check_remembered_head(_data.get_register(uri).view)
    return dataclasses.asdict(found)


@_cache.TABLES.cache
def publication(uri: str, slug: str) -> dict[str, Any]:
    """Whether the published alias of ``slug`` agrees with the audit log."""
    found = _data.get_register(uri).publication_state(slug)
    return dataclasses.asdict(found)


def head_notice(uri: str) -> None:
    """A warning when the log no longer holds the head this portal showed before, or is
    signed by another key than the one first seen (a notice; the page goes on)."""
    found = head_check(uri)
    if found["state"] == "rewritten":
        st.warning(
            escape_markdown(
                t(
                    "audit.heads.rewritten",
                    sequence=found["sequence"],
                    hash=found["hash"][:HASH_CHARS],
                )
            ),
            icon=":material/warning:",
        )
    elif found["state"] == "key_changed":
        st.warning(
            escape_markdown(
                t("audit.heads.key_changed", key_id=found["key_id"], first=found["first_key_id"])
            ),
            icon=":material/warning:",
        )


def publication_notice(version: AlgorithmVersion) -> None:
    """A notice when the shown version's publication does not agree with the audit log."""
    if not version.is_published:
        return
    found = publication(_data.tracking_uri(), version.slug)
    if found["state"] == "outside":
        st.warning(
            t("algorithm.published_outside", version=version.version), icon=":material/warning:"
        )
    elif found["state"] == "unfinished" and found["log_version"] is not None:
        st.info(
            t(
                "algorithm.publication_unfinished",
                logged=found["log_version"],
                shown=version.version,
            )
        )
