"""A small register in memory for the read API's tests: two published algorithms (the
first with two versions and a review), one that was never published."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from starlette.testclient import TestClient

from api import create_app
from register import MemoryStore, Register

FIRST = "benefits-uptake"
SECOND = "benefits-outreach"
HIDDEN = "benefits-draft"
SECOND_ORGANISATION = "Andra kommunen"
BASE = "/api/v1"

MakeClient = Callable[..., TestClient]


@pytest.fixture(scope="session")
def api_reference(small_reference: pd.DataFrame) -> pd.DataFrame:
    """The rows the explanations were computed on (they must never leave the API)."""
    return small_reference.head(60).reset_index(drop=True)


@pytest.fixture(scope="session")
def api_register(small_model: Any, api_reference: pd.DataFrame, benefits_record: Any) -> Register:
    reg = Register(store=MemoryStore())
    reg.register_algorithm(small_model, benefits_record, reference_data=api_reference)
    changed = benefits_record.model_copy(update={"supplier": "Ny leverantör AB"})
    reg.register_algorithm(small_model, changed, reference_data=api_reference)
    reg.add_review(FIRST, 2, outcome="approved", text_sv="Granskad.", organisation="Revisionen")
    second = benefits_record.model_copy(
        update={"slug": SECOND, "organisation": SECOND_ORGANISATION}
    )
    reg.register_algorithm(small_model, second, reference_data=api_reference)
    hidden = benefits_record.model_copy(update={"slug": HIDDEN})
    reg.register_algorithm(small_model, hidden, reference_data=api_reference, publish=False)
    return reg


@pytest.fixture()
def make_client(api_register: Register, tmp_path: Any) -> MakeClient:
    """A client of a fresh app (its own cache) over ``api_register`` or the given register."""

    def make(reg: Register | None = None, **options: Any) -> TestClient:
        options.setdefault("exports_dir", tmp_path / "exports")
        app = create_app(api_register if reg is None else reg, **options)
        return TestClient(app, raise_server_exceptions=False)

    return make


@pytest.fixture()
def client(make_client: MakeClient) -> TestClient:
    return make_client()
