"""Storing and loading every model family without pickle, and refusing crafted artifacts.

Each family is written with :func:`register.save_model` and read back with
:func:`register.load_model` (what the register and the portal use): predictions
must be identical. Crafted artifacts carry payloads that would create a file if
anything in them ran; the tests show that they are refused and the file is absent.
"""

from __future__ import annotations

import functools
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import skops.io
import xgboost as xgb
import yaml
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from register import InsynError, load_model, save_model
from register.lifecycle._families import (
    UNSUPPORTED_MESSAGE,
    WHY_BOOSTER_CLASS,
    WHY_MULTI_OUTPUT,
    WHY_NOT_A_TASK,
    check_supported,
)
from register.store._boosters import (
    BAD_BOOSTER_MESSAGE,
    BOOSTER_PARAM_MESSAGE,
    BOOSTER_PLACE_MESSAGE,
    UNKNOWN_CLASS_MESSAGE,
)
from register.store._model_checks import BAD_TREE_MESSAGE
from register.store._model_io import (
    LOAD_UNTRUSTED_REASON,
    NOT_SKOPS_MESSAGE,
    REFUSED_AT_LOAD_MESSAGE,
    check_serializable,
)

RNG = np.random.default_rng(0)
N = 240


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame(RNG.normal(size=(N, 4)), columns=["age", "income", "debt", "tenure"])
    frame["municipality"] = RNG.choice(["north", "south", "east"], size=N)
    return frame


FRAME = _frame()
NUMERIC = ["age", "income", "debt", "tenure"]
X = FRAME[NUMERIC]
BINARY = (X["age"] + RNG.normal(size=N) > 0).astype(int)
LABELS = np.where(BINARY == 1, "granted", "refused")
THREE = np.digitize(X["income"] + RNG.normal(size=N), [-0.5, 0.5])
TARGET = X["debt"] * 3.0 + RNG.normal(size=N)
WITH_NAN = X.mask(RNG.random(X.shape) < 0.1)


def _families() -> dict[str, Callable[[], tuple[Any, pd.DataFrame]]]:
    lgb_args = {"n_estimators": 8, "verbose": -1}
    return {
        "random-forest": lambda: (RandomForestClassifier(8, random_state=0).fit(X, BINARY), X),
        "random-forest-regressor": lambda: (RandomForestRegressor(8).fit(X, TARGET), X),
        "extra-trees": lambda: (ExtraTreesClassifier(8, random_state=0).fit(X, THREE), X),
        "decision-tree": lambda: (DecisionTreeClassifier(max_depth=4).fit(X, LABELS), X),
        "gradient-boosting": lambda: (GradientBoostingClassifier(n_estimators=8).fit(X, BINARY), X),
        "gradient-boosting-multiclass": lambda: (
            GradientBoostingClassifier(n_estimators=8).fit(X, THREE),
            X,
        ),
        "gradient-boosting-regressor": lambda: (
            GradientBoostingRegressor(n_estimators=8, loss="huber").fit(X, TARGET),
            X,
        ),
        "hist-gradient-boosting-nan": lambda: (
            HistGradientBoostingClassifier(max_iter=8).fit(WITH_NAN, BINARY),
            WITH_NAN,
        ),
        "hist-gradient-boosting-categorical": lambda: (
            HistGradientBoostingClassifier(max_iter=8, categorical_features=["municipality"]).fit(
                FRAME.assign(
                    municipality=FRAME["municipality"].map({"north": 0, "south": 1, "east": 2})
                ),
                THREE,
            ),
            FRAME.assign(
                municipality=FRAME["municipality"].map({"north": 0, "south": 1, "east": 2})
            ),
        ),
        "hist-gradient-boosting-regressor": lambda: (
            HistGradientBoostingRegressor(max_iter=8).fit(X, TARGET),
            X,
        ),
        "xgboost": lambda: (xgb.XGBClassifier(n_estimators=8).fit(X, BINARY), X),
        "xgboost-random-forest": lambda: (xgb.XGBRFClassifier(n_estimators=8).fit(X, BINARY), X),
        "xgboost-multiclass": lambda: (xgb.XGBClassifier(n_estimators=8).fit(X, THREE), X),
        "xgboost-regressor-nan": lambda: (
            xgb.XGBRegressor(n_estimators=8).fit(WITH_NAN, TARGET),
            WITH_NAN,
        ),
        "lightgbm-text-labels": lambda: (lgb.LGBMClassifier(**lgb_args).fit(X, LABELS), X),
        "lightgbm-multiclass": lambda: (lgb.LGBMClassifier(**lgb_args).fit(X, THREE), X),
        "lightgbm-regressor": lambda: (lgb.LGBMRegressor(**lgb_args).fit(X, TARGET), X),
        "logistic-regression": lambda: (LogisticRegression().fit(X, BINARY), X),
        "ridge": lambda: (Ridge().fit(X, TARGET), X),
        "mlp-adam": lambda: (MLPClassifier(max_iter=30, random_state=0).fit(X, BINARY), X),
        "mlp-sgd": lambda: (
            MLPClassifier(solver="sgd", max_iter=30, random_state=0).fit(X, BINARY),
            X,
        ),
        "mlp-regressor": lambda: (MLPRegressor(max_iter=30, random_state=0).fit(X, TARGET), X),
        "svc": lambda: (SVC(probability=True, random_state=0).fit(X, BINARY), X),
        "k-nn-brute": lambda: (KNeighborsClassifier(algorithm="brute").fit(X, BINARY), X),
        "k-nn-kd-tree": lambda: (KNeighborsClassifier().fit(X, BINARY), X),
        "k-nn-ball-tree": lambda: (
            KNeighborsClassifier(algorithm="ball_tree", leaf_size=5).fit(X, THREE),
            X,
        ),
    }


