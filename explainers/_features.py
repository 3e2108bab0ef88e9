"""Split a fitted model into preprocessing + estimator and map features back.

The central guarantee: :func:`output_sources` returns, for every column the
preprocessing produces, the index of the ONE original input column it is
computed from. Anything whose outputs cannot be traced to single input columns
raises :class:`ExplanationError` ("unsupported preprocessing ...") instead of
guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._errors import (
    EMPTY_REFERENCE,
    MISSING_COLUMNS,
    NO_INPUT_NAMES,
    NOT_A_DATAFRAME,
    NOT_FITTED,
    UNSUPPORTED_MODEL,
    UNSUPPORTED_PREPROCESSING,
    ExplanationError,
)

_MISSING_INDICATOR_PREFIX = "missingindicator_"


@dataclass(frozen=True)
class ModelParts:
    """A fitted model split for explaining.

    ``preprocess`` is None for a bare estimator. ``sources[j]`` is the index in
    ``features`` of the input column that transformed column ``j`` comes from.
    """

    model: Any
    preprocess: Any
    estimator: Any
    features: tuple[str, ...]
    sources: tuple[int, ...]


def split_model(model: Any) -> ModelParts:
    """Check that ``model`` is fitted and map its transformed columns to input columns.

    Raises ExplanationError for an unfitted model, a model without input column
    names, or preprocessing whose outputs cannot be traced to input columns.
    """
    # scikit-learn takes seconds to import; the portal imports explainers without it
    from sklearn.exceptions import NotFittedError  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415
    from sklearn.utils.validation import check_is_fitted  # noqa: PLC0415

    try:
        check_is_fitted(model)
    except NotFittedError as exc:
        raise ExplanationError(NOT_FITTED) from exc
    except TypeError as exc:
        raise ExplanationError(UNSUPPORTED_MODEL.format(detail=str(exc))) from exc
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        raise ExplanationError(NO_INPUT_NAMES)
    features = tuple(str(name) for name in names)
    if isinstance(model, Pipeline):
        estimator = model.steps[-1][1]
        steps = [step for _, step in model.steps[:-1] if step not in (None, "passthrough")]
        preprocess: Any = model[:-1] if steps else None
    else:
        estimator, preprocess = model, None
    if preprocess is None:
        sources = tuple(range(len(features)))
    else:
        sources = tuple(output_sources(preprocess, list(features))[0])
    return ModelParts(model, preprocess, estimator, features, sources)


def align_columns(
    data: Any,
    features: Sequence[str],
    *,
    what: str = "reference data",
    empty_message: str = EMPTY_REFERENCE,
) -> pd.DataFrame:
    """Return ``data`` restricted to ``features`` in model order.

    Extra columns are dropped only when every model input is present; missing
    inputs raise ExplanationError naming them. Empty data raises too.
    """
    if not isinstance(data, pd.DataFrame):
        raise ExplanationError(NOT_A_DATAFRAME.format(what=what, kind=type(data).__name__))
    present = {str(column) for column in data.columns}
    missing = [name for name in features if name not in present]
    if missing:
        raise ExplanationError(MISSING_COLUMNS.format(columns=", ".join(missing)))
    if len(data) == 0:
        raise ExplanationError(empty_message)
    renamed = (
        data.rename(columns=str) if any(not isinstance(c, str) for c in data.columns) else data
    )
    return renamed.loc[:, list(features)]


def model_input(parts: ModelParts, data: pd.DataFrame) -> Any:
    """What the final estimator's own predict receives for ``data`` (preprocessing output)."""
    return data if parts.preprocess is None else parts.preprocess.transform(data)


def encodes_inside(estimator: Any) -> bool:
    """True for a HistGradientBoosting model with native categorical features: it
    ordinal-encodes those columns itself, so the tree engine gets encoded rows."""
    return (
        type(estimator).__name__.startswith("HistGradientBoosting")
        and type(estimator).__module__.startswith("sklearn.")
        and getattr(estimator, "_preprocessor", None) is not None
    )


def _lightgbm_categories(estimator: Any) -> list[Any] | None:
    """The pandas categories a lightgbm model was fitted with (None without any)."""
    if type(estimator).__module__.split(".")[0] != "lightgbm":
        return None
    booster = getattr(estimator, "booster_", None)
    categories = getattr(booster, "pandas_categorical", None)
    return list(categories) if categories else None


def _xgboost_categorical(estimator: Any) -> bool:
    """True for an xgboost model with categorical features (``enable_categorical``)."""
    if type(estimator).__module__.split(".")[0] != "xgboost":
        return False
    types = estimator.get_booster().feature_types or []
    return "c" in types


