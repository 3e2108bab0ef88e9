"""Every result object register returns is written one way: a frozen, keyword-only dataclass
(pydantic only where validation is the point: the record and its parts)."""

from __future__ import annotations

import dataclasses
import enum
import inspect

import pytest
from pydantic import BaseModel

import register
from register import AuditHead, FeatureSpec, Register, RegistrationSummary

# The facade and the stores (and the store seam's protocol) are services, not results.
NOT_RESULTS = {Register, register.Store, register.MlflowStore, register.MemoryStore}


def _public_classes() -> list[type]:
    found = []
    for name in register.__all__:
        obj = getattr(register, name)
        if not inspect.isclass(obj) or obj in NOT_RESULTS:
            continue
        if issubclass(obj, (BaseException, enum.Enum, BaseModel)):
            continue
        found.append(obj)
    return found


def test_the_walk_finds_the_result_classes() -> None:
    names = {c.__name__ for c in _public_classes()}
    assert {"AlgorithmVersion", "AuditEntry", "FairnessReport", "FeatureSpec"} <= names
    assert {"RegistrationSummary", "ExportReport", "ImportReport", "Review"} <= names


@pytest.mark.parametrize("cls", _public_classes(), ids=lambda c: c.__name__)
def test_every_public_result_is_a_frozen_keyword_only_dataclass(cls: type) -> None:
    assert dataclasses.is_dataclass(cls), cls
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen, cls
    assert all(f.kw_only for f in dataclasses.fields(cls)), cls


def test_results_are_read_only_keyword_only_and_compare_by_value() -> None:
    head = AuditHead(sequence=3, hash="ab")
    assert head == AuditHead(sequence=3, hash="ab")
    assert hash(head) == hash(AuditHead(sequence=3, hash="ab"))
    with pytest.raises(AttributeError):
        head.sequence = 4  # type: ignore[misc]
    with pytest.raises(TypeError):
        AuditHead(3, "ab")  # type: ignore[misc]
    spec = FeatureSpec(name="age", kind="numeric", minimum=0, maximum=99, default={"x": 1})
    assert hash(spec) == hash(FeatureSpec(name="age", kind="numeric"))  # the name identifies it
    assert FeatureSpec.from_dict(spec.to_dict()) == spec


def test_a_summary_exposes_its_checks_read_only() -> None:
    summary = RegistrationSummary(
        slug="s",
        version=1,
        published=True,
        explainer="e",
        definition="d",
        rows=10,
        explain_seconds=1,
        seconds=None,
        additivity_max_error=0,
        checks={"additivity": True},
        override=None,
    )
    assert summary.checks == {"additivity": True}
    with pytest.raises(TypeError):
        summary.checks["additivity"] = False  # type: ignore[index]
    assert summary.lines()[0] == ("explainer", "e")


def test_the_old_read_only_base_class_is_gone() -> None:
    from register.store import _results

    assert not hasattr(_results, "_ReadOnly")
