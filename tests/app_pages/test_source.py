"""Rules the portal's source keeps: imports, one message catalogue, no markup from records."""

from __future__ import annotations

import ast
import re

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._format import escape_markdown
from app_pages._text import LANGUAGES, MESSAGES
from tests.app_pages.conftest import ROOT, TIMEOUT, assert_no_exception

SOURCES = [ROOT / "streamlit_app.py", *sorted((ROOT / "app_pages").glob("*.py"))]


def _imported_modules(path) -> set[str]:  # type: ignore[no-untyped-def]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_app_never_imports_mlflow_or_shap(path) -> None:  # type: ignore[no-untyped-def]
    assert not _imported_modules(path) & {"mlflow", "shap"}
    assert not re.search(r"__import__\(|importlib", path.read_text(encoding="utf-8"))


def test_every_message_has_swedish_and_english() -> None:
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(text.strip() for text in texts.values()), key


def test_every_message_key_used_in_the_app_exists() -> None:
    used: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"t", "heading", "fact", "paragraph", "show_error"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                used.add(node.args[0].value)
    assert used, "no message keys found"
    assert sorted(used - set(MESSAGES)) == []


MARKUP = "[]<>*_`:$#|~&!"


def _all_escaped(text: str) -> bool:
    """Whether every markup character in ``text`` is escaped by a backslash."""
    unescaped = re.sub(r"\\.", "", text)
    return not any(ch in unescaped for ch in MARKUP)


def test_escaped_record_text_cannot_inject_markup() -> None:
    hostile = "[click](javascript:alert(1)) <img src=x onerror=alert(1)> **bold** :red[x] $x$"
    escaped = escape_markdown(hostile)
    assert _all_escaped(escaped)
    assert re.sub(r"\\(.)", r"\1", escaped) == hostile
    assert escape_markdown("1. not a list") == "1\\. not a list"
    assert escape_markdown("- not a list") == "\\- not a list"


def _render_hostile_record_text() -> None:
    from app_pages._sections import fact, plain

    plain("# Not a heading <script>alert(1)</script> [link](http://evil.example)")
    fact("field.supplier", "**Evil** <b>corp</b> [x](javascript:alert(1))")


def test_record_text_is_rendered_as_plain_text() -> None:
    at = AppTest.from_function(_render_hostile_record_text, default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    assert at.text[0].value.startswith("# Not a heading <script>")  # st.text: shown as typed
    markdown = at.markdown[0].value
    label, value = markdown.split(":** ", 1)
    assert label == "**Leverantör"
    assert _all_escaped(value)


def _failing_page() -> None:
    from app_pages._guard import guarded

    def body() -> None:
        raise RuntimeError("secret internal detail")

    guarded(body)


def _register_error_page() -> None:
    from app_pages._guard import guarded
    from register import NotFoundError

    def body() -> None:
        raise NotFoundError("The register holds no algorithm called 'x'.")

    guarded(body)


def test_a_failing_page_shows_a_plain_message_and_no_traceback() -> None:
    at = AppTest.from_function(_failing_page, default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    assert len(at.error) == 1
    assert at.error[0].value.startswith("Något gick fel när sidan skulle visas.")
    assert "secret internal detail" not in at.error[0].value


def test_a_register_error_is_shown_in_its_plain_words() -> None:
    at = AppTest.from_function(_register_error_page, default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    assert "The register holds no algorithm called" in at.error[0].value
