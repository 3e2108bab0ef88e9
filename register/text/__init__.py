"""insyn's one text catalogue: every user-facing string, in every language.

The texts live in gettext catalogues, ``register/text/locale/<lang>/LC_MESSAGES/insyn.po``,
keyed by stable message ids (``"catalogue.title"``, ``"report.title"``,
``"notice.stale"``). The portal reads them all with :func:`load_messages`; the
audit report, fairness findings and notices look single keys up with
:func:`message`. Adding a language needs only a new ``.po`` file
(``docs/translating.md``).

``python -m register.text check|compile|template`` checks, compiles or
re-templates the catalogues.
"""

from register.text._catalogue import (
    DOMAIN,
    LOCALE_DIR,
    SOURCE_LANGUAGE,
    available_languages,
    compile_catalogues,
    languages,
    load_messages,
    main,
    message,
    missing,
    po_path,
    write_template,
)

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "SOURCE_LANGUAGE",
    "available_languages",
    "compile_catalogues",
    "languages",
    "load_messages",
    "main",
    "message",
    "missing",
    "po_path",
    "write_template",
]
