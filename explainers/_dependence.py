"""Public summaries of SHAP values: global importance and binned dependence.

These tables are published, so :func:`dependence_table` guarantees that no bin
reveals a group of fewer than ``MIN_GROUP`` rows:
- a bin with count < MIN_GROUP is suppressed (count and mean_shap NaN, suppressed True);
- complementary suppression: because the total row count is public, the
  suppressed rows of a feature must together be >= MIN_GROUP (or none), otherwise
  the smallest visible bins are suppressed too;
- numeric bins are open-ended at both ends ("< a", "≥ b") so the minimum and
  maximum of the reference data (single persons' values) are never published.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

MIN_GROUP = 10
MAX_BINS = 10
MISSING_LABEL = "(missing)"
DEPENDENCE_COLUMNS = ["feature", "bin", "lower", "upper", "count", "mean_shap", "suppressed"]
IMPORTANCE_COLUMNS = ["feature", "mean_abs_shap"]


def importance_frame(features: list[str], scores: list[float]) -> pd.DataFrame:
    """Canonical global-importance frame (the same dtypes whether computed or loaded)."""
    return pd.DataFrame(
        {
            "feature": pd.Series(features, dtype="str"),
            "mean_abs_shap": pd.Series(scores, dtype="float64"),
        }
    )


def global_importance(values: pd.DataFrame) -> pd.DataFrame:
    """Mean |SHAP| per input feature, sorted descending (ties keep feature order)."""
    scores = np.abs(values.to_numpy(dtype=np.float64)).mean(axis=0)
    order = np.argsort(-scores, kind="stable")
    features = [str(values.columns[i]) for i in order]
    return importance_frame(features, [float(scores[i]) for i in order])


def dependence_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Canonical dependence frame from records (None -> NaN)."""

    def floats(key: str) -> pd.Series:
        return pd.Series(
            [np.nan if r[key] is None else float(r[key]) for r in records], dtype="float64"
        )

    return pd.DataFrame(
        {
            "feature": pd.Series([str(r["feature"]) for r in records], dtype="str"),
            "bin": pd.Series([str(r["bin"]) for r in records], dtype="str"),
            "lower": floats("lower"),
            "upper": floats("upper"),
            "count": floats("count"),
            "mean_shap": floats("mean_shap"),
            "suppressed": pd.Series([bool(r["suppressed"]) for r in records], dtype="bool"),
        },
        columns=DEPENDENCE_COLUMNS,
    )


def format_number(value: float) -> str:
    """Short human label for a bin edge: at most 4 significant digits, no exponent."""
    text = np.format_float_positional(
        float(value), precision=4, unique=True, fractional=False, trim="-"
    )
    return "0" if text in ("-0", "") else text


def _is_categorical(series: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series)


def _categorical_bins(series: pd.Series) -> list[tuple[str, float, float, np.ndarray]]:
    present = series.notna().to_numpy()
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = list(series.cat.categories)
    else:
        categories = sorted({v for v in series[present]}, key=str)
    text = series.astype(object).where(present, None).map(lambda v: None if v is None else str(v))
    bins = [(str(c), np.nan, np.nan, (text == str(c)).to_numpy()) for c in categories]
    if not present.all():
        bins.append((MISSING_LABEL, np.nan, np.nan, ~present))
    return bins


def _numeric_bins(series: pd.Series) -> list[tuple[str, float, float, np.ndarray]]:
    x = series.to_numpy(dtype=np.float64, na_value=np.nan)
    present = ~np.isnan(x)
    observed = x[present]
    bins: list[tuple[str, float, float, np.ndarray]] = []
    distinct = np.unique(observed)
    if len(distinct) <= MAX_BINS:
        for value in distinct:
            bins.append((format_number(value), float(value), float(value), present & (x == value)))
    else:
        quantiles = np.quantile(observed, np.linspace(0, 1, MAX_BINS + 1)[1:-1])
        edges = np.unique(quantiles)
        position = np.searchsorted(edges, x, side="right")
        for i in range(len(edges) + 1):
            lower = float(edges[i - 1]) if i > 0 else np.nan
            upper = float(edges[i]) if i < len(edges) else np.nan
            if i == 0:
                label = f"< {format_number(upper)}"
            elif i == len(edges):
                label = f"≥ {format_number(lower)}"
            else:
                label = f"{format_number(lower)}–{format_number(upper)}"
            mask = present & (position == i)
            if mask.any():
                bins.append((label, lower, upper, mask))
    if not present.all():
        bins.append((MISSING_LABEL, np.nan, np.nan, ~present))
    return bins


def _suppress(counts: list[int]) -> list[bool]:
    suppressed = [count < MIN_GROUP for count in counts]
    while 0 < sum(c for c, s in zip(counts, suppressed, strict=True) if s) < MIN_GROUP and not all(
        suppressed
    ):
        visible = [i for i, s in enumerate(suppressed) if not s]
        suppressed[min(visible, key=lambda i: (counts[i], i))] = True
    return suppressed


def dependence_table(reference: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Per feature and bin: row count and mean SHAP, with small groups suppressed.

    Numeric features get up to ``MAX_BINS`` quantile bins (edges from the
    reference data; one bin per value when there are at most MAX_BINS distinct
    values); categorical features one bin per category.
    """
    records: list[dict[str, Any]] = []
    shap_values = values.to_numpy(dtype=np.float64)
    for j, feature in enumerate(values.columns):
        series = reference[feature]
        bins = _categorical_bins(series) if _is_categorical(series) else _numeric_bins(series)
        counts = [int(mask.sum()) for *_, mask in bins]
        hidden = _suppress(counts)
        for (label, lower, upper, mask), count, secret in zip(bins, counts, hidden, strict=True):
            mean = float(shap_values[mask, j].mean()) if count else np.nan
            records.append(
                {
                    "feature": str(feature),
                    "bin": label,
                    "lower": lower,
                    "upper": upper,
                    "count": None if secret else float(count),
                    "mean_shap": None if secret else mean,
                    "suppressed": secret,
                }
            )
    return dependence_frame(records)
