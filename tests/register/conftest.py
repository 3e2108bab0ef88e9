"""Fixtures of the register's audit tests: one small register, built once, copied per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from register import Register

AUDIT_SLUG = "benefits-uptake"


@pytest.fixture(scope="session")
def audit_base(
    tmp_path_factory: pytest.TempPathFactory,
    small_model: Any,
    small_reference: Any,
    benefits_record: Any,
) -> Path:
    """A store folder: benefits-uptake versions 1 and 2 published (the record changed), a
    review of version 2, version 3 registered but not published; runs in the
    organisation's own experiment. Copy it with ``tests.register._tamper.clone_store``."""
    home = tmp_path_factory.mktemp("audit-base")
    reg = Register(f"sqlite:///{home / 'mlflow.db'}")
    reg.client.create_experiment(
        f"insyn/{benefits_record.organisation}", artifact_location=(home / "artifacts").as_uri()
    )
    reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    changed = benefits_record.model_copy(update={"supplier": "Ny leverantör AB"})
    reg.register_algorithm(small_model, changed, reference_data=small_reference)
    reg.add_review(
        AUDIT_SLUG, 2, outcome="approved", text_sv="Granskad.", organisation="Revisionen"
    )
    reg.register_algorithm(small_model, changed, reference_data=small_reference, publish=False)
    result = reg.verify_audit()
    assert result.ok, result.problems
    return home
