"""Shared fixtures for the explainers tests: small seeded data and fitted pipelines."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # pragma: no cover - depends on how pytest is started
    sys.path.insert(0, str(ROOT))

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.naive_bayes import GaussianNB  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

CATEGORICAL = ["town", "housing"]
NUMERIC = ["age", "income", "children"]
FEATURES = CATEGORICAL + NUMERIC


def make_data(n: int = 240, seed: int = 7) -> tuple[pd.DataFrame, pd.Series]:
    """2 categorical + 3 numeric columns (pandas-3 ``str`` dtype) and a binary target.

    The town "Ödeby" is rare (4 rows) so its dependence bin must be suppressed.
    """
    rng = np.random.default_rng(seed)
    town = rng.choice(["Norrby", "Söderby", "Västby"], size=n)
    town[:4] = "Ödeby"
    data = pd.DataFrame(
        {
            "town": pd.Series(town, dtype="str"),
            "housing": pd.Series(rng.choice(["rent", "own"], size=n), dtype="str"),
            "age": rng.integers(18, 90, size=n).astype(float),
            "income": rng.normal(3.0, 1.0, size=n),
            "children": rng.integers(0, 4, size=n),
        }
    )
    score = (
        (data["age"] - 50) / 20
        + (data["town"] == "Norrby")
        - 0.5 * data["income"]
        + rng.normal(size=n)
    )
    return data, pd.Series((score > -1.2).astype(int), name="target")


def pipeline(estimator: object) -> Pipeline:
    preprocess = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("num", StandardScaler(), NUMERIC),
        ]
    )
    return Pipeline([("preprocess", preprocess), ("model", estimator)])


@pytest.fixture(scope="session")
def data() -> tuple[pd.DataFrame, pd.Series]:
    return make_data()


@pytest.fixture(scope="session")
def forest(data: tuple[pd.DataFrame, pd.Series]) -> Pipeline:
    X, y = data
    return pipeline(RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0)).fit(X, y)


@pytest.fixture(scope="session")
def logistic(data: tuple[pd.DataFrame, pd.Series]) -> Pipeline:
    X, y = data
    return pipeline(LogisticRegression()).fit(X, y)


@pytest.fixture(scope="session")
def regressor(data: tuple[pd.DataFrame, pd.Series]) -> Pipeline:
    X, _ = data
    target = X["income"] * 0.5 + (X["town"] == "Västby") + X["children"] * 0.1
    return pipeline(GradientBoostingRegressor(n_estimators=30, random_state=0)).fit(X, target)


@pytest.fixture(scope="session")
def bayes(data: tuple[pd.DataFrame, pd.Series]) -> Pipeline:
    """No tree or linear path -> model-agnostic explainer (GaussianNB predicts fast)."""
    X, y = data
    return pipeline(GaussianNB()).fit(X, y)


@pytest.fixture(scope="session")
def forest_explanation(forest: Pipeline, data: tuple[pd.DataFrame, pd.Series]):  # type: ignore[no-untyped-def]
    from explainers import explain

    return explain(forest, data[0], seed=0, background_size=60)
