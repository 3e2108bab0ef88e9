"""The gettext catalogues: every key the code uses has Swedish and English text."""

from __future__ import annotations

import ast
import os
import re
import shutil
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from register import FEED_EVENTS, render_html
from register import text as catalogue
from register.audit._fairness import RATE_METRICS as RATES
from register.audit._fairness import _findings
from register.audit._reviews import OUTCOMES
from register.audit._wording import CHECK_NAMES
from register.cli import build_parser
from register.history._model_diff import SCALES
from register.history._record_diff import RECORD_PARTS
from register.text import _catalogue
from tests.register._report_samples import empty_report

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
    *(f"lang.{lang}" for lang in catalogue.available_languages()),
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


# Lookups the register makes with a key built at run time: the prefix and every value the
# code can put after it. A new f-string lookup fails the scan until it is listed here.
DYNAMIC_PREFIXES = {
    "report.outcome.": OUTCOMES,
    "fairness.finding.metric.": ("true_positive_rate", "false_positive_rate"),
    "fairness.grouping.": ("age_bands", "quantile_bands", "categories"),
    "check.name.": CHECK_NAMES,
    "diff.part.": RECORD_PARTS,
    "diff.lang.": ("sv", "en"),
    "scale.": SCALES,
    # the change feed (register.history): every event it shows, a review's outcome
    "feed.title.": FEED_EVENTS,
    "feed.summary.": FEED_EVENTS,
    "feed.event.": FEED_EVENTS,
    "audit.outcome.": OUTCOMES,
}
_TEMPLATE_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")


def _calls_message(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "register.text"
        and any(alias.name == "message" for alias in node.names)
        for node in ast.walk(tree)
    )


def register_keys() -> tuple[set[str], set[str]]:
    """Keys named in ``message("...")`` calls (any module importing it from register.text)
    and ``t("...")`` in the templates; and the prefixes of keys built with f-strings."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for path in [*sorted((ROOT / "register").rglob("*.py")), *SOURCES]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not _calls_message(tree):
            continue
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "message"
                and node.args
            ):
                continue
            key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
            elif isinstance(key, ast.JoinedStr) and isinstance(key.values[0], ast.Constant):
                prefixes.add(str(key.values[0].value))
            else:
                raise AssertionError(f"{path}:{node.lineno}: message() key is not a literal")
    for template in sorted((ROOT / "register").rglob("*.j2")):
        keys |= set(_TEMPLATE_KEY.findall(template.read_text(encoding="utf-8")))
    return keys, prefixes


def test_every_key_the_register_and_its_templates_name_is_in_every_catalogue() -> None:
    keys, prefixes = register_keys()
    assert {"report.title", "report.log.event", "fairness.finding.ok", "notice.stale"} <= keys
    assert prefixes == set(DYNAMIC_PREFIXES)
    keys |= {prefix + value for prefix, values in DYNAMIC_PREFIXES.items() for value in values}
    assert catalogue.missing(keys) == []


def test_message_formats_and_falls_back_to_english() -> None:
    assert catalogue.message("notice.stale", "sv", time="09:05") == (
        "Registret går inte att nå just nu; visar uppgifter från 09:05."
    )
    assert catalogue.message("report.title", "xx") == "Audit report"
    assert catalogue.languages() == catalogue.available_languages()
    with pytest.raises(KeyError):
        catalogue.message("report.no_such_key", "sv")


@pytest.fixture()
def finnish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The catalogues plus a Finnish one (the English file with two texts translated)."""
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE, locale, ignore=shutil.ignore_patterns("*.mo"))
    english = catalogue.po_path("en", locale).read_text(encoding="utf-8")
    finnish = english.replace('"Language: en\\n"', '"Language: fi\\n"')
    for key, text in FINNISH.items():
        finnish, count = re.subn(rf'(msgid "{key}"\nmsgstr )".*"', rf'\1"{text}"', finnish)
        assert count == 1, key
    path = catalogue.po_path("fi", locale)
    path.parent.mkdir(parents=True)
    path.write_text(finnish, encoding="utf-8")
    monkeypatch.setattr(_catalogue, "LOCALE_DIR", locale)
    _catalogue._catalogue.cache_clear()
    yield
    _catalogue._catalogue.cache_clear()


FINNISH = {
    "report.title": "Tarkastusraportti",
    "fairness.finding.ok": "Ei eroja ryhmien välillä: {attribute}.",
}


@pytest.mark.usefixtures("finnish")
def test_a_new_language_needs_only_a_po_file() -> None:
    assert catalogue.languages() == ("en", "fi", "sv")
    assert "<h1>Tarkastusraportti: Stöd</h1>" in render_html(empty_report(), "fi")
    gaps = {m: {"difference": 0.0, "ratio": 1.0, "clear": None} for m in RATES}
    flags, uncertain, finding = _findings("sex", gaps)
    assert flags == [] == uncertain and finding["fi"] == "Ei eroja ryhmien välillä: sex."
    assert set(finding) == {"en", "fi", "sv"}
    args = build_parser().parse_args(["audit", "benefits-uptake", "--lang", "fi"])
    assert args.lang == "fi"


def test_a_compiled_catalogue_unpacked_just_before_its_po_is_used_and_an_edited_po_wins(
    tmp_path: Path,
) -> None:
    """An installed wheel's .mo (unpacked a moment before its .po) is read; a .po edited
    after compiling (minutes newer) is read instead of the stale .mo."""
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE, locale, ignore=shutil.ignore_patterns("*.mo"))
    catalogue.compile_catalogues(locale)
    po = catalogue.po_path("sv", locale)
    mo = po.with_suffix(".mo")
    text = po.read_text(encoding="utf-8")
    edited = re.sub(r'(msgid "catalogue.title"\nmsgstr )".*"', r'\1"Redigerad titel"', text)
    po.write_text(edited, encoding="utf-8")
    compiled_at = mo.stat().st_mtime
    os.utime(po, (compiled_at + 1, compiled_at + 1))  # unpacked one second later
    assert catalogue.load_messages(locale_dir=locale)["catalogue.title"]["sv"] != (
        "Redigerad titel"
    )  # the .mo was read
    os.utime(po, (compiled_at + 600, compiled_at + 600))  # edited ten minutes later
    assert catalogue.load_messages(locale_dir=locale)["catalogue.title"]["sv"] == (
        "Redigerad titel"
    )
