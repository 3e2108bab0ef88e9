"""Reading a model folder: a record plus a way to obtain the fitted model.

A folder holds ``record.yaml`` and either ``train.py`` (a ``build()`` returning a
:class:`DemoBuild`) or saved files: the model (``model/``, an MLflow model
directory written by :func:`register.save_model`, any supported family; or
``model.skops``, scikit-learn only) with ``reference.parquet`` or
``reference.csv``. Evaluation data for fairness is optional:
``evaluation.parquet`` or ``evaluation.csv`` (labelled rows with the protected
attributes) plus ``evaluation.yaml`` naming the label column (``label: <column>``).
When present, these files are used with either kind of folder.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from register._errors import InsynError
from register.store._model_io import load_model, load_skops_file

NO_RECORD_MESSAGE = "The folder {folder} has no record.yaml (the transparency record)."
NO_BUILD_MESSAGE = (
    "The folder {folder} has neither train.py (with a build() function) nor a model "
    "(model/ written by register.save_model, or model.skops) with reference.parquet "
    "or reference.csv."
)
BAD_BUILD_MESSAGE = "{file} must define build() returning a DemoBuild, got {kind}."
EVALUATION_NO_LABEL_MESSAGE = (
    "The folder {folder} has {data} but no evaluation.yaml naming its label column; "
    "write evaluation.yaml with one line: label: <column name>."
)
LABEL_NO_EVALUATION_MESSAGE = (
    "The folder {folder} has evaluation.yaml but neither evaluation.parquet nor evaluation.csv."
)
BAD_EVALUATION_YAML_MESSAGE = (
    "{file} must hold one key, label, naming the label column (label: <column name>); "
    "found {found!r}."
)
LABEL_NOT_IN_DATA_MESSAGE = (
    "{file} names the label column {label!r}, which {data} does not have (its columns: {columns})."
)
UNREADABLE_DATA_MESSAGE = "{file} cannot be read as a table: {reason}"
EVALUATION_FILES = ("evaluation.parquet", "evaluation.csv")


class FolderError(InsynError, ValueError):
    """A model folder that lacks what registration needs."""


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class DemoBuild:
    """A fitted model with the data registration needs. Read-only.

    ``model``: the fitted scikit-learn model; ``reference_data``: rows in the model's
    input columns that the explanation covers; ``evaluation_data``: held-out rows with
    the label and protected attributes, if any; ``label``: the label column in
    ``evaluation_data``. Two builds are equal only when they are the same object
    (frames have no single truth value).
    """

    model: Any
    reference_data: pd.DataFrame
    evaluation_data: pd.DataFrame | None = None
    label: str | None = None


class ModelFolder:
    """A folder holding ``record.yaml`` and ``train.py`` (or a skops model)."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)

    @property
    def path(self) -> Path:
        """The folder."""
        return self._path

    @property
    def record_path(self) -> Path:
        """The folder's ``record.yaml``."""
        return self._path / "record.yaml"

    def build(self) -> DemoBuild:
        """The fitted model and its data, from ``train.py`` or saved files."""
        train = self._path / "train.py"
        if train.exists():
            spec = importlib.util.spec_from_file_location(
                f"insyn_model_{self._path.name.replace('-', '_')}", train
            )
            if spec is None or spec.loader is None:
                raise FolderError(NO_BUILD_MESSAGE.format(folder=self._path))
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            built = module.build()
            if not isinstance(built, DemoBuild):
                raise FolderError(BAD_BUILD_MESSAGE.format(file=train, kind=type(built).__name__))
        else:
            built = self._from_files()
        evaluation = self.evaluation()
        if evaluation is None:
            return built
        return DemoBuild(
            model=built.model,
            reference_data=built.reference_data,
            evaluation_data=evaluation[0],
            label=evaluation[1],
        )

    def evaluation(self) -> tuple[pd.DataFrame, str] | None:
        """``(rows, label column)`` from the folder's evaluation files, or None without them.

        Raises :class:`FolderError` when only one of data and ``evaluation.yaml`` is
        there, when the YAML is not ``label: <column>``, or the column is missing.
        """
        data_file = next(
            (self._path / n for n in EVALUATION_FILES if (self._path / n).exists()), None
        )
        spec = self._path / "evaluation.yaml"
        if data_file is None and not spec.exists():
            return None
        if data_file is None:
            raise FolderError(LABEL_NO_EVALUATION_MESSAGE.format(folder=self._path))
        if not spec.exists():
            raise FolderError(
                EVALUATION_NO_LABEL_MESSAGE.format(folder=self._path, data=data_file.name)
            )
        try:
            found = yaml.safe_load(spec.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            found = f"unreadable YAML ({type(exc).__name__})"
        label = found.get("label") if isinstance(found, dict) and set(found) == {"label"} else None
        if not isinstance(label, str) or not label.strip():
            raise FolderError(BAD_EVALUATION_YAML_MESSAGE.format(file=spec, found=found))
        frame = _read_table(data_file)
        if label not in frame.columns:
            raise FolderError(
                LABEL_NOT_IN_DATA_MESSAGE.format(
                    file=spec.name,
                    label=label,
                    data=data_file.name,
                    columns=", ".join(map(str, frame.columns)),
                )
            )
        return frame, label

    def _from_files(self) -> DemoBuild:
        reference = None
        for name in ("reference.parquet", "reference.csv"):
            if (self._path / name).exists():
                reference = _read_table(self._path / name)
                break
        model_dir, model_file = self._path / "model", self._path / "model.skops"
        if reference is None or not (model_dir.is_dir() or model_file.exists()):
            raise FolderError(NO_BUILD_MESSAGE.format(folder=self._path))
        # Read exactly as the register reads stored models: insyn's allowlist, no pickle.
        if model_dir.is_dir():
            model = load_model(model_dir, uri=str(model_dir))
        else:
            model = load_skops_file(model_file)
        return DemoBuild(model=model, reference_data=reference)


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except Exception as exc:  # pandas/pyarrow raise many kinds for a broken file
        raise FolderError(UNREADABLE_DATA_MESSAGE.format(file=path, reason=exc)) from exc


def load_folder(path: str | Path) -> ModelFolder:
    """The model folder at ``path``; raises :class:`FolderError` without a record."""
    folder = ModelFolder(Path(path))
    if not folder.record_path.exists():
        raise FolderError(NO_RECORD_MESSAGE.format(folder=folder.path))
    return folder