def _xgboost_codes(estimator: Any, frame: pd.DataFrame) -> np.ndarray:
    """Categorical columns as the category codes xgboost uses: the position of the value
    among the categories stored in the model at training (NaN when missing or unseen)."""
    booster = estimator.get_booster()
    try:
        stored = dict(booster.get_categories(export_to_arrow=True).to_arrow())
    except (AttributeError, TypeError, ValueError):  # older xgboost: the frame's own codes
        stored = {}
    out = np.empty((len(frame), frame.shape[1]), dtype=np.float64)
    for j, kind in enumerate(booster.feature_types or []):
        column = frame.iloc[:, j]
        if kind != "c":
            out[:, j] = column.to_numpy(dtype=np.float64, na_value=np.nan)
            continue
        known = stored.get(str(frame.columns[j]))
        categories = known.to_pylist() if known is not None else list(column.cat.categories)
        codes = pd.Categorical(column.astype(object), categories=categories).codes
        out[:, j] = np.where(codes < 0, np.nan, codes.astype(np.float64))
    return out


def engine_matrix(parts: ModelParts, out: Any) -> np.ndarray:
    """The estimator's input ``out`` as a dense float64 array, one column per estimator
    input; native categorical columns of HistGradientBoosting and pandas categorical
    columns of LightGBM and XGBoost hold the model's own category codes (NaN for missing
    or unknown), exactly as its predict encodes them."""
    if encodes_inside(parts.estimator):
        # the numba-jitted engine compiles on first import; only tree models need it
        from ._treeshap._ensemble import encode_in_input_order  # noqa: PLC0415
        from ._treeshap._extract import hgb_columns  # noqa: PLC0415

        columns = hgb_columns(parts.estimator)
        assert columns is not None
        out = encode_in_input_order(parts.estimator._preprocessor, columns, out)
    elif isinstance(out, pd.DataFrame) and _lightgbm_categories(parts.estimator):
        # optional: lightgbm is imported only for a LightGBM model
        from lightgbm import basic  # noqa: PLC0415

        # exactly the conversion lightgbm's own predict applies to a DataFrame
        out = basic._data_from_pandas(
            out,
            feature_name="auto",
            categorical_feature="auto",
            pandas_categorical=_lightgbm_categories(parts.estimator),
        )[0]
    elif isinstance(out, pd.DataFrame) and _xgboost_categorical(parts.estimator):
        out = _xgboost_codes(parts.estimator, out)
    if hasattr(out, "toarray"):
        out = out.toarray()
    try:
        array = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        detail = f"the estimator's input is not numeric ({exc})"
        raise ExplanationError(UNSUPPORTED_PREPROCESSING.format(detail=detail)) from exc
    expected = getattr(parts.estimator, "n_features_in_", array.shape[1])
    if array.ndim != 2 or array.shape[1] != expected or array.shape[1] != len(parts.sources):
        detail = f"the preprocessing produced {array.shape[1]} columns, expected {expected}"
        raise ExplanationError(UNSUPPORTED_PREPROCESSING.format(detail=detail))
    return np.ascontiguousarray(array)


def transform(parts: ModelParts, data: pd.DataFrame) -> np.ndarray:
    """Return the estimator's input for ``data`` as a dense float64 array (see
    :func:`engine_matrix`)."""
    return engine_matrix(parts, model_input(parts, data))


def group_sum(values: np.ndarray, sources: Sequence[int], n_features: int) -> np.ndarray:
    """Sum transformed-column SHAP values into their input columns (row sums unchanged)."""
    out = np.zeros((values.shape[0], n_features), dtype=np.float64)
    for column, source in enumerate(sources):
        out[:, source] += values[:, column]
    return out


def output_sources(transformer: Any, names: list[str]) -> tuple[list[int], list[str]]:
    """For a fitted transformer fed columns ``names``: (source index per output, output names)."""
    # scikit-learn takes seconds to import; the portal imports explainers without it
    from sklearn.compose import ColumnTransformer  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415
    from sklearn.preprocessing import KBinsDiscretizer, Normalizer, OneHotEncoder  # noqa: PLC0415

    if transformer is None or (isinstance(transformer, str) and transformer == "passthrough"):
        return list(range(len(names))), list(names)
    if isinstance(transformer, Pipeline):
        sources, current = list(range(len(names))), list(names)
        for _, step in transformer.steps:
            step_sources, current = output_sources(step, current)
            sources = [sources[s] for s in step_sources]
        return sources, current
    if isinstance(transformer, ColumnTransformer):
        return _column_transformer_sources(transformer, names)
    if isinstance(transformer, OneHotEncoder):
        return _grouped(transformer, names, _onehot_counts(transformer))
    if isinstance(transformer, KBinsDiscretizer) and transformer.encode != "ordinal":
        return _grouped(transformer, names, [int(n) for n in transformer.n_bins_])
    if isinstance(transformer, Normalizer):
        raise _unsupported(f"{type(transformer).__name__} mixes columns within a row")
    return _by_name(transformer, names)


