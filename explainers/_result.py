"""Result objects of :mod:`explainers` and their folder format (JSON + Parquet, never pickle).

Guarantees: constructors are keyword-only, properties are read-only (frames and
arrays are returned as copies), ``Explanation.load(folder)`` restores exactly the
numbers that ``save`` wrote, and every JSON file is strict (NaN is written as null).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._definitions import LEGACY
from ._dependence import DEPENDENCE_COLUMNS, dependence_frame, importance_frame
from ._errors import CORRUPT_EXPLANATION, MISSING_FILE, ExplanationError
from ._metadata import ExplanationMetadata, fingerprint, json_safe

__all__ = [
    "FILES",
    "FORMAT_VERSION",
    "MARGIN_FILE",
    "Explanation",
    "ExplanationMetadata",
    "LocalExplanation",
    "fingerprint",
    "json_safe",
]

FORMAT_VERSION = 1
FILES = (
    "metadata.json",
    "global_importance.json",
    "dependence.json",
    "values.parquet",
    "predictions.parquet",
    "background.parquet",
)
MARGIN_FILE = "margin_values.parquet"
"""Optional: the exact margin (log-odds) view of a binary boosted classifier."""


def _dumps(payload: Any) -> str:
    return json.dumps(json_safe(payload), allow_nan=False, ensure_ascii=False, indent=2) + "\n"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        json_safe(dict(zip(frame.columns, row, strict=True)))
        for row in frame.itertuples(index=False)
    ]


class Explanation:
    """SHAP values for every reference row in original input features, plus public summaries."""

    def __init__(
        self,
        *,
        metadata: ExplanationMetadata,
        values: pd.DataFrame,
        predictions: np.ndarray,
        background: pd.DataFrame,
        global_importance: pd.DataFrame,
        dependence: pd.DataFrame,
        margin_values: pd.DataFrame | None = None,
    ) -> None:
        predictions = np.asarray(predictions, dtype=np.float64).reshape(-1)
        if (margin_values is None) != (metadata.margin_fingerprint is None):
            raise ValueError("margin_values and metadata.margin_fingerprint go together")
        if margin_values is not None and list(margin_values.columns) != metadata.features:
            raise ValueError("margin_values columns must equal metadata.features")
        if len(predictions) != len(values):
            raise ValueError("predictions and values must have the same number of rows")
        if list(values.columns) != metadata.features:
            raise ValueError("values columns must equal metadata.features")
        if list(dependence.columns) != DEPENDENCE_COLUMNS:
            raise ValueError(f"dependence columns must be {DEPENDENCE_COLUMNS}")
        self._metadata = metadata
        self._values = values.copy()
        self._predictions = predictions.copy()
        self._background = background.copy()
        self._importance = global_importance.copy()
        self._dependence = dependence.copy()
        self._margin = None if margin_values is None else margin_values.copy()

    @property
    def metadata(self) -> ExplanationMetadata:
        return self._metadata

    @property
    def values(self) -> pd.DataFrame:
        """SHAP values: one row per reference row, one column per original input feature."""
        return self._values.copy()

    @property
    def margin_values(self) -> pd.DataFrame | None:
        """Binary boosted classifiers: the exact interventional Shapley values of the margin
        (log-odds), adding up to margin - ``metadata.margin_base_value``; else None."""
        return None if self._margin is None else self._margin.copy()

    @property
    def predictions(self) -> np.ndarray:
        """Model output on ``metadata.scale`` per row (computed from the model, not from SHAP)."""
        return self._predictions.copy()

    @property
    def background(self) -> pd.DataFrame:
        """Background rows in original input columns (never shown publicly)."""
        return self._background.copy()

    @property
    def global_importance(self) -> pd.DataFrame:
        """[feature, mean_abs_shap] sorted descending."""
        return self._importance.copy()

    @property
    def dependence(self) -> pd.DataFrame:
        """[feature, bin, lower, upper, count, mean_shap, suppressed]; small bins suppressed."""
        return self._dependence.copy()

    def public_dict(self) -> dict[str, Any]:
        """JSON-safe metadata, global importance and dependence; no row-level data."""
        return {
            "metadata": self._metadata.to_dict(),
            "global_importance": _records(self._importance),
            "dependence": _records(self._dependence),
        }

    def save(self, folder: str | Path) -> Path:
        """Write the explanation files into ``folder`` (created if needed); returns the folder."""
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        meta = {"format_version": FORMAT_VERSION, **self._metadata.to_dict()}
        (path / "metadata.json").write_text(_dumps(meta), encoding="utf-8")
        (path / "global_importance.json").write_text(
            _dumps(_records(self._importance)), encoding="utf-8"
        )
        (path / "dependence.json").write_text(_dumps(_records(self._dependence)), encoding="utf-8")
        self._values.to_parquet(path / "values.parquet")
        pd.DataFrame({"prediction": self._predictions}).to_parquet(
            path / "predictions.parquet", index=False
        )
        self._background.to_parquet(path / "background.parquet")
        if self._margin is not None:
            self._margin.to_parquet(path / MARGIN_FILE)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> Explanation:
        """Read an explanation written by :meth:`save`; the values must match the fingerprint."""
        path = Path(folder)
        for name in FILES:
            if not (path / name).is_file():
                raise ExplanationError(MISSING_FILE.format(folder=path, name=name))
        try:
            meta = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
            metadata = ExplanationMetadata.from_dict(meta)
            importance = json.loads((path / "global_importance.json").read_text(encoding="utf-8"))
            dependence = json.loads((path / "dependence.json").read_text(encoding="utf-8"))
            values = pd.read_parquet(path / "values.parquet")
            predictions = pd.read_parquet(path / "predictions.parquet")["prediction"].to_numpy(
                np.float64
            )
            background = pd.read_parquet(path / "background.parquet")
            margin = None
            if metadata.margin_fingerprint is not None:
                margin = pd.read_parquet(path / MARGIN_FILE)
        except (KeyError, TypeError, ValueError, OSError) as exc:
            raise ExplanationError(CORRUPT_EXPLANATION.format(folder=path, detail=exc)) from exc
        if fingerprint(values.to_numpy(dtype=np.float64)) != metadata.fingerprint:
            raise ExplanationError(
                CORRUPT_EXPLANATION.format(
                    folder=path, detail="values do not match the fingerprint"
                )
            )
        if margin is not None and (
            fingerprint(margin.to_numpy(dtype=np.float64)) != metadata.margin_fingerprint
        ):
            raise ExplanationError(
                CORRUPT_EXPLANATION.format(
                    folder=path, detail="margin values do not match their fingerprint"
                )
            )
        return cls(
            metadata=metadata,
            values=values,
            predictions=predictions,
            background=background,
            global_importance=importance_frame(
                [r["feature"] for r in importance],
                [
                    math.nan if r["mean_abs_shap"] is None else r["mean_abs_shap"]
                    for r in importance
                ],
            ),
            dependence=dependence_frame(dependence),
            margin_values=margin,
        )

    def __repr__(self) -> str:
        m = self._metadata
        n = len(m.features)
        return f"Explanation({m.explainer}, rows={m.rows}, features={n}, scale={m.scale})"


class LocalExplanation:
    """SHAP contributions for one row: ``base_value + contributions.shap.sum() ≈ prediction``."""

    def __init__(
        self,
        *,
        contributions: pd.DataFrame,
        base_value: float,
        prediction: float,
        scale: str,
        additivity_error: float,
        explainer: str,
        positive_class: str | None,
        definition: str = LEGACY,
    ) -> None:
        self._contributions = contributions.copy()
        self._definition = str(definition)
        self._base_value = float(base_value)
        self._prediction = float(prediction)
        self._scale = str(scale)
        self._additivity_error = float(additivity_error)
        self._explainer = str(explainer)
        self._positive_class = None if positive_class is None else str(positive_class)

    @property
    def contributions(self) -> pd.DataFrame:
        """[feature, value, shap] sorted by |shap| descending; value is the input as given."""
        return self._contributions.copy()

    base_value = property(lambda self: self._base_value, doc="Expected output over the background.")
    prediction = property(
        lambda self: self._prediction, doc="Model output for the row on ``scale``."
    )
    scale = property(lambda self: self._scale)
    additivity_error = property(lambda self: self._additivity_error)
    explainer = property(lambda self: self._explainer)
    positive_class = property(lambda self: self._positive_class)
    definition = property(lambda self: self._definition, doc="What the contributions are.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of all fields (contributions as records)."""
        return json_safe(
            {
                "contributions": _records(self._contributions),
                "base_value": self._base_value,
                "prediction": self._prediction,
                "scale": self._scale,
                "additivity_error": self._additivity_error,
                "explainer": self._explainer,
                "positive_class": self._positive_class,
                "definition": self._definition,
            }
        )

    def __repr__(self) -> str:
        p, b = self._prediction, self._base_value
        return f"LocalExplanation(prediction={p:.4g}, base_value={b:.4g})"
