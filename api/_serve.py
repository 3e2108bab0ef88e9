"""The app ``insyn api`` and ``insyn serve`` run: uvicorn imports
``api._serve:app_from_env`` (a factory) in its own process, configured by the environment.

- ``MLFLOW_TRACKING_URI``: the register (default: the embedded ``./.insyn`` store);
- ``INSYN_API_RATE_LIMIT``: requests per minute per client (0: none; default 600);
- ``INSYN_API_TRUSTED_PROXIES``: comma-separated peers whose ``X-Forwarded-For`` counts;
- ``INSYN_API_PUBLIC_URL``: the address links start with (e.g. ``http://127.0.0.1:8502``);
- ``INSYN_API_EXPORTS_DIR``: where register-wide exports are built (default: a temporary folder).
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from api._app import create_app
from api._limits import DEFAULT_RATE_LIMIT
from register import InsynError, Register

__all__ = ["BAD_RATE_LIMIT_MESSAGE", "app_from_env", "rate_limit_from_env"]

BAD_RATE_LIMIT_MESSAGE = (
    "INSYN_API_RATE_LIMIT must be a whole number of requests per minute, 0 or more; "
    "it is {value!r}."
)


def rate_limit_from_env() -> int:
    """``INSYN_API_RATE_LIMIT`` (default 600); InsynError names a value that is not one."""
    raw = os.environ.get("INSYN_API_RATE_LIMIT", "").strip()
    if not raw:
        return DEFAULT_RATE_LIMIT
    if not raw.isdigit():
        raise InsynError(BAD_RATE_LIMIT_MESSAGE.format(value=raw))
    return int(raw)


def app_from_env() -> FastAPI:
    """The API over the register the environment names (see the module docstring)."""
    proxies = os.environ.get("INSYN_API_TRUSTED_PROXIES", "")
    return create_app(
        Register(os.environ.get("MLFLOW_TRACKING_URI") or None),
        rate_limit=rate_limit_from_env(),
        trusted_proxies=[p.strip() for p in proxies.split(",") if p.strip()],
        public_url=os.environ.get("INSYN_API_PUBLIC_URL", ""),
        exports_dir=os.environ.get("INSYN_API_EXPORTS_DIR") or None,
    )
