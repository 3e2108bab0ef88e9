"""XGBoost and LightGBM models stored in their own formats, never pickled.

A supported booster (:data:`BOOSTER_CLASSES`) alone, or as the last step of a
scikit-learn :class:`~sklearn.pipeline.Pipeline`, is split in two: the booster
in its library's data format (XGBoost UBJSON through ``save_model``, LightGBM's
text model through ``booster_.save_model``) and, for a pipeline, the pipeline
with that step replaced by ``"passthrough"`` (stored with skops by the caller).
:func:`rebuild` puts them back together. What it trusts comes from this module,
never from the artifact: the class must be one of :data:`BOOSTER_CLASSES`, the
constructor parameters must be plain JSON values the class accepts, and the
booster file is parsed by the library's own model reader, which runs no code.
"""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from register._errors import InsynError

#: The booster classes insyn stores, by qualified name -> (library, class, file suffix).
BOOSTER_CLASSES: dict[str, tuple[str, str, str]] = {
    "xgboost.sklearn.XGBClassifier": ("xgboost", "XGBClassifier", "ubj"),
    "xgboost.sklearn.XGBRegressor": ("xgboost", "XGBRegressor", "ubj"),
    "xgboost.sklearn.XGBRFClassifier": ("xgboost", "XGBRFClassifier", "ubj"),
    "xgboost.sklearn.XGBRFRegressor": ("xgboost", "XGBRFRegressor", "ubj"),
    "lightgbm.sklearn.LGBMClassifier": ("lightgbm", "LGBMClassifier", "txt"),
    "lightgbm.sklearn.LGBMRegressor": ("lightgbm", "LGBMRegressor", "txt"),
}
FLAVOR = "insyn_booster"
FORMAT_VERSION = 1
BOOSTER_LIBRARIES = ("xgboost", "lightgbm")

BOOSTER_PLACE_MESSAGE = (
    "The model contains the booster {kind} inside {outer}; insyn stores XGBoost and "
    "LightGBM models only on their own or as the last step of a scikit-learn Pipeline "
    "(supported: {supported})."
)
BOOSTER_PARAM_MESSAGE = (
    "The {kind} parameter {name}={value!r} cannot be stored safely: only plain values "
    "(numbers, text, yes/no, lists of these) can, not functions or objects."
)
UNKNOWN_CLASS_MESSAGE = (
    "The stored booster names the class {found!r}, which insyn does not load "
    "(supported: {supported})."
)
MISSING_LIBRARY_MESSAGE = (
    "The model is a {library} model, but {library} is not installed here; "
    "install it with: pip install 'insyn[boosting]'."
)
BAD_BOOSTER_MESSAGE = "The booster file {file} is not a valid {library} model: {reason}"
BAD_META_MESSAGE = "The stored booster description is malformed: {reason}"


def qualified_name(obj: Any) -> str:
    """``module.Class`` of ``obj``'s type."""
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _supported() -> str:
    return ", ".join(name.rsplit(".", 1)[1] for name in BOOSTER_CLASSES)


def is_booster_library_object(obj: Any) -> bool:
    """True for any object from the xgboost or lightgbm packages."""
    return type(obj).__module__.split(".")[0] in BOOSTER_LIBRARIES


def split(model: Any) -> tuple[Any, Any, str | None] | None:
    """``(sklearn_part, booster, step)`` when ``model`` is a supported booster alone
    (``sklearn_part`` None) or a Pipeline ending in one; None for any other model.

    ``model`` itself is not changed: the pipeline part is a shallow copy whose last
    step is ``"passthrough"``.
    """
    from sklearn.pipeline import Pipeline  # noqa: PLC0415 - lazy: scikit-learn takes seconds

    if qualified_name(model) in BOOSTER_CLASSES:
        return None, model, None
    if isinstance(model, Pipeline) and model.steps:
        name, last = model.steps[-1]
        if qualified_name(last) in BOOSTER_CLASSES:
            shell = copy.copy(model)
            shell.steps = [*model.steps[:-1], (name, "passthrough")]
            return shell, last, str(name)
    return None


