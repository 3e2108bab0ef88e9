"""Every user-fixable problem raises ExplanationError with its message constant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from explainers import ExplanationError, explain, explain_local
from explainers import _errors as messages
from tests.explainers.conftest import pipeline


def test_unfitted_model(data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExplanationError) as info:
        explain(pipeline(LogisticRegression()), data[0])
    assert str(info.value) == messages.NOT_FITTED
    assert "the model is not fitted" in str(info.value)


def test_missing_columns_are_named(forest, data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExplanationError) as info:
        explain(forest, data[0].drop(columns=["age", "town"]))
    assert str(info.value) == messages.MISSING_COLUMNS.format(columns="town, age")


def test_empty_reference(forest, data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExplanationError, match=messages.EMPTY_REFERENCE):
        explain(forest, data[0].head(0))


def test_empty_background_for_local(forest, data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExplanationError, match=messages.EMPTY_BACKGROUND):
        explain_local(forest, data[0].head(1), data[0].head(0))


def test_multiclass_needs_positive_class(data) -> None:  # type: ignore[no-untyped-def]
    X = data[0]
    y = pd.Series(np.array(["low", "mid", "high"])[np.arange(len(X)) % 3])
    model = pipeline(RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0)).fit(X, y)
    with pytest.raises(ExplanationError, match="3 classes"):
        explain(model, X.head(20))
    with pytest.raises(ExplanationError, match="not one of the model's classes"):
        explain(model, X.head(20), positive_class="medium")
    exp = explain(model, X.head(20), positive_class="mid", background_size=10)
    assert exp.metadata.positive_class == "mid"
    np.testing.assert_array_equal(
        exp.predictions, model.predict_proba(X.head(20))[:, list(model.classes_).index("mid")]
    )


def test_positive_class_for_regressor(regressor, data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExplanationError, match="regressor"):
        explain(regressor, data[0].head(10), positive_class=1)


def test_unsupported_preprocessing(data) -> None:  # type: ignore[no-untyped-def]
    from sklearn.decomposition import PCA
    from sklearn.pipeline import Pipeline

    X = data[0][["age", "income", "children"]]
    model = Pipeline([("pca", PCA(n_components=2)), ("model", LogisticRegression())]).fit(
        X, data[1]
    )
    with pytest.raises(ExplanationError, match="unsupported preprocessing"):
        explain(model, X.head(10))


def test_bad_background_size(forest, data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExplanationError, match="background_size"):
        explain(forest, data[0].head(10), background_size=0)


def test_not_a_dataframe(forest, data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExplanationError, match="DataFrame"):
        explain(forest, data[0].to_numpy())
