"""Where the register keeps things: the :class:`Store` seam and its implementations.

:class:`MlflowStore` keeps the register in an MLflow tracking store (the only
module of insyn that imports mlflow's tracking client); :class:`MemoryStore`
keeps it in memory for fast tests. Both pass the same contract tests.
"""

from register.store._mlflow import MlflowStore
from register.store._protocol import (
    ArtifactInfo,
    ExperimentInfo,
    ModelInfo,
    ModelPage,
    RunInfo,
    Store,
    StoreConflictError,
    StoreDeniedError,
    StoreError,
    StoreNotFoundError,
    TagQuery,
    VersionInfo,
)
from register.store._uri import default_tracking_uri, resolve_tracking_uri
from register.store._view import StoreView

__all__ = [
    "ArtifactInfo",
    "ExperimentInfo",
    "MlflowStore",
    "ModelInfo",
    "ModelPage",
    "RunInfo",
    "Store",
    "StoreConflictError",
    "StoreDeniedError",
    "StoreError",
    "StoreNotFoundError",
    "StoreView",
    "TagQuery",
    "VersionInfo",
    "default_tracking_uri",
    "resolve_tracking_uri",
]
