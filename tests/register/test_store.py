"""The MLflow-backed store: what a data scientist and the portal rely on."""

from __future__ import annotations

import os

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from register import (
    InsynError,
    InvalidTrackingUriError,
    NotFoundError,
    OwnershipError,
    Register,
    RegistrationError,
    TrackingUnreachableError,
)
from register.lifecycle._checks import FEATURES_MISSING_MESSAGE, OWNED_BY_OTHER_MESSAGE
from register.store._model_io import UNTRUSTED_TYPES_MESSAGE
from tests.conftest import free_port


def _record(base, **changes):  # type: ignore[no-untyped-def]
    return base.model_copy(update=changes)


@pytest.fixture()
def reg(empty_store_uri: str) -> Register:
    return Register(empty_store_uri)


def test_register_publishes_a_complete_version(reg, small_model, small_reference, benefits_record):
    version = reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    assert version.version == 1
    assert version.is_published
    assert version.record == benefits_record
    assert version.explainer == "tree"
    # The catalogue finds it by its tags and by free text in either language.
    assert [i.slug for i in reg.search().items] == ["benefits-uptake"]
    assert reg.search(organisation=benefits_record.organisation).items[0].version == 1
    assert reg.search(organisation="Another municipality").items == []
    assert reg.search(risk="high_risk", theme=benefits_record.theme.value).items
    # The stored explanation and model are the ones computed and registered.
    explanation = reg.get_explanation("benefits-uptake", 1)
    assert explanation.metadata.fingerprint == version.explanation_fingerprint
    assert explanation.metadata.rows == len(small_reference)
    loaded = reg.load_model("benefits-uptake", 1)
    np.testing.assert_array_equal(
        loaded.predict_proba(small_reference), small_model.predict_proba(small_reference)
    )
    # The input profile allows exactly the categories the model knows.
    joblost = next(f for f in version.input_profile.features if f.name == "joblost")
    assert set(joblost.categories) == set(small_reference["joblost"].unique())


def test_free_text_search_matches_name_words(reg, small_model, small_reference, benefits_record):
    reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    word = benefits_record.name.sv.split()[0]
    assert [i.slug for i in reg.search(word).items] == ["benefits-uptake"]
    assert reg.search("zzzz-no-such-word").items == []
    # A quote in the search text cannot break the filter.
    assert reg.search("o'brien").items == []


def test_registered_model_loads_as_an_ordinary_mlflow_model(
    reg, small_model, small_reference, benefits_record, monkeypatch
):
    import mlflow.pyfunc

    reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
    mlflow.set_registry_uri(reg.tracking_uri)
    mlflow.set_tracking_uri(reg.tracking_uri)
    try:
        model = mlflow.pyfunc.load_model("models:/benefits-uptake@published")
        predictions = model.predict(small_reference.head(5))
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
    np.testing.assert_allclose(
        np.asarray(predictions), small_model.predict_proba(small_reference.head(5))
    )


def test_unpublished_version_is_not_public_until_published(
    reg, small_model, small_reference, benefits_record
):
    reg.register_algorithm(
        small_model, benefits_record, reference_data=small_reference, publish=False
    )
    assert reg.search().items == []
    assert [i.slug for i in reg.search(include_unpublished=True).items] == ["benefits-uptake"]
    with pytest.raises(NotFoundError, match="no published version"):
        reg.get("benefits-uptake")
    published = reg.publish("benefits-uptake", 1)
    assert published.aliases == ("published",)
    assert reg.search().items[0].version == 1


def test_history_lists_versions_and_changed_fields(
    reg, small_model, small_reference, benefits_record
):
    reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    changed = _record(
        benefits_record,
        purpose=benefits_record.purpose.model_copy(update={"en": "A changed purpose."}),
    )
    reg.register_algorithm(small_model, changed, reference_data=small_reference)
    history = reg.history("benefits-uptake")
    assert [h.version for h in history] == [1, 2]
    assert history[0].changed_fields == ()
    assert "purpose.en" in history[1].changed_fields
    assert history[1].aliases == ("published",)
    assert reg.get("benefits-uptake").version == 2
    assert reg.get("benefits-uptake", 1).record == benefits_record


