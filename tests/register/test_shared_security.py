"""The shared deployment's permission matrix, from outside: plain HTTP against the real servers.

Every role (each organisation's data scientist, the auditor, the portal's reader,
anonymous, a wrong password, a changed password after the cache window) tries
every write on the audit log, on the catalogue and on another organisation's
algorithm, straight at the tracking server and at the writer service. Each case
asserts the status code and, by reading everything back, that nothing changed;
the chain still verifies and names who wrote each entry.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from register import Register, parse_record
from register.audit._chain import LOG_RUN_TAG
from register.shared._admin import WRITER_URL_TAG
from register.shared._auth import AUDIT_EXPERIMENT, ORG_EXPERIMENT
from register.shared._writer_service import NO_REVIEW_MESSAGE, NOT_OWNER_MESSAGE
from register.store._server_guard import (
    ALIAS_REFUSED_MESSAGE,
    DEMO_REFUSED_MESSAGE,
    RESERVED_NAME_MESSAGE,
)
from tests.conftest import free_port
from tests.register._shared import ORG_A, ORG_B, SHORT_AUTH_CACHE_SECONDS, shared_server

API = "/api/2.0/mlflow"
ROLES = ("ds-a", "ds-b", "auditor", "portal", "anonymous", "wrong-password")
UNAUTHENTICATED = ("anonymous", "wrong-password")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("shared-security")
    with shared_server(home, free_port(), SHORT_AUTH_CACHE_SECONDS) as running:
        yield running


@pytest.fixture(scope="module")
def algs(shared, small_model, small_reference, benefits_record):  # type: ignore[no-untyped-def]
    """'sec-a' of organisation A and 'sec-b' of organisation B, each published by its own
    data scientist through the writer service, and one auditor review of 'sec-a'."""
    data = benefits_record.to_json_dict()
    for user, slug, org in (("ds-a", "sec-a", ORG_A), ("ds-b", "sec-b", ORG_B)):
        with shared.as_user(user):
            Register(shared.url).register_algorithm(
                small_model,
                parse_record({**data, "slug": slug, "organisation": org}),
                reference_data=small_reference,
            )
    with shared.as_user("auditor"):
        Register(shared.url).add_review(
            "sec-a", 1, outcome="approved", text_sv="Granskad.", organisation="Revisionen"
        )
    return ("sec-a", "sec-b")


def _auth(shared, role: str) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    if role == "anonymous":
        return None
    if role == "wrong-password":
        return ("ds-a", "not-the-password")
    return (role, shared.passwords[role])


def _admin_get(shared, endpoint: str, **params: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return shared.admin.request("GET", endpoint, params=params)  # type: ignore[no-any-return]


def _audit_experiment(shared) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    found = _admin_get(shared, f"{API}/experiments/get-by-name", experiment_name=AUDIT_EXPERIMENT)
    return found["experiment"]  # type: ignore[no-any-return]


def _tags(obj: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in obj.get("tags", [])}


def _log_run(shared) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    run_id = _tags(_audit_experiment(shared))[LOG_RUN_TAG]
    return _admin_get(shared, f"{API}/runs/get", run_id=run_id)["run"]  # type: ignore[no-any-return]


def _artifacts(shared, run_id: str, path: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    listed = _admin_get(shared, f"{API}/artifacts/list", run_id=run_id, path=path)
    out = []
    for info in listed.get("files", []):
        out += _artifacts(shared, run_id, info["path"]) if info["is_dir"] else [info["path"]]
    return sorted(out)


def _state(shared) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Everything the writes below could change, read as the administrator."""
    experiment = _audit_experiment(shared)
    run = _log_run(shared)
    runs = shared.admin.request(
        "POST",
        f"{API}/runs/search",
        json={"experiment_ids": [experiment["experiment_id"]], "max_results": 100},
    )
    experiments = shared.admin.request(
        "POST", f"{API}/experiments/search", json={"max_results": 1000, "view_type": "ALL"}
    )
    models = {}
    for slug in ("sec-a", "sec-b"):
        model = _admin_get(shared, f"{API}/registered-models/get", name=slug)["registered_model"]
        models[slug] = (_tags(model), model.get("aliases", []))
    return {
        "experiment": (experiment["name"], experiment["lifecycle_stage"], _tags(experiment)),
        "log_run": (run["data"].get("params", []), run["data"].get("tags", [])),
        "log_files": _artifacts(shared, run["info"]["run_id"]),
        "runs": sorted(r["info"]["run_id"] for r in runs.get("runs", [])),
        "experiments": sorted(e["name"] for e in experiments.get("experiments", [])),
        "models": models,
    }


