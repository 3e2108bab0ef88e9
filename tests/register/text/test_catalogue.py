"""The gettext catalogues: every key the code uses has Swedish and English text."""

from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest

from register import text as catalogue

ROOT = Path(__file__).resolve().parents[3]
LOCALE = ROOT / "register" / "text" / "locale"

SOURCES = [ROOT / "streamlit_app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
# t("key"), t('key'), t(\n "key", ...), heading("key") and keys in conditional expressions.
_LITERAL_KEY = re.compile(
    r"""\b(?:t|heading|fact|paragraph)\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']"""
)
_CONDITIONAL_KEY = re.compile(
    r"""["']([a-z_]+(?:\.[a-z0-9_]+)+)["']\s+if\s.+?\selse\s+["']([a-z_]+(?:\.[a-z0-9_]+)+)["']"""
)
# Keys built at run time (f-strings), listed here so the test still sees them.
DYNAMIC_KEYS = {
    "plain.factor.up",
    "plain.factor.down",
    "plain.factor.raw.up",
    "plain.factor.raw.down",
    "lang.sv",
    "lang.en",
}


def used_keys() -> set[str]:
    """Every message key the portal's code names literally, plus the dynamic ones."""
    keys = set(DYNAMIC_KEYS)
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        keys |= set(_LITERAL_KEY.findall(text))
        for pair in _CONDITIONAL_KEY.findall(text):
            keys |= set(pair)
    return keys


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_exist_for_swedish_and_english() -> None:
    assert {"sv", "en"} <= set(catalogue.available_languages())
    assert (LOCALE / "insyn.pot").exists()


def test_every_key_used_has_every_translation() -> None:
    keys = used_keys()
    assert len(keys) > 50, "the key scanner found suspiciously few keys"
    assert catalogue.missing(keys) == []


def test_no_catalogue_has_an_empty_or_fuzzy_entry() -> None:
    assert catalogue.missing() == []
    assert catalogue.main(["check"]) == 0


def test_every_language_keeps_the_english_placeholders() -> None:
    messages = catalogue.load_messages()
    for key, texts in messages.items():
        expected = placeholders(texts["en"])
        for lang, text in texts.items():
            assert placeholders(text) == expected, (key, lang)


def test_compiled_mo_gives_the_same_texts_and_a_gap_falls_back_to_english(
    tmp_path: Path,
) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE, locale, ignore=shutil.ignore_patterns("*.mo"))
    from_po = catalogue.load_messages(locale_dir=locale)
    written = catalogue.compile_catalogues(locale)
    assert {p.name for p in written} == {"insyn.mo"} and len(written) >= 2
    assert catalogue.load_messages(locale_dir=locale) == from_po
    # Blank one Swedish entry: it is reported missing and shows English meanwhile.
    po = catalogue.po_path("sv", locale)
    text = po.read_text(encoding="utf-8")
    blanked = re.sub(r'(msgid "catalogue.title"\nmsgstr )".*"', r'\1""', text)
    assert blanked != text
    po.write_text(blanked, encoding="utf-8")
    for mo in written:
        mo.unlink()
    assert ("sv", "catalogue.title") in catalogue.missing(locale_dir=locale)
    messages = catalogue.load_messages(locale_dir=locale)
    assert messages["catalogue.title"]["sv"] == messages["catalogue.title"]["en"]


@pytest.mark.parametrize("command", ["nonsense"])
def test_unknown_command_is_a_usage_error(command: str) -> None:
    assert catalogue.main([command]) == 2