FAMILIES = _families()


def _outputs(model: Any, rows: pd.DataFrame) -> list[np.ndarray]:
    found = [np.asarray(model.predict(rows))]
    if hasattr(model, "predict_proba"):
        found.append(np.asarray(model.predict_proba(rows)))
    return found


def _assert_same(model: Any, loaded: Any, rows: pd.DataFrame) -> None:
    for before, after in zip(_outputs(model, rows), _outputs(loaded, rows), strict=True):
        assert before.dtype.kind == after.dtype.kind
        np.testing.assert_array_equal(before, after)


def _pipeline(model: Any, rows: pd.DataFrame) -> Pipeline:
    """The same estimator type behind preprocessing: scaled numbers, one-hot text."""
    from sklearn.base import clone

    frame = rows.assign(region=FRAME["municipality"])
    numbers = [c for c in rows.columns]
    prep = ColumnTransformer(
        [
            ("numbers", StandardScaler(), numbers),
            ("region", OneHotEncoder(handle_unknown="ignore"), ["region"]),
        ]
    )
    y = _target_of(model)
    return make_pipeline(prep, clone(model)).fit(frame, y)


def _target_of(model: Any) -> Any:
    classes = getattr(model, "classes_", None)
    if classes is None:
        return TARGET
    if len(classes) == 3:
        return THREE
    return LABELS if isinstance(classes[0], str) else BINARY


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_round_trips_alone(tmp_path, family):
    model, rows = FAMILIES[family]()
    check_supported(model)
    save_model(model, tmp_path / "model", rows=rows)
    _assert_same(model, load_model(tmp_path / "model"), rows)


