"""Who this client is to a tracking server: the credentials the MLflow client sends.

Kept in register/store/ because reading them is MLflow's business (environment
first, then ``~/.mlflow/credentials``); nothing else in insyn imports mlflow.
"""

from __future__ import annotations

from mlflow.utils.credentials import read_mlflow_creds

__all__ = ["is_server", "tracking_credentials", "tracking_username"]


def is_server(uri: str) -> bool:
    """Whether ``uri`` names a tracking server (where accounts and rights apply)."""
    return uri.startswith(("http://", "https://"))


def tracking_username() -> str | None:
    """The username the MLflow client sends, or None when it sends none."""
    return read_mlflow_creds().username or None


def tracking_credentials() -> tuple[str, str] | None:
    """(username, password) the MLflow client sends, or None unless both are set."""
    creds = read_mlflow_creds()
    if creds.username and creds.password:
        return (creds.username, creds.password)
    return None
