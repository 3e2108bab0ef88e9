"""Saving and loading models safely: skops for scikit-learn, the boosters' own formats.

insyn never unpickles. A scikit-learn model is written with MLflow's sklearn
flavor in ``serialization_format="skops"``; an XGBoost or LightGBM model (alone or
as the last step of a Pipeline) is written as its library's data format plus the
rest of the pipeline in skops (:mod:`register.store._boosters`). Everything is read back
with :func:`skops.io.load` and insyn's own allowlist (:data:`TRUSTED_TYPES`), never
the list stored inside the artifact, so a crafted artifact cannot widen what is
trusted; the tree structures are then checked for out-of-range indices
(:mod:`register.store._model_checks`) before anything predicts with them.

skops and scikit-learn are imported only when a model is written or read: they take
seconds to import, and ``import register`` (the portal's first page, the CLI) must
not pay for them.
"""

from __future__ import annotations

import os
import re
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from mlflow.models import Model, infer_signature
from mlflow.utils.environment import _process_pip_requirements, _PythonEnv

from register._errors import InsynError
from register.store import _boosters
from register.store._model_checks import check_structure
from register.store._paths import MODEL_PATH
from register.store._view import StoreView

#: Types beyond skops' defaults that insyn trusts when it loads a model, each
#: reviewed as plain data (no code runs when it is rebuilt, and prediction only
#: reads its arrays):
#:
#: * ``Tree`` / ``TreePredictor``: the compiled trees of scikit-learn's tree
#:   ensembles; their node indices are bounds-checked after loading
#:   (:func:`register.store._model_checks.check_structure`).
#: * ``AdamOptimizer`` / ``SGDOptimizer``: an MLP's optimiser state (learning
#:   rate, moment arrays), used only when training continues, never to predict.
#: * ``functools.partial`` and ``check_array``: HistGradientBoosting with native
#:   categorical features validates its numeric columns with
#:   ``partial(check_array, dtype=..., ensure_all_finite=False)``; skops rebuilds a
#:   partial only around a function that is itself trusted, and ``check_array``
#:   only validates and converts its input.
#: * ``KDTree`` / ``BallTree`` with ``EuclideanDistance64``: the search trees of
#:   k-NN models (data, an index order, node ranges and bounds; the Euclidean
#:   metric's state is two unused arrays and ``p``); bounds-checked after loading.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "functools.partial",
    "sklearn.utils.validation.check_array",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
)

UNTRUSTED_TYPES_MESSAGE = (
    "The model cannot be stored safely: it contains the type(s) {types}, which are "
    "not on insyn's list of trusted types ({trusted}). Use scikit-learn estimators "
    "and transformers, or ask the register's maintainers to review the type."
)
NOT_SKOPS_MESSAGE = (
    "The model at {uri} is not stored in a format insyn loads (found {found!r}); "
    "insyn loads only skops models and XGBoost/LightGBM models in their own formats."
)
SKOPS_FAILED_MESSAGE = "The model cannot be written in skops format: {reason}"
REFUSED_AT_LOAD_MESSAGE = (
    "The model at {uri} was refused: {reason}. It was not loaded and nothing in it was run."
)
LOAD_UNTRUSTED_REASON = "it names type(s) insyn does not trust ({types})"
LOAD_UNREADABLE_REASON = "{file} is not a readable skops file ({error})"
ROUND_TRIP_MESSAGE = (
    "The model does not predict the same after storing and loading it (largest "
    "difference {difference}); it was not registered."
)
SKOPS_FILE = "model.skops"
CONDA_FILE = "conda.yaml"
PYTHON_ENV_FILE = "python_env.yaml"
REQUIREMENTS_FILE = "requirements.txt"


def _checked_payload(obj: Any) -> bytes:
    """``obj`` in skops format (the one serialisation a write makes), refused with
    :class:`InsynError` when it needs a type beyond skops' defaults and
    :data:`TRUSTED_TYPES`."""
    import skops.io  # noqa: PLC0415 - lazy: imports scikit-learn, seconds; see module doc

    try:
        payload = skops.io.dumps(obj)
        untrusted = skops.io.get_untrusted_types(data=payload)
    except Exception as exc:  # skops raises many types for unsupported objects
        raise InsynError(SKOPS_FAILED_MESSAGE.format(reason=exc)) from exc
    extra = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if extra:
        raise InsynError(
            UNTRUSTED_TYPES_MESSAGE.format(types=", ".join(extra), trusted=", ".join(TRUSTED_TYPES))
        )
    return payload


