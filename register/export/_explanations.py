"""Global explanations as open data: importances and suppressed dependence summaries only.

Each input and each category carries the record's plain label beside its raw name
(``feature_label``, ``bin_label``: sv/en, null when the record gives none), so a
reader of the open data sees words, while the raw codes stay for machines.

No row-level data leaves the register: per-row SHAP values, predictions and the
background rows are never read. A dependence bin with fewer than
:data:`MIN_BIN_COUNT` rows is suppressed (count and mean null) even if the
explanation did not mark it, and a suppressed bin stays suppressed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from register.export._common import check_schema, dumps
from register.export._csv import write_csv

if TYPE_CHECKING:
    from register.record._base import LocalizedText
    from register.record._schema import TransparencyRecord

EXPLANATION_FORMAT = "insyn global explanation (open data)"
EXPLANATION_FORMAT_VERSION = "1.0"
EXPLANATION_SCHEMA = "insyn-explanation-v1.schema.json"
MIN_BIN_COUNT = 10
METADATA_KEYS = (
    "explainer",
    "explainer_class",
    "shap_version",
    "sklearn_version",
    "background_size",
    "background_drawn",
    "seed",
    "rows",
    "scale",
    "positive_class",
    "base_value",
    "additivity_max_error",
    "features",
    "fingerprint",
    "definition",
)
EXPLANATION_CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("slug", "The algorithm's identifier."),
    ("version", "The published version the explanation belongs to."),
    ("table", "'global_importance' (one row per input) or 'dependence' (one row per bin)."),
    ("feature", "The model input."),
    ("feature_label_sv", "The input's plain name in Swedish; empty when the record gives none."),
    ("feature_label_en", "The input's plain name in English; empty when the record gives none."),
    ("mean_abs_shap", "Mean absolute SHAP value of the input (global_importance rows)."),
    ("bin", "Bin number or category of the input (dependence rows)."),
    ("bin_label_sv", "The category's plain label in Swedish; empty when the record gives none."),
    ("bin_label_en", "The category's plain label in English; empty when the record gives none."),
    ("lower", "Lower edge of a numeric bin; empty for categories."),
    ("upper", "Upper edge of a numeric bin; empty for categories."),
    ("count", "Rows in the bin; empty when suppressed."),
    ("mean_shap", "Mean SHAP value in the bin; empty when suppressed."),
    ("suppressed", f"true when the bin holds fewer than {MIN_BIN_COUNT} rows and is hidden."),
    ("generated_at", "When this export was generated (ISO 8601 UTC)."),
    ("audit_head", "Head hash of the register's audit chain at export time; empty when none."),
)


def _plain(value: Any) -> Any:
    """A JSON-safe Python value: numpy scalars unwrapped, NaN and None as None."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _metadata(explanation: Any) -> dict[str, Any]:
    public = explanation.public_dict() if hasattr(explanation, "public_dict") else {}
    source = public.get("metadata") if isinstance(public, dict) else None
    if not isinstance(source, dict):
        source = explanation.metadata.to_dict()
    return {key: _plain(source.get(key)) for key in METADATA_KEYS if key in source}


def _label(text: LocalizedText | None) -> dict[str, str | None] | None:
    return None if text is None else {"sv": text.sv, "en": text.en}


def _feature_label(record: TransparencyRecord | None, feature: str) -> Any:
    return None if record is None else _label(record.column_label(feature))


def _bin_label(record: TransparencyRecord | None, row: dict[str, Any]) -> Any:
    """The label of a category bin (a numeric bin, with edges, has none)."""
    if record is None or _plain(row.get("lower")) is not None or row.get("bin") is None:
        return None
    return _label(record.value_label(str(row["feature"]), _plain(row.get("bin"))))


def _labels(record: TransparencyRecord | None, **labels: Any) -> dict[str, Any]:
    """The label fields, only when a record was given (older callers get the old shape)."""
    return {} if record is None else labels


def _bins(explanation: Any, record: TransparencyRecord | None) -> list[dict[str, Any]]:
    bins = []
    for row in explanation.dependence.to_dict(orient="records"):
        count = _plain(row.get("count"))
        suppressed = bool(row.get("suppressed")) or count is None or count < MIN_BIN_COUNT
        bins.append(
            {
                "feature": str(row["feature"]),
                **_labels(
                    record,
                    feature_label=_feature_label(record, str(row["feature"])),
                    bin_label=_bin_label(record, row),
                ),
                "bin": _plain(row.get("bin")),
                "lower": _plain(row.get("lower")),
                "upper": _plain(row.get("upper")),
                "count": None if suppressed else int(count),
                "mean_shap": None if suppressed else _plain(row.get("mean_shap")),
                "suppressed": suppressed,
            }
        )
    return bins


def explanation_document(
    explanation: Any,
    *,
    slug: str,
    version: int,
    generated_at: str,
    audit_head: str | None,
    record: TransparencyRecord | None = None,
) -> dict[str, Any]:
    """The open-data document of one explanation, valid against its schema (else
    ExportError); with ``record``, inputs and categories carry its labels."""
    importance = [
        {
            "feature": str(row["feature"]),
            **_labels(record, feature_label=_feature_label(record, str(row["feature"]))),
            "mean_abs_shap": _plain(row["mean_abs_shap"]),
        }
        for row in explanation.global_importance.to_dict(orient="records")
    ]
    document = {
        "format": EXPLANATION_FORMAT,
        "format_version": EXPLANATION_FORMAT_VERSION,
        "schema": EXPLANATION_SCHEMA,
        "generated_at": generated_at,
        "audit_head": audit_head,
        "slug": slug,
        "version": version,
        "metadata": _metadata(explanation),
        "global_importance": importance,
        "dependence": _bins(explanation, record),
    }
    check_schema(EXPLANATION_SCHEMA, document, standard="explanation", slug=slug)
    return document


def _label_cells(item: dict[str, Any]) -> dict[str, Any]:
    """An item with its label objects as one CSV column per language."""
    cells = {k: v for k, v in item.items() if not k.endswith("_label")}
    for key in ("feature_label", "bin_label"):
        if key in item:
            label = item.get(key) or {}
            for lang in ("sv", "en"):
                cells[f"{key}_{lang}"] = label.get(lang) or ""
    return cells


def explanation_files(document: dict[str, Any]) -> tuple[bytes, bytes]:
    """The document as (JSON bytes, CSV bytes); the CSV holds the same numbers in long form."""
    common = {
        "slug": document["slug"],
        "version": document["version"],
        "generated_at": document["generated_at"],
        "audit_head": document["audit_head"] or "",
    }
    rows: list[dict[str, Any]] = []
    for item in document["global_importance"]:
        rows.append({**common, "table": "global_importance", **_label_cells(item)})
    for item in document["dependence"]:
        cells = {k: ("" if v is None else v) for k, v in _label_cells(item).items()}
        cells["suppressed"] = str(item["suppressed"]).lower()
        rows.append({**common, "table": "dependence", **cells})
    columns = [name for name, _ in EXPLANATION_CSV_COLUMNS]
    return dumps(document), write_csv(rows, columns)