def check_placement(model: Any) -> None:
    """Raise :class:`InsynError` when an XGBoost/LightGBM object sits anywhere but alone
    or as the last step of a Pipeline (found by walking the model's attributes)."""
    found = _find_booster_objects(model, set(), depth=0)
    if found is not None:
        raise InsynError(
            BOOSTER_PLACE_MESSAGE.format(
                kind=type(found).__name__, outer=type(model).__name__, supported=_supported()
            )
        )


def _find_booster_objects(obj: Any, seen: set[int], depth: int) -> Any:
    if id(obj) in seen or depth > 50:
        return None
    seen.add(id(obj))
    if is_booster_library_object(obj):
        return obj
    if isinstance(obj, dict):
        children: Any = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        children = obj
    elif isinstance(obj, np.ndarray) and obj.dtype == object:
        children = list(obj.ravel())
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("sklearn"):
        children = list(vars(obj).values())
    else:
        return None
    for child in children:
        hit = _find_booster_objects(child, seen, depth + 1)
        if hit is not None:
            return hit
    return None


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _params(booster: Any) -> dict[str, Any]:
    params = {}
    for name, value in booster.get_params(deep=False).items():
        if isinstance(value, np.generic):
            value = value.item()
        if not _plain(value):
            raise InsynError(
                BOOSTER_PARAM_MESSAGE.format(kind=type(booster).__name__, name=name, value=value)
            )
        params[name] = list(value) if isinstance(value, tuple) else value
    return params


def check_params(booster: Any) -> None:
    """Raise :class:`InsynError` when a constructor parameter of ``booster`` is not a
    plain value (a custom objective function, a callback, ...)."""
    _params(booster)


def _json_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def write(booster: Any, folder: Path, step: str | None, sklearn_file: str | None) -> dict[str, Any]:
    """Write ``booster`` into ``folder`` in its library's format; return the flavor
    description :func:`rebuild` reads (plain JSON values only)."""
    library, name, suffix = BOOSTER_CLASSES[qualified_name(booster)]
    file_name = f"booster.{suffix}"
    if library == "xgboost":
        booster.save_model(str(folder / file_name))
    else:
        booster.booster_.save_model(str(folder / file_name))
    meta: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "class": name,
        "library": library,
        "booster": file_name,
        "step": step,
        "sklearn": sklearn_file,
        "params": json.loads(json.dumps(_params(booster))),
    }
    if library == "lightgbm":
        meta["classes"] = (
            [_json_value(c) for c in booster.classes_] if hasattr(booster, "classes_") else None
        )
        meta["objective"] = booster._objective if isinstance(booster._objective, str) else None
        meta["feature_names"] = (
            [str(f) for f in booster.feature_names_in_]
            if booster._fitted_with_feature_names
            else None
        )
    return meta


def _import(library: str) -> Any:
    try:
        return importlib.import_module(library)
    except ImportError as exc:
        raise InsynError(MISSING_LIBRARY_MESSAGE.format(library=library)) from exc


def _class_of(meta: dict[str, Any]) -> tuple[str, Any]:
    wanted = meta.get("class")
    for library, name, _ in BOOSTER_CLASSES.values():
        if name == wanted and meta.get("library") == library:
            return library, getattr(_import(library), name)
    raise InsynError(UNKNOWN_CLASS_MESSAGE.format(found=wanted, supported=_supported()))


def _constructed(cls: Any, meta: dict[str, Any]) -> Any:
    params = meta.get("params") or {}
    if not isinstance(params, dict):
        raise InsynError(BAD_META_MESSAGE.format(reason="params is not a mapping"))
    # Both libraries take extra keyword parameters and pass them to their native
    # configuration as text; plain values only, so no code can come in this way.
    for name, value in params.items():
        if not (isinstance(name, str) and name.isidentifier()) or not _plain(value):
            raise InsynError(
                BOOSTER_PARAM_MESSAGE.format(kind=cls.__name__, name=name, value=value)
            )
    return cls(**params)


