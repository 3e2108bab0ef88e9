"""What changed in a transparency record between two versions, field by field.

Paths are dotted with list positions (``purpose.sv``, ``technical.features[2].name``,
``legal_basis.references[0].url``): every leaf of the record's JSON form that differs is
one change, each language of a localized text its own leaf. Lists are compared position
by position, except lists whose items are named (inputs by ``name``, value labels by
``code``) when the names differ: then items are paired by name, so an input added or
removed is the run of its own leaves (``before`` or ``after`` None), at its position in
the version that has it (the newer one when both do).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from register.record._schema import LANGUAGES, TransparencyRecord
from register.text import languages, message

__all__ = ["RECORD_PARTS", "FieldChange", "field_label", "record_changes"]

RECORD_PARTS = (
    "schema_version", "slug", "name", "short_description", "organisation", "department",
    "theme", "status", "start_date", "end_date", "contact", "email", "url", "purpose",
    "impact", "considerations", "proportionality", "alternatives", "legal_basis", "text",
    "references", "title", "decision_process", "output_use", "human_decides", "objection",
    "human_oversight", "risk", "category", "management", "impact_assessments", "kind",
    "completed", "data", "sources", "personal_data", "protected_attributes",
    "protected_labels", "technical", "model_type", "output", "positive_class",
    "favourable_outcome", "class_labels", "features", "label", "description", "changeable",
    "values", "code", "value", "change_direction", "change_to", "supplier", "source_code",
)  # fmt: skip
"""Every field name a record path is made of; each is named by ``diff.part.<name>``."""

_INDEXED = re.compile(r"^(?P<name>[a-z_]+)\[(?P<index>\d+)\]$")


@dataclass(frozen=True, kw_only=True, slots=True)
class FieldChange:
    """One leaf field of the record that differs between the two versions.

    ``path``: dotted path with list positions (0-based; in the newer version, or in the older
    for an item it alone has), e.g. ``technical.features[2].name``;
    ``before``/``after``: the JSON value in each version (None where the field is absent or
    empty); ``language``: ``"sv"``/``"en"`` when the leaf is one language of a localized
    text, whose whole text in both languages is ``text_before``/``text_after``; ``label``:
    the field's name in plain words in every catalogue language (positions counted from 1).
    """

    path: str
    before: Any
    after: Any
    language: str | None = None
    text_before: dict[str, str | None] | None = None
    text_after: dict[str, str | None] | None = None
    label: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: strings, numbers, booleans and None only."""
        return {
            "path": self.path,
            "label": dict(self.label),
            "language": self.language,
            "before": self.before,
            "after": self.after,
            "text_before": None if self.text_before is None else dict(self.text_before),
            "text_after": None if self.text_after is None else dict(self.text_after),
        }


def _is_localized(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and set(value) <= set(LANGUAGES)


def _text(value: Any) -> dict[str, str | None] | None:
    if not isinstance(value, Mapping):
        return None
    return {lang: value.get(lang) for lang in LANGUAGES}


def _walk(before: Any, after: Any, path: str) -> Iterator[tuple[str, Any, Any, str | None, Any]]:
    """(path, before, after, language, (text_before, text_after)) of every differing leaf."""
    if _is_localized(before) or _is_localized(after):
        texts = (_text(before), _text(after))
        for lang in LANGUAGES:
            old = before.get(lang) if isinstance(before, Mapping) else None
            new = after.get(lang) if isinstance(after, Mapping) else None
            if old != new:
                yield f"{path}.{lang}", old, new, lang, texts
        return
    if isinstance(before, Mapping) or isinstance(after, Mapping):
        old_map = before if isinstance(before, Mapping) else {}
        new_map = after if isinstance(after, Mapping) else {}
        keys = list(old_map) + [k for k in new_map if k not in old_map]
        for key in keys:
            yield from _walk(old_map.get(key), new_map.get(key), f"{path}.{key}" if path else key)
        return
    if isinstance(before, list) or isinstance(after, list):
        old_list = before if isinstance(before, list) else []
        new_list = after if isinstance(after, list) else []
        for (old_at, old), (new_at, new) in _pairs(old_list, new_list):
            yield from _walk(old, new, f"{path}[{new_at if new_at is not None else old_at}]")
        return
    if before != after:
        yield path, before, after, None, (None, None)


def _key(items: list[Any]) -> str | None:
    """The field that names each item of ``items`` uniquely (``name`` or ``code``), or None."""
    for key in ("name", "code"):
        names = [item.get(key) if isinstance(item, Mapping) else None for item in items]
        if items and None not in names and len(set(map(str, names))) == len(names):
            return key
    return None


def _pairs(
    old: list[Any], new: list[Any]
) -> Iterator[tuple[tuple[int | None, Any], tuple[int | None, Any]]]:
    """The items of both lists paired: by their ``name``/``code`` when both lists name their
    items and the names differ (so removing one input lists only that input), else by
    position. Each side is (position, item), (None, None) where that list lacks it."""
    key = _key(old) if _key(old) == _key(new) else None
    old_names = [str(item[key]) for item in old] if key else []
    new_names = [str(item[key]) for item in new] if key else []
    if key is None or old_names == new_names:
        for index in range(max(len(old), len(new))):
            yield (
                (index, old[index]) if index < len(old) else (None, None),
                (index, new[index]) if index < len(new) else (None, None),
            )
        return
    position = {name: index for index, name in enumerate(old_names)}
    for index, name in enumerate(new_names):
        found = position.get(name)
        yield ((found, old[found]) if found is not None else (None, None)), (index, new[index])
    for index, name in enumerate(old_names):
        if name not in set(new_names):
            yield (index, old[index]), (None, None)


def field_label(path: str, lang: str) -> str:
    """The plain name of the field at ``path`` in ``lang``: each part's name from the text
    catalogue (``diff.part.*``), list positions counted from 1, the language in brackets."""
    words: list[str] = []
    for part in path.split("."):
        if part in LANGUAGES:
            words[-1] += f" ({message(f'diff.lang.{part}', lang)})" if words else ""
            continue
        indexed = _INDEXED.match(part)
        name = indexed["name"] if indexed else part
        word = message(f"diff.part.{name}", lang) if name in RECORD_PARTS else name
        words.append(f"{word} {int(indexed['index']) + 1}" if indexed else word)
    return " › ".join(words)


def record_changes(older: TransparencyRecord, newer: TransparencyRecord) -> list[FieldChange]:
    """Every leaf field that differs, in the record's field order; unchanged fields never."""
    changes = []
    for path, before, after, lang, (text_before, text_after) in _walk(
        older.to_json_dict(), newer.to_json_dict(), ""
    ):
        changes.append(
            FieldChange(
                path=path,
                before=before,
                after=after,
                language=lang,
                text_before=text_before,
                text_after=text_after,
                label={code: field_label(path, code) for code in languages()},
            )
        )
    return changes
