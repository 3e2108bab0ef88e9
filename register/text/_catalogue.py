"""insyn's one text catalogue: standard gettext catalogues, read with Babel.

Every user-facing string (the portal, the audit report, fairness findings,
notices) lives in ``register/text/locale/<lang>/LC_MESSAGES/insyn.po``. The msgid is a
stable key (``"catalogue.title"``), not the English text, so that fixing an
English typo never orphans the other translations; the English catalogue is a
translation like any other, and ``locale/insyn.pot`` is the template a
translator starts from (see ``docs/translating.md``).

Guarantees:

- :func:`load_messages` returns ``{key: {lang: text}}`` for every key in any
  catalogue; it reads a compiled ``insyn.mo`` when one is at least as new as its
  ``.po`` and otherwise compiles the ``.po`` in memory (so a fresh checkout
  works without a build step, and ``python -m register.text compile`` is an
  optional speed-up);
- an empty or fuzzy msgstr counts as missing: :func:`missing` lists it, and
  the reader then sees the source-language (English) text, never a key;
- :func:`message` looks one key up for code outside the portal (the audit
  report, findings, notices); the catalogues are read once per process.

``python -m register.text check`` prints every missing translation and exits 1
if there is one; ``compile`` writes the ``.mo`` files; ``template`` rewrites the
``.pot`` from the English catalogue.
"""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "insyn"
SOURCE_LANGUAGE = "en"
MISSING_LINE = "{lang}: {key} has no translation"
UNKNOWN_COMMAND = "usage: python -m register.text [check|compile|template]"


def po_path(lang: str, locale_dir: Path | None = None) -> Path:
    """Where the catalogue of ``lang`` lives."""
    locale_dir = locale_dir or LOCALE_DIR
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


UNPACK_TOLERANCE_SECONDS = 5.0


def available_languages(locale_dir: Path | None = None) -> tuple[str, ...]:
    """Every language with a catalogue, sorted."""
    locale_dir = locale_dir or LOCALE_DIR
    return tuple(
        sorted(p.parent.parent.name for p in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    )


def _read(lang: str, locale_dir: Path) -> Catalog:
    po = po_path(lang, locale_dir)
    mo = po.with_suffix(".mo")
    # An installer unpacks the wheel's .mo and .po a moment apart, in either order; a .po
    # edited after compiling is minutes newer. Within the tolerance the .mo is the build's.
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - UNPACK_TOLERANCE_SECONDS:
        with mo.open("rb") as handle:
            return read_mo(handle)
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=None)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # compiled in memory: fuzzy and empty entries are dropped
    buffer.seek(0)
    return read_mo(buffer)


def _texts(catalog: Catalog) -> dict[str, str]:
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string
    }


def load_messages(
    languages: Sequence[str] | None = None, locale_dir: Path | None = None
) -> dict[str, dict[str, str]]:
    """``{key: {lang: text}}`` for every key; a missing translation falls back to English."""
    locale_dir = locale_dir or LOCALE_DIR
    langs = tuple(languages or available_languages(locale_dir))
    per_lang = {lang: _texts(_read(lang, locale_dir)) for lang in langs}
    source = per_lang.get(SOURCE_LANGUAGE, {})
    keys = sorted({key for texts in per_lang.values() for key in texts})
    return {
        key: {lang: per_lang[lang].get(key) or source.get(key) or key for lang in langs}
        for key in keys
    }


def missing(
    keys: Iterable[str] | None = None,
    languages: Sequence[str] | None = None,
    locale_dir: Path | None = None,
) -> list[tuple[str, str]]:
    """``(lang, key)`` for every key without a (non-fuzzy, non-empty) translation.

    ``keys`` defaults to every key in any catalogue.
    """
    locale_dir = locale_dir or LOCALE_DIR
    langs = tuple(languages or available_languages(locale_dir))
    per_lang = {lang: _texts(_read(lang, locale_dir)) for lang in langs}
    wanted = sorted(set(keys) if keys is not None else {k for v in per_lang.values() for k in v})
    return [(lang, key) for lang in langs for key in wanted if key not in per_lang[lang]]


@functools.cache
def _catalogue() -> tuple[tuple[str, ...], dict[str, dict[str, str]]]:
    langs = available_languages()
    return langs, load_messages(langs)


def languages() -> tuple[str, ...]:
    """The languages :func:`message` answers in: one per catalogue, sorted (read once)."""
    return _catalogue()[0]


def message(key: str, lang: str, **fmt: object) -> str:
    """The text of ``key`` in ``lang``, formatted with ``fmt`` when given.

    A language without a catalogue gets the source language (English); a gap in
    a catalogue gets English too. An unknown key raises :class:`KeyError`, so a
    typo fails in the tests (every key the code names is checked there).
    """
    texts = _catalogue()[1][key]
    text = texts.get(lang) or texts[SOURCE_LANGUAGE]
    return text.format(**fmt) if fmt else text


def compile_catalogues(locale_dir: Path | None = None) -> list[Path]:
    """Write ``insyn.mo`` beside every ``insyn.po``; returns the files written."""
    locale_dir = locale_dir or LOCALE_DIR
    written = []
    for lang in available_languages(locale_dir):
        po = po_path(lang, locale_dir)
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=None)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo)
    return written


def write_template(locale_dir: Path | None = None) -> Path:
    """Rewrite ``insyn.pot``: every key, empty msgstr, the English text as a comment."""
    locale_dir = locale_dir or LOCALE_DIR
    with po_path(SOURCE_LANGUAGE, locale_dir).open("rb") as handle:
        english = read_po(handle, locale=None)
    template = Catalog(project="insyn", fuzzy=False, header_comment="# insyn messages")
    for message in english:
        if message.id:
            comment = f"en: {message.string}"
            template.add(message.id, "", auto_comments=[comment], flags=message.flags)
    path = locale_dir / f"{DOMAIN}.pot"
    with path.open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``check`` (exit 1 on a missing translation), ``compile`` or ``template``."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "check"
    if command == "check":
        gaps = missing()
        for lang, key in gaps:
            print(MISSING_LINE.format(lang=lang, key=key))
        print(f"{len(gaps)} missing translation(s) in {', '.join(available_languages())}.")
        return 1 if gaps else 0
    if command == "compile":
        for path in compile_catalogues():
            print(f"wrote {path}")
        return 0
    if command == "template":
        print(f"wrote {write_template()}")
        return 0
    print(UNKNOWN_COMMAND, file=sys.stderr)
    return 2