def _booster_file(folder: Path, meta: dict[str, Any]) -> Path:
    name = str(meta.get("booster", ""))
    if name not in ("booster.ubj", "booster.txt"):
        raise InsynError(BAD_META_MESSAGE.format(reason=f"unexpected booster file {name!r}"))
    return folder / name


def _lightgbm(lgb: Any, cls: Any, meta: dict[str, Any], path: Path) -> Any:
    from sklearn.preprocessing import LabelEncoder  # noqa: PLC0415 - lazy: as above

    model = _constructed(cls, meta)
    try:
        booster = lgb.Booster(model_str=path.read_text(encoding="utf-8"))
    except (lgb.basic.LightGBMError, UnicodeDecodeError, ValueError) as exc:
        raise InsynError(
            BAD_BOOSTER_MESSAGE.format(file=path.name, library="lightgbm", reason=exc)
        ) from exc
    model._Booster = booster
    model._n_features = model._n_features_in = booster.num_feature()
    names = meta.get("feature_names")
    model._fitted_with_feature_names = names is not None
    if names is not None and [str(n) for n in booster.feature_name()] != list(names):
        raise InsynError(BAD_META_MESSAGE.format(reason="feature names differ from the booster's"))
    model._evals_result = {}
    model._best_iteration = booster.best_iteration
    model._best_score = {}
    objective = meta.get("objective")
    model._objective = objective if isinstance(objective, str) else model.objective
    model._class_weight = None
    classes = meta.get("classes")
    if classes is not None:
        if not isinstance(classes, list) or not all(_plain(c) for c in classes):
            raise InsynError(BAD_META_MESSAGE.format(reason="classes is not a list of values"))
        model._le = LabelEncoder().fit(np.asarray(classes))
        model._classes = model._le.classes_
        model._n_classes = len(model._classes)
        model._class_map = dict(
            zip(model._classes, model._le.transform(model._classes), strict=True)
        )
        expected = 1 if model._n_classes <= 2 else model._n_classes
        if booster.num_model_per_iteration() != expected:
            raise InsynError(BAD_META_MESSAGE.format(reason="classes do not match the booster"))
    model.fitted_ = True
    return model


def _xgboost(xgb: Any, cls: Any, meta: dict[str, Any], path: Path) -> Any:
    model = _constructed(cls, meta)
    try:
        model.load_model(str(path))
    except (xgb.core.XGBoostError, ValueError, TypeError, KeyError) as exc:
        raise InsynError(
            BAD_BOOSTER_MESSAGE.format(file=path.name, library="xgboost", reason=exc)
        ) from exc
    return model


def rebuild(folder: Path, meta: Any, load_sklearn: Any) -> Any:
    """The model described by ``meta`` (the flavor :func:`write` returned) in ``folder``.

    ``load_sklearn(path)`` loads the pipeline part with skops and insyn's allowlist.
    Raises :class:`InsynError` with a plain message for anything unexpected.
    """
    from sklearn.pipeline import Pipeline  # noqa: PLC0415 - lazy: scikit-learn takes seconds

    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        raise InsynError(BAD_META_MESSAGE.format(reason="unknown format"))
    library, cls = _class_of(meta)
    path = _booster_file(folder, meta)
    if not path.is_file():
        raise InsynError(BAD_META_MESSAGE.format(reason=f"{path.name} is missing"))
    module = _import(library)
    booster = (_xgboost if library == "xgboost" else _lightgbm)(module, cls, meta, path)
    step = meta.get("step")
    if step is None:
        return booster
    if meta.get("sklearn") != "model.skops" or not isinstance(step, str):
        raise InsynError(BAD_META_MESSAGE.format(reason="pipeline part is not model.skops"))
    pipeline = load_sklearn(folder / "model.skops")
    if not isinstance(pipeline, Pipeline) or not pipeline.steps:
        raise InsynError(BAD_META_MESSAGE.format(reason="model.skops is not a Pipeline"))
    if tuple(pipeline.steps[-1]) != (step, "passthrough"):
        raise InsynError(BAD_META_MESSAGE.format(reason=f"the last step is not {step!r}"))
    pipeline.steps = [*pipeline.steps[:-1], (step, booster)]
    return pipeline