def _checked_parts(model: Any) -> tuple[tuple[Any, Any, str | None] | None, bytes | None]:
    """The booster split of ``model`` (None for plain scikit-learn) and the checked skops
    payload of its scikit-learn part (None when a booster stands alone)."""
    parts = _boosters.split(model)
    if parts is None:
        _boosters.check_placement(model)
        return None, _checked_payload(model)
    shell, booster, _ = parts
    _boosters.check_placement(shell)
    _boosters.check_params(booster)
    return parts, (_checked_payload(shell) if shell is not None else None)


def check_serializable(model: Any) -> None:
    """Raise :class:`InsynError` unless ``model`` can be stored without pickle: a
    scikit-learn model with only :data:`TRUSTED_TYPES` beyond skops' defaults, or a
    supported booster alone or ending a Pipeline whose other steps satisfy that.

    To check and store, call :func:`write_model` instead: it checks the very bytes it
    writes, so the model is serialised once."""
    _checked_parts(model)


def pip_requirements(model: Any = None) -> list[str]:
    """The packages a loaded model needs, pinned to the versions that saved it.

    Given explicitly so MLflow does not spend seconds inferring them.
    """
    names = ["scikit-learn", "skops", "numpy", "pandas"]
    parts = _boosters.split(model) if model is not None else None
    if parts is not None:
        library = _boosters.BOOSTER_CLASSES[_boosters.qualified_name(parts[1])][0]
        names.append(library)
        if library == "xgboost":
            try:
                version("xgboost")
            except PackageNotFoundError:
                names[-1] = "xgboost-cpu"
    return [f"{name}=={version(name)}" for name in names]


def _predictions(model: Any, rows: Any) -> np.ndarray:
    method = model.predict_proba if hasattr(model, "predict_proba") else model.predict
    return np.asarray(method(rows))


def signature_for(reference: Any) -> Any:
    """MLflow's signature of a model that takes ``reference``'s columns with their types
    (stored in the model folder's MLmodel file; no rows are stored)."""
    return infer_signature(reference.head(0).astype(reference.dtypes.to_dict()))


def save_model(
    model: Any, path: Path, *, signature: Any = None, rows: Any = None, checked: bool = False
) -> None:
    """Write ``model`` as an MLflow model directory at ``path`` (never pickled).

    A scikit-learn model gets MLflow's sklearn flavor (skops) and loads with
    ``mlflow.pyfunc.load_model``; a booster model gets the ``insyn_booster`` flavor
    and a pyfunc entry served by this module. With ``rows`` the directory is read
    back with :func:`load_model` and must predict exactly as ``model`` on them,
    else :class:`InsynError`. The model is serialised once: the checks of
    :func:`check_serializable` run on the bytes that are written, so ``checked`` (kept
    for callers that pass it) changes nothing.
    """
    del checked
    write_model(model, path, signature=signature)
    if rows is not None and len(rows):
        verify_model(model, path, rows)


def write_model(model: Any, path: Path, *, signature: Any = None) -> None:
    """Check ``model`` (as :func:`check_serializable`) and write it at ``path`` as an
    MLflow model directory, serialising it exactly once; raises :class:`InsynError`
    (nothing usable written) when it cannot be stored without pickle."""
    parts, payload = _checked_parts(model)
    if parts is None:
        assert payload is not None
        _save_sklearn(model, payload, Path(path), signature)
    else:
        _save_booster(model, parts, payload, Path(path), signature)


def verify_model(model: Any, path: Path, rows: Any) -> Any:
    """Load the model directory ``path`` with :func:`load_model` (the reader citizens'
    requests use) and raise :class:`InsynError` unless it predicts exactly as ``model``
    on ``rows``: what is stored is what was given. Returns the loaded model."""
    loaded = load_model(Path(path))
    before, after = _predictions(model, rows), _predictions(loaded, rows)
    if before.shape != after.shape or not np.array_equal(before, after, equal_nan=True):
        difference = (
            float(np.nanmax(np.abs(before.astype(float) - after.astype(float))))
            if before.shape == after.shape and before.dtype.kind in "fiub"
            else "shapes or labels differ"
        )
        raise InsynError(ROUND_TRIP_MESSAGE.format(difference=difference))
    return loaded


def model_key(run_id: str) -> tuple[str, ...]:
    """The :class:`StoreView` cache key of the loaded model of run ``run_id``."""
    return ("model", run_id)


