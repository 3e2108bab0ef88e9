"""Saving and loading models safely: MLflow's sklearn flavor in skops format.

insyn never unpickles. A model is written with ``serialization_format="skops"``
and read back with :func:`skops.io.load` using insyn's own allowlist of trusted
types (:data:`TRUSTED_TYPES`), never the list stored inside the model artifact,
so a crafted artifact cannot widen what is trusted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from register._errors import InsynError

#: Types beyond skops' defaults that insyn trusts when it loads a model.
#: They are the compiled tree structures of scikit-learn's tree ensembles.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)

UNTRUSTED_TYPES_MESSAGE = (
    "The model cannot be stored safely: it contains the type(s) {types}, which are "
    "not on insyn's list of trusted types ({trusted}). Use scikit-learn estimators "
    "and transformers, or ask the register's maintainers to review the type."
)
NOT_SKOPS_MESSAGE = (
    "The model at {uri} is not stored in MLflow's skops format (found {found!r}); "
    "insyn loads only skops models."
)
SKOPS_FAILED_MESSAGE = "The model cannot be written in skops format: {reason}"


def check_serializable(model: Any) -> None:
    """Raise :class:`InsynError` unless ``model`` round-trips through skops with
    only :data:`TRUSTED_TYPES` beyond skops' defaults."""
    import skops.io

    try:
        payload = skops.io.dumps(model)
        untrusted = skops.io.get_untrusted_types(data=payload)
    except Exception as exc:  # skops raises many types for unsupported objects
        raise InsynError(SKOPS_FAILED_MESSAGE.format(reason=exc)) from exc
    extra = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if extra:
        raise InsynError(
            UNTRUSTED_TYPES_MESSAGE.format(types=", ".join(extra), trusted=", ".join(TRUSTED_TYPES))
        )


def pip_requirements() -> list[str]:
    """The packages a loaded model needs, pinned to the versions that saved it.

    Given explicitly so MLflow does not spend seconds inferring them.
    """
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in ("scikit-learn", "skops", "numpy", "pandas")]


def save_model(model: Any, path: Path, *, signature: Any = None) -> None:
    """Write ``model`` as an MLflow sklearn model directory at ``path`` (skops format).

    The directory opens in the MLflow UI and loads with ``mlflow.pyfunc.load_model``.
    """
    import mlflow.sklearn

    check_serializable(model)
    mlflow.sklearn.save_model(
        model,
        str(path),
        serialization_format="skops",
        skops_trusted_types=list(TRUSTED_TYPES),
        signature=signature,
        pip_requirements=pip_requirements(),
        pyfunc_predict_fn="predict_proba" if hasattr(model, "predict_proba") else "predict",
    )


def load_model(path: Path, *, uri: str = "") -> Any:
    """Load the model in MLflow model directory ``path`` with insyn's allowlist.

    Guarantees that nothing outside skops' defaults and :data:`TRUSTED_TYPES` is
    instantiated, whatever the artifact's own MLmodel file says.
    """
    import skops.io

    with open(Path(path) / "MLmodel", encoding="utf-8") as handle:
        conf = yaml.safe_load(handle) or {}
    flavor = (conf.get("flavors") or {}).get("sklearn") or {}
    found = flavor.get("serialization_format")
    if found != "skops":
        raise InsynError(NOT_SKOPS_MESSAGE.format(uri=uri or path, found=found))
    model_file = Path(path) / os.path.basename(str(flavor.get("pickled_model", "model.skops")))
    return skops.io.load(model_file, trusted=list(TRUSTED_TYPES))
