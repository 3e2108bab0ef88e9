"""Dotted leaf paths of a record dict: which fields an export carries, reading and merging them.

Paths follow :meth:`TransparencyRecord.diff` (``purpose.sv``, ``contact.email``)
except that lists holding localized texts are entered with ``[]``
(``technical.features[].label.en``); other lists are one leaf.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from register.record._schema import LANGUAGES, TransparencyRecord


def _is_localized(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= set(LANGUAGES)


def _holds_localized(items: list[Any]) -> bool:
    return any(
        isinstance(item, dict) and any(_is_localized(v) for v in item.values()) for item in items
    )


def leaf_paths(data: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """The leaf paths present in ``data`` (a partial or complete record dict)."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        if _is_localized(value):
            yield from (f"{path}.{lang}" for lang in value)
        elif isinstance(value, dict):
            yield from leaf_paths(value, path + ".")
        elif isinstance(value, list) and value and _holds_localized(value):
            seen: dict[str, None] = {}
            for item in value:
                seen.update(dict.fromkeys(leaf_paths(item, path + "[].")))
            yield from seen
        else:
            yield path


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _resolve(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        return _resolve(options[0], defs)
    return node


def _schema_paths(node: dict[str, Any], defs: dict[str, Any], prefix: str) -> Iterator[str]:
    node = _resolve(node, defs)
    properties = node.get("properties")
    if properties is not None and set(properties) == {"sv", "en"}:
        yield from (f"{prefix}.{lang}" for lang in LANGUAGES)
        return
    if properties is not None:
        for key, child in properties.items():
            yield from _schema_paths(child, defs, f"{prefix}.{key}" if prefix else key)
        return
    if node.get("type") == "array" and "items" in node:
        inner = list(_schema_paths(node["items"], defs, prefix + "[]"))
        if any(p.endswith((".sv", ".en")) for p in inner):
            yield from inner
            return
    yield prefix


@cache
def record_paths() -> tuple[str, ...]:
    """Every leaf path a complete record has (both languages), in schema order."""
    document = TransparencyRecord.model_json_schema()
    return tuple(_schema_paths(document, document.get("$defs", {}), ""))


def value_at(data: Any, path: str) -> Any:
    """The value at ``path`` (a list of values below a ``[]``); None where absent."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        items = data.get(head[:-2]) if isinstance(data, Mapping) else None
        return [value_at(item, rest) for item in items or []]
    value = data.get(head) if isinstance(data, Mapping) else None
    return value_at(value, rest) if rest else value


def merge(partial: Any, base: Any) -> Any:
    """``partial`` with every field it lacks taken from ``base``.

    Lists of dicts with a ``name`` (model inputs) merge item by item by name;
    other lists and all scalars in ``partial`` win.
    """
    if isinstance(partial, dict) and isinstance(base, dict):
        merged = dict(base)
        for key, value in partial.items():
            merged[key] = merge(value, base.get(key))
        return merged
    if isinstance(partial, list) and isinstance(base, list):
        by_name = {item.get("name"): item for item in base if isinstance(item, dict)}
        if by_name and all(isinstance(item, dict) and "name" in item for item in partial):
            return [merge(item, by_name.get(item["name"])) for item in partial]
    return partial
