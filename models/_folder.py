"""Reading a model folder: a record plus a way to obtain the fitted model."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pandas as pd

from register import InsynError

DEMO_SLUGS: tuple[str, ...] = ("benefits-uptake", "housing-guarantee")
ROOT = Path(__file__).resolve().parent

NO_RECORD_MESSAGE = "The folder {folder} has no record.yaml (the transparency record)."
NO_BUILD_MESSAGE = (
    "The folder {folder} has neither train.py (with a build() function) nor "
    "model.skops with reference.parquet or reference.csv."
)
BAD_BUILD_MESSAGE = "{file} must define build() returning a DemoBuild, got {kind}."


class FolderError(InsynError, ValueError):
    """A model folder that lacks what registration needs."""


class DemoBuild:
    """A fitted model with the data registration needs. Read-only."""

    def __init__(
        self,
        *,
        model: Any,
        reference_data: pd.DataFrame,
        evaluation_data: pd.DataFrame | None = None,
        label: str | None = None,
    ) -> None:
        self._model = model
        self._reference = reference_data
        self._evaluation = evaluation_data
        self._label = label

    @property
    def model(self) -> Any:
        """The fitted scikit-learn model."""
        return self._model

    @property
    def reference_data(self) -> pd.DataFrame:
        """Rows in the model's input columns that the explanation covers."""
        return self._reference

    @property
    def evaluation_data(self) -> pd.DataFrame | None:
        """Held-out rows with the label and protected attributes, if any."""
        return self._evaluation

    @property
    def label(self) -> str | None:
        """The label column in :attr:`evaluation_data`."""
        return self._label


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
            return built
        return self._from_files()

    def _from_files(self) -> DemoBuild:
        import skops.io

        model_file = self._path / "model.skops"
        reference = None
        for name, reader in (
            ("reference.parquet", pd.read_parquet),
            ("reference.csv", pd.read_csv),
        ):
            if (self._path / name).exists():
                reference = reader(self._path / name)
                break
        if not model_file.exists() or reference is None:
            raise FolderError(NO_BUILD_MESSAGE.format(folder=self._path))
        # The data scientist's own file on their own machine; the portal never loads this.
        from register import TRUSTED_TYPES

        model = skops.io.load(model_file, trusted=list(TRUSTED_TYPES))
        return DemoBuild(model=model, reference_data=reference)


def load_folder(path: str | Path) -> ModelFolder:
    """The model folder at ``path``; raises :class:`FolderError` without a record."""
    folder = ModelFolder(Path(path))
    if not folder.record_path.exists():
        raise FolderError(NO_RECORD_MESSAGE.format(folder=folder.path))
    return folder


def demo_folders() -> list[ModelFolder]:
    """The demo models shipped with insyn."""
    return [load_folder(ROOT / slug) for slug in DEMO_SLUGS]
