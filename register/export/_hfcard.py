"""A Hugging Face model card (``README.md`` of a model repository) of a published version.

YAML front matter with the Hub's model-card metadata (the keys of ``ModelCardData``
in huggingface_hub and of ``modelcard.md`` in huggingface/hub-docs), then the
sections of Mitchell et al. (2019): model details, intended use, factors, metrics,
evaluation data, ethical considerations, caveats and recommendations. Nothing is
sent to the Hub.

Every record text is written inert: in the Markdown with every Markdown and HTML
character escaped (:func:`register.record._sanitize.inert_markdown`), in the front
matter through ``yaml.safe_dump``; numbers are aggregates only (see
:mod:`register.export._modelcard`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import yaml

from register.export._common import LABELS
from register.export._modelcard import (
    fairness_rates,
    importances,
    number,
    protected_name,
    slice_name,
)
from register.export._nl import nl_language
from register.record._sanitize import clean_tree, inert_markdown
from register.record._schema import TransparencyRecord

HF_STANDARD = "Hugging Face model card"
HF_CONFORMS_TO = "https://github.com/huggingface/hub-docs/blob/main/modelcard.md"
MARKDOWN_MEDIA_TYPE = "text/markdown; charset=utf-8"
#: The metadata keys the Hub's model-card spec defines (ModelCardData and modelcard.md).
HUB_METADATA_KEYS = frozenset(
    {
        "language",
        "license",
        "license_name",
        "license_link",
        "library_name",
        "tags",
        "datasets",
        "metrics",
        "model-index",
        "base_model",
        "pipeline_tag",
        "model_name",
        "thumbnail",
    }
)
TASK = "tabular-classification"
METRIC_NAMES = {
    "selection_rate": "Selection rate",
    "true_positive_rate": "True positive rate",
    "false_positive_rate": "False positive rate",
    "precision": "Precision",
}
NOT_STATED = "not stated in the record"
NO_FAIRNESS = "No fairness evaluation is stored for this version."
NO_EXPLANATION = "No global explanation was given with this card."
METRIC_DEFINITIONS = (
    "Rates are shares of the evaluation rows: selection rate = predicted positive / all; "
    "true positive rate = predicted positive among actual positive; false positive rate = "
    "predicted positive among actual negative; precision = actual positive among predicted "
    "positive. Each has its exact 95 % (Clopper-Pearson) interval. Groups of fewer than 10 "
    "people, and rates with fewer than 10 people behind them, are not shown."
)
ABOUT = "Written by insyn from the transparency record; numbers are aggregates only."
IMPORTANCE_DEFINITION = (
    "Global importance: the mean absolute SHAP value of each input over the explanation's "
    "rows, on the model's {scale} scale; larger means the input moves the output more."
)


class _FrontMatterDumper(yaml.SafeDumper):
    """Safe YAML in which a text with a line break is one double-quoted line (``\\n``),
    so no record text can start a line of the front matter (or end it with ``---``)."""


def _text_scalar(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if any(ch in value for ch in "\n\r\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_FrontMatterDumper.add_representer(str, _text_scalar)


def _md(text: object) -> str:
    return inert_markdown(text)


def _front_matter(
    record: TransparencyRecord, lang: str, rates: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    tags = [
        "insyn",
        "algorithm-register",
        TASK,
        f"eu-ai-act-{record.risk.category.value.replace('_', '-')}",
        f"theme-{record.theme.value.replace('_', '-')}",
    ]
    front: dict[str, Any] = {
        "language": list(record.languages),
        "license": "unknown",
        "library_name": "sklearn",
        "pipeline_tag": TASK,
        "tags": tags,
        "model_name": record.name.get(lang),
    }
    overall = [r for r in rates if r["attribute"] is None]
    if overall:
        front["metrics"] = [r["metric"] for r in overall]
        front["model-index"] = [
            {
                "name": record.slug,
                "results": [
                    {
                        "task": {"type": TASK},
                        "dataset": {
                            "type": f"{record.slug}-evaluation",
                            "name": f"Evaluation data of {record.slug}",
                        },
                        "metrics": [
                            {
                                "type": r["metric"],
                                "value": round(r["value"], 6),
                                "name": f"{METRIC_NAMES[r['metric']]} (overall)",
                            }
                            for r in overall
                        ],
                    }
                ],
            }
        ]
    return clean_tree(front)  # type: ignore[no-any-return]


def _scale(explanation: Any) -> str | None:
    """The scale the explanation's SHAP values are on (``probability``...), or None."""
    metadata: Any = (
        explanation.get("metadata")
        if isinstance(explanation, Mapping)
        else getattr(explanation, "metadata", None)
    )
    values = metadata.to_dict() if hasattr(metadata, "to_dict") else metadata
    scale = values.get("scale") if isinstance(values, dict) else None
    return scale if isinstance(scale, str) else None


def _item(label: str, text: object) -> str:
    shown = _md(text)
    return f"- **{_md(label)}:**" + (f" {shown}" if shown else "")


