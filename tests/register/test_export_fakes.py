"""Stand-ins for the export tests: a register of the demo records without MLflow.

No tests here; ``FakeRegister`` answers the calls ``export_register`` makes, and
``FakeExplanation`` refuses every row-level attribute so a test fails if an
export ever reads one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from register import load_record
from register.record._schema import TransparencyRecord
from register.store._results import AlgorithmSummary, AlgorithmVersion, VersionChange

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "standards"
DEMO_SLUGS = ("benefits-uptake", "housing-guarantee")
CREATED = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def demo_record(slug: str) -> TransparencyRecord:
    return load_record(ROOT / "models" / slug / "record.yaml")


def fake_version(record: TransparencyRecord, version: int = 2) -> AlgorithmVersion:
    return AlgorithmVersion(
        slug=record.slug,
        version=version,
        record=record,
        run_id="run",
        created_at=CREATED,
        aliases=("published",),
        status=record.status.value,
        input_profile=None,
        explanation_fingerprint="f" * 64,
        explainer="tree",
    )


class FakeMetadata:
    def to_dict(self) -> dict[str, Any]:
        return {
            "explainer": "tree",
            "explainer_class": "TreeExplainer",
            "shap_version": "0.51.0",
            "sklearn_version": "1.6.0",
            "background_size": 100,
            "background_sha256": "b" * 64,
            "seed": 0,
            "rows": 500,
            "seconds": 1.5,
            "scale": "probability",
            "positive_class": "yes",
            "base_value": 0.5,
            "additivity_max_error": 1e-9,
            "features": ["age", "joblost"],
            "fingerprint": "a" * 64,
            "definition": "interventional SHAP values of the probability",
            "background_drawn": "all 500 reference rows: the exact tree engine's cost ...",
        }


class FakeExplanation:
    """Global importance and dependence only; row-level attributes raise."""

    metadata = FakeMetadata()
    global_importance = pd.DataFrame(
        {"feature": ["joblost", "age"], "mean_abs_shap": [0.05, np.float64(0.02)]}
    )
    dependence = pd.DataFrame(
        {
            "feature": ["age", "age", "age", "joblost"],
            "bin": [0, 1, 2, "other"],
            "lower": [18.0, 30.0, 60.0, np.nan],
            "upper": [30.0, 60.0, 80.0, np.nan],
            "count": [120.0, np.nan, 5.0, 40.0],
            "mean_shap": [0.01, np.nan, 0.3, -0.02],
            "suppressed": [False, True, False, False],
        }
    )

    def public_dict(self) -> dict[str, Any]:
        return {"metadata": self.metadata.to_dict()}

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the export read row-level attribute {name!r}")


class FakeRegister:
    """The calls export_register makes, answered from record objects."""

    def __init__(self, records: list[TransparencyRecord]) -> None:
        self.versions = {r.slug: fake_version(r) for r in records}
        self.fairness: Any = None  # a stored fairness result (its public_dict), or None

    def list_algorithms(self, *, include_unpublished: bool = False) -> list[AlgorithmSummary]:
        assert not include_unpublished
        return [
            AlgorithmSummary(
                slug=v.slug,
                name=v.record.name,
                short_description=v.record.short_description,
                organisation=v.record.organisation,
                theme=v.record.theme.value,
                status=v.status,
                risk_category=v.record.risk.category.value,
                version=v.version,
            )
            for v in self.versions.values()
        ]

    def get(self, slug: str, version: int | None = None) -> AlgorithmVersion:
        assert version is None, "exports read the published version only"
        return self.versions[slug]

    def audit_head(self) -> Any:
        """An empty audit log, as a register without events has."""
        from register.audit._chain import AuditHead

        return AuditHead(sequence=0, hash="0" * 64)

    def signed_head(self) -> Any:
        """The signed head of an empty audit log (nothing to sign)."""
        from register.audit._chain import SignedHead

        return SignedHead(sequence=0, hash="0" * 64, time=None, key_id=None, signature=None)

    def get_explanation(self, slug: str, version: int) -> FakeExplanation:
        assert version == self.versions[slug].version
        return FakeExplanation()

    def get_fairness(self, slug: str, version: int) -> Any:
        assert version == self.versions[slug].version
        return self.fairness

    def history(self, slug: str) -> list[VersionChange]:
        first = datetime(2024, 12, 1, tzinfo=UTC)
        return [
            VersionChange(
                version=1, created_at=first, status="in_development", aliases=(), changed_fields=()
            ),
            VersionChange(
                version=2,
                created_at=CREATED,
                status="in_development",
                aliases=("published",),
                changed_fields=("purpose.sv",),
            ),
        ]


def demo_fake_register() -> Any:  # duck-typed Register
    return FakeRegister([demo_record(slug) for slug in DEMO_SLUGS])
