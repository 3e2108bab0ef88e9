"""Registering boosters from Python, the failed-check gate, progress and the summary."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.base import clone
from sklearn.cluster import KMeans

from register import ChecksFailedError, InsynError, Register
from register.lifecycle._evidence import (
    CHECKS_FAILED_MESSAGE,
    OVERRIDE_REASON_MESSAGE,
    describe_failed,
    failed_checks,
)
from register.lifecycle._families import UNSUPPORTED_MESSAGE
from register.lifecycle._summary import registration_summary

REASON = "Known float32 rounding in the reference engine; reviewed by the model owner."


@pytest.fixture()
def reg(empty_store_uri: str) -> Register:
    return Register(empty_store_uri)


def _with_booster(pipeline, booster):  # type: ignore[no-untyped-def]
    model = clone(pipeline)
    model.steps[-1] = ("classifier", booster)
    return model


@pytest.fixture(scope="module")
def training(benefits_build):  # type: ignore[no-untyped-def]
    frame = benefits_build.evaluation_data
    return frame[list(benefits_build.reference_data.columns)], frame[benefits_build.label]


def test_xgboost_pipeline_registers_loads_and_serves(
    reg, benefits_build, benefits_record, small_reference, training, monkeypatch
):
    import mlflow.pyfunc

    inputs, label = training
    model = _with_booster(benefits_build.model, xgb.XGBClassifier(n_estimators=20, max_depth=3))
    model.fit(inputs, (label == "yes").astype(int))
    favourable = benefits_record.technical.favourable_outcome.model_copy(update={"value": "1"})
    technical = benefits_record.technical.model_copy(
        update={"positive_class": "1", "favourable_outcome": favourable, "class_labels": ()}
    )
    record = benefits_record.model_copy(update={"technical": technical})
    version = reg.register_algorithm(model, record, reference_data=small_reference)
    assert version.is_published
    loaded = reg.load_model(record.slug, version.version)
    np.testing.assert_array_equal(
        loaded.predict_proba(small_reference), model.predict_proba(small_reference)
    )
    mlflow.set_registry_uri(reg.tracking_uri)
    mlflow.set_tracking_uri(reg.tracking_uri)
    monkeypatch.delenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", raising=False)
    try:
        served = mlflow.pyfunc.load_model(f"models:/{record.slug}@published")
        np.testing.assert_array_equal(
            np.asarray(served.predict(small_reference.head(5))),
            model.predict_proba(small_reference.head(5)),
        )
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)


def test_lightgbm_pipeline_with_text_labels_registers(
    reg, benefits_build, benefits_record, small_reference, training
):
    inputs, label = training
    booster = lgb.LGBMClassifier(n_estimators=20, num_leaves=8, verbose=-1)
    model = _with_booster(benefits_build.model, booster).fit(inputs, label)
    version = reg.register_algorithm(model, benefits_record, reference_data=small_reference)
    loaded = reg.load_model(benefits_record.slug, version.version)
    np.testing.assert_array_equal(loaded.predict(small_reference), model.predict(small_reference))
    summary = registration_summary(reg, benefits_record.slug, version.version)
    assert summary.rows == len(small_reference)
    assert summary.checks == {"additivity": True, "reproducibility": True}


def test_unsupported_family_is_refused_before_anything_is_written(
    reg, benefits_record, small_reference
):
    model = KMeans(2, n_init=1).fit(small_reference[["age", "tenure"]])
    with pytest.raises(InsynError) as info:
        reg.register_algorithm(model, benefits_record, reference_data=small_reference)
    assert str(info.value).startswith(UNSUPPORTED_MESSAGE.split("{why}")[0].format(kind="KMeans"))
    assert reg.client.search_experiments(filter_string="name != 'Default'") == []


# -- failed checks --------------------------------------------------------------
@pytest.fixture()
def failing_additivity(monkeypatch):  # type: ignore[no-untyped-def]
    """The checks as computed, with additivity made to fail (largest error 0.031); yields
    the additivity results as computed (their tolerance is what the message must state)."""
    import explainers

    real = explainers.run_checks
    computed: dict = {}

    def run_checks(*args, **kwargs):  # type: ignore[no-untyped-def]
        checks = real(*args, **kwargs)
        data = checks.to_dict()
        computed.update(data["additivity"])
        data["additivity"] = {**data["additivity"], "max_error": 0.031, "passed": False}
        return explainers.ExplanationChecks.from_dict(data)

    monkeypatch.setattr(explainers, "run_checks", run_checks)
    return computed


def test_a_failed_check_stops_publication_and_writes_nothing(
    reg, small_model, small_reference, benefits_record, failing_additivity
):
    with pytest.raises(ChecksFailedError) as info:
        reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    message = str(info.value)
    assert failing_additivity["passed"] and 0 < failing_additivity["tolerance"] < 0.031
    failed = [
        {"check": "additivity", "max_error": 0.031, "tolerance": failing_additivity["tolerance"]}
    ]
    names, numbers = describe_failed(failed)
    assert message == CHECKS_FAILED_MESSAGE.format(
        subject=repr(benefits_record.slug), names=names, numbers=numbers
    )
    assert "largest error 0.031" in message and "publish_despite_failed_checks" in message
    assert reg.search(include_unpublished=True).items == []


@pytest.mark.parametrize("reason", ["", "   ", "ok", 42])
def test_override_without_a_real_reason_is_refused(
    reg, small_model, small_reference, benefits_record, reason
):
    with pytest.raises(InsynError) as info:
        reg.register_algorithm(
            small_model,
            benefits_record,
            reference_data=small_reference,
            publish_despite_failed_checks=reason,
        )
    assert str(info.value) == OVERRIDE_REASON_MESSAGE.format(minimum=10, value=reason)
    assert reg.search(include_unpublished=True).items == []


def test_override_with_a_reason_lands_in_the_published_entry(
    reg, small_model, small_reference, benefits_record, failing_additivity
):
    version = reg.register_algorithm(
        small_model,
        benefits_record,
        reference_data=small_reference,
        publish_despite_failed_checks=REASON,
    )
    assert version.is_published
    published = [e for e in reg.audit_entries(benefits_record.slug) if e.event == "published"]
    override = published[-1].details["override"]
    assert override["reason"] == REASON
    assert [c["check"] for c in override["checks"]] == ["additivity"]
    assert override["checks"][0]["max_error"] == 0.031
    summary = registration_summary(reg, benefits_record.slug, version.version)
    assert summary.checks == {"additivity": False, "reproducibility": True}
    assert summary.override == override


def test_stored_unpublished_version_asks_for_the_reason_when_published(
    reg, small_model, small_reference, benefits_record, failing_additivity
):
    slug = benefits_record.slug
    version = reg.register_algorithm(
        small_model, benefits_record, reference_data=small_reference, publish=False
    )
    checks = reg.get_checks(slug, version.version)
    assert checks is not None and failed_checks(checks.to_dict())
    with pytest.raises(ChecksFailedError, match="version 1 was not published"):
        reg.publish(slug, version.version)
    assert reg.search().items == []
    reg.publish(slug, version.version, despite_failed_checks=REASON)
    entry = [e for e in reg.audit_entries(slug) if e.event == "published"][-1]
    assert entry.details["override"]["reason"] == REASON


# -- progress and summary -------------------------------------------------------------
def test_progress_reports_every_step_and_every_row(
    reg, small_model, small_reference, benefits_record
):
    calls: list[tuple[str, int, int]] = []
    version = reg.register_algorithm(
        small_model,
        benefits_record,
        reference_data=small_reference,
        progress=lambda step, done, total: calls.append((step, done, total)),
    )
    steps = [c[0] for c in calls]
    order = ["checking", "explaining", "storing", "publishing"]
    assert [s for i, s in enumerate(steps) if i == 0 or steps[i - 1] != s][:2] == order[:2]
    assert steps.index("storing") < steps.index("publishing")
    explaining = [c for c in calls if c[0] == "explaining"]
    assert explaining[-1][1:] == (len(small_reference), len(small_reference))
    assert [d for _, d, _ in explaining] == sorted(d for _, d, _ in explaining)
    assert calls[-1] == ("publishing", 1, 1)
    summary = registration_summary(reg, benefits_record.slug, version.version, seconds=3.5)
    explanation = reg.get_explanation(benefits_record.slug, version.version)
    assert summary.rows == explanation.metadata.rows == len(small_reference)
    assert summary.additivity_max_error == explanation.metadata.additivity_max_error
    assert summary.explainer.startswith(explanation.metadata.explainer)
    assert summary.override is None
    labels = dict(summary.lines())
    assert labels["registration seconds"] == "3.50"
    assert labels["checks"] == "additivity passed, reproducibility passed"


# -- rows the model's own predict takes or refuses -------------------------------------
def test_rows_the_model_cannot_predict_are_refused_as_predict_refuses_them(
    reg, benefits_build, benefits_record, small_reference, training
):
    from sklearn.preprocessing import OneHotEncoder

    from register.lifecycle._checks import PREDICT_FAILED_MESSAGE

    inputs, label = training
    strict = clone(benefits_build.model)
    strict.set_params(classifier__n_estimators=5, classifier__max_depth=3)
    name, _, columns = strict.named_steps["preprocess"].transformers[0]
    strict.named_steps["preprocess"].transformers[0] = (
        name,
        OneHotEncoder(handle_unknown="error"),
        columns,
    )
    strict.fit(inputs, label)
    rows = small_reference.head(40).copy()
    rows.loc[3, "joblost"] = "never_seen_before"
    with pytest.raises(ValueError) as own:
        strict.predict(rows)
    with pytest.raises(InsynError) as info:
        reg.register_algorithm(strict, benefits_record, reference_data=rows)
    assert str(info.value) == PREDICT_FAILED_MESSAGE.format(reason=own.value)
    assert reg.search(include_unpublished=True).items == []


def test_rows_with_missing_values_register_when_the_model_takes_them(
    reg, small_model, benefits_record, small_reference
):
    rows = small_reference.head(60).copy()
    rows.loc[[2, 7], "age"] = np.nan  # the forest routes missing values itself
    expected = small_model.predict_proba(rows)
    version = reg.register_algorithm(small_model, benefits_record, reference_data=rows)
    explanation = reg.get_explanation(benefits_record.slug, version.version)
    stored = reg.load_model(benefits_record.slug, version.version)
    np.testing.assert_array_equal(stored.predict_proba(rows), expected)
    # Explained consistently: the values of the rows with NaN add up to the prediction.
    values = explanation.values.to_numpy()
    total = values.sum(axis=1) + explanation.metadata.base_value
    np.testing.assert_allclose(total[[2, 7]], expected[[2, 7], 1], atol=1e-6)


# -- the class to explain -----------------------------------------------------------
def _three_class_model(small_model, training):  # type: ignore[no-untyped-def]
    import pandas as pd

    inputs, _ = training
    label = pd.qcut(inputs["tenure"].rank(method="first"), 3, labels=["short", "mid", "long"])
    return clone(small_model).fit(inputs, label.astype(str))


def test_positive_class_not_among_the_classes_is_refused(
    reg, small_model, small_reference, benefits_record
):
    from explainers._errors import UNKNOWN_POSITIVE_CLASS

    record = benefits_record.model_copy(
        update={
            "technical": benefits_record.technical.model_copy(update={"positive_class": "maybe"})
        }
    )
    with pytest.raises(InsynError) as info:
        reg.register_algorithm(small_model, record, reference_data=small_reference)
    assert str(info.value) == UNKNOWN_POSITIVE_CLASS.format(value="maybe", classes="no, yes")
    assert reg.search(include_unpublished=True).items == []


def test_multiclass_without_a_chosen_class_is_refused(
    reg, small_model, small_reference, benefits_record, training
):
    from explainers._errors import MULTICLASS_NEEDS_POSITIVE_CLASS

    model = _three_class_model(small_model, training)
    # The record names neither a positive class nor a favourable outcome (the demo's
    # "yes" is no class of this model, and registration would refuse it first).
    technical = benefits_record.technical.model_copy(
        update={"positive_class": None, "favourable_outcome": None, "class_labels": ()}
    )
    record = benefits_record.model_copy(update={"technical": technical})
    with pytest.raises(InsynError) as info:
        reg.register_algorithm(model, record, reference_data=small_reference)
    assert str(info.value).startswith(MULTICLASS_NEEDS_POSITIVE_CLASS.split("(")[0].format(count=3))
    assert reg.search(include_unpublished=True).items == []
    chosen = record.model_copy(
        update={"technical": record.technical.model_copy(update={"positive_class": "long"})}
    )
    version = reg.register_algorithm(model, chosen, reference_data=small_reference)
    assert reg.get_explanation(chosen.slug, version.version).metadata.positive_class == "long"