def test_retire_keeps_the_algorithm_public_as_retired(
    reg, small_model, small_reference, benefits_record
):
    reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    retired = reg.retire("benefits-uptake")
    assert retired.status == "retired"
    assert [i.slug for i in reg.search(status="retired").items] == ["benefits-uptake"]
    assert reg.search(status="in_development").items == []


def test_slug_of_another_organisation_is_refused(
    reg, small_model, small_reference, benefits_record
):
    reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    intruder = _record(benefits_record, organisation="Grannkommun")
    with pytest.raises(OwnershipError) as info:
        reg.register_algorithm(small_model, intruder, reference_data=small_reference)
    assert str(info.value) == OWNED_BY_OTHER_MESSAGE.format(
        slug="benefits-uptake", owner=benefits_record.organisation, organisation="Grannkommun"
    )
    assert [h.version for h in reg.history("benefits-uptake")] == [1]


def test_bad_input_writes_nothing(reg, small_model, small_reference, benefits_record):
    unfitted = clone(small_model)
    with pytest.raises(InsynError, match="not fitted"):
        reg.register_algorithm(unfitted, benefits_record, reference_data=small_reference)
    with pytest.raises(InsynError, match="rr"):
        reg.register_algorithm(
            small_model, benefits_record, reference_data=small_reference.drop(columns=["rr"])
        )
    features = tuple(f for f in benefits_record.technical.features if f.name != "tenure")
    thin = _record(
        benefits_record,
        technical=benefits_record.technical.model_copy(update={"features": features}),
    )
    with pytest.raises(InsynError) as info:
        reg.register_algorithm(small_model, thin, reference_data=small_reference)
    assert str(info.value) == FEATURES_MISSING_MESSAGE.format(missing="tenure")
    assert reg.search(include_unpublished=True).items == []
    assert reg.client.search_runs([reg.experiment_id()]) == []


class _HomeMadeClassifier(ClassifierMixin, BaseEstimator):
    """A class skops does not know: it must be refused, not stored."""

    def fit(self, X, y):  # type: ignore[no-untyped-def]
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def predict_proba(self, X):  # type: ignore[no-untyped-def]
        return np.tile([0.5, 0.5], (len(X), 1))

    def predict(self, X):  # type: ignore[no-untyped-def]
        return np.repeat(self.classes_[0], len(X))


def test_untrusted_model_types_are_refused(reg, small_reference, benefits_record, benefits_build):
    frame = benefits_build.evaluation_data
    model = _HomeMadeClassifier().fit(frame[small_reference.columns], frame["ui"])
    with pytest.raises(InsynError) as info:
        reg.register_algorithm(model, benefits_record, reference_data=small_reference)
    assert UNTRUSTED_TYPES_MESSAGE.split("{")[0] in str(info.value)
    assert "_HomeMadeClassifier" in str(info.value)
    assert reg.search(include_unpublished=True).items == []


def test_failure_part_way_leaves_nothing_public(
    reg, small_model, small_reference, benefits_record, monkeypatch
):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(reg.client, "create_model_version", broken)
    with pytest.raises(RegistrationError) as info:
        reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    assert "creating the model version" in str(info.value)
    assert "disk full" in str(info.value)
    assert "Nothing was published" in str(info.value)
    assert reg.search().items == []
    runs = reg.client.search_runs([reg.experiment_id()])
    assert [r.info.status for r in runs] == ["FAILED"]


def test_unreachable_tracking_uri_is_a_clear_error(small_model, small_reference, benefits_record):
    reg = Register(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TrackingUnreachableError, match="cannot be reached"):
        reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)


@pytest.mark.parametrize("uri", ["not a uri", "htp:/x", "http://"])
def test_malformed_tracking_uri_names_it(uri):
    with pytest.raises(InvalidTrackingUriError) as info:
        Register(uri)
    assert repr(uri) in str(info.value)


def test_default_store_is_embedded_under_insyn_home(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("INSYN_HOME", str(tmp_path / "home"))
    reg = Register()
    assert reg.tracking_uri == f"sqlite:///{tmp_path / 'home' / 'mlflow.db'}"
    assert os.path.isdir(tmp_path / "home")