def stored_model(view: StoreView, run_id: str, *, uri: str = "") -> Any:
    """The model stored in run ``run_id``, loaded with :func:`load_model` once per view
    (a run's files never change); ``uri`` names it in refusals."""

    def download() -> Any:
        with tempfile.TemporaryDirectory() as tmp:
            local = view.store.download_artifacts(run_id, MODEL_PATH, Path(tmp))
            return load_model(local, uri=uri)

    return view.cached(model_key(run_id), download)


def _write_environment(path: Path, requirements: list[str]) -> None:
    """conda.yaml, python_env.yaml and requirements.txt as MLflow's sklearn flavor writes
    them for explicitly given requirements."""
    conda_env, pinned, _ = _process_pip_requirements(None, requirements)
    with open(path / CONDA_FILE, "w", encoding="utf-8") as handle:
        yaml.safe_dump(conda_env, stream=handle, default_flow_style=False)
    (path / REQUIREMENTS_FILE).write_text("\n".join(pinned), encoding="utf-8")
    _PythonEnv.current().to_yaml(str(path / PYTHON_ENV_FILE))


def _save_sklearn(model: Any, payload: bytes, path: Path, signature: Any) -> None:
    """The folder ``mlflow.sklearn.save_model(serialization_format="skops")`` writes (same
    files, same MLmodel flavors), from the payload already checked: MLflow would dump and
    load the model once more."""
    import sklearn  # noqa: PLC0415 - lazy: seconds to import; see module doc
    from mlflow.pyfunc import add_to_model  # noqa: PLC0415 - lazy: only writing needs pyfunc

    path.mkdir(parents=True, exist_ok=False)
    (path / SKOPS_FILE).write_bytes(payload)
    mlmodel = Model(signature=signature)
    add_to_model(
        mlmodel,
        loader_module="mlflow.sklearn",
        model_path=SKOPS_FILE,
        conda_env=CONDA_FILE,
        python_env=PYTHON_ENV_FILE,
        code=None,
        predict_fn="predict_proba" if hasattr(model, "predict_proba") else "predict",
    )
    mlmodel.add_flavor(
        "sklearn",
        pickled_model=SKOPS_FILE,
        sklearn_version=sklearn.__version__,
        serialization_format="skops",
        code=None,
        skops_trusted_types=list(TRUSTED_TYPES),
    )
    mlmodel.model_size_bytes = len(payload)
    mlmodel.save(str(path / "MLmodel"))
    _write_environment(path, pip_requirements())


def _save_booster(
    model: Any,
    parts: tuple[Any, Any, str | None],
    payload: bytes | None,
    path: Path,
    sig: Any,
) -> None:
    from mlflow.pyfunc import add_to_model  # noqa: PLC0415 - lazy: only writing needs pyfunc

    _, booster, step = parts
    path.mkdir(parents=True, exist_ok=False)
    if payload is not None:
        (path / SKOPS_FILE).write_bytes(payload)
    meta = _boosters.write(booster, path, step, SKOPS_FILE if payload is not None else None)
    meta["predict_fn"] = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    mlmodel = Model(signature=sig)
    mlmodel.add_flavor(_boosters.FLAVOR, **meta)
    add_to_model(mlmodel, loader_module="register.store._model_io", data=".")
    mlmodel.save(str(path / "MLmodel"))
    requirements = pip_requirements(model)
    (path / REQUIREMENTS_FILE).write_text("\n".join(requirements) + "\n", encoding="utf-8")


def untrusted_names(exc: BaseException) -> str:
    """The type names in skops' ``UntrustedTypesFoundException`` message, comma-separated."""
    first = str(exc).splitlines()[0] if str(exc) else ""
    found = re.findall(r"'([^']+)'", first)
    return ", ".join(found) or first


def load_skops_file(file: Path) -> Any:
    """A bare ``.skops`` file (a data scientist's own model file) read with insyn's
    allowlist and bounds checks, exactly as a stored model; refusals are InsynError."""
    model = _load_skops(Path(file), str(file))
    try:
        check_structure(model)
    except InsynError as exc:
        reason = str(exc).rstrip(".")
        raise InsynError(REFUSED_AT_LOAD_MESSAGE.format(uri=file, reason=reason)) from exc
    return model


