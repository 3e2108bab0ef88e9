"""Setting up organisations and accounts on a shared, auth-enabled tracking server.

Everything goes through MLflow's basic-auth REST API with the administrator's
credentials, which come from the environment (``INSYN_ADMIN_USERNAME``,
``INSYN_ADMIN_PASSWORD``) or an ini file outside the repository
(``INSYN_ADMIN_CREDENTIALS_FILE``, section ``[insyn-admin]``). Every step is
idempotent: running a setup twice changes nothing.

Rights (the server runs with ``--enable-workspaces`` and
``grant_default_workspace_access = true``, ``default_permission = READ``):

- every account reads everything and creates nothing by default;
- a data scientist of an organisation holds its role ``insyn-org:<organisation>``:
  may create experiments and registered models (workspace ``USE``), EDIT on the
  organisation's experiment ``insyn/<organisation>`` and MANAGE on each of its
  registered models (granted at creation, see :mod:`register.shared._auth`);
- the audit experiment ``insyn.audit`` (the signed, hash-chained log of
  :mod:`register.audit._chain`) is written by one account only, the register's writer
  (role ``insyn-writer``: EDIT on the audit experiment and on every registered
  model, so it can move the ``published`` alias after logging). Everyone else,
  organisations and auditors included, reads it (the default READ); their entries
  go through the writer service (:mod:`register.shared._writer_service`), which checks
  their role first;
- an auditor holds the role ``insyn-auditor`` (a marker the writer service reads;
  it grants nothing beyond READ);
- a reader (the portal) holds nothing beyond the default READ.

Only the administrator creates the audit experiment and the organisations'
experiments (the server guard, :mod:`register.store._server_guard`, refuses those names
to everyone else).
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path
from typing import Any

import requests

from register._errors import InsynError
from register.audit._chain import LOG_RUN_NAME, LOG_RUN_TAG, WRITER_URL_TAG
from register.shared._auth import AUDIT_EXPERIMENT, MEMBERS_TAG, ORG_EXPERIMENT
from register.shared._server import source_checkout
from register.store._paths import WRITER_USERNAME as WRITER_USERNAME  # its home is the store

ROLES = ("data-scientist", "auditor", "reader", "writer")
ORG_ROLE = "insyn-org:{organisation}"
AUDITOR_ROLE = "insyn-auditor"
WRITER_ROLE = "insyn-writer"
WORKSPACE = "default"
PASSWORD_FILE_SECTION = "mlflow"  # the section of an account file (MLflow's credentials format)

NO_ADMIN_CREDENTIALS_MESSAGE = (
    "No administrator credentials: set INSYN_ADMIN_USERNAME and INSYN_ADMIN_PASSWORD, "
    "or INSYN_ADMIN_CREDENTIALS_FILE to an ini file outside the repository with "
    "[insyn-admin] username and password."
)
CREDENTIALS_IN_REPO_MESSAGE = (
    "The credentials file {path} lies inside the repository {repo}; keep secrets outside it."
)
ADMIN_REFUSED_MESSAGE = (
    "The tracking server at {uri} refused the administrator request {path} (HTTP {status}): {body}"
)
ORGANISATION_REQUIRED_MESSAGE = "A data scientist needs --organisation (the record's organisation)."
UNKNOWN_ROLE_MESSAGE = "Unknown role {role!r}; choose one of: {roles}."


class AdminError(InsynError):
    """An administrator request the tracking server refused, or missing admin credentials."""


def _repository_root() -> Path | None:
    """The source checkout insyn runs from; ``None`` when insyn is installed from a wheel."""
    return source_checkout()


def read_secret_file(path: Path) -> configparser.ConfigParser:
    """An ini file of secrets; refuses a file inside the source checkout insyn runs from."""
    resolved = path.expanduser().resolve()
    repo = _repository_root()
    if repo is not None and resolved.is_relative_to(repo):
        raise AdminError(CREDENTIALS_IN_REPO_MESSAGE.format(path=resolved, repo=repo))
    parser = configparser.ConfigParser()
    parser.read(resolved, encoding="utf-8")
    return parser


def admin_credentials() -> tuple[str, str]:
    """The administrator's (username, password) from the environment or the credentials file."""
    user = os.environ.get("INSYN_ADMIN_USERNAME")
    password = os.environ.get("INSYN_ADMIN_PASSWORD")
    file = os.environ.get("INSYN_ADMIN_CREDENTIALS_FILE")
    if (not user or not password) and file:
        section = read_secret_file(Path(file))["insyn-admin"]
        user = user or section.get("username")
        password = password or section.get("password")
    if not user or not password:
        raise AdminError(NO_ADMIN_CREDENTIALS_MESSAGE)
    return user, password


