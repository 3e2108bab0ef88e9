"""Result objects of :mod:`explainers` and their folder format (JSON + Parquet, never pickle).

Guarantees: constructors are keyword-only, properties are read-only (frames and
arrays are returned as copies), ``Explanation.load(folder)`` restores exactly the
numbers that ``save`` wrote, and every JSON file is strict (NaN is written as null).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._definitions import LEGACY, LEGACY_BACKGROUND
from ._dependence import DEPENDENCE_COLUMNS, dependence_frame, importance_frame
from ._errors import CORRUPT_EXPLANATION, MISSING_FILE, ExplanationError

FORMAT_VERSION = 1
FILES = (
    "metadata.json",
    "global_importance.json",
    "dependence.json",
    "values.parquet",
    "predictions.parquet",
    "background.parquet",
)

_META_FIELDS = (
    "explainer",
    "explainer_class",
    "estimator_class",
    "shap_version",
    "sklearn_version",
    "background_size",
    "background_sha256",
    "seed",
    "rows",
    "seconds",
    "scale",
    "positive_class",
    "base_value",
    "additivity_max_error",
    "features",
    "fingerprint",
)
MARGIN_FILE = "margin_values.parquet"
"""Optional: the exact margin (log-odds) view of a binary boosted classifier."""
_STATED_DEFAULTS: dict[str, Any] = {
    "definition": LEGACY,
    "background_drawn": LEGACY_BACKGROUND,
    "verification": "not recorded",
    "margin_definition": None,
    "margin_base_value": None,
    "margin_fingerprint": None,
}
"""Fields added after format 1 was first written, and what an older explanation states."""


def fingerprint(values: np.ndarray) -> str:
    """SHA-256 of the exact bytes of ``values`` as C-ordered little-endian float64."""
    array = np.ascontiguousarray(values, dtype="<f8")
    return hashlib.sha256(array.tobytes()).hexdigest()


def json_safe(value: Any) -> Any:
    """Recursively replace non-finite floats by None and numpy scalars by Python ones."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _dumps(payload: Any) -> str:
    return json.dumps(json_safe(payload), allow_nan=False, ensure_ascii=False, indent=2) + "\n"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        json_safe(dict(zip(frame.columns, row, strict=True)))
        for row in frame.itertuples(index=False)
    ]


class ExplanationMetadata:
    """How an explanation was made (all fields read-only; ``to_dict`` is JSON-safe)."""

    def __init__(
        self,
        *,
        explainer: str,
        explainer_class: str,
        estimator_class: str,
        shap_version: str,
        sklearn_version: str,
        background_size: int,
        background_sha256: str,
        seed: int,
        rows: int,
        seconds: float,
        scale: str,
        positive_class: str | None,
        base_value: float,
        additivity_max_error: float,
        features: list[str] | tuple[str, ...],
        fingerprint: str,
        definition: str = LEGACY,
        background_drawn: str = LEGACY_BACKGROUND,
        verification: str = "not recorded",
        margin_definition: str | None = None,
        margin_base_value: float | None = None,
        margin_fingerprint: str | None = None,
    ) -> None:
        self._data: dict[str, Any] = {
            "explainer": str(explainer),
            "explainer_class": str(explainer_class),
            "estimator_class": str(estimator_class),
            "shap_version": str(shap_version),
            "sklearn_version": str(sklearn_version),
            "background_size": int(background_size),
            "background_sha256": str(background_sha256),
            "seed": int(seed),
            "rows": int(rows),
            "seconds": float(seconds),
            "scale": str(scale),
            "positive_class": None if positive_class is None else str(positive_class),
            "base_value": float(base_value),
            "additivity_max_error": float(additivity_max_error),
            "features": tuple(str(f) for f in features),
            "fingerprint": str(fingerprint),
            "definition": str(definition),
            "background_drawn": str(background_drawn),
            "verification": str(verification),
            "margin_definition": None if margin_definition is None else str(margin_definition),
            "margin_base_value": None if margin_base_value is None else float(margin_base_value),
            "margin_fingerprint": None if margin_fingerprint is None else str(margin_fingerprint),
        }

    explainer = property(
        lambda self: self._data["explainer"], doc='"tree", "linear" or "permutation".'
    )
    explainer_class = property(lambda self: self._data["explainer_class"], doc="shap class name.")
    estimator_class = property(
        lambda self: self._data["estimator_class"], doc="Final estimator class."
    )
    shap_version = property(lambda self: self._data["shap_version"])
    sklearn_version = property(lambda self: self._data["sklearn_version"])
    background_size = property(
        lambda self: self._data["background_size"], doc="Rows in the background."
    )
    background_sha256 = property(lambda self: self._data["background_sha256"])
    seed = property(lambda self: self._data["seed"])
    rows = property(lambda self: self._data["rows"], doc="Explained rows.")
    seconds = property(lambda self: self._data["seconds"], doc="Wall time of explain().")
    scale = property(lambda self: self._data["scale"], doc='"probability", "log_odds" or "raw".')
    positive_class = property(
        lambda self: self._data["positive_class"], doc="Explained class (text)."
    )
    base_value = property(lambda self: self._data["base_value"])
    additivity_max_error = property(lambda self: self._data["additivity_max_error"])
    features = property(lambda self: list(self._data["features"]), doc="Original input features.")
    fingerprint = property(
        lambda self: self._data["fingerprint"], doc="SHA-256 of the values bytes."
    )
    definition = property(
        lambda self: self._data["definition"],
        doc="What the values are, in words (which Shapley values, of which output, how exact).",
    )
    background_drawn = property(
        lambda self: self._data["background_drawn"],
        doc="How the background rows were drawn from the reference data (size and seed).",
    )
    verification = property(
        lambda self: self._data["verification"],
        doc="What the values were checked against (shap where it is right, else the model).",
    )
    margin_definition = property(
        lambda self: self._data["margin_definition"],
        doc="Definition of the margin view (binary boosted classifiers), else None.",
    )
    margin_base_value = property(
        lambda self: self._data["margin_base_value"],
        doc="Mean margin over the background (binary boosted classifiers), else None.",
    )
    margin_fingerprint = property(
        lambda self: self._data["margin_fingerprint"],
        doc="SHA-256 of the margin values bytes, else None.",
    )

    def to_dict(self) -> dict[str, Any]:
        """All fields as a JSON-safe dict (features as a list)."""
        out = dict(self._data)
        out["features"] = list(out["features"])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExplanationMetadata:
        """Inverse of :meth:`to_dict` (unknown keys are ignored, missing original ones raise
        KeyError; fields added later take their stated defaults, e.g. ``definition``)."""
        stated = {name: data.get(name, default) for name, default in _STATED_DEFAULTS.items()}
        return cls(**{name: data[name] for name in _META_FIELDS}, **stated)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExplanationMetadata) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        short = self.fingerprint[:12]
        return f"ExplanationMetadata({self.explainer}, rows={self.rows}, fingerprint={short})"


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
