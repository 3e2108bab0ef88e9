"""The metadata of an explanation: how it was made and what its numbers are.

Guarantees: keyword-only constructor, read-only fields, ``to_dict`` is JSON-safe and
``from_dict(to_dict())`` gives an equal object; fields added after format 1 was first
written are optional when read and take stated defaults (``definition`` says "not recorded").
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import numpy as np

from ._definitions import LEGACY, LEGACY_BACKGROUND

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
_STATED_DEFAULTS: dict[str, Any] = {
    "definition": LEGACY,
    "background_drawn": LEGACY_BACKGROUND,
    "verification": "not recorded",
    "margin_definition": None,
    "margin_base_value": None,
    "margin_fingerprint": None,
    "estimation": None,
    "background_sampling": None,
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
        estimation: dict[str, Any] | None = None,
        background_sampling: dict[str, Any] | None = None,
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
            "estimation": None if estimation is None else json_safe(dict(estimation)),
            "background_sampling": None
            if background_sampling is None
            else json_safe(dict(background_sampling)),
        }

    explainer = property(
        lambda self: self._data["explainer"], doc='"tree", "linear" or "agnostic".'
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

    @property
    def estimation(self) -> dict[str, Any] | None:
        """Model-agnostic explanations: method ("exact_enumeration" or
        "permutation_sampling"), ``exact``, cost (coalitions or permutations per row,
        model evaluations, budget) and the estimated error: ``standard_error_max`` and
        ``standard_error_typical`` (median) as absolute numbers and divided by the
        largest |value| (``*_relative``); 0 when exact. None for other explainers."""
        found = self._data["estimation"]
        return None if found is None else json.loads(json.dumps(found))

    @property
    def background_sampling(self) -> dict[str, Any] | None:
        """How a stratified background was drawn: ``method`` ("stratified"), ``by``
        ("decision" with ``threshold``, or "output_bins" with ``bins``) and ``strata``
        (``[reference rows, background rows]`` per stratum). None for a uniform seeded
        draw or the whole reference set (every explanation stored before strata)."""
        found = self._data["background_sampling"]
        return None if found is None else json.loads(json.dumps(found))

    def to_dict(self) -> dict[str, Any]:
        """All fields as a JSON-safe dict (features as a list)."""
        out = dict(self._data)
        out["features"] = list(out["features"])
        out["estimation"] = self.estimation
        out["background_sampling"] = self.background_sampling
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
