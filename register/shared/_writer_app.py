"""Running the writer service: credentials, signing key, public key, the HTTP app.

The app answers POST ``/v1/entries``, ``/v1/publish``, ``/v1/retire``,
``/v1/reviews`` (rules in :mod:`register.shared._writer_service`) and GET ``/v1/health``.
Responses are JSON: ``{"entry": {...}}`` or ``{"error": ..., "message": ...}`` with
401 (credentials), 403 (outside the caller's role), 404, 400 or 409.

``insyn admin serve-writer`` and ``insyn admin serve-shared`` call :func:`serve`;
``python -m register.shared._writer_app ...`` is the same for a service manager. The
writer account's password comes from an ini file outside the repository
(``[mlflow] mlflow_tracking_username/password``, as ``insyn admin add-user``
writes it); the signing key from its own PEM file (mode 0600, created on first
start while the log holds no signed entry). Before serving, the writer publishes
its public key in the audit log (``keys/<key id>.pem`` in the log run).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse

from register._errors import InsynError, NotFoundError
from register.audit import _chain as _audit
from register.audit._signing import (
    KEY_MISSING_MESSAGE,
    Signer,
    SigningKeyError,
    create_key_file,
    read_signer,
)
from register.audit._writer import WriterRefusedError
from register.lifecycle._publication import Publisher
from register.shared._admin import PASSWORD_FILE_SECTION, WRITER_URL_TAG, read_secret_file
from register.shared._writer_service import (
    BAD_REQUEST_MESSAGE,
    DEFAULT_CACHE_SECONDS,
    FAILED_MESSAGE,
    CallerCheck,
    Refused,
    WriterService,
)
from register.store._mlflow import MlflowStore
from register.store._uri import EXPERIMENT_NAME, resolve_tracking_uri
from register.store._view import StoreView

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5080
AUDIT_MISSING_MESSAGE = (
    "The audit experiment {name!r} does not exist on {uri}; the administrator creates it "
    "('insyn admin add-user --role writer ...'). The writer service did not start."
)
KEY_PERMISSIONS_MESSAGE = (
    "The signing key {path} may be read by other users (mode {mode:o}); make it 0600 "
    "('chmod 600 {path}'). The writer service did not start."
)


def _writer_credentials(path: Path) -> tuple[str, str]:
    section = read_secret_file(path)[PASSWORD_FILE_SECTION]
    return str(section["mlflow_tracking_username"]), str(section["mlflow_tracking_password"])


def load_signer(view: StoreView, key_file: Path, run_id: str) -> Signer:
    """The writer's signer from ``key_file`` (created, 0600, while the log holds no signed
    entry; refused when other users may read it)."""
    if key_file.exists():
        mode = stat.S_IMODE(key_file.stat().st_mode)
        if mode & 0o077:
            raise SigningKeyError(KEY_PERMISSIONS_MESSAGE.format(path=key_file, mode=mode))
        return read_signer(key_file)
    signed = _audit.published_key_ids(view, run_id)
    if signed:
        raise SigningKeyError(KEY_MISSING_MESSAGE.format(path=key_file, key_ids=", ".join(signed)))
    return create_key_file(key_file)


def build(
    tracking_uri: str,
    credentials_file: Path,
    key_file: Path,
    cache_seconds: float,
    public_url: str,
) -> object:
    """The writer service's Starlette app, ready to serve: its public key published in the
    log run and ``public_url`` recorded in the audit experiment's writer-URL tag."""
    username, password = _writer_credentials(credentials_file)
    os.environ["MLFLOW_TRACKING_USERNAME"] = username  # this process acts as the writer only
    os.environ["MLFLOW_TRACKING_PASSWORD"] = password
    view = StoreView(MlflowStore(resolve_tracking_uri(tracking_uri)), experiment=EXPERIMENT_NAME)
    name = _audit.experiment_name(view)
    experiment = view.store.get_experiment_by_name(name)
    if experiment is None:
        raise InsynError(AUDIT_MISSING_MESSAGE.format(name=name, uri=tracking_uri))
    run_id = _audit.log_run(view, create=False)
    assert run_id is not None
    signer = load_signer(view, key_file, run_id)
    _audit.publish_key(view, run_id, signer)
    if experiment.tags.get(WRITER_URL_TAG) != public_url:
        view.store.set_experiment_tag(experiment.experiment_id, WRITER_URL_TAG, public_url)
    # The service publishes and retires with the lifecycle's own steps, as a local register would.
    service = WriterService(view, Publisher(view), signer, CallerCheck(tracking_uri, cache_seconds))
    return create_app(service)