def _rates_table(rates: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["| slice | metric | value | 95 % interval |", "|---|---|---|---|"]
    for rate in rates:
        interval = rate["interval"]
        shown = "–" if interval is None else f"{number(interval[0])}–{number(interval[1])}"
        cells = (slice_name(rate), METRIC_NAMES[rate["metric"]], number(rate["value"]), shown)
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return lines


def _importance_table(
    record: TransparencyRecord, rows: Sequence[tuple[str, float]], lang: str
) -> list[str]:
    lines = ["| input | plain name | mean absolute SHAP value |", "|---|---|---|"]
    for name, value in rows:
        label = record.column_label(name)
        plain = "" if label is None else label.get(lang)
        lines.append(f"| {_md(name)} | {_md(plain)} | {_md(number(value))} |")
    return lines


def hf_model_card(
    record: TransparencyRecord,
    *,
    version: int,
    published: date,
    explanation: Any = None,
    fairness: Mapping[str, Any] | None = None,
) -> str:
    """The Markdown model card: front matter (Hub keys only) and the sections above."""
    lang = nl_language(record)
    words, heads = LABELS[lang], LABELS["en"]  # sentences in the text's language, labels English
    rates = fairness_rates(fairness)
    weights = importances(explanation)
    contact = record.contact
    reach = " / ".join(str(x) for x in (contact.email, contact.url) if x is not None)
    front = yaml.dump(
        _front_matter(record, lang, rates),
        Dumper=_FrontMatterDumper,
        sort_keys=False,
        allow_unicode=True,
        width=10_000,
    )
    technical = record.technical
    out = ["---", front.rstrip("\n"), "---", "", f"# Model card: {_md(record.name.get(lang))}"]
    out += ["", _md(record.short_description.get(lang)), "", "## Model details", ""]
    out += [
        _item("Organisation (deployer)", record.organisation),
        _item("Department", record.department),
        _item("Contact", reach),
        _item("Provider", record.supplier),
        _item("Version", f"{version}, published {published.isoformat()}"),
        _item("Status", record.status.value),
        _item("EU AI Act risk category", record.risk.category.value),
        _item("Model type", technical.model_type.get(lang)),
        _item("Output", technical.output.get(lang)),
        _item("Licence", NOT_STATED),
        _item("Source code", record.source_code or NOT_STATED),
        _item("Register identifier", record.slug),
    ]
    out += ["", "## Intended use", "", _md(record.purpose.get(lang)), ""]
    out += [
        _item(heads["output_use"], record.decision_process.output_use.get(lang)),
        _item(
            heads["who_decides"],
            words["human_yes" if record.decision_process.human_decides else "human_no"],
        ),
        _item(heads["objection"], record.decision_process.objection.get(lang)),
    ]
    out += ["", "## Factors", ""]
    protected = [protected_name(record, n, lang) for n in record.data.protected_attributes]
    out.append(_item(heads["protected"], ", ".join(protected) or "none recorded"))
    out.append(_item(heads["inputs"], ""))
    for feature in technical.features:
        flag = f" ({words['changeable']})" if feature.changeable else ""
        text = f"{feature.label.get(lang)} ({feature.name}){flag}: {feature.description.get(lang)}"
        out.append(f"  - {_md(text)}")
    out += ["", "## Metrics", ""]
    if rates:
        out += [_md(METRIC_DEFINITIONS), "", *_rates_table(rates)]
        for attribute in (fairness or {}).get("attributes") or []:
            finding = (attribute.get("finding") or {}).get(lang)
            if finding:
                out += ["", _item(f"Finding for {attribute.get('attribute')}", finding)]
    else:
        out.append(_md(NO_FAIRNESS))
    out += ["", "### Global importance", ""]
    if weights:
        scale = _scale(explanation)
        out += [_md(IMPORTANCE_DEFINITION.format(scale=scale or "output")), ""]
        out += _importance_table(record, weights, lang)
    else:
        out.append(_md(NO_EXPLANATION))
    out += ["", "## Evaluation data", "", _md(record.data.sources.get(lang)), ""]
    rows = (fairness or {}).get("rows")
    out.append(
        _item("Evaluation rows behind the metrics", rows if rows is not None else NOT_STATED)
    )
    out.append(
        _item(
            heads["personal_data"],
            words["personal_yes" if record.data.personal_data else "personal_no"],
        )
    )
    out += ["", "## Ethical considerations", "", _md(record.impact.get(lang)), ""]
    out += [
        _item("Risk management", record.risk.management.get(lang)),
        _item("Human oversight", record.human_oversight.get(lang)),
        _item("Proportionality", record.considerations.proportionality.get(lang)),
    ]
    for item in record.impact_assessments:
        done = f", completed {item.completed.isoformat()}" if item.completed else ""
        out.append(_item(f"Impact assessment ({item.kind})", f"{item.title}{done}"))
    out += ["", "## Caveats and recommendations", ""]
    out += [
        _item(heads["alternatives"], record.considerations.alternatives.get(lang)),
        _item(heads["references"], ""),
        *(f"  - {_md(f'{ref.title} {ref.url}')}" for ref in record.legal_basis.references),
        _item("About this card", ABOUT),
    ]
    return "\n".join(out) + "\n"


def front_matter(card: str) -> dict[str, Any]:
    """The YAML front matter of a card written by :func:`hf_model_card`, parsed."""
    _, head, _ = card.split("---\n", 2)
    loaded: dict[str, Any] = yaml.safe_load(head)
    return loaded
