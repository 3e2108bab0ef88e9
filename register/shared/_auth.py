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

from register._errors import AuthenticationError, InsynError, PermissionDeniedError
from register.store._credentials import is_server, post_as_client, tracking_username
from register.store._mlflow import denied_status
from register.store._paths import ORG_EXPERIMENT
from register.store._protocol import StoreDeniedError
from register.store._view import HoldsView, StoreView, view_of

__all__ = [
    "AUDIT_EXPERIMENT",
    "AUTHENTICATION_MESSAGE",
    "FORBIDDEN_MESSAGE",
    "FORBIDDEN_NEW_MESSAGE",
    "GRANT_PATH",
    "MEMBERS_TAG",
    "ORG_EXPERIMENT",
    "AuthenticationError",
    "PermissionDeniedError",
    "current_user",
    "is_shared",
    "organisation_experiment_id",
    "organisation_members",
    "refusals_explained",
    "share_with_organisation",
    "translate",
]
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
    return is_server(uri)


def current_user() -> str | None:
    """The username the store client sends (environment first, then ~/.mlflow/credentials)."""
    return tracking_username()


def translate(
    view: StoreView | HoldsView,
    exc: BaseException,
    *,
    slug: str,
    organisation: str | None,
    step: str,
) -> InsynError | None:
    """The plain-words error for a 401/403 from the server (a :class:`StoreDeniedError`
    or a backend's refusal), or None for any other error."""
    view = view_of(view)
    status = denied_status(exc)
    if status is None:
        return None
    user = current_user()
    if status == 401:
        who = f" of {user!r}" if user else " (none were given)"
        return AuthenticationError(AUTHENTICATION_MESSAGE.format(uri=view.uri, who=who))
    who = f"The account {user!r}" if user else "An anonymous client"
    owner = _owner_of(view, slug)
    if owner is None:
        return PermissionDeniedError(
            FORBIDDEN_NEW_MESSAGE.format(who=who, organisation=organisation, step=step)
        )
    return PermissionDeniedError(FORBIDDEN_MESSAGE.format(who=who, slug=slug, owner=owner))


def _owner_of(view: StoreView, slug: str) -> str | None:
    try:
        model = view.store.get_registered_model(slug)
    except Exception:  # unknown, hidden or unreadable: the caller is told as for a new one
        return None
    owner = model.tags.get("organisation")
    return str(owner) if owner else None


@contextlib.contextmanager
def refusals_explained(
    view: StoreView | HoldsView, slug: str, organisation: str | None = None, step: str = "writing"
) -> Iterator[None]:
    """Run the block; a 401/403 from the server (a :class:`StoreDeniedError` or a
    backend's refusal) leaves it as a plain-words InsynError."""
    try:
        yield
    except InsynError as exc:
        if not isinstance(exc, StoreDeniedError):
            raise
        translated = translate(view, exc, slug=slug, organisation=organisation, step=step)
        if translated is None:
            raise
        raise translated from exc
    except Exception as exc:
        translated = translate(view, exc, slug=slug, organisation=organisation, step=step)
        if translated is None:
            raise
        raise translated from exc


def organisation_experiment_id(view: StoreView | HoldsView, organisation: str) -> str:
    """The experiment a registration for ``organisation`` writes its run into.

    Guarantees: the organisation's own experiment ``insyn/<organisation>`` when
    it exists (on a shared server the administrator creates it), else the
    register's shared experiment (the embedded store's layout).
    """
    view = view_of(view)
    found = view.store.get_experiment_by_name(ORG_EXPERIMENT.format(organisation=organisation))
    if found is not None:
        return found.experiment_id
    return view.experiment_id()


def organisation_members(view: StoreView | HoldsView, organisation: str) -> list[str]:
    """The usernames listed as the organisation's data scientists (empty if none)."""
    found = view_of(view).store.get_experiment_by_name(
        ORG_EXPERIMENT.format(organisation=organisation)
    )
    if found is None:
        return []
    listed = found.tags.get(MEMBERS_TAG, "")
    return [name for name in (n.strip() for n in listed.split(",")) if name]


def share_with_organisation(view: StoreView | HoldsView, slug: str, organisation: str) -> list[str]:
    """Grant MANAGE on the registered model ``slug`` to the organisation's other members.

    Guarantees: on a shared server every listed member of ``organisation`` can
    register, publish and retire ``slug`` afterwards (granting twice is
    harmless); returns the usernames granted. A no-op on an embedded store.
    """
    view = view_of(view)
    if not is_shared(view.uri):
        return []
    me = current_user()
    granted = []
    for member in organisation_members(view, organisation):
        if member == me:
            continue
        post_as_client(
            view.uri,
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