@pytest.mark.parametrize(
    "family",
    [f for f in sorted(FAMILIES) if "categorical" not in f and "nan" not in f],
)
def test_every_family_round_trips_as_the_last_step_of_a_pipeline(tmp_path, family):
    model, rows = FAMILIES[family]()
    pipeline = _pipeline(model, rows)
    frame = rows.assign(region=FRAME["municipality"])
    save_model(pipeline, tmp_path / "model", rows=frame)
    loaded = load_model(tmp_path / "model")
    assert isinstance(loaded, Pipeline)
    assert type(loaded.steps[-1][1]) is type(model)
    _assert_same(pipeline, loaded, frame)
    # The pipeline the data scientist passed in is left as it was.
    assert pipeline.steps[-1][1] is not None and pipeline.steps[-1][1] != "passthrough"


@pytest.mark.parametrize("family", ["xgboost", "lightgbm-text-labels", "random-forest"])
def test_stored_models_load_through_mlflow_pyfunc(tmp_path, monkeypatch, family):
    import mlflow.pyfunc

    model, rows = FAMILIES[family]()
    save_model(model, tmp_path / "model")
    # Only the sklearn flavor asks for this flag; the booster flavor loads through insyn.
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
    served = mlflow.pyfunc.load_model(str(tmp_path / "model"))
    np.testing.assert_array_equal(np.asarray(served.predict(rows)), model.predict_proba(rows))


def test_booster_files_are_the_libraries_own_formats(tmp_path):
    model, rows = FAMILIES["xgboost"]()
    save_model(make_pipeline(StandardScaler(), model).fit(rows, BINARY), tmp_path / "xgb")
    assert sorted(p.name for p in (tmp_path / "xgb").iterdir()) == [
        "MLmodel",
        "booster.ubj",
        "model.skops",
        "requirements.txt",
    ]
    reread = xgb.XGBClassifier()
    reread.load_model(tmp_path / "xgb" / "booster.ubj")  # the library reads it on its own
    lgbm, _ = FAMILIES["lightgbm-regressor"]()
    save_model(lgbm, tmp_path / "lgb")
    text = (tmp_path / "lgb" / "booster.txt").read_text(encoding="utf-8")
    assert text.startswith("tree\n")
    np.testing.assert_array_equal(lgb.Booster(model_str=text).predict(rows), lgbm.predict(rows))


# -- refused before anything is stored -----------------------------------------------
def test_unsupported_families_name_the_type_and_what_is_supported():
    from sklearn.cluster import KMeans

    cases = [
        (KMeans(2, n_init=1).fit(X), "KMeans", WHY_NOT_A_TASK),
        (xgb.XGBClassifier(n_estimators=2).fit(X, BINARY).get_booster(), "Booster", None),
        (RandomForestRegressor(3).fit(X, np.c_[TARGET, TARGET]), "RandomForestRegressor", None),
    ]
    whys = [WHY_NOT_A_TASK, WHY_BOOSTER_CLASS, WHY_MULTI_OUTPUT]
    for (model, kind, _), why in zip(cases, whys, strict=True):
        with pytest.raises(InsynError) as info:
            check_supported(model)
        start = UNSUPPORTED_MESSAGE.split("{why}")[0].format(kind=kind)
        assert str(info.value).startswith(start)
        assert why in str(info.value)
        assert "XGBClassifier" in str(info.value) and "HistGradientBoosting" in str(info.value)


def test_a_booster_anywhere_but_last_is_refused():
    from sklearn.calibration import CalibratedClassifierCV

    wrapped = CalibratedClassifierCV(xgb.XGBClassifier(n_estimators=4), cv=2).fit(X, BINARY)
    with pytest.raises(InsynError) as info:
        check_serializable(wrapped)
    assert str(info.value).startswith(
        BOOSTER_PLACE_MESSAGE.split("{supported}")[0].format(
            kind="XGBClassifier", outer="CalibratedClassifierCV"
        )
    )


def test_a_custom_objective_is_refused():
    def objective(y_true, y_pred):  # type: ignore[no-untyped-def]
        return y_pred - y_true, np.ones_like(y_pred)

    model = xgb.XGBRegressor(n_estimators=2, objective=objective).fit(X, TARGET)
    with pytest.raises(InsynError) as info:
        check_serializable(model)
    assert str(info.value).startswith(
        BOOSTER_PARAM_MESSAGE.split("{value")[0].format(kind="XGBRegressor", name="objective")
    )


