"""The portal's one message catalogue, and the helpers that pick and format text.

The catalogue is the gettext files in ``register/text/locale/`` (one ``insyn.po`` per
language, keys as msgids; :mod:`register.text`). Every string a citizen
reads comes from :data:`MESSAGES` through :func:`t`
(the enum values of records, too, through :func:`t_enum`). Text written in
records is chosen with :func:`localized`. Numbers and record text are made
ready for the page in :mod:`app_pages._format`.
"""

from __future__ import annotations

from typing import Any, Protocol

import streamlit as st

from register import clean_text
from register.text import available_languages, load_messages

DEFAULT_LANGUAGE = "sv"
# Swedish first, then every other language with a catalogue: a new .po file is a new language.
LANGUAGES = (
    DEFAULT_LANGUAGE,
    *(lang for lang in available_languages() if lang != DEFAULT_LANGUAGE),
)
LANGUAGE_KEY = "lang"


class Localized(Protocol):
    """A record text in several languages (``register.LocalizedText``)."""

    def get(self, lang: str) -> str: ...


# Every message, {key: {lang: text}}, read from the gettext catalogues in
# register/text/locale/<lang>/LC_MESSAGES/insyn.po (see register/text/, docs/translating.md).
MESSAGES: dict[str, dict[str, str]] = load_messages(LANGUAGES)


def current_language() -> str:
    """The reader's language: ``st.session_state["lang"]`` when valid, else Swedish."""
    lang = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **fmt: Any) -> str:
    """The message ``key`` in the reader's language, formatted with ``fmt``."""
    text = MESSAGES[key][current_language()]
    return text.format(**fmt) if fmt else text


def t_enum(group: str, value: str, lang: str | None = None) -> str:
    """A translated enum value (``t_enum("theme", "housing")``); unknown values as given.

    ``lang`` fixes the language, for callbacks such as a widget's ``format_func``
    that may run outside the page's script run.
    """
    key = f"{group}.{value}"
    if key not in MESSAGES:
        return str(value)
    return MESSAGES[key][lang or current_language()]


def language_name(lang: str) -> str:
    """The name of ``lang`` in that language itself ("Svenska", "English")."""
    return MESSAGES[f"lang.{lang}"][lang]


def localized(text: Localized | None) -> str:
    """A record text in the reader's language (Swedish when no translation exists),
    without control, bidi-override or zero-width characters (:func:`register.clean_text`)."""
    return "" if text is None else clean_text(text.get(current_language()))
