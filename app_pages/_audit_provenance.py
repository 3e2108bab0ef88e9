"""The auditor page's provenance table: how an explanation was made and what its numbers are.

Pure functions of the stored explanation metadata (no Streamlit calls), so they are tested
directly in both languages.
"""

from __future__ import annotations

from typing import Any

from app_pages._format import format_number
from app_pages._numbers import format_scientific
from app_pages._provenance_words import provenance_text
from app_pages._text import current_language, t

HASH_CHARS = 16


def scientific(value: Any) -> str:
    """A number in scientific notation with three significant digits ("–" when missing)."""
    return "–" if value is None else format_scientific(float(value), current_language())


def provenance_rows(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """The provenance table: explainer, versions, background and how it was drawn, the
    definition the values follow, what they were checked against and, for model-agnostic
    explanations, the method, whether the values are exact and their estimated error."""
    rows = [
        (
            t("audit.provenance.explainer"),
            f"{meta.get('explainer')} ({provenance_text(str(meta.get('explainer_class')))})",
        ),
        (t("audit.provenance.shap"), str(meta.get("shap_version"))),
        (t("audit.provenance.sklearn"), str(meta.get("sklearn_version"))),
        (t("audit.provenance.estimator"), str(meta.get("estimator_class"))),
        (t("audit.provenance.seed"), str(meta.get("seed"))),
        (t("audit.provenance.background"), str(meta.get("background_size"))),
        (t("audit.provenance.drawn"), _drawn(meta)),
        (t("audit.provenance.background_hash"), str(meta.get("background_sha256"))),
        (t("audit.provenance.rows"), str(meta.get("rows"))),
        (t("audit.provenance.additivity"), scientific(meta.get("additivity_max_error"))),
        (t("audit.provenance.fingerprint"), str(meta.get("fingerprint"))[:HASH_CHARS]),
    ]
    estimation = meta.get("estimation")
    stored = provenance_text(str(meta.get("definition") or "–"))
    definition = _agnostic_definition(meta) if estimation else stored
    rows += [
        (t("audit.provenance.definition"), definition),
        (t("audit.provenance.citizen"), citizen_view(meta)),
        (
            t("audit.provenance.verification"),
            provenance_text(str(meta.get("verification") or "–")),
        ),
    ]
    if not estimation:
        return rows
    exact = bool(estimation.get("exact"))
    pairs = estimation.get("permutations_per_row") or {}
    method = t(
        "audit.method.exact_enumeration" if exact else "audit.method.permutation_sampling",
        coalitions=format_number(float(estimation.get("coalitions_per_row") or 0), 0),
        smallest=format_number(float(pairs.get("min") or 0), 0),
        largest=format_number(float(pairs.get("max") or 0), 0),
    )
    return [
        *rows,
        (t("audit.provenance.method"), method),
        (t("audit.provenance.exact"), t("yes") if exact else t("no")),
        (t("audit.provenance.error"), error_text(estimation)),
    ]


def citizen_view(meta: dict[str, Any]) -> str:
    """What the citizen page shows of this explanation and of its try-it section, and how
    it relates to the values defined above (log-odds never reach the citizen page)."""
    scale = str(meta.get("scale") or "")
    if meta.get("positive_class") is None and scale not in ("probability", "log_odds"):
        return t("audit.citizen.raw")
    overview = t(
        "audit.citizen.overview.relative" if scale == "log_odds" else "audit.citizen.overview.pp"
    )
    return t("audit.citizen.classifier", label=meta.get("positive_class"), overview=overview)


def _agnostic_definition(meta: dict[str, Any]) -> str:
    """The model-agnostic definition in the reader's language."""
    output = (
        t("audit.output.probability", label=meta.get("positive_class"))
        if meta.get("scale") == "probability"
        else t("audit.output.raw")
    )
    return t("audit.definition.agnostic", output=output)


def error_text(estimation: dict[str, Any]) -> str:
    """The estimated error of the values as the auditor reads it ("none" when exact)."""
    if estimation.get("exact"):
        return t("audit.error.none")
    return t(
        "audit.error.sampled",
        largest=scientific(estimation.get("standard_error_max")),
        largest_share=_percent(estimation.get("standard_error_max_relative")),
        typical=scientific(estimation.get("standard_error_typical")),
        typical_share=_percent(estimation.get("standard_error_typical_relative")),
    )


def _percent(share: Any) -> str:
    return "–" if share is None else format_number(100 * float(share), 2)


def _drawn(meta: dict[str, Any]) -> str:
    size, rows = int(meta.get("background_size") or 0), int(meta.get("rows") or 0)
    if size >= rows:
        return t("audit.drawn.all", rows=rows)
    if meta.get("background_sampling"):
        return t("audit.drawn.stratified", size=size, rows=rows, seed=meta.get("seed"))
    return t("audit.drawn.sample", size=size, rows=rows, seed=meta.get("seed"))