def _upload_url(shared, run: dict[str, Any], path: str) -> str:  # type: ignore[no-untyped-def]
    root = run["info"]["artifact_uri"].split("mlflow-artifacts:", 1)[1].lstrip("/")
    return f"{shared.url}/api/2.0/mlflow-artifacts/artifacts/{root}/{path}"


def _log_write(shared, write: str, auth: tuple[str, str] | None) -> requests.Response:  # type: ignore[no-untyped-def]
    experiment_id = _audit_experiment(shared)["experiment_id"]
    run = _log_run(shared)
    run_id = run["info"]["run_id"]
    url = shared.url + API
    if write == "create-run":
        return requests.post(
            f"{url}/runs/create", json={"experiment_id": experiment_id}, auth=auth, timeout=30
        )
    if write == "log-artifact":
        return requests.put(
            _upload_url(shared, run, "entries/99999999-forged.json"),
            data=b'{"event": "retired"}',
            auth=auth,
            timeout=30,
        )
    if write == "upload-review-file":
        return requests.put(
            _upload_url(shared, run, "insyn/reviews/sec-a/1/forged.json"),
            data=b'{"outcome": "approved"}',
            auth=auth,
            timeout=30,
        )
    if write == "claim-entry":
        body = {"run_id": run_id, "key": "entry.99999999", "value": "0" * 64}
        return requests.post(f"{url}/runs/log-parameter", json=body, auth=auth, timeout=30)
    if write == "point-log-run-tag":
        body = {"experiment_id": experiment_id, "key": LOG_RUN_TAG, "value": "forged"}
        return requests.post(
            f"{url}/experiments/set-experiment-tag", json=body, auth=auth, timeout=30
        )
    if write == "change-writer-url":
        body = {"experiment_id": experiment_id, "key": WRITER_URL_TAG, "value": "http://evil"}
        return requests.post(
            f"{url}/experiments/set-experiment-tag", json=body, auth=auth, timeout=30
        )
    if write == "rename-experiment":
        body = {"experiment_id": experiment_id, "new_name": "insyn.audit.old"}
        return requests.post(f"{url}/experiments/update", json=body, auth=auth, timeout=30)
    assert write == "delete-experiment"
    body = {"experiment_id": experiment_id}
    return requests.post(f"{url}/experiments/delete", json=body, auth=auth, timeout=30)


LOG_WRITES = (
    "create-run",
    "log-artifact",
    "upload-review-file",
    "claim-entry",
    "point-log-run-tag",
    "change-writer-url",
    "rename-experiment",
    "delete-experiment",
)


@pytest.mark.parametrize("write", LOG_WRITES)
@pytest.mark.parametrize("role", ROLES)
def test_nobody_but_the_writer_writes_the_audit_log(shared, algs, role, write):
    before = _state(shared)
    response = _log_write(shared, write, _auth(shared, role))
    assert response.status_code == (401 if role in UNAUTHENTICATED else 403), response.text
    assert _state(shared) == before


def _writer_post(shared, path: str, body: dict[str, Any], auth) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.post(f"{shared.writer.url}/v1/{path}", json=body, auth=auth, timeout=120)


REVIEW = {"outcome": "approved", "text_sv": "Förfalskad.", "organisation": "Riksrevisionen"}
WRITER_POSTS: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    # name: (path, body, roles allowed)
    "entry-own-a": (
        "entries",
        {"event": "record_changed", "slug": "sec-a", "version": 1, "details": {"n": 1}},
        {"ds-a"},
    ),
    "publish-a": ("publish", {"slug": "sec-a", "version": 1}, {"ds-a"}),
    "retire-b": ("retire", {"slug": "sec-b"}, set()),  # allowed for ds-b; not tried here
    "retired-entry-b": (
        "entries",
        {"event": "retired", "slug": "sec-b", "version": 1},
        set(),
    ),
    "review-a": ("reviews", {"slug": "sec-a", "version": 1, "review": REVIEW}, {"auditor"}),
}


def _entries(shared) -> list[Any]:  # type: ignore[no-untyped-def]
    with shared.as_user("portal"):
        return Register(shared.url).audit_entries()


