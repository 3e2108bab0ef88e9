"""Model cards of a published version: the Model Card Toolkit JSON, and reading it back.

The JSON follows the Model Card Toolkit schema v0.0.2 (tensorflow/model-card-toolkit,
copied into ``register/schemas``). Texts are the record's English where the record is
complete in English, else its Swedish (as the NL export). Numbers are aggregates only:
the explanation's global importance (mean absolute SHAP value per input) and the
stored public fairness result (rates of groups of at least 10 people, with their 95 %
intervals); a suppressed group or rate is left out, never shown as zero. The toolkit's
schema has no field for feature importance, so it is given as performance metrics of
type :data:`IMPORTANCE_TYPE`, one per input (slice ``input: <name>``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from register.export._common import LABELS, check_schema, sentence_choice, verify_round_trip
from register.export._nl import nl_language
from register.record._schema import TransparencyRecord

MCT_STANDARD = "Model Card Toolkit model card"
MCT_VERSION = "0.0.2"
MCT_SCHEMA = "model-card-toolkit-v0.0.2.schema.json"
MCT_COMMIT = "74d7e6d8d3163b830711b226491ccd976a2d7018"
MCT_CONFORMS_TO = (
    f"https://github.com/tensorflow/model-card-toolkit/blob/{MCT_COMMIT}"
    "/model_card_toolkit/schema/v0.0.2/model_card.schema.json"
)
MODEL_CARD_FOLDER = "model-cards"
IMPORTANCE_TYPE = "global_importance_mean_abs_shap"
FAIRNESS_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision")
DATA_SOURCES = "Data sources"
HUMAN_OVERSIGHT = "Human oversight"


def card_stem(slug: str, version: int) -> str:
    """``<slug>-v<version>-model-card``: the name of both cards without extension."""
    return f"{slug}-v{version}-model-card"


def number(value: float) -> str:
    """A number as text with up to 6 significant digits (``0.05``, ``0.1235``)."""
    return f"{value:.6g}"


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def importances(explanation: Any) -> list[tuple[str, float]]:
    """(input, mean absolute SHAP value) of the explanation's global importance, in its
    order; empty without an explanation. ``explanation`` is a stored explanation, its
    public tables or its open-data document (a mapping with ``global_importance``, a
    table or a list of rows); row-level data are never read."""
    if explanation is None:
        return []
    table = (
        explanation["global_importance"]
        if isinstance(explanation, Mapping)
        else explanation.global_importance
    )
    rows = table.to_dict(orient="records") if hasattr(table, "to_dict") else list(table)
    out = []
    for row in rows:
        value = row["mean_abs_shap"]
        value = value.item() if hasattr(value, "item") else value
        if _is_number(value):
            out.append((str(row["feature"]), float(value)))
    return out


def fairness_rates(fairness: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Every published rate of the public fairness result: ``attribute`` (None overall),
    ``group``, ``metric``, ``value``, ``interval`` (or None) and ``count``; rates that are
    suppressed (too few people) are absent."""
    out: list[dict[str, Any]] = []
    overall_done = False
    for attribute in (fairness or {}).get("attributes") or []:
        rows = [] if overall_done else [(None, "overall", attribute.get("overall") or {})]
        overall_done = True
        rows += [
            (attribute.get("attribute"), str(g.get("group")), g)
            for g in attribute.get("groups") or []
            if not g.get("too_few")
        ]
        for name, group, row in rows:
            intervals = row.get("intervals") or {}
            for metric in FAIRNESS_METRICS:
                value: Any = row.get(metric)
                if not _is_number(value):
                    continue
                interval: Any = intervals.get(metric)
                valid = isinstance(interval, list | tuple) and len(interval) == 2
                out.append(
                    {
                        "attribute": name,
                        "group": group,
                        "metric": metric,
                        "value": float(value),
                        "interval": tuple(interval) if valid else None,
                        "count": row.get("count"),
                    }
                )
    return out


