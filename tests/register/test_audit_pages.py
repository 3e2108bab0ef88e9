"""The portal on a tampered store: notices beside everything still readable, never a page error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from register import Register
from register.audit import _chain as audit
from tests.app_pages.conftest import APP, TIMEOUT, assert_no_exception, visible_text
from tests.register import _tamper

ROOT = Path(__file__).resolve().parents[2]
ALGORITHM = ROOT / "app_pages" / "algorithm.py"
AUDITOR = ROOT / "app_pages" / "auditor.py"
SLUG = "benefits-uptake"


@pytest.fixture()
def reg(audit_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Register]:
    uri = _tamper.clone_store(audit_base, tmp_path / "store")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("INSYN_HOME", str(tmp_path / "home"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield Register(uri)
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(page: Path, **params: str) -> str:
    """The page's visible text; the algorithm page is opened through the portal's navigation
    (as a citizen reaches it), the auditor page on its own (as tests/app_pages does)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    if page == ALGORITHM:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.session_state["lang"] = "en"
        at.run()
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(str(page.relative_to(ROOT))).run()
    else:
        at = AppTest.from_file(str(page), default_timeout=TIMEOUT)
        at.session_state["lang"] = "en"
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
    assert_no_exception(at)
    text = visible_text(at)
    assert "Something went wrong" not in text
    return text


def test_empty_review_and_overwritten_entry_leave_both_pages_working(reg: Register) -> None:
    empty = reg.audit.writer().append("review_added", slug=SLUG, version=2, details={"review": {}})
    victim = _tamper.log_entries(reg)[4]
    folder = _tamper.run_folder(reg, audit.log_run(reg.view) or "")
    (folder / audit.entry_path(victim["sequence"], victim["hash"])).write_bytes(b"{")
    page = open_page(ALGORITHM, slug=SLUG)
    assert "Revisionen" in page  # the readable review is shown
    assert "1 review entries in the audit log cannot be read" in page
    auditor = open_page(AUDITOR, slug=SLUG, version="2")
    assert "Revisionen" in auditor
    assert f"entry {empty.sequence} (review_added): the review cannot be read" in auditor
    assert f"entry {victim['sequence']}: its file" in auditor
    assert "registered" in auditor  # the rest of the log is listed, with who wrote each entry
    author = reg.audit_entries()[0].author or {}
    assert f"{author['username']} (local)" in auditor


def test_the_portal_warns_when_the_head_it_showed_is_gone(reg: Register) -> None:
    shown = reg.audit_head()
    first = open_page(ALGORITHM, slug=SLUG)
    assert "no longer contains" not in first
    _tamper.drop_last_entry(reg)
    page = open_page(ALGORITHM, slug=SLUG)
    assert f"no longer contains entry #{shown.sequence} ({shown.hash[:16]})" in page
    assert "Revisionen" in page  # a notice, the page goes on


def test_a_version_published_with_a_plain_client_carries_a_notice(reg: Register) -> None:
    assert "published outside" not in open_page(ALGORITHM, slug=SLUG)
    reg.client.set_registered_model_alias(SLUG, "published", "3")
    page = open_page(ALGORITHM, slug=SLUG)
    assert "version 3 was published outside the register's audit log" in page