@pytest.mark.parametrize("post", sorted(WRITER_POSTS))
@pytest.mark.parametrize("role", ROLES)
def test_writer_service_takes_only_entries_within_the_role(shared, algs, role, post):
    path, body, allowed = WRITER_POSTS[post]
    if post == "retire-b" and role == "ds-b":
        return  # ds-b may retire its own algorithm; that write is not part of this matrix
    before, head = _state(shared), len(_entries(shared))
    response = _writer_post(shared, path, body, _auth(shared, role))
    if role in allowed:
        assert response.status_code == 200, response.text
        entry = response.json()["entry"]
        organisation = ORG_A if role == "ds-a" else None
        kind = "organisation" if role.startswith("ds-") else "auditor"
        assert entry["author"] == {"username": role, "role": kind, "organisation": organisation}
        return
    expected = 401 if role in UNAUTHENTICATED else 403
    if post == "retired-entry-b" and role == "ds-b":
        expected = 400  # its own algorithm, but retirement is not a posted entry
    assert response.status_code == expected, response.text
    assert response.json()["message"]  # a plain sentence, not a traceback
    if post == "review-a" and role.startswith("ds-"):
        assert response.json()["message"] == NO_REVIEW_MESSAGE.format(user=role)
    assert (_state(shared), len(_entries(shared))) == (before, head)


def test_refusals_name_the_algorithm_and_its_organisation(shared, algs):
    response = _writer_post(
        shared, "publish", {"slug": "sec-a", "version": 1}, _auth(shared, "ds-b")
    )
    assert response.status_code == 403
    assert response.json()["message"] == NOT_OWNER_MESSAGE.format(
        user="ds-b",
        role=f"a data scientist of '{ORG_B}'",
        what="a publication",
        slug="sec-a",
        owner=ORG_A,
    )


@pytest.mark.parametrize("role", ("ds-a", "ds-b", "auditor", "portal"))
def test_catalogue_writes_on_another_organisations_algorithm_are_refused(shared, algs, role):
    auth = _auth(shared, role)
    target, other = ("sec-b", ORG_A) if role == "ds-a" else ("sec-a", ORG_B)
    before = _state(shared)
    url = shared.url + API
    alias = {"name": target, "alias": "published", "version": "1"}
    response = requests.post(f"{url}/registered-models/alias", json=alias, auth=auth, timeout=30)
    assert response.status_code == 403
    assert response.json()["message"] == ALIAS_REFUSED_MESSAGE  # the guard speaks first
    tag = {"name": target, "key": "organisation", "value": other}
    response = requests.post(f"{url}/registered-models/set-tag", json=tag, auth=auth, timeout=30)
    assert response.status_code == 403
    version_tag = {"name": target, "version": "1", "key": "insyn.status", "value": "retired"}
    response = requests.post(
        f"{url}/model-versions/set-tag", json=version_tag, auth=auth, timeout=30
    )
    assert response.status_code == 403
    assert _state(shared) == before


def test_even_the_owner_cannot_move_its_alias_around_the_log(shared, algs):
    before = _state(shared)
    alias = {"name": "sec-a", "alias": "published", "version": "2"}
    response = requests.post(
        f"{shared.url}{API}/registered-models/alias",
        json=alias,
        auth=_auth(shared, "ds-a"),
        timeout=30,
    )
    assert response.status_code == 403
    assert response.json()["message"] == ALIAS_REFUSED_MESSAGE
    response = requests.delete(
        f"{shared.url}{API}/registered-models/alias",
        json={"name": "sec-a", "alias": "published"},
        auth=_auth(shared, "ds-a"),
        timeout=30,
    )
    assert response.status_code == 403
    assert _state(shared) == before


