"""The EU AI Act Annex VIII Section C file and the model cards in the export's file sets.

:func:`version_cards` gives one version's files (for ``record_exports``),
:func:`register_cards` the register-wide ones with their catalogue entries (for
``export_register``), :func:`verify_card` re-checks a written file. The Annex VIII
file holds high-risk records only; the others are named in its notes and in the
report's omissions. Model cards are written for every published version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from register._errors import NotFoundError
from register.export._aiact import (
    AIACT_FILE,
    AIACT_SCHEMA,
    AIACT_STANDARD,
    annex_viii_document,
    annex_viii_entries,
)
from register.export._common import SCHEMA_FOLDER, ExportOmission, check_schema, dumps
from register.export._dcat import Distribution
from register.export._hfcard import (
    HF_CONFORMS_TO,
    HF_STANDARD,
    MARKDOWN_MEDIA_TYPE,
    hf_model_card,
)
from register.export._modelcard import (
    MCT_CONFORMS_TO,
    MCT_SCHEMA,
    MCT_STANDARD,
    MODEL_CARD_FOLDER,
    card_stem,
    model_card_json,
)

if TYPE_CHECKING:
    from register.store._results import AlgorithmVersion

JSON_MEDIA_TYPE = "application/json"
#: Schema copies written into the export folder beside the files that name them.
SCHEMA_COPIES = (f"schemas/{AIACT_SCHEMA}", f"schemas/{MCT_SCHEMA}")
VALID = "valid against {schema}"
ANNEX_STATUS = "valid against {schema} ({count} high-risk objects){left}"
LEFT_OUT_COUNT = "; {count} left out (see notes)"
CARD_CHECKED = "checked: front matter of Hub keys, record text escaped"


def public_fairness(report: Any) -> Mapping[str, Any] | None:
    """The public dict of a stored fairness result (None stays None)."""
    return None if report is None else report.public_dict()


def _cards(
    version: AlgorithmVersion, explanation: Any, fairness: Mapping[str, Any] | None
) -> tuple[bytes, bytes]:
    common: dict[str, Any] = {
        "version": version.version,
        "published": version.created_at.date(),
        "explanation": explanation,
        "fairness": fairness,
    }
    card = model_card_json(version.record, **common)
    markdown = hf_model_card(version.record, **common)
    return dumps(card), markdown.encode("utf-8")


def version_cards(
    version: AlgorithmVersion,
    *,
    generated_at: str,
    audit_head: str | None,
    explanation: Any = None,
    fairness: Mapping[str, Any] | None = None,
) -> dict[str, tuple[bytes, str]]:
    """The version's model cards (JSON and Markdown) and, for a high-risk record, its
    Annex VIII Section C file: filename -> (content, mime type)."""
    stem = f"{version.slug}-v{version.version}"
    as_json, as_md = _cards(version, explanation, fairness)
    files = {
        f"{card_stem(version.slug, version.version)}.json": (as_json, JSON_MEDIA_TYPE),
        f"{card_stem(version.slug, version.version)}.md": (as_md, MARKDOWN_MEDIA_TYPE),
    }
    entries, _, _ = annex_viii_entries([(version.record, version.version)])
    if entries:
        document = annex_viii_document(entries, generated_at=generated_at, audit_head=audit_head)
        files[f"{stem}-{AIACT_FILE}"] = (dumps(document), JSON_MEDIA_TYPE)
    return files


def _fairness_of(reg: Any, version: AlgorithmVersion) -> Mapping[str, Any] | None:
    try:
        return public_fairness(reg.get_fairness(version.slug, version.version))
    except NotFoundError:
        return None


def register_cards(
    reg: Any,
    versions: list[AlgorithmVersion],
    *,
    generated_at: str,
    audit_head: str | None,
    explanations: Mapping[str, Any] | None = None,
) -> tuple[list[tuple[Distribution, str]], list[ExportOmission]]:
    """The register-wide Annex VIII file and every version's model cards, with the
    validation status of each and the records left out of Annex VIII. ``explanations``
    (slug -> open-data explanation document) saves reading a stored explanation again."""
    entries, omitted, _ = annex_viii_entries([(v.record, v.version) for v in versions])
    document = annex_viii_document(
        entries, generated_at=generated_at, audit_head=audit_head, omitted=omitted
    )
    left = LEFT_OUT_COUNT.format(count=len(omitted)) if omitted else ""
    files: list[tuple[Distribution, str]] = [
        (
            Distribution(
                name=AIACT_FILE,
                title=AIACT_STANDARD,
                description=(
                    "Per high-risk algorithm: what the municipality, as deployer, submits "
                    "to the EU database (EU AI Act Art. 49(3), Annex VIII Section C)."
                ),
                media_type=JSON_MEDIA_TYPE,
                conforms_to=f"schemas/{AIACT_SCHEMA}",
                content=dumps(document),
            ),
            ANNEX_STATUS.format(schema=AIACT_SCHEMA, count=len(entries), left=left),
        )
    ]
    for v in versions:
        explanation = (explanations or {}).get(v.slug)
        if explanation is None:
            explanation = reg.get_explanation(v.slug, v.version)
        as_json, as_md = _cards(v, explanation, _fairness_of(reg, v))
        stem = f"{MODEL_CARD_FOLDER}/{card_stem(v.slug, v.version)}"
        title = f"of {v.slug} version {v.version}"
        files.append(
            (
                Distribution(
                    name=f"{stem}.json",
                    title=f"{MCT_STANDARD} {title}",
                    description="Model card (Model Card Toolkit schema v0.0.2); aggregates only.",
                    media_type=JSON_MEDIA_TYPE,
                    conforms_to=MCT_CONFORMS_TO,
                    content=as_json,
                ),
                VALID.format(schema=MCT_SCHEMA),
            )
        )
        files.append(
            (
                Distribution(
                    name=f"{stem}.md",
                    title=f"{HF_STANDARD} {title}",
                    description="Model card as a Hugging Face README.md; aggregates only.",
                    media_type=MARKDOWN_MEDIA_TYPE,
                    conforms_to=HF_CONFORMS_TO,
                    content=as_md,
                ),
                CARD_CHECKED,
            )
        )
    return files, omitted


def schema_copies() -> dict[str, bytes]:
    """The schema files to write beside the exports: relative name -> content."""
    return {name: (SCHEMA_FOLDER / name.split("/", 1)[1]).read_bytes() for name in SCHEMA_COPIES}


def verify_card(name: str, content: bytes) -> bool:
    """Re-validate a written Annex VIII file or JSON model card (ExportError when it
    breaks its schema); True when ``name`` is one of this module's files."""
    if name == AIACT_FILE:
        for entry in json.loads(content)["algorithms"]:
            check_schema(AIACT_SCHEMA, entry["record"], standard=AIACT_STANDARD, slug=entry["slug"])
        return True
    if name.startswith(f"{MODEL_CARD_FOLDER}/"):
        if name.endswith(".json"):
            check_schema(MCT_SCHEMA, json.loads(content), standard=MCT_STANDARD, slug=name)
        return True
    return False