# -- crafted artifacts: refused at load, nothing runs ------------------------------
class _Payload:
    """Creates ``marker`` when unpickled (``__reduce__``) or rebuilt (``__setstate__``)."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (Path(self.marker),))

    def __getstate__(self):  # type: ignore[no-untyped-def]
        return {"marker": self.marker}

    def __setstate__(self, state):  # type: ignore[no-untyped-def]
        Path(state["marker"]).touch()
        self.__dict__.update(state)


@pytest.fixture()
def stored_forest(tmp_path) -> Path:
    model, rows = FAMILIES["random-forest"]()
    save_model(model, tmp_path / "model", rows=rows)
    return tmp_path / "model"


@pytest.fixture()
def stored_booster(tmp_path) -> Path:
    pipeline = make_pipeline(StandardScaler(), xgb.XGBClassifier(n_estimators=4)).fit(X, BINARY)
    save_model(pipeline, tmp_path / "booster", rows=X)
    return tmp_path / "booster"


def _refused(path: Path) -> str:
    with pytest.raises(InsynError) as info:
        load_model(path, uri="models:/crafted/1")
    message = str(info.value)
    assert message.startswith(
        REFUSED_AT_LOAD_MESSAGE.split("{reason}")[0].format(uri="models:/crafted/1")
    )
    assert message.endswith("It was not loaded and nothing in it was run.")
    return message


def test_a_pickle_renamed_as_the_model_file_is_refused(stored_forest, tmp_path):
    marker = tmp_path / "pickle-ran"
    (stored_forest / "model.skops").write_bytes(pickle.dumps(_Payload(marker)))
    assert "not a readable skops file" in _refused(stored_forest)
    assert not marker.exists()
    pickle.loads((stored_forest / "model.skops").read_bytes())  # the payload is live:
    assert marker.exists()  # had insyn unpickled it, the file would be there


def test_an_mlmodel_claiming_pickle_is_refused(stored_forest):
    conf = yaml.safe_load((stored_forest / "MLmodel").read_text(encoding="utf-8"))
    conf["flavors"]["sklearn"]["serialization_format"] = "cloudpickle"
    (stored_forest / "MLmodel").write_text(yaml.safe_dump(conf), encoding="utf-8")
    with pytest.raises(InsynError) as info:
        load_model(stored_forest, uri="models:/crafted/1")
    assert str(info.value) == NOT_SKOPS_MESSAGE.format(uri="models:/crafted/1", found="cloudpickle")


def test_a_skops_file_naming_a_custom_class_is_refused_even_if_mlmodel_trusts_it(
    stored_forest, tmp_path
):
    marker = tmp_path / "setstate-ran"
    scaler = StandardScaler().fit(X)
    scaler.payload = _Payload(marker)  # type: ignore[attr-defined]
    marker.unlink(missing_ok=True)
    skops.io.dump(scaler, stored_forest / "model.skops")
    name = f"{_Payload.__module__}._Payload"
    conf = yaml.safe_load((stored_forest / "MLmodel").read_text(encoding="utf-8"))
    conf["flavors"]["sklearn"]["skops_trusted_types"] = [name]  # the artifact's own list
    (stored_forest / "MLmodel").write_text(yaml.safe_dump(conf), encoding="utf-8")
    message = _refused(stored_forest)
    assert LOAD_UNTRUSTED_REASON.format(types=name) in message
    assert not marker.exists()
    skops.io.load(stored_forest / "model.skops", trusted=[name])  # trusted, it would run
    assert marker.exists()


def test_a_skops_file_calling_os_system_is_refused(stored_forest, tmp_path):
    marker = tmp_path / "system-ran"
    command = functools.partial(os.system, f"touch {marker}")
    evil = make_pipeline(FunctionTransformer(lambda rows: rows), StandardScaler())
    evil.steps[0][1].func = command
    skops.io.dump(evil, stored_forest / "model.skops")
    message = _refused(stored_forest)
    assert "system" in message  # posix.system is named, functools.partial does not widen it
    assert not marker.exists()


@pytest.mark.parametrize(
    "content",
    [b"this is not a model", pickle.dumps(_Payload(Path("/tmp/insyn-never")))],
    ids=["garbage", "pickle"],
)
def test_an_invalid_xgboost_booster_file_is_refused(stored_booster, content):
    Path("/tmp/insyn-never").unlink(missing_ok=True)
    (stored_booster / "booster.ubj").write_bytes(content)
    message = _refused(stored_booster)
    assert BAD_BOOSTER_MESSAGE.split(":")[0].format(file="booster.ubj", library="xgboost") in (
        message
    )
    assert not Path("/tmp/insyn-never").exists()


def test_an_invalid_lightgbm_booster_file_is_refused(tmp_path):
    model, rows = FAMILIES["lightgbm-regressor"]()
    save_model(model, tmp_path / "model", rows=rows)
    (tmp_path / "model" / "booster.txt").write_text("tree\nversion=v4\nnot a tree", "utf-8")
    message = _refused(tmp_path / "model")
    assert "is not a valid lightgbm model" in message


def test_a_booster_flavor_naming_another_class_is_refused(stored_booster):
    conf = yaml.safe_load((stored_booster / "MLmodel").read_text(encoding="utf-8"))
    conf["flavors"]["insyn_booster"]["class"] = "Popen"
    conf["flavors"]["insyn_booster"]["library"] = "subprocess"
    (stored_booster / "MLmodel").write_text(yaml.safe_dump(conf), encoding="utf-8")
    message = _refused(stored_booster)
    assert UNKNOWN_CLASS_MESSAGE.split("(")[0].format(found="Popen") in message


def test_a_pipeline_part_with_an_untrusted_type_is_refused(stored_booster, tmp_path):
    marker = tmp_path / "pipeline-ran"
    shell = make_pipeline(StandardScaler().fit(X), "passthrough")
    shell.steps[0][1].payload = _Payload(marker)  # type: ignore[attr-defined]
    marker.unlink(missing_ok=True)
    skops.io.dump(shell, stored_booster / "model.skops")
    assert "_Payload" in _refused(stored_booster)
    assert not marker.exists()


# -- tree structures with indices out of range -------------------------------------
def test_a_tree_with_a_child_out_of_range_is_refused_before_predicting(stored_forest):
    model = skops.io.load(stored_forest / "model.skops", trusted=["sklearn.tree._tree.Tree"])
    tree = model.estimators_[0].tree_
    state = tree.__getstate__()
    state["nodes"]["left_child"][0] = 10**6
    tree.__setstate__(state)
    skops.io.dump(model, stored_forest / "model.skops")
    message = _refused(stored_forest)
    assert BAD_TREE_MESSAGE.format(problem="a child index out of range") in message


def test_a_tree_pointing_backwards_is_refused(stored_forest):
    model = skops.io.load(stored_forest / "model.skops", trusted=["sklearn.tree._tree.Tree"])
    tree = model.estimators_[1].tree_
    state = tree.__getstate__()
    inner = int(np.flatnonzero(state["nodes"]["left_child"] != -1)[-1])
    state["nodes"]["right_child"][inner] = 0  # a cycle back to the root
    tree.__setstate__(state)
    skops.io.dump(model, stored_forest / "model.skops")
    assert "a child index out of range" in _refused(stored_forest)


def test_a_hist_gradient_boosting_feature_out_of_range_is_refused(tmp_path):
    model, rows = FAMILIES["hist-gradient-boosting-nan"]()
    save_model(model, tmp_path / "model", rows=rows)
    trusted = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]
    loaded = skops.io.load(tmp_path / "model" / "model.skops", trusted=trusted)
    nodes = loaded._predictors[0][0].nodes
    nodes["feature_idx"][np.flatnonzero(nodes["is_leaf"] == 0)[0]] = 999
    skops.io.dump(loaded, tmp_path / "model" / "model.skops")
    assert "a feature index out of range" in _refused(tmp_path / "model")


@pytest.mark.parametrize(
    ("position", "problem"),
    [(1, "a neighbour index out of range"), (2, "a neighbour node out of range")],
)
def test_a_k_nn_search_tree_out_of_range_is_refused(tmp_path, position, problem):
    model, rows = FAMILIES["k-nn-kd-tree"]()
    save_model(model, tmp_path / "model", rows=rows)
    trusted = [
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
    ]
    loaded = skops.io.load(tmp_path / "model" / "model.skops", trusted=trusted)
    state = list(loaded._tree.__getstate__())
    state[position] = state[position].copy()
    if position == 1:
        state[1][0] = 10**6
    else:
        state[2]["idx_end"][0] = 10**6
    loaded._tree.__setstate__(tuple(state))
    skops.io.dump(loaded, tmp_path / "model" / "model.skops")
    assert problem in _refused(tmp_path / "model")


def test_a_stored_directory_can_be_copied_and_still_loads(stored_booster, tmp_path):
    copy = tmp_path / "copied"
    shutil.copytree(stored_booster, copy)
    model = load_model(copy)
    assert isinstance(model, Pipeline)


def test_a_scikit_learn_folder_is_the_one_mlflow_writes(tmp_path):
    """insyn writes the sklearn flavor itself (to serialise once): same files, same
    MLmodel apart from its id and time, so MLflow and older insyn releases read it."""
    import mlflow.sklearn
    import yaml

    from register import TRUSTED_TYPES
    from register.store._model_io import pip_requirements, signature_for

    model, rows = FAMILIES["random-forest"]()
    save_model(model, tmp_path / "insyn", signature=signature_for(rows))
    mlflow.sklearn.save_model(
        model,
        str(tmp_path / "mlflow"),
        serialization_format="skops",
        skops_trusted_types=list(TRUSTED_TYPES),
        signature=signature_for(rows),
        pip_requirements=pip_requirements(),
        pyfunc_predict_fn="predict_proba",
    )
    files = sorted(p.name for p in (tmp_path / "mlflow").iterdir())
    assert sorted(p.name for p in (tmp_path / "insyn").iterdir()) == files
    for name in ("conda.yaml", "python_env.yaml", "requirements.txt"):
        assert (tmp_path / "insyn" / name).read_text() == (tmp_path / "mlflow" / name).read_text()
    ours, theirs = (
        {
            k: v
            for k, v in yaml.safe_load((tmp_path / where / "MLmodel").read_text()).items()
            if k not in ("model_uuid", "utc_time_created")
        }
        for where in ("insyn", "mlflow")
    )
    assert ours == theirs


@pytest.mark.parametrize("family", ["random-forest", "xgboost-pipeline"])
def test_saving_serialises_the_model_once(tmp_path, monkeypatch, family):
    """Checking, writing and verifying a model serialise it with skops exactly once."""
    if family == "xgboost-pipeline":
        booster, rows = FAMILIES["xgboost"]()
        model = _pipeline(booster, rows)
        rows = rows.assign(region=FRAME["municipality"])
    else:
        model, rows = FAMILIES[family]()
    calls = []
    real_dumps, real_dump = skops.io.dumps, skops.io.dump
    monkeypatch.setattr(skops.io, "dumps", lambda *a, **k: calls.append(1) or real_dumps(*a, **k))
    monkeypatch.setattr(skops.io, "dump", lambda *a, **k: calls.append(1) or real_dump(*a, **k))
    save_model(model, tmp_path / "model", rows=rows)
    assert len(calls) == 1
    _assert_same(model, load_model(tmp_path / "model"), rows)