def _model_with_version(shared, user: str, slug: str, org: str, experiment_id: str) -> None:  # type: ignore[no-untyped-def]
    """A registered model tagged ``org`` with one complete-looking version whose run lives
    in ``experiment_id``, made with plain MLflow requests as ``user``."""
    auth, url = _auth(shared, user), shared.url + API
    run = requests.post(
        f"{url}/runs/create", json={"experiment_id": experiment_id}, auth=auth, timeout=30
    )
    assert run.status_code == 200, run.text
    run_id = run.json()["run"]["info"]["run_id"]
    created = requests.post(
        f"{url}/registered-models/create",
        json={"name": slug, "tags": [{"key": "organisation", "value": org}]},
        auth=auth,
        timeout=30,
    )
    assert created.status_code == 200, created.text
    version = requests.post(
        f"{url}/model-versions/create",
        json={"name": slug, "source": f"runs:/{run_id}/model", "run_id": run_id},
        auth=auth,
        timeout=30,
    )
    assert version.status_code == 200, version.text
    tag = {"name": slug, "version": "1", "key": "insyn.complete", "value": "true"}
    response = requests.post(f"{url}/model-versions/set-tag", json=tag, auth=auth, timeout=30)
    assert response.status_code == 200, response.text


def _experiment_id(shared, name: str) -> str:  # type: ignore[no-untyped-def]
    found = _admin_get(shared, f"{API}/experiments/get-by-name", experiment_name=name)
    return str(found["experiment"]["experiment_id"])


def test_a_model_tagged_with_another_organisation_cannot_be_published(shared, algs):
    """ds-b labels a model of its own run as organisation A's: neither ds-b (not A) nor
    ds-a (the run is not in A's experiment) gets the writer to publish it."""
    _model_with_version(
        shared,
        "ds-b",
        "fake-a",
        ORG_A,
        _experiment_id(shared, ORG_EXPERIMENT.format(organisation=ORG_B)),
    )
    head = len(_entries(shared))
    for role in ("ds-b", "ds-a"):
        response = _writer_post(
            shared, "publish", {"slug": "fake-a", "version": 1}, _auth(shared, role)
        )
        assert response.status_code == 403, response.text
    assert f"its run lives in '{ORG_EXPERIMENT.format(organisation=ORG_B)}'" in " ".join(
        response.json()["message"].split()
    )
    model = _admin_get(shared, f"{API}/registered-models/get", name="fake-a")["registered_model"]
    assert not model.get("aliases")
    assert len(_entries(shared)) == head
    with shared.as_user("portal"):
        assert "fake-a" not in [i.slug for i in Register(shared.url).search().items]


def test_a_version_from_outside_the_organisations_experiment_cannot_be_published(shared, algs):
    auth = _auth(shared, "ds-a")
    created = requests.post(
        f"{shared.url}{API}/experiments/create", json={"name": "scratch-a"}, auth=auth, timeout=30
    )
    assert created.status_code == 200, created.text
    _model_with_version(shared, "ds-a", "stray-a", ORG_A, created.json()["experiment_id"])
    head = len(_entries(shared))
    response = _writer_post(shared, "publish", {"slug": "stray-a", "version": 1}, auth)
    assert response.status_code == 403
    assert "'scratch-a'" in response.json()["message"]
    assert len(_entries(shared)) == head


@pytest.mark.parametrize("name", ("insyn/Kommun Z", "insyn.audit", "INSYN.audit.copy", "insyn"))
def test_reserved_experiment_names_are_the_administrators(shared, algs, name):
    before = _state(shared)
    for role in ("ds-a", "auditor", "portal"):
        response = requests.post(
            f"{shared.url}{API}/experiments/create",
            json={"name": name},
            auth=_auth(shared, role),
            timeout=30,
        )
        assert response.status_code == 403
        if role == "ds-a":  # the others hold no create right at all
            assert response.json()["message"] == RESERVED_NAME_MESSAGE.format(name=name)
    own = _experiment_id(shared, ORG_EXPERIMENT.format(organisation=ORG_A))
    for new_name in (f"{name}/2", "scratch-renamed"):  # to a reserved name; away from one
        response = requests.post(
            f"{shared.url}{API}/experiments/update",
            json={"experiment_id": own, "new_name": new_name},
            auth=_auth(shared, "ds-a"),
            timeout=30,
        )
        assert response.status_code == 403
    assert _state(shared) == before
    assert _experiment_id(shared, ORG_EXPERIMENT.format(organisation=ORG_A)) == own


def test_the_reader_can_neither_generate_demo_data_nor_create_experiments(shared, algs):
    before = _state(shared)
    auth = _auth(shared, "portal")
    for prefix in ("/ajax-api/3.0", "/api/3.0"):
        response = requests.post(
            f"{shared.url}{prefix}/mlflow/demo/generate", json={}, auth=auth, timeout=60
        )
        assert response.status_code == 403
        assert response.json()["message"] == DEMO_REFUSED_MESSAGE
    response = requests.post(
        f"{shared.url}{API}/experiments/create", json={"name": "reader"}, auth=auth, timeout=30
    )
    assert response.status_code == 403
    response = requests.post(
        f"{shared.url}{API}/registered-models/create", json={"name": "r"}, auth=auth, timeout=30
    )
    assert response.status_code == 403
    assert _state(shared) == before


