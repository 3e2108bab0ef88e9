"""The shared tracking server's own refusals, on top of MLflow's basic-auth permissions.

Loaded by the tracking server as its ``authorization_function`` (the auth ini that
:mod:`register.shared._server` writes names :func:`authenticate`). It first checks
the credentials exactly as MLflow does (``authenticate_request_basic_auth``, with
MLflow's credential cache), then refuses, with HTTP 403 and a plain message, what
MLflow's permissions would allow but the register must not:

- the demo-data routes (``/mlflow/demo/...``): they create experiments and runs for
  any signed-in account, the read-only portal's included;
- creating an experiment, or renaming one, to a name the register reserves
  (``insyn``, ``insyn/<organisation>``, ``insyn.audit`` and anything under them),
  and renaming, deleting or restoring an experiment that has such a name: only
  the administrator does that, so nobody can squat a future organisation's
  experiment, move an organisation's experiment aside, or recreate the audit log
  under their own MANAGE;
- moving or deleting a registered model's ``published`` alias: only the register's
  writer account (the writer service, after logging the publication) and the
  administrator may.

Anything not listed here is decided by MLflow's permissions as before. The server
runs with ``MLFLOW_BASIC_AUTH_FAIL_CLOSED`` so routes MLflow has no rule for are
refused too.
"""

from __future__ import annotations

import configparser
import functools
import json
import os
from collections.abc import Callable
from typing import Any

from register.store._paths import WRITER_USERNAME

GUARD_SECTION = "insyn"
RESERVED_NAMES = ("insyn", "insyn/", "insyn.")
DEMO_MARKER = "/mlflow/demo/"
ALIAS_SUFFIX = "/mlflow/registered-models/alias"
EXPERIMENT_NAMING = {
    "/mlflow/experiments/create": "name",
    "/mlflow/experiments/update": "new_name",
}
EXPERIMENT_CHANGES = (
    "/mlflow/experiments/update",
    "/mlflow/experiments/delete",
    "/mlflow/experiments/restore",
)

DEMO_REFUSED_MESSAGE = "The register's server does not offer MLflow's demo data (HTTP 403)."
RESERVED_NAME_MESSAGE = (
    "The experiment name {name!r} is reserved for the register; only its administrator "
    "creates or renames such experiments (HTTP 403)."
)
ALIAS_REFUSED_MESSAGE = (
    "Only the register's writer service moves the 'published' alias, after logging the "
    "publication; use 'insyn publish' or 'insyn retire' (HTTP 403)."
)


@functools.lru_cache(maxsize=1)
def writer_username() -> str:
    """The writer account named in the auth ini's ``[insyn]`` section (default insyn-writer)."""

    parser = configparser.ConfigParser()
    path = os.environ.get("MLFLOW_AUTH_CONFIG_PATH")
    if path:
        parser.read(path, encoding="utf-8")
    return parser.get(GUARD_SECTION, "writer_username", fallback=WRITER_USERNAME)


def is_reserved(name: object) -> bool:
    """Whether ``name`` is an experiment name only the administrator may give."""
    if not isinstance(name, str):
        return False
    folded = name.strip().casefold()
    return folded == "insyn" or folded.startswith(RESERVED_NAMES[1:])


def refusal(
    path: str,
    method: str,
    body: dict[str, Any],
    user: str,
    name_of: Callable[[str], str | None] = lambda experiment_id: None,
) -> str | None:
    """Why the request is refused for a non-admin ``user``, or None when the guard lets
    it through to MLflow's own permission checks (``name_of`` gives an experiment's
    current name)."""
    if DEMO_MARKER in path:
        return DEMO_REFUSED_MESSAGE
    if path.endswith(ALIAS_SUFFIX) and method in ("POST", "DELETE", "PATCH", "PUT"):
        return None if user == writer_username() else ALIAS_REFUSED_MESSAGE
    if method != "POST":
        return None
    for suffix, field in EXPERIMENT_NAMING.items():
        if path.endswith(suffix) and is_reserved(body.get(field)):
            return RESERVED_NAME_MESSAGE.format(name=body.get(field))
    if any(path.endswith(s) for s in EXPERIMENT_CHANGES):
        current = name_of(str(body.get("experiment_id", "")))
        if is_reserved(current):
            return RESERVED_NAME_MESSAGE.format(name=current)
    return None


def _guarded(path: str) -> bool:
    return (
        DEMO_MARKER in path
        or path.endswith(ALIAS_SUFFIX)
        or any(path.endswith(s) for s in (*EXPERIMENT_NAMING, *EXPERIMENT_CHANGES))
    )


def _experiment_name(experiment_id: str) -> str | None:
    from mlflow.server.handlers import _get_tracking_store  # noqa: PLC0415 - runs inside the tracking server only

    try:
        return str(_get_tracking_store().get_experiment(experiment_id).name)
    except Exception:  # unknown id: MLflow's own handler answers that
        return None


def authenticate() -> Any:
    """MLflow's basic-auth check, then the register's refusals (see the module docstring).

    Returns what MLflow expects of an ``authorization_function``: the request's
    ``Authorization`` when it may go on, else a ``Response`` (401 from MLflow's
    check, 403 with a JSON ``message`` from the guard).
    """
    from flask import Response, request  # noqa: PLC0415 - runs inside the tracking server only
    from mlflow.server.auth import authenticate_request_basic_auth, store  # noqa: PLC0415 - runs inside the tracking server only

    authorization = authenticate_request_basic_auth()
    if isinstance(authorization, Response) or not _guarded(request.path):
        return authorization
    user = str(authorization.username)
    if store.get_user(user).is_admin:
        return authorization
    body = request.get_json(force=True, silent=True)  # as MLflow's handlers read it
    given = body if isinstance(body, dict) else {}
    reason = refusal(request.path, request.method, given, user, _experiment_name)
    if reason is None:
        return authorization
    return Response(
        json.dumps({"error_code": "PERMISSION_DENIED", "message": reason}),
        status=403,
        mimetype="application/json",
    )
