"""Catalogue tags: what a registered model carries so the catalogue can search it.

Tags live on the MLflow registered model and mirror the published version's
record. Search pages through MLflow's own ``search_registered_models``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from register.record._schema import TransparencyRecord

MANAGED = "insyn.managed"
PUBLISHED = "insyn.published"
PUBLISHED_VERSION = "insyn.published_version"
SEARCH_TEXT = "insyn.search"
NAME_TAG = "insyn.name.{lang}"
DESCRIPTION_TAG = "insyn.description.{lang}"
STATUS = "status"
ORGANISATION = "organisation"
FILTER_KEYS = ("organisation", "theme", "status", "risk_category")
PUBLISHED_ALIAS = "published"
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

    Checks each string insyn writes to MLflow for a record (run and model-version tags,
    catalogue tags, descriptions, the organisation's experiment name) against the store's
    limits, so that a record that passes validation is never refused half-way through
    registration. Lengths are measured as written (the search text is lower-cased).
    """
    from register.record._errors import RULE_STORE_LIMIT, short_value

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


def _quote(value: str) -> str:
    """A value safe inside MLflow's single-quoted filter literals.

    Quotes and backslashes become the single-character wildcard, so a search
    can never break out of its literal.
    """
    return "".join("_" if ch in "'\"\\`" else ch for ch in value)


def build_filter(
    text: str | None,
    *,
    filters: dict[str, str | None],
    include_unpublished: bool,
) -> str:
    """An MLflow filter string for a catalogue search (all conditions must hold)."""
    clauses = [f"tags.`{MANAGED}` = 'true'"]
    if not include_unpublished:
        clauses.append(f"tags.`{PUBLISHED}` = 'true'")
    for key, value in filters.items():
        if value:
            if any(ch in value for ch in "'\"\\`"):
                clauses.append(f"tags.`{key}` LIKE '{_quote(value)}'")
            else:
                clauses.append(f"tags.`{key}` = '{value}'")
    for word in (text or "").lower().split():
        escaped = _quote(word).replace("%", "_")
        clauses.append(f"tags.`{SEARCH_TEXT}` LIKE '%{escaped}%'")
    return " AND ".join(clauses)


def summary_fields(tags: dict[str, str]) -> dict[str, Any]:
    """The catalogue fields stored in a registered model's tags."""
    version = tags.get(PUBLISHED_VERSION)
    return {
        "organisation": tags.get("organisation", ""),
        "theme": tags.get("theme", ""),
        "status": tags.get("status", ""),
        "risk_category": tags.get("risk_category", ""),
        "version": int(version) if version else None,
    }
