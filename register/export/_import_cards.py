"""Reading the Annex VIII Section C file and the Model Card Toolkit card back (insyn import).

:func:`card_entries` recognises either file and gives its rows as
``import_standard`` reads them: (slug or None, text language, object). The Annex
VIII file carries both languages of the texts it holds; a bare model card carries
one, which the caller names (``lang``). :data:`CARD_KINDS` gives each kind's
standard, schema and reader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from register.export._aiact import AIACT_SCHEMA, AIACT_STANDARD, from_annex_viii
from register.export._modelcard import MCT_SCHEMA, MCT_STANDARD, MCT_VERSION, from_model_card

MCT_LANGUAGE_NEEDED = (
    "{source} is a Model Card Toolkit card, which does not state its texts' language; "
    "say which record language (sv or en) they are in."
)


def _annex(obj: Mapping[str, Any], lang: str) -> dict[str, Any]:
    del lang  # the object holds both languages
    return from_annex_viii(dict(obj))


#: kind -> (standard, schema file, reader of one object into a partial record)
CARD_KINDS: dict[str, tuple[str, str, Callable[[Mapping[str, Any], str], dict[str, Any]]]] = {
    "annex-viii-c": (AIACT_STANDARD, AIACT_SCHEMA, _annex),
    "model-card": (MCT_STANDARD, MCT_SCHEMA, from_model_card),
}


def _languages(obj: Any) -> tuple[str, ...]:
    """The languages an Annex VIII object's texts are in: Swedish, and English when given."""
    name = obj.get("ai_system", {}).get("name") if isinstance(obj, Mapping) else None
    return ("sv", "en") if isinstance(name, Mapping) and name.get("en") else ("sv",)


def card_entries(
    document: Mapping[str, Any], lang: str | None
) -> tuple[str, list[tuple[Any, Any, Any]]] | None:
    """(kind, rows) when ``document`` is an Annex VIII file or a model card, else None."""
    entries = document.get("algorithms")
    if document.get("standard") == AIACT_STANDARD and isinstance(entries, list):
        rows = [
            (e.get("slug"), lang, e.get("record"))
            for e in entries
            if isinstance(e, dict)
            for lang in _languages(e.get("record"))
        ]
        return "annex-viii-c", rows
    if document.get("schema_version") == MCT_VERSION and "model_details" in document:
        return "model-card", [(None, lang, document)]
    return None
