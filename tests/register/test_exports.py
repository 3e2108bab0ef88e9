"""The public surface of register is exactly its curated __all__, and so is each part's.

``EXPECTED`` is the Python API: every name an earlier release exported stays (the API is
compatible), and a new name is added here on purpose, never by accident.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import register

# Exported by the release before the store seam; these never disappear.
EARLIER_RELEASE = {
    "BOOSTER_CLASSES",
    "CSV_COLUMNS",
    "TRUSTED_TYPES",
    "AlgorithmSummary",
    "AlgorithmVersion",
    "AuditEntry",
    "AuditError",
    "AuditHead",
    "AuditProblem",
    "AuditReport",
    "AuditVerification",
    "AuthenticationError",
    "Author",
    "ChecksFailedError",
    "ExportError",
    "ExportOmission",
    "ExportReport",
    "FairnessReport",
    "FavourableOutcome",
    "FeatureSpec",
    "FilterOptions",
    "ImportReport",
    "InputProfile",
    "InputValidationError",
    "InsynError",
    "InvalidTrackingUriError",
    "LabelsMissingWarning",
    "LocalizedText",
    "NotFoundError",
    "OwnershipError",
    "PermissionDeniedError",
    "ProtectedAttribute",
    "PublicationError",
    "PublicationUnfinishedError",
    "RecordValidationError",
    "Register",
    "RegistrationError",
    "RegistrationSummary",
    "Review",
    "ReviewError",
    "RiskCategory",
    "SearchPage",
    "SignedHead",
    "SigningKeyError",
    "Status",
    "Theme",
    "TrackingUnreachableError",
    "TransparencyRecord",
    "ValueLabel",
    "VersionChange",
    "WriterRefusedError",
    "break_long_words",
    "build_audit_report",
    "clean_text",
    "clean_tree",
    "default_tracking_uri",
    "export_register",
    "fairness_report",
    "import_standard",
    "inert_markdown",
    "load_model",
    "load_record",
    "parse_record",
    "profile_from",
    "record_exports",
    "register_algorithm",
    "registration_summary",
    "render_html",
    "save_model",
}
# The store seam (issue 13): what a user needs to open a register on another store.
ADDED = {"MemoryStore", "MlflowStore", "Store", "StoreError", "VersionInfo"}
# Plain labels (issue 15): the record's labels for values, protected groups and outcomes.
LABELS = {"FavourableOutcome", "LabelsMissingWarning", "ProtectedAttribute", "ValueLabel"}
# Version diffs (issue 16): what changed between two versions of one algorithm.
DIFFS = {
    "DecisionChange",
    "ExplanationDiff",
    "FairnessChange",
    "FairnessDiff",
    "FieldChange",
    "ImportanceChange",
    "RateChange",
    "VersionDiff",
    "diff_versions",
}
# The register's history (issue 16): the change feed and the statistics.
HISTORY = {
    "ATOM_MEDIA_TYPE",
    "FEED_EVENTS",
    "JSON_FEED_MEDIA_TYPE",
    "ChangeFeed",
    "FeedEntry",
    "MonthStatistics",
    "RegisterStatistics",
    "atom_feed",
    "change_feed",
    "json_feed",
    "register_statistics",
}
EXPECTED = EARLIER_RELEASE | ADDED | LABELS | DIFFS | HISTORY

# register.cli's __init__ is the command-line program itself (its surface is the
# ``insyn`` command, tested in test_cli.py), not a curated package front.
NOT_CURATED = {"cli"}


def _public(module: ModuleType) -> set[str]:
    """Names a user sees in ``module``: not private, not a submodule."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }


def _parts() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(register.__path__)
        if info.ispkg and info.name not in NOT_CURATED
    )


def test_register_exports_exactly_the_curated_names() -> None:
    assert set(register.__all__) == EXPECTED
    assert _public(register) == EXPECTED
    assert len(register.__all__) == len(set(register.__all__))


def test_every_exported_name_resolves() -> None:
    for name in register.__all__:
        assert getattr(register, name) is not None, name


def test_register_algorithm_is_typed() -> None:
    hints = inspect.signature(register.register_algorithm)
    missing = [
        name
        for name, parameter in hints.parameters.items()
        if parameter.annotation is inspect.Parameter.empty
    ]
    assert missing == []
    assert hints.return_annotation is not inspect.Signature.empty
    assert "tracking_uri" in hints.parameters
    assert set(inspect.signature(register.Register.register_algorithm).parameters) - {
        "self"
    } <= set(hints.parameters)


def test_the_parts_are_the_ones_the_architecture_names() -> None:
    assert set(_parts()) >= {"audit", "export", "lifecycle", "record", "shared", "store"}


@pytest.mark.parametrize("part", _parts())
def test_each_part_exports_exactly_its_all(part: str) -> None:
    module = importlib.import_module(f"register.{part}")
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"register.{part} has no __all__"
    assert len(exported) == len(set(exported)), f"register.{part}.__all__ repeats a name"
    assert set(exported) == _public(module), f"register.{part}"
    for name in exported:
        assert hasattr(module, name), f"register.{part}.{name}"


def test_store_exports_the_seam() -> None:
    from register import store

    seam = {"Store", "MemoryStore", "MlflowStore", "StoreView", "TagQuery", "VersionInfo"}
    assert seam <= set(store.__all__)
    assert isinstance(
        register.Register(store=store.MlflowStore("sqlite:///:memory:")).store, store.Store
    )