def _unsupported(detail: str) -> ExplanationError:
    return ExplanationError(UNSUPPORTED_PREPROCESSING.format(detail=detail))


def _feature_names_out(transformer: Any, names: list[str]) -> list[str]:
    try:
        return [str(n) for n in transformer.get_feature_names_out(names)]
    except (AttributeError, ValueError, TypeError) as exc:
        raise _unsupported(
            f"cannot tell which input column each output of {type(transformer).__name__} comes from"
        ) from exc


def _by_name(transformer: Any, names: list[str]) -> tuple[list[int], list[str]]:
    """Map outputs that keep an input's name (scalers, imputers, ordinal encoders, ...)."""
    out = _feature_names_out(transformer, names)
    index = {name: i for i, name in enumerate(names)}
    sources = []
    for name in out:
        base = name.removeprefix(_MISSING_INDICATOR_PREFIX) if name not in index else name
        if base not in index:
            raise _unsupported(
                f"{type(transformer).__name__} output {name!r} does not come from one input column"
            )
        sources.append(index[base])
    return sources, out


def _grouped(transformer: Any, names: list[str], counts: list[int]) -> tuple[list[int], list[str]]:
    """Map encoders whose outputs come in consecutive blocks, one block per input."""
    out = _feature_names_out(transformer, names)
    if len(counts) != len(names) or sum(counts) != len(out):
        raise _unsupported(
            f"cannot match the outputs of {type(transformer).__name__} to its inputs"
        )
    sources = [i for i, count in enumerate(counts) for _ in range(count)]
    return sources, out


def _onehot_counts(encoder: Any) -> list[int]:
    """Outputs per input column of a fitted OneHotEncoder (respects drop and infrequent)."""
    n = len(encoder.categories_)
    try:
        infrequent = list(encoder.infrequent_categories_)
    except AttributeError:
        infrequent = [None] * n
    drop_idx = getattr(encoder, "drop_idx_", None)
    counts = []
    for i, categories in enumerate(encoder.categories_):
        count = len(categories)
        if infrequent[i] is not None:
            count = count - len(infrequent[i]) + 1
        if drop_idx is not None and drop_idx[i] is not None:
            count -= 1
        counts.append(count)
    return counts


def _column_indices(spec: Any, names: list[str]) -> list[int]:
    """Resolve a fitted ColumnTransformer column spec to indices into ``names``."""
    if isinstance(spec, (str, int, np.integer)):
        spec = [spec]
    if isinstance(spec, slice):
        if isinstance(spec.start, str) or isinstance(spec.stop, str):
            start = names.index(spec.start) if spec.start is not None else 0
            stop = names.index(spec.stop) + 1 if spec.stop is not None else len(names)
            return list(range(start, stop))
        return list(range(len(names)))[spec]
    items = list(np.asarray(spec).tolist()) if not isinstance(spec, list) else spec
    if items and all(isinstance(item, bool) for item in items):
        return [i for i, keep in enumerate(items) if keep]
    index = {name: i for i, name in enumerate(names)}
    resolved = []
    for item in items:
        if isinstance(item, str) and item in index:
            resolved.append(index[item])
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            resolved.append(int(item))
        else:
            raise _unsupported(f"cannot resolve the ColumnTransformer column {item!r}")
    return resolved


def _column_transformer_sources(ct: Any, names: list[str]) -> tuple[list[int], list[str]]:
    n_out = sum(s.stop - s.start for s in ct.output_indices_.values())
    sources: list[int | None] = [None] * n_out
    for name, transformer, columns in ct.transformers_:
        part = ct.output_indices_.get(name)
        if part is None or part.stop == part.start:
            continue
        if isinstance(transformer, str) and transformer == "drop":
            continue
        indices = _column_indices(columns, names)
        sub_sources, _ = output_sources(transformer, [names[i] for i in indices])
        if len(sub_sources) != part.stop - part.start:
            raise _unsupported(f"the outputs of ColumnTransformer part {name!r} cannot be matched")
        for offset, source in enumerate(sub_sources):
            sources[part.start + offset] = indices[source]
    if any(source is None for source in sources):
        raise _unsupported("some ColumnTransformer outputs cannot be matched to input columns")
    try:
        out_names = [str(n) for n in ct.get_feature_names_out()]
    except (AttributeError, ValueError):
        out_names = [f"x{i}" for i in range(n_out)]
    return [int(s) for s in sources if s is not None], out_names