def _metric(kind: str, value: float, slice_name: str, interval: Any = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": kind, "value": number(value), "slice": slice_name}
    if interval is not None:
        low, high = interval
        item["confidence_interval"] = {"lower_bound": number(low), "upper_bound": number(high)}
    return item


def slice_name(rate: Mapping[str, Any]) -> str:
    """``overall`` or ``<attribute>: <group>``."""
    return "overall" if rate["attribute"] is None else f"{rate['attribute']}: {rate['group']}"


def protected_name(record: TransparencyRecord, name: str, lang: str) -> str:
    """The plain name of a protected attribute in ``lang`` (its raw name when unlabelled)."""
    label = record.protected_label(name)
    return name if label is None else label.label.get(lang)


def to_model_card(
    record: TransparencyRecord,
    *,
    version: int,
    published: date,
    explanation: Any = None,
    fairness: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The Model Card Toolkit object of one published version (see the module)."""
    lang = nl_language(record)
    words = LABELS[lang]
    contact = record.contact
    reach = str(contact.email) if contact.email is not None else str(contact.url)
    references = [str(contact.url)] if contact.url is not None else []
    if record.source_code is not None:
        references.append(str(record.source_code))
    references += [str(ref.url) for ref in record.legal_basis.references]
    protected = [protected_name(record, name, lang) for name in record.data.protected_attributes]
    metrics = [
        _metric(rate["metric"], rate["value"], slice_name(rate), rate["interval"])
        for rate in fairness_rates(fairness)
    ]
    metrics += [
        _metric(IMPORTANCE_TYPE, value, f"input: {name}")
        for name, value in importances(explanation)
    ]
    technical = record.technical
    human = words["human_yes"] if record.decision_process.human_decides else words["human_no"]
    personal = words["personal_yes"] if record.data.personal_data else words["personal_no"]
    return {
        "schema_version": MCT_VERSION,
        "model_details": {
            "name": record.name.get(lang),
            "overview": record.short_description.get(lang),
            "documentation": record.purpose.get(lang),
            "owners": [{"name": record.organisation, "contact": reach}],
            "version": {"name": str(version), "date": published.isoformat()},
            "references": [{"reference": url} for url in dict.fromkeys(references)],
        },
        "model_parameters": {
            "model_architecture": technical.model_type.get(lang),
            "data": [
                {
                    "name": DATA_SOURCES,
                    "description": record.data.sources.get(lang),
                    "sensitive": {"sensitive_data": protected},
                }
            ],
            "input_format": ", ".join(f.name for f in technical.features),
            "input_format_map": [
                {"key": f.name, "value": f.description.get(lang)} for f in technical.features
            ],
            "output_format": technical.output.get(lang),
        },
        "quantitative_analysis": {"performance_metrics": metrics},
        "considerations": {
            "users": [{"description": f"{record.department}, {record.organisation}"}],
            "use_cases": [{"description": record.decision_process.output_use.get(lang)}],
            "limitations": [{"description": human}, {"description": personal}],
            "tradeoffs": [
                {"description": record.considerations.proportionality.get(lang)},
                {"description": record.considerations.alternatives.get(lang)},
            ],
            "ethical_considerations": [
                {
                    "name": record.impact.get(lang),
                    "mitigation_strategy": record.risk.management.get(lang),
                },
                {"name": HUMAN_OVERSIGHT, "mitigation_strategy": record.human_oversight.get(lang)},
            ],
        },
    }


def _at(obj: Any, *path: Any) -> Any:
    for key in path:
        if isinstance(obj, Mapping):
            obj = obj.get(key)
        elif isinstance(obj, list) and isinstance(key, int) and -len(obj) <= key < len(obj):
            obj = obj[key]
        else:
            return None
    return obj


def from_model_card(obj: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The record fields a Model Card Toolkit object written by insyn carries, with texts
    in ``lang`` (a partial record dict; what the card lacks is absent)."""
    partial: dict[str, Any] = {}

    def put(value: Any, *path: str) -> None:
        if not isinstance(value, str) or not value:
            return
        node = partial
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    details, parameters = obj.get("model_details"), obj.get("model_parameters")
    considerations = obj.get("considerations")
    put(_at(details, "name"), "name", lang)
    put(_at(details, "overview"), "short_description", lang)
    put(_at(details, "documentation"), "purpose", lang)
    put(_at(details, "owners", 0, "name"), "organisation")
    reach = _at(details, "owners", 0, "contact")
    if isinstance(reach, str):
        put(reach, "contact", "email" if "@" in reach and "/" not in reach else "url")
    put(_at(parameters, "model_architecture"), "technical", "model_type", lang)
    put(_at(parameters, "output_format"), "technical", "output", lang)
    if _at(parameters, "data", 0, "name") == DATA_SOURCES:
        put(_at(parameters, "data", 0, "description"), "data", "sources", lang)
    put(_at(considerations, "use_cases", 0, "description"), "decision_process", "output_use", lang)
    put(
        _at(considerations, "tradeoffs", 0, "description"),
        "considerations",
        "proportionality",
        lang,
    )
    put(_at(considerations, "tradeoffs", 1, "description"), "considerations", "alternatives", lang)
    put(_at(considerations, "ethical_considerations", 0, "name"), "impact", lang)
    first_risk = _at(considerations, "ethical_considerations", 0, "mitigation_strategy")
    put(first_risk, "risk", "management", lang)
    if _at(considerations, "ethical_considerations", 1, "name") == HUMAN_OVERSIGHT:
        oversight = _at(considerations, "ethical_considerations", 1, "mitigation_strategy")
        put(oversight, "human_oversight", lang)
    limits = [_at(considerations, "limitations", i, "description") for i in (0, 1)]
    human = sentence_choice(limits[0], lang, "human_yes", "human_no")
    if human is not None:
        partial.setdefault("decision_process", {})["human_decides"] = human
    personal = sentence_choice(limits[1], lang, "personal_yes", "personal_no")
    if personal is not None:
        partial.setdefault("data", {})["personal_data"] = personal
    return partial


def model_card_json(
    record: TransparencyRecord,
    *,
    version: int,
    published: date,
    explanation: Any = None,
    fairness: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The card, valid against the toolkit's schema and reading back equal to the record
    (else ExportError)."""
    card = to_model_card(
        record, version=version, published=published, explanation=explanation, fairness=fairness
    )
    check_schema(MCT_SCHEMA, card, standard=MCT_STANDARD, slug=record.slug)
    verify_round_trip(record, from_model_card(card, nl_language(record)), target="the model card")
    return card
