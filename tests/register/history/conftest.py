"""A small register in memory for the history tests: four algorithms of three
organisations, one of them retired, one changed in a second version, one reviewed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from register import MemoryStore, Register, Store, TransparencyRecord

HOSTILE_NAME = '<script>alert("x")</script> & ]]> "Bostad" \x07'
# slug, organisation, theme, risk category, status
ALGORITHMS = (
    ("benefits-uptake", "Exempelkommunen", "social_services", "high_risk", "in_use"),
    ("school-places", "Exempelkommunen", "education", "limited", "in_use"),
    ("home-care-visits", "Norrby kommun", "elder_care", "limited", "in_development"),
    ("permit-queue", "Söderby kommun", "permits", "minimal", "in_use"),
)
RETIRED = "school-places"
CHANGED = "benefits-uptake"
REVIEWED = "home-care-visits"
# Registered, never published: its record is not public.
DRAFT = ("draft-algorithm", "Norrby kommun", "housing", "limited", "in_development")
DRAFT_NAME = "Utkast som inte är publicerat"


def record_for(
    base: TransparencyRecord, slug: str, org: str, theme: str, risk: str, status: str, **extra: Any
) -> TransparencyRecord:
    data = base.to_json_dict()
    data.update(slug=slug, organisation=org, theme=theme, status=status, **extra)
    data["risk"]["category"] = risk
    return TransparencyRecord.model_validate(data)


class CountingStore:
    """A :class:`Store` that delegates to ``inner`` and counts audit entry reads."""

    def __init__(self, inner: Store) -> None:
        self._inner = inner
        self.entry_reads = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def read_artifact(self, run_id: str, path: str) -> bytes:
        if path.startswith("entries/"):
            self.entry_reads += 1
        return self._inner.read_artifact(run_id, path)

    def download_artifacts(self, run_id: str, path: str, destination: Path) -> Path:
        if path.startswith("entries"):
            self.entry_reads += 1
        return self._inner.download_artifacts(run_id, path, destination)


@pytest.fixture(scope="module")
def history_register(small_model: Any, small_reference: Any, benefits_record: Any) -> Register:
    """The register described in the module docstring (hostile text in one name)."""
    return build_history_register(small_model, small_reference, benefits_record)


def build_history_register(
    small_model: Any, small_reference: Any, benefits_record: TransparencyRecord
) -> Register:
    """The register described in the module docstring (hostile text in one name)."""
    reg = Register(store=MemoryStore())
    for slug, org, theme, risk, status in ALGORITHMS:
        reg.register_algorithm(
            small_model,
            record_for(benefits_record, slug, org, theme, risk, status),
            reference_data=small_reference,
        )
    changed = record_for(benefits_record, *ALGORITHMS[0])
    data = changed.to_json_dict()
    data["name"]["sv"] = HOSTILE_NAME
    data["purpose"]["en"] = "A changed purpose."
    reg.register_algorithm(
        small_model, TransparencyRecord.model_validate(data), reference_data=small_reference
    )
    draft = record_for(benefits_record, *DRAFT).to_json_dict()
    draft["name"]["sv"] = DRAFT_NAME
    reg.register_algorithm(
        small_model,
        TransparencyRecord.model_validate(draft),
        reference_data=small_reference,
        publish=False,
    )
    reg.retire(RETIRED)
    reg.add_review(
        REVIEWED,
        1,
        outcome="approved_with_remarks",
        text_sv="Granskad.",
        organisation="Granskarna AB",
    )
    return reg