class AdminClient:
    """The administrator's side of a shared server: accounts, roles, grants, organisations."""

    def __init__(self, tracking_uri: str, username: str, password: str, timeout: float = 30.0):
        self._uri = tracking_uri.rstrip("/")
        self._auth = (username, password)
        self._timeout = timeout

    @classmethod
    def from_environment(cls, tracking_uri: str) -> AdminClient:
        """An admin client with :func:`admin_credentials`."""
        user, password = admin_credentials()
        return cls(tracking_uri, user, password)

    # -- raw REST ---------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One admin request; raises AdminError naming the path on any refusal."""
        response = requests.request(
            method, self._uri + path, auth=self._auth, timeout=self._timeout, **kwargs
        )
        if response.status_code >= 400:
            raise AdminError(
                ADMIN_REFUSED_MESSAGE.format(
                    uri=self._uri,
                    path=path,
                    status=response.status_code,
                    body=response.text[:300].strip(),
                )
            )
        return response.json() if response.content else {}

    def _exists(self, method: str, path: str, **kwargs: Any) -> Any | None:
        try:
            return self.request(method, path, **kwargs)
        except AdminError as exc:
            if "HTTP 404" in str(exc) or "RESOURCE_DOES_NOT_EXIST" in str(exc):
                return None
            raise

    # -- accounts -----------------------------------------------------------------
    def ensure_user(self, username: str, password: str) -> bool:
        """Create ``username`` unless it exists; True when it was created."""
        if self._exists("GET", "/api/2.0/mlflow/users/get", params={"username": username}):
            return False
        self.request(
            "POST",
            "/api/2.0/mlflow/users/create",
            json={"username": username, "password": password},
        )
        return True

    def grant(self, username: str, resource_type: str, resource_id: str, permission: str) -> None:
        """Grant ``permission`` on one resource to ``username`` (idempotent)."""
        try:
            self.request(
                "POST",
                "/api/3.0/mlflow/users/permissions/grant",
                json={
                    "username": username,
                    "resource_type": resource_type,
                    "resource_id": resource_id,
                    "permission": permission,
                },
            )
        except AdminError as exc:
            if "already exists" not in str(exc):
                raise

    def ensure_role(
        self,
        name: str,
        permissions: list[tuple[str, str, str]],
        *,
        drop: tuple[str, str] | None = None,
    ) -> int:
        """The id of role ``name`` holding at least ``permissions`` (type, pattern, level);
        with ``drop`` (type, pattern), any other permission of the role on that resource
        is removed (how earlier releases' write rights on the audit log are taken back)."""
        roles = self.request("GET", "/api/3.0/mlflow/roles/list", params={"workspace": WORKSPACE})
        role = next((r for r in roles.get("roles", []) if r["name"] == name), None)
        if role is None:
            role = self.request(
                "POST", "/api/3.0/mlflow/roles/create", json={"name": name, "workspace": WORKSPACE}
            )["role"]
        have = {
            (p["resource_type"], p["resource_pattern"], p["permission"])
            for p in role.get("permissions", [])
        }
        for held in role.get("permissions", []):
            key = (held["resource_type"], held["resource_pattern"], held["permission"])
            if drop and key[:2] == drop and key not in permissions:
                self.request(
                    "DELETE",
                    "/api/3.0/mlflow/roles/permissions/remove",
                    json={"role_permission_id": held["id"]},
                )
        for rtype, pattern, level in permissions:
            if (rtype, pattern, level) not in have:
                self.request(
                    "POST",
                    "/api/3.0/mlflow/roles/permissions/add",
                    json={
                        "role_id": role["id"],
                        "resource_type": rtype,
                        "resource_pattern": pattern,
                        "permission": level,
                    },
                )
        return int(role["id"])

    def assign_role(self, username: str, role_id: int) -> None:
        """Give ``username`` the role (idempotent)."""
        held = self.request(
            "GET", "/api/3.0/mlflow/users/roles/list", params={"username": username}
        )
        if any(int(r["id"]) == role_id for r in held.get("roles", [])):
            return
        self.request(
            "POST", "/api/3.0/mlflow/roles/assign", json={"username": username, "role_id": role_id}
        )

    # -- experiments ----------------------------------------------------------------
    def ensure_experiment(self, name: str) -> tuple[str, dict[str, str]]:
        """The id and tags of experiment ``name``, created when missing."""
        found = self._exists(
            "GET", "/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": name}
        )
        if found is None:
            created = self.request(
                "POST", "/api/2.0/mlflow/experiments/create", json={"name": name}
            )
            return str(created["experiment_id"]), {}
        experiment = found["experiment"]
        tags = {t["key"]: t["value"] for t in experiment.get("tags", [])}
        return str(experiment["experiment_id"]), tags

    # -- organisations ----------------------------------------------------------------
    def add_organisation(self, organisation: str) -> str:
        """Create the organisation's experiment and role; returns the experiment id.

        Guarantees: the role may create registered models (workspace USE) and write
        runs into the organisation's experiment only; it holds no write right on the
        audit experiment (one granted by an earlier release is removed).
        """
        experiment_id, _ = self.ensure_experiment(ORG_EXPERIMENT.format(organisation=organisation))
        audit_id = self.ensure_audit_log()
        self.ensure_role(
            ORG_ROLE.format(organisation=organisation),
            [("workspace", "*", "USE"), ("experiment", experiment_id, "EDIT")],
            drop=("experiment", audit_id),
        )
        return experiment_id

    def ensure_audit_log(self) -> str:
        """The audit experiment's id, created with its log run (see register.audit._chain)."""
        experiment_id, tags = self.ensure_experiment(AUDIT_EXPERIMENT)
        if not tags.get(LOG_RUN_TAG):
            run = self.request(
                "POST",
                "/api/2.0/mlflow/runs/create",
                json={
                    "experiment_id": experiment_id,
                    "run_name": LOG_RUN_NAME,
                    "tags": [{"key": "insyn.audit", "value": "log"}],
                },
            )
            self.request(
                "POST",
                "/api/2.0/mlflow/experiments/set-experiment-tag",
                json={
                    "experiment_id": experiment_id,
                    "key": LOG_RUN_TAG,
                    "value": run["run"]["info"]["run_id"],
                },
            )
        return experiment_id

    def add_data_scientist(self, organisation: str, username: str, password: str) -> bool:
        """Make ``username`` a data scientist of ``organisation`` (creating the account).

        Guarantees: afterwards the account can register, publish and retire the
        organisation's algorithms, existing and future, and nobody else's.
        """
        created = self.ensure_user(username, password)
        experiment_id = self.add_organisation(organisation)
        role_id = self.ensure_role(ORG_ROLE.format(organisation=organisation), [])
        self.assign_role(username, role_id)
        _, tags = self.ensure_experiment(ORG_EXPERIMENT.format(organisation=organisation))
        members = [m for m in tags.get(MEMBERS_TAG, "").split(",") if m]
        if username not in members:
            self.request(
                "POST",
                "/api/2.0/mlflow/experiments/set-experiment-tag",
                json={
                    "experiment_id": experiment_id,
                    "key": MEMBERS_TAG,
                    "value": ",".join([*members, username]),
                },
            )
        for slug in self.organisation_models(organisation):
            self.grant(username, "registered_model", slug, "MANAGE")
        return created

    def add_auditor(self, username: str, password: str) -> bool:
        """An account whose reviews the writer service accepts (role ``insyn-auditor``);
        on the tracking server it reads, like everyone (a direct write grant on the
        audit experiment from an earlier release is revoked)."""
        created = self.ensure_user(username, password)
        audit_id = self.ensure_audit_log()
        self.revoke(username, "experiment", audit_id)
        self.assign_role(username, self.ensure_role(AUDITOR_ROLE, []))
        return created

    def add_writer(self, username: str, password: str) -> bool:
        """The register's writer account: the only one (besides the administrator) that
        may write the audit experiment, and that moves ``published`` aliases."""
        created = self.ensure_user(username, password)
        audit_id = self.ensure_audit_log()
        role_id = self.ensure_role(
            WRITER_ROLE,
            [("experiment", audit_id, "EDIT"), ("registered_model", "*", "EDIT")],
        )
        self.assign_role(username, role_id)
        return created

    def revoke(self, username: str, resource_type: str, resource_id: str) -> None:
        """Take back a direct grant (nothing happens when there is none)."""
        try:
            self.request(
                "POST",
                "/api/3.0/mlflow/users/permissions/revoke",
                json={
                    "username": username,
                    "resource_type": resource_type,
                    "resource_id": resource_id,
                },
            )
        except AdminError as exc:
            if "HTTP 404" not in str(exc) and "RESOURCE_DOES_NOT_EXIST" not in str(exc):
                raise

    def set_writer_url(self, url: str) -> None:
        """Record where the writer service answers (clients find it there)."""
        audit_id = self.ensure_audit_log()
        self.request(
            "POST",
            "/api/2.0/mlflow/experiments/set-experiment-tag",
            json={"experiment_id": audit_id, "key": WRITER_URL_TAG, "value": url.rstrip("/")},
        )

    def add_reader(self, username: str, password: str) -> bool:
        """A read-only account (the portal's): the server's default READ, nothing more."""
        return self.ensure_user(username, password)

    def add_user(
        self, role: str, username: str, password: str, organisation: str | None = None
    ) -> bool:
        """Create or extend an account of ``role`` (see :data:`ROLES`)."""
        if role == "data-scientist":
            if not organisation:
                raise AdminError(ORGANISATION_REQUIRED_MESSAGE)
            return self.add_data_scientist(organisation, username, password)
        if role == "auditor":
            return self.add_auditor(username, password)
        if role == "reader":
            return self.add_reader(username, password)
        if role == "writer":
            return self.add_writer(username, password)
        raise AdminError(UNKNOWN_ROLE_MESSAGE.format(role=role, roles=", ".join(ROLES)))

    def organisation_models(self, organisation: str) -> list[str]:
        """The slugs of every registered model tagged with ``organisation``."""
        slugs: list[str] = []
        token: str | None = None
        literal = "".join("_" if ch in "'\"\\`" else ch for ch in organisation)
        while True:
            params: dict[str, Any] = {
                "filter": f"tags.`organisation` LIKE '{literal}'",
                "max_results": 1000,
            }
            if token:
                params["page_token"] = token
            page = self.request("GET", "/api/2.0/mlflow/registered-models/search", params=params)
            slugs += [m["name"] for m in page.get("registered_models", [])]
            token = page.get("next_page_token")
            if not token:
                return slugs
