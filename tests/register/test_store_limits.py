"""Every limit of the store is known to the record's validation, so nothing is written half-way.

Run against PostgreSQL (the shared deployment's database), where MLflow's columns are
enforced: a record at every bound registers and is found; the store itself refuses one
character more than the catalogue's limit; a record over a bound is refused before a run,
model or tag exists.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from register import Register
from register.record._catalogue_tags import (
    STORE_MODEL_TAG_MAX_CHARS,
    catalogue_tags,
    store_limit_problems,
)
from register.record._errors import RULE_MAX_CHARS, RecordValidationError
from register.record._schema import (
    DEPARTMENT_MAX_CHARS,
    NAME_MAX_CHARS,
    ORGANISATION_MAX_CHARS,
    SHORT_DESCRIPTION_MAX_CHARS,
    parse_record,
)
from register.shared._server import create_database, drop_database
from tests.register._shared import ensure_postgres

ROOT = Path(__file__).resolve().parents[2]
# Lower-cased (the catalogue's search text), "İ" becomes two characters: the worst case.
WIDE = "İ"


def maximal_data() -> dict[str, Any]:
    """The demo record with every field the store keeps at its longest allowed length."""
    data: dict[str, Any] = yaml.safe_load(
        (ROOT / "models" / "benefits-uptake" / "record.yaml").read_text(encoding="utf-8")
    )
    data["slug"] = ("a" * 31 + "-" + "b" * 32)[:64]
    data["name"] = {"sv": WIDE * NAME_MAX_CHARS, "en": WIDE * NAME_MAX_CHARS}
    data["short_description"] = {
        "sv": WIDE * SHORT_DESCRIPTION_MAX_CHARS,
        "en": WIDE * SHORT_DESCRIPTION_MAX_CHARS,
    }
    data["organisation"] = WIDE * ORGANISATION_MAX_CHARS
    data["department"] = WIDE * DEPARTMENT_MAX_CHARS
    return data


@pytest.fixture()
def postgres_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An embedded store on a fresh PostgreSQL database; artifacts under ``tmp_path``."""
    ensure_postgres()
    monkeypatch.chdir(tmp_path)  # the embedded store puts artifacts below the working folder
    name = f"insyn_limits_{secrets.token_hex(4)}"
    uri = create_database(name)
    try:
        yield uri
    finally:
        drop_database(name)


def test_a_record_at_every_bound_fits_every_store_limit() -> None:
    record = parse_record(maximal_data())
    assert store_limit_problems(record) == []
    search = catalogue_tags(record)["insyn.search"]
    assert len(search) <= STORE_MODEL_TAG_MAX_CHARS


def test_a_record_at_every_bound_registers_on_postgres(
    postgres_uri: str, small_model: Any, small_reference: Any
) -> None:
    reg = Register(postgres_uri)
    version = reg.register_algorithm(
        small_model, maximal_data(), reference_data=small_reference, publish=True
    )
    assert version.record.department == WIDE * DEPARTMENT_MAX_CHARS
    stored = reg.client.get_registered_model(version.slug).tags
    assert stored["insyn.name.sv"] == WIDE * NAME_MAX_CHARS
    assert [item.slug for item in reg.search(WIDE.lower() * 3).items] == [version.slug]


def test_the_store_itself_refuses_a_catalogue_tag_one_character_longer(
    postgres_uri: str,
) -> None:
    from mlflow.exceptions import MlflowException

    reg = Register(postgres_uri)
    reg.client.create_registered_model("limit-probe")
    reg.client.set_registered_model_tag("limit-probe", "k", "x" * STORE_MODEL_TAG_MAX_CHARS)
    with pytest.raises(MlflowException):
        reg.client.set_registered_model_tag(
            "limit-probe", "k", "x" * (STORE_MODEL_TAG_MAX_CHARS + 1)
        )


@pytest.mark.parametrize("length", [DEPARTMENT_MAX_CHARS + 1, 100_000])
def test_a_field_over_its_bound_is_refused_before_anything_is_written(
    postgres_uri: str, small_model: Any, small_reference: Any, length: int
) -> None:
    reg = Register(postgres_uri)
    data = maximal_data()
    data["department"] = "d" * length
    with pytest.raises(RecordValidationError) as caught:
        reg.register_algorithm(small_model, data, reference_data=small_reference)
    [problem] = caught.value.problems
    assert problem.path == "department"
    assert problem.rule.startswith(RULE_MAX_CHARS.split("{")[0])
    assert f"({length} characters)" in problem.value
    assert reg.client.search_registered_models() == []
    experiments = reg.client.search_experiments()
    assert reg.client.search_runs([e.experiment_id for e in experiments]) == []