def serve(
    tracking_uri: str,
    credentials_file: Path,
    key_file: Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    cache_seconds: float = DEFAULT_CACHE_SECONDS,
    public_url: str | None = None,
) -> None:
    """Build the app and serve it until interrupted (one process; appends are serialised
    by the log's own claim protocol, see :mod:`register.audit._chain`)."""
    import uvicorn  # noqa: PLC0415  (lazy: only the writer service's own process serves)

    url = (public_url or f"http://{host}:{port}").rstrip("/")
    app = build(tracking_uri, credentials_file, key_file, cache_seconds, url)
    uvicorn.run(app, host=host, port=port, log_level="warning")  # type: ignore[arg-type]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The writer service's options (shared by ``insyn admin serve-writer`` and ``-m``)."""
    parser.add_argument("--host", default=DEFAULT_HOST, help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--credentials-file",
        required=True,
        help="the writer account's ini file (outside the repository)",
    )
    parser.add_argument(
        "--key-file", required=True, help="the writer's Ed25519 key (PEM, 0600, outside the store)"
    )
    parser.add_argument(
        "--auth-cache-seconds",
        type=float,
        default=DEFAULT_CACHE_SECONDS,
        help=f"how long a checked password is trusted (default {DEFAULT_CACHE_SECONDS} s)",
    )
    parser.add_argument(
        "--public-url",
        help="the address clients reach the service at, recorded in the audit experiment "
        "(default http://HOST:PORT)",
    )


def create_app(service: WriterService) -> Starlette:
    """The HTTP app: POST /v1/entries, /v1/publish, /v1/retire, /v1/reviews; GET /v1/health.

    Each POST runs its check and write in a worker thread (the MLflow client blocks)."""
    # lazy: Starlette is needed only by the writer service's own process
    from starlette.applications import Starlette  # noqa: PLC0415
    from starlette.concurrency import run_in_threadpool  # noqa: PLC0415
    from starlette.responses import JSONResponse  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    def route(action: Any) -> Any:
        async def handle(request: Request) -> JSONResponse:
            raw = await request.body()
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            auth = request.headers.get("authorization")
            return await run_in_threadpool(_respond, service, action, auth, body)

        return handle

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "key_id": service.key_id})

    actions = {
        "entries": service.append,
        "publish": service.publish,
        "retire": service.retire,
        "reviews": service.add_review,
    }
    routes = [Route("/v1/health", health, methods=["GET"])]
    routes += [Route(f"/v1/{name}", route(a), methods=["POST"]) for name, a in actions.items()]
    return Starlette(routes=routes)


def _respond(service: WriterService, action: Any, auth: str | None, body: Any) -> JSONResponse:
    # lazy: Starlette is needed only by the writer service's own process
    from starlette.responses import JSONResponse  # noqa: PLC0415

    try:
        username = password = None
        if auth and auth.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(auth[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            username, _, password = decoded.partition(":")
        caller = service.authenticate(username, password)
        if not isinstance(body, dict):
            raise Refused(400, BAD_REQUEST_MESSAGE.format(reason="the body must be a JSON object"))
        entry = action(caller, body)
        return JSONResponse({"entry": entry.to_dict()})
    except Refused as exc:
        headers = {"WWW-Authenticate": 'Basic realm="insyn-writer"'} if exc.status == 401 else None
        return JSONResponse(_error(exc), status_code=exc.status, headers=headers)
    except WriterRefusedError as exc:
        return JSONResponse(_error(exc), status_code=403)
    except NotFoundError as exc:
        return JSONResponse(_error(exc), status_code=404)
    except (InsynError, ValueError) as exc:
        return JSONResponse(_error(exc), status_code=400 if isinstance(exc, ValueError) else 409)
    except Exception as exc:  # never a traceback to the caller
        message = FAILED_MESSAGE.format(reason=f"{type(exc).__name__}: {exc}"[:500])
        return JSONResponse({"error": "FAILED", "message": message}, status_code=500)


def _error(exc: BaseException) -> dict[str, str]:
    return {"error": type(exc).__name__, "message": str(exc)}


def main(argv: list[str] | None = None) -> int:
    """``python -m register.shared._writer_app --tracking-uri URI ...``."""
    parser = argparse.ArgumentParser(prog="python -m register.shared._writer_app")
    parser.add_argument("--tracking-uri", required=True)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        serve(
            args.tracking_uri,
            Path(args.credentials_file),
            Path(args.key_file),
            host=args.host,
            port=args.port,
            cache_seconds=args.auth_cache_seconds,
            public_url=args.public_url,
        )
    except InsynError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
