"""Which MLflow store the register talks to, picked by URI.

``None`` means ``$MLFLOW_TRACKING_URI`` when set, otherwise the embedded
default: a sqlite file plus a local artifact folder under ``$INSYN_HOME``
(default ``./.insyn``). Any other URI MLflow accepts works the same way,
for example an ``http://`` tracking server.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from register._errors import InvalidTrackingUriError, TrackingUnreachableError

DEFAULT_HOME = ".insyn"
EXPERIMENT_NAME = "insyn"
MALFORMED_URI_MESSAGE = (
    "The tracking URI {uri!r} is not valid: it must be an http(s):// server address, "
    "a sqlite:/// or postgresql:// database, or a file path."
)
UNREACHABLE_MESSAGE = (
    "The register's tracking store at {uri} cannot be reached ({reason}). "
    "Nothing was written. Check that the MLflow server is running and the URI is right."
)
_SCHEMES = {"http", "https", "sqlite", "postgresql", "mysql", "mssql", "file", "databricks"}


def home() -> Path:
    """The folder that holds the embedded register (sqlite file and artifacts)."""
    return Path(os.environ.get("INSYN_HOME", DEFAULT_HOME)).resolve()


def default_tracking_uri() -> str:
    """The embedded default store's URI (a sqlite file under :func:`home`)."""
    return f"sqlite:///{home() / 'mlflow.db'}"


def resolve_tracking_uri(uri: str | None) -> str:
    """The URI to use: ``uri``, else ``$MLFLOW_TRACKING_URI``, else the embedded default.

    Raises :class:`InvalidTrackingUriError` when the URI is malformed.
    """
    chosen = uri or os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri()
    parsed = urlparse(chosen)
    scheme = parsed.scheme.split("+")[0]
    if scheme not in _SCHEMES and not (scheme == "" and chosen.startswith(("/", "."))):
        raise InvalidTrackingUriError(MALFORMED_URI_MESSAGE.format(uri=chosen))
    if scheme in {"http", "https"} and not parsed.hostname:
        raise InvalidTrackingUriError(MALFORMED_URI_MESSAGE.format(uri=chosen))
    if scheme == "sqlite":
        db_path = chosen[len("sqlite:///") :]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    return chosen


def artifact_root_for(uri: str) -> str | None:
    """Where a new experiment keeps artifacts: beside a sqlite file, else the server's choice."""
    if uri.startswith("sqlite:///"):
        return (Path(uri[len("sqlite:///") :]).parent / "artifacts").resolve().as_uri()
    return None


def unreachable(uri: str, reason: object) -> TrackingUnreachableError:
    """The error raised when ``uri`` does not answer."""
    return TrackingUnreachableError(UNREACHABLE_MESSAGE.format(uri=uri, reason=reason))
