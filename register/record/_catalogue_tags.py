"""How a record appears in the catalogue, and the store's limits a record must keep.

A registered algorithm carries its published record's catalogue entry as tags (names,
descriptions, filter values and a lower-cased search text). :func:`catalogue_tags`
says which; :func:`store_limit_problems` checks every string registration writes
against the store's limits, so a record that passes validation is never refused
half-way through registration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from register.record._errors import RULE_STORE_LIMIT, short_value

if TYPE_CHECKING:
    from register.record._schema import TransparencyRecord

__all__ = [
    "DESCRIPTION_TAG",
    "MANAGED",
    "NAME_TAG",
    "ORGANISATION",
    "ORG_EXPERIMENT_PREFIX",
    "SEARCH_TEXT",
    "STATUS",
    "STORE_DESCRIPTION_MAX_CHARS",
    "STORE_EXPERIMENT_NAME_MAX_CHARS",
    "STORE_MODEL_TAG_MAX_CHARS",
    "STORE_RUN_TAG_MAX_CHARS",
    "catalogue_tags",
    "store_limit_problems",
]

MANAGED = "insyn.managed"
SEARCH_TEXT = "insyn.search"
NAME_TAG = "insyn.name.{lang}"
DESCRIPTION_TAG = "insyn.description.{lang}"
STATUS = "status"
ORGANISATION = "organisation"
ORG_EXPERIMENT_PREFIX = "insyn/"  # register.shared._auth.ORG_EXPERIMENT without the organisation

# What MLflow 3.17's stores accept (mlflow/utils/validation.py and the SQL store's columns):
# registered-model tag values are VARCHAR(5000) in the SQL store (validation allows 100,000),
# run tag values at most MAX_TAG_VAL_LENGTH = 8000, model-version tag values 100,000 (TEXT),
# registered-model and model-version descriptions VARCHAR(5000), experiment names 500.
STORE_MODEL_TAG_MAX_CHARS = 5000
STORE_RUN_TAG_MAX_CHARS = 8000
STORE_DESCRIPTION_MAX_CHARS = 5000
STORE_EXPERIMENT_NAME_MAX_CHARS = 500
# The record field (dotted path) each stored value comes from.
_TAG_SOURCES = {
    SEARCH_TEXT: "department",  # the one field of the search text without a tighter bound
    NAME_TAG.format(lang="sv"): "name.sv",
    NAME_TAG.format(lang="en"): "name.en",
    DESCRIPTION_TAG.format(lang="sv"): "short_description.sv",
    DESCRIPTION_TAG.format(lang="en"): "short_description.en",
}


def catalogue_tags(record: TransparencyRecord, *, status: str | None = None) -> dict[str, str]:
    """The registered-model tags that describe ``record`` in the catalogue."""
    tags = dict(record.tags())
    if status is not None:
        tags[STATUS] = status
    texts = [record.slug, record.organisation, record.department, record.theme.value]
    for lang in ("sv", "en"):
        name = getattr(record.name, lang)
        description = getattr(record.short_description, lang)
        tags[NAME_TAG.format(lang=lang)] = name or ""
        tags[DESCRIPTION_TAG.format(lang=lang)] = description or ""
        texts += [name or "", description or ""]
    tags[SEARCH_TEXT] = " ".join(t for t in texts if t).lower()
    tags[MANAGED] = "true"
    return tags


def store_limit_problems(record: TransparencyRecord) -> list[tuple[tuple[str, ...], str, str]]:
    """Every value of ``record`` the store would refuse, as (path, rule, value) problems.

    Checks each string insyn writes to the store for a record (run and model-version tags,
    catalogue tags, descriptions, the organisation's experiment name) against the store's
    limits, so that a record that passes validation is never refused half-way through
    registration. Lengths are measured as written (the search text is lower-cased).
    """
    checks: list[tuple[str, str, int, str]] = []
    for key, value in catalogue_tags(record).items():
        source = _TAG_SOURCES.get(key, key)
        checks.append((source, value, STORE_MODEL_TAG_MAX_CHARS, f"catalogue tag {key}"))
    for key, value in record.tags().items():
        checks.append((key, value, STORE_RUN_TAG_MAX_CHARS, f"run tag {key}"))
    description = record.short_description.sv
    checks.append(
        ("short_description.sv", description, STORE_DESCRIPTION_MAX_CHARS, "model description")
    )
    experiment = ORG_EXPERIMENT_PREFIX + record.organisation
    checks.append(("organisation", experiment, STORE_EXPERIMENT_NAME_MAX_CHARS, "experiment name"))
    problems = []
    for path, value, limit, where in checks:
        if len(value) > limit:
            rule = RULE_STORE_LIMIT.format(max_length=limit, where=where)
            problems.append((tuple(path.split(".")), rule, short_value(value, length=True)))
    return problems