def _load_skops(file: Path, uri: str) -> Any:
    import skops.io  # noqa: PLC0415 - lazy: imports scikit-learn, seconds; see module doc
    from skops.io.exceptions import UntrustedTypesFoundException  # noqa: PLC0415 - lazy: as above

    try:
        untrusted = skops.io.get_untrusted_types(file=file)
        extra = sorted(set(untrusted) - set(TRUSTED_TYPES))
        if extra:
            reason = LOAD_UNTRUSTED_REASON.format(types=", ".join(extra))
            raise InsynError(REFUSED_AT_LOAD_MESSAGE.format(uri=uri, reason=reason))
        return skops.io.load(file, trusted=list(TRUSTED_TYPES))
    except InsynError:
        raise
    except UntrustedTypesFoundException as exc:
        reason = LOAD_UNTRUSTED_REASON.format(types=untrusted_names(exc))
        raise InsynError(REFUSED_AT_LOAD_MESSAGE.format(uri=uri, reason=reason)) from exc
    except Exception as exc:  # not a zip, no schema, malformed schema, ...
        reason = LOAD_UNREADABLE_REASON.format(file=file.name, error=f"{type(exc).__name__}")
        raise InsynError(REFUSED_AT_LOAD_MESSAGE.format(uri=uri, reason=reason)) from exc


def load_model(path: Path, *, uri: str = "") -> Any:
    """Load the model in MLflow model directory ``path`` with insyn's allowlist.

    Guarantees that nothing outside skops' defaults and :data:`TRUSTED_TYPES` is
    instantiated and nothing is unpickled, whatever the artifact's own MLmodel file
    says; boosters are read by their library's model parser; tree structures are
    bounds-checked. Anything else is refused with :class:`InsynError`.
    """
    folder = Path(path)
    where = uri or str(folder)
    try:
        with open(folder / "MLmodel", encoding="utf-8") as handle:
            conf = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as exc:
        reason = f"its MLmodel file cannot be read ({type(exc).__name__})"
        raise InsynError(REFUSED_AT_LOAD_MESSAGE.format(uri=where, reason=reason)) from exc
    flavors = conf.get("flavors") if isinstance(conf, dict) else None
    flavors = flavors if isinstance(flavors, dict) else {}
    if _boosters.FLAVOR in flavors:
        try:
            model = _boosters.rebuild(
                folder, flavors[_boosters.FLAVOR], lambda file: _load_skops(file, where)
            )
        except InsynError as exc:
            if str(exc).startswith("The model at "):
                raise
            reason = str(exc).rstrip(".")
            raise InsynError(REFUSED_AT_LOAD_MESSAGE.format(uri=where, reason=reason)) from exc
    else:
        flavor = flavors.get("sklearn") or {}
        found = flavor.get("serialization_format") if isinstance(flavor, dict) else None
        if found != "skops":
            raise InsynError(NOT_SKOPS_MESSAGE.format(uri=where, found=found))
        name = os.path.basename(str(flavor.get("pickled_model", SKOPS_FILE)))
        model = _load_skops(folder / name, where)
    try:
        check_structure(model)
    except InsynError as exc:
        reason = str(exc).rstrip(".")
        raise InsynError(REFUSED_AT_LOAD_MESSAGE.format(uri=where, reason=reason)) from exc
    return model


class _PyfuncModel:
    """What ``mlflow.pyfunc.load_model`` returns for a booster model: ``predict`` gives
    ``predict_proba`` for classifiers (as insyn's sklearn models do) else ``predict``."""

    def __init__(self, model: Any, method: str) -> None:
        self._model = model
        self._method = method if method in ("predict", "predict_proba") else "predict"

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return getattr(self._model, self._method)(data)

    def get_raw_model(self) -> Any:
        return self._model


def _load_pyfunc(path: str) -> _PyfuncModel:
    """MLflow's pyfunc entry point for booster models: insyn's safe loader."""
    folder = Path(path)
    folder = folder if (folder / "MLmodel").exists() else folder.parent
    with open(folder / "MLmodel", encoding="utf-8") as handle:
        conf = yaml.safe_load(handle) or {}
    method = str(conf.get("flavors", {}).get(_boosters.FLAVOR, {}).get("predict_fn", "predict"))
    return _PyfuncModel(load_model(folder), method)


def round_trip(
    model: Any, rows: Any, *, signature: Any = None, checked: bool = False
) -> tempfile.TemporaryDirectory[str]:
    """Save ``model`` into a new temporary directory (``.name`` + ``/model``), verified
    against ``rows``; the caller cleans it up."""
    holder = tempfile.TemporaryDirectory(prefix="insyn-model-")
    try:
        save_model(
            model, Path(holder.name) / "model", signature=signature, rows=rows, checked=checked
        )
    except BaseException:
        holder.cleanup()
        raise
    return holder
