"""The reader's words for what the fairness result and the checks store in English.

A stored fairness result says how its groups were formed in English (``age bands
<25, 25–34, ...``, ``4 quantile bands``, ``categories as recorded``: the text
:func:`register.audit._fairness.groups_of` returns, which registration compares, so
it stays as it is); reviews name the checks they relied on by identifier
(``additivity``). Here both become catalogue text in the reader's language. A text
or name not recognised is returned unchanged, so nothing stored is ever lost.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from register.audit._reviews import CHECKS
from register.text import message

if TYPE_CHECKING:
    from register.record._schema import TransparencyRecord

__all__ = [
    "CHECK_NAMES",
    "check_name",
    "column_with_code",
    "grouping_kind",
    "grouping_text",
    "labelled_finding",
    "value_with_code",
]

CHECK_NAMES = CHECKS  # the checks a review may name
AGE_BANDS_PREFIX = "age bands "
CATEGORIES = "categories as recorded"
_QUANTILE_BANDS = re.compile(r"^(?P<count>\d+) quantile bands$")


def grouping_kind(how: str) -> tuple[str, dict[str, str]] | None:
    """The stable kind of a stored grouping text and its parts: ``("age_bands",
    {"bands": "<25, 25–34"})``, ``("quantile_bands", {"count": "4"})``,
    ``("categories", {})``; None for a text this register never wrote."""
    if how == CATEGORIES:
        return "categories", {}
    if how.startswith(AGE_BANDS_PREFIX):
        return "age_bands", {"bands": how.removeprefix(AGE_BANDS_PREFIX)}
    found = _QUANTILE_BANDS.match(how)
    if found is not None:
        return "quantile_bands", {"count": found["count"]}
    return None


def grouping_text(how: str, lang: str) -> str:
    """How the groups were formed, in ``lang`` (the stored text when not recognised)."""
    kind = grouping_kind(how)
    if kind is None:
        return how
    name, parts = kind
    return message(f"fairness.grouping.{name}", lang, **parts)


def check_name(name: str, lang: str) -> str:
    """A check's name in ``lang`` (``additivity`` → ``additivitet``); unknown names as given."""
    return message(f"check.name.{name}", lang) if name in CHECK_NAMES else name


def _with_code(label: str | None, code: str) -> str:
    return code if label is None or label == code else f"{label} ({code})"


def column_with_code(record: TransparencyRecord | None, column: str, lang: str) -> str:
    """``Kön (sex)``: the record's label of an input or protected attribute in ``lang``
    with the column name beside it; the column name alone when unlabelled."""
    found = None if record is None else record.column_label(column)
    return _with_code(None if found is None else found.get(lang), str(column))


def value_with_code(record: TransparencyRecord | None, column: str, value: Any, lang: str) -> str:
    """``Kvinna (female)``: the record's label of one raw value of ``column`` in ``lang``
    with the value beside it; the value alone when unlabelled."""
    found = None if record is None else record.value_label(column, value)
    return _with_code(None if found is None else found.get(lang), str(value))


def labelled_finding(
    finding: str, attribute: str, record: TransparencyRecord | None, lang: str
) -> str:
    """A stored fairness finding with the attribute and its groups named as auditors read
    them: the attribute (a whole word) as ``Kön (sex)``, a group written ``= code`` as
    ``= Kvinna (female)``. Unchanged without a record or labels."""
    if record is None or record.column_label(attribute) is None:
        return finding
    name = re.escape(attribute)
    text = re.sub(
        r"(?<![\w(])= (\S+?)(?=[ ,.;)]|$)",
        lambda found: "= " + value_with_code(record, attribute, found.group(1), lang),
        finding,
    )
    return re.sub(
        rf"(?<![\w(]){name}(?![\w)])",
        lambda _: column_with_code(record, attribute, lang),
        text,
    )
