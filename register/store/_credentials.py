"""Who this client is to a tracking server: the credentials the MLflow client sends,
and requests made with them.

Kept in register/store/ because reading them is MLflow's business (environment
first, then ``~/.mlflow/credentials``); nothing else in insyn imports mlflow.
"""

from __future__ import annotations

from typing import Any

from mlflow.utils.credentials import get_default_host_creds, read_mlflow_creds
from mlflow.utils.rest_utils import http_request, verify_rest_response

from register.store._mlflow import denied_status
from register.store._protocol import StoreDeniedError

__all__ = ["is_server", "post_as_client", "tracking_credentials", "tracking_username"]


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


def post_as_client(uri: str, path: str, payload: dict[str, Any]) -> None:
    """POST ``payload`` as JSON to ``path`` on the server at ``uri`` with the client's own
    credentials; a 400 that says the thing exists "already" counts as done, a 401/403
    raises :class:`StoreDeniedError` with that status, any other refusal MLflow's error."""
    creds = get_default_host_creds(uri)
    response = http_request(
        creds, path, "POST", json=payload, max_retries=2, timeout=30, raise_on_status=False
    )
    if response.status_code == 400 and "already" in response.text.lower():
        return
    try:
        verify_rest_response(response, path)
    except Exception as exc:
        status = denied_status(exc) or (
            response.status_code if response.status_code in (401, 403) else None
        )
        if status is None:
            raise
        raise StoreDeniedError(f"{path}: {exc}", status=status) from exc