def test_a_changed_password_stops_working_after_the_cache_window(shared, algs):
    shared.add("data-scientist", "ds-b2", ORG_B)
    old = ("ds-b2", shared.passwords["ds-b2"])
    entry = {"event": "record_changed", "slug": "sec-a", "version": 1}
    assert _writer_post(shared, "entries", entry, old).status_code == 403  # known, refused
    shared.admin.request(
        "PATCH",
        f"{API}/users/update-password",
        json={"username": "ds-b2", "password": "a-new-password-1234"},
    )
    # The tracking server's workers and the writer service each trust a checked password
    # for SHORT_AUTH_CACHE_SECONDS here; past both windows the old one is refused everywhere.
    time.sleep(2 * SHORT_AUTH_CACHE_SECONDS + 1)
    before = _state(shared)
    assert _writer_post(shared, "entries", entry, old).status_code == 401
    tag = {"name": "sec-b", "key": "x", "value": "y"}
    response = requests.post(
        f"{shared.url}{API}/registered-models/set-tag", json=tag, auth=old, timeout=30
    )
    assert response.status_code == 401
    new = ("ds-b2", "a-new-password-1234")
    assert _writer_post(shared, "entries", entry, new).status_code == 403  # authenticated
    assert _state(shared) == before


def test_the_chain_verifies_and_names_every_author(shared, algs):
    """After every attempt above the log is intact and signed by the one writer. The
    models made around insyn with plain MLflow requests (never logged, never published,
    without insyn's catalogue tags) are not algorithms of the register: not listed."""
    with shared.as_user("portal"):
        reg = Register(shared.url)
        verification = reg.verify_audit()
        entries = reg.audit_entries()
        models = {m.name for m in reg.client.search_registered_models()}
        listed = {i.slug for i in reg.search(include_unpublished=True).items}
    assert {"fake-a", "stray-a"} <= models  # made by the tests above
    assert not {"fake-a", "stray-a"} & listed
    assert verification.ok, verification.problems
    assert verification.unsigned == 0 and len(verification.key_ids) == 1
    authors = {(e.slug, e.event): e.author for e in entries}
    assert authors[("sec-a", "published")] == {
        "username": "ds-a",
        "role": "organisation",
        "organisation": ORG_A,
    }
    assert authors[("sec-b", "registered")]["username"] == "ds-b"
    assert authors[("sec-a", "review_added")] == {
        "username": "auditor",
        "role": "auditor",
        "organisation": None,
    }
    assert all(e.author and e.author["username"] for e in entries)


def test_the_writer_refuses_malformed_and_forged_entries_plainly(shared, algs):
    from register._facade import RECORD_PATH

    auth = _auth(shared, "ds-a")
    head = len(_entries(shared))
    with shared.as_user("portal"):
        run_id = Register(shared.url).view.version("sec-a", 1).run_id
    url = f"{shared.writer.url}/v1/entries"
    cases = [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'{"event": "record_changed", "slug": "sec-a", "version": "1"}', 400),
        (b'{"event": "record_changed", "slug": "no-such-algorithm", "version": 1}', 404),
    ]
    for raw, status in cases:
        response = requests.post(url, data=raw, auth=auth, timeout=60)
        assert response.status_code == status, (raw, response.text)
        assert response.json()["message"] and "Traceback" not in response.text
    forged = {"run_id": run_id, "path": RECORD_PATH, "sha256": "0" * 64}
    body = {"event": "record_changed", "slug": "sec-a", "version": 1, "artifacts": [forged]}
    response = _writer_post(shared, "entries", body, auth)
    assert response.status_code == 403 and RECORD_PATH in response.json()["message"]
    details = {"organisation": ORG_B, "run_id": run_id}
    body = {"event": "registered", "slug": "sec-a", "version": 1, "details": details}
    assert _writer_post(shared, "entries", body, auth).status_code == 403
    response = requests.post(url, json={"slug": "sec-a"}, timeout=60)  # no credentials
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert len(_entries(shared)) == head
