"""Writing to a shared, auth-enabled tracking server: whose experiment, who may write, why not.

On a shared server (``mlflow server --app-name basic-auth``) every organisation
owns one experiment, ``insyn/<organisation>``, that only its data scientists
may write to; a registered model is shared with the organisation's other data
scientists (listed in the experiment's ``insyn.members`` tag) when it is
created. Refusals from the server (HTTP 401 and 403) become
:class:`AuthenticationError` and :class:`PermissionDeniedError` naming the
algorithm and its organisation. On an embedded store none of this applies and
every function here is a no-op.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from register._errors import AuthenticationError, InsynError, PermissionDeniedError
from register.store._paths import ORG_EXPERIMENT
from register.store._protocol import StoreDeniedError

if TYPE_CHECKING:
    from register._facade import Register

AUDIT_EXPERIMENT = "insyn.audit"  # register.audit._chain: "<experiment>.audit"
MEMBERS_TAG = "insyn.members"
GRANT_PATH = "/api/3.0/mlflow/users/permissions/grant"

AUTHENTICATION_MESSAGE = (
    "The tracking server at {uri} did not accept the credentials{who} (HTTP 401). "
    "Set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or put them in "
    "~/.mlflow/credentials (outside the repository)."
)
FORBIDDEN_MESSAGE = (
    "{who} may not change the algorithm {slug!r}: it belongs to the organisation "
    "{owner!r}, and only that organisation's data scientists may register, publish "
    "or retire it (HTTP 403). Nothing was published."
)
FORBIDDEN_NEW_MESSAGE = (
    "{who} may not register algorithms for the organisation {organisation!r} "
    "(HTTP 403 while {step}): ask the register's administrator to add you with "
    "'insyn admin add-user --organisation {organisation!r}'. Nothing was published."
)


def is_shared(uri: str) -> bool:
    """Whether ``uri`` names a tracking server (where accounts and rights apply)."""
    return uri.startswith(("http://", "https://"))


def current_user() -> str | None:
    """The username the MLflow client sends (environment first, then ~/.mlflow/credentials)."""
    from mlflow.utils.credentials import read_mlflow_creds

    return read_mlflow_creds().username


def _status_of(exc: BaseException) -> int | None:
    """The HTTP status behind a store, MLflow or requests error, if it was a 401 or 403."""
    if isinstance(exc, StoreDeniedError):
        return exc.status
    code = str(getattr(exc, "error_code", "") or "")
    if code == "PERMISSION_DENIED":
        return 403
    if code in ("UNAUTHENTICATED", "CUSTOMER_UNAUTHORIZED"):
        return 401
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status in (401, 403):
        return int(status)
    text = str(exc)
    for status in (401, 403):
        if f"error code {status} " in text or f"{status} Client Error" in text:
            return status
    return None


def translate(
    reg: Register, exc: BaseException, *, slug: str, organisation: str | None, step: str
) -> InsynError | None:
    """The plain-words error for a 401/403 from the server, or None for any other error."""
    status = _status_of(exc)
    if status is None:
        return None
    user = current_user()
    if status == 401:
        who = f" of {user!r}" if user else " (none were given)"
        return AuthenticationError(AUTHENTICATION_MESSAGE.format(uri=reg.tracking_uri, who=who))
    who = f"The account {user!r}" if user else "An anonymous client"
    owner = _owner_of(reg, slug)
    if owner is None:
        return PermissionDeniedError(
            FORBIDDEN_NEW_MESSAGE.format(who=who, organisation=organisation, step=step)
        )
    return PermissionDeniedError(FORBIDDEN_MESSAGE.format(who=who, slug=slug, owner=owner))


def _owner_of(reg: Register, slug: str) -> str | None:
    try:
        model = reg.client.get_registered_model(slug)
    except Exception:
        return None
    owner = dict(model.tags).get("organisation")
    return str(owner) if owner else None


@contextlib.contextmanager
def refusals_explained(
    reg: Register, slug: str, organisation: str | None = None, step: str = "writing"
) -> Iterator[None]:
    """Run the block; a 401/403 from the server leaves it as a plain-words InsynError."""
    try:
        yield
    except InsynError as exc:
        if not isinstance(exc, StoreDeniedError):
            raise
        translated = translate(reg, exc, slug=slug, organisation=organisation, step=step)
        raise (translated or exc) from exc
    except Exception as exc:
        translated = translate(reg, exc, slug=slug, organisation=organisation, step=step)
        if translated is None:
            raise
        raise translated from exc


def organisation_experiment_id(reg: Register, organisation: str) -> str:
    """The experiment a registration for ``organisation`` writes its run into.

    Guarantees: the organisation's own experiment ``insyn/<organisation>`` when
    it exists (on a shared server the administrator creates it), else the
    register's shared experiment (the embedded store's layout).
    """
    found = reg.client.get_experiment_by_name(ORG_EXPERIMENT.format(organisation=organisation))
    if found is not None and found.lifecycle_stage == "active":
        return str(found.experiment_id)
    return reg.experiment_id()


def organisation_members(reg: Register, organisation: str) -> list[str]:
    """The usernames listed as the organisation's data scientists (empty if none)."""
    found = reg.client.get_experiment_by_name(ORG_EXPERIMENT.format(organisation=organisation))
    if found is None:
        return []
    listed = dict(found.tags).get(MEMBERS_TAG, "")
    return [name for name in (n.strip() for n in listed.split(",")) if name]


def share_with_organisation(reg: Register, slug: str, organisation: str) -> list[str]:
    """Grant MANAGE on the registered model ``slug`` to the organisation's other members.

    Guarantees: on a shared server every listed member of ``organisation`` can
    register, publish and retire ``slug`` afterwards (granting twice is
    harmless); returns the usernames granted. A no-op on an embedded store.
    """
    if not is_shared(reg.tracking_uri):
        return []
    me = current_user()
    granted = []
    for member in organisation_members(reg, organisation):
        if member == me:
            continue
        _post(
            reg.tracking_uri,
            GRANT_PATH,
            {
                "username": member,
                "resource_type": "registered_model",
                "resource_id": slug,
                "permission": "MANAGE",
            },
        )
        granted.append(member)
    return granted


def _post(uri: str, path: str, payload: dict[str, Any]) -> None:
    """POST ``payload`` to the server with the client's own credentials; a grant that
    already exists counts as done."""
    from mlflow.utils.credentials import get_default_host_creds
    from mlflow.utils.rest_utils import http_request, verify_rest_response

    creds = get_default_host_creds(uri)
    response = http_request(
        creds, path, "POST", json=payload, max_retries=2, timeout=30, raise_on_status=False
    )
    if response.status_code == 400 and "already" in response.text.lower():
        return
    verify_rest_response(response, path)
