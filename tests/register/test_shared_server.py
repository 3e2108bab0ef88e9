"""The register against a shared server: PostgreSQL backend, basic auth, organisations.

One server per module (its start takes most of the time); accounts and
passwords are made per run.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import requests

from register import InvalidTrackingUriError, OwnershipError, Register, parse_record
from register.cli import main
from register.shared._auth import (
    AUTHENTICATION_MESSAGE,
    AuthenticationError,
    PermissionDeniedError,
    refusals_explained,
)
from register.shared._writer_service import NOT_OWNER_MESSAGE
from register.store import _catalogue as cat
from register.store import _catalogue_index
from register.store._uri import MALFORMED_URI_MESSAGE
from tests.conftest import free_port
from tests.register._shared import ORG_A, ORG_B, ORG_C, ORG_D, shared_server

WORKER = Path(__file__).with_name("shared_worker.py")
ROLES = ("ds-a", "ds-a2", "ds-b", "auditor", "portal", "anonymous", "wrong-password")
ALLOWED = {
    "register": {"ds-a", "ds-a2"},
    "publish": {"ds-a", "ds-a2"},
    "retire": {"ds-a", "ds-a2"},
    # Reviews are entries of the audit log, which only the writer service writes; it takes
    # them from auditors only (a data scientist cannot review, not even its own algorithm).
    "review": {"auditor"},
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):  # type: ignore[no-untyped-def]
    with shared_server(tmp_path_factory.mktemp("shared"), free_port()) as running:
        yield running


@pytest.fixture(scope="module")
def record_data(benefits_record):  # type: ignore[no-untyped-def]
    return benefits_record.to_json_dict()


def _record(record_data, slug: str, organisation: str):  # type: ignore[no-untyped-def]
    return parse_record({**record_data, "slug": slug, "organisation": organisation})


@pytest.fixture(scope="module")
def alg_a(shared, small_model, small_reference, record_data):  # type: ignore[no-untyped-def]
    """'alg-a' of organisation A: version 1 published, version 2 stored unpublished."""
    with shared.as_user("ds-a"):
        reg = Register(shared.url)
        rec = _record(record_data, "alg-a", ORG_A)
        reg.register_algorithm(small_model, rec, reference_data=small_reference)
        reg.register_algorithm(small_model, rec, reference_data=small_reference, publish=False)
    return rec


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, small_model, small_reference, record_data) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("bundle") / "bundle.pkl"
    path.write_bytes(pickle.dumps((small_model, small_reference.head(60), record_data)))
    return path


def test_register_suite_on_postgres_with_auth(shared, alg_a, small_model, small_reference):
    with shared.as_user("ds-a2"):  # the organisation's other data scientist
        reg = Register(shared.url)
        assert [i.slug for i in reg.search(organisation=ORG_A).items] == ["alg-a"]
        assert reg.get("alg-a").version == 1
        published = reg.publish("alg-a", 2)
        assert published.is_published
        assert [c.version for c in reg.history("alg-a")] == [1, 2]
        model = reg.load_model("alg-a", 2)
        np.testing.assert_array_equal(
            model.predict_proba(small_reference), small_model.predict_proba(small_reference)
        )
        assert reg.retire("alg-a").status == "retired"
    with shared.as_user("portal"):
        reader = Register(shared.url)
        summary = reader.search(organisation=ORG_A).items[0]
        assert (summary.version, summary.status) == (2, "retired")
        assert ORG_A in reader.filter_options().organisations
        assert reader.get_explanation("alg-a", 2).metadata.fingerprint


def _act(action: str, role: str, shared, alg_a, small_model, small_reference) -> None:  # type: ignore[no-untyped-def]
    reg = Register(shared.url)
    if action == "register":
        reg.register_algorithm(small_model, alg_a, reference_data=small_reference, publish=False)
    elif action == "publish":
        reg.publish("alg-a", 2)
    elif action == "retire":
        reg.retire("alg-a")
    else:  # the review goes to the writer service, which appends it to the audit log
        with refusals_explained(reg, "alg-a", step="reviewing"):
            reg.add_review(
                "alg-a",
                1,
                outcome="approved_with_remarks",
                text_sv=f"Granskad ({role}).",
                organisation="Revisionen",
                date="2026-01-02",
                checks=["additivity"],
            )


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(shared, alg_a, small_model, small_reference, role, action):
    user = None if role == "anonymous" else ("ds-a" if role == "wrong-password" else role)
    password = "not-the-password" if role == "wrong-password" else None
    with shared.as_user(user, password):
        if role in ALLOWED[action]:
            _act(action, role, shared, alg_a, small_model, small_reference)
            return
        with pytest.raises((AuthenticationError, PermissionDeniedError)) as refused:
            _act(action, role, shared, alg_a, small_model, small_reference)
    if role in ("anonymous", "wrong-password"):
        assert refused.type is AuthenticationError
        assert "HTTP 401" in str(refused.value)
    else:
        assert refused.type is PermissionDeniedError
        if action != "review":
            assert "'alg-a'" in str(refused.value) and ORG_A in str(refused.value)
    with shared.as_user("portal"):  # a refusal leaves the catalogue as it was
        reg = Register(shared.url)
        assert reg.get("alg-a").version in (1, 2)
        if action == "review":
            texts = [r.text.sv for r in reg.reviews("alg-a", 1)]
            assert f"Granskad ({role})." not in texts


def test_auditor_review_is_stored_and_readable_by_the_portal(shared, alg_a):
    with shared.as_user("auditor"):
        review = Register(shared.url).add_review(
            "alg-a", 1, outcome="concerns", text_sv="Ojämn träffsäkerhet.", organisation="Revisorer"
        )
    with shared.as_user("portal"):
        reader = Register(shared.url)
        assert review.review_id in [r.review_id for r in reader.reviews("alg-a", 1)]
        assert reader.verify_audit().ok


def test_anonymous_and_wrong_password_get_401_over_http(shared, alg_a):
    body = {"name": "alg-a", "key": "x", "value": "y"}
    url = shared.url + "/api/2.0/mlflow/registered-models/set-tag"
    assert requests.post(url, json=body, timeout=10).status_code == 401
    assert requests.post(url, json=body, auth=("ds-a", "wrong"), timeout=10).status_code == 401
    assert requests.post(url, json=body, auth=("nobody", "x"), timeout=10).status_code == 401
    reader = ("portal", shared.passwords["portal"])
    assert requests.post(url, json=body, auth=reader, timeout=10).status_code == 403
    create = shared.url + "/api/2.0/mlflow/registered-models/create"
    assert requests.post(create, json={"name": "x"}, auth=reader, timeout=10).status_code == 403


def test_cli_names_algorithm_and_organisation_on_403(shared, alg_a, capsys):
    with shared.as_user("ds-b"):
        assert main(["--tracking-uri", shared.url, "publish", "alg-a", "1"]) == 1
    message = " ".join(capsys.readouterr().err.split())
    expected = NOT_OWNER_MESSAGE.format(
        user="ds-b",
        role=f"a data scientist of '{ORG_B}'",
        what="a publication",
        slug="alg-a",
        owner=ORG_A,
    )
    assert " ".join(expected.split()) in message


def test_cli_wrong_password_is_a_clear_401(shared, alg_a, capsys):
    with shared.as_user("ds-a", "wrong-password-here"):
        assert main(["--tracking-uri", shared.url, "retire", "alg-a"]) == 1
    message = " ".join(capsys.readouterr().err.split())
    expected = AUTHENTICATION_MESSAGE.format(uri=shared.url, who=" of 'ds-a'")
    assert " ".join(expected.split()) in message


def test_slug_reused_by_another_organisation_is_refused(
    shared, alg_a, small_model, small_reference, record_data
):
    with shared.as_user("ds-b"), pytest.raises(OwnershipError, match="Kommun A"):
        Register(shared.url).register_algorithm(
            small_model, _record(record_data, "alg-a", ORG_B), reference_data=small_reference
        )


def test_malformed_tracking_uri_is_named(capsys):
    with pytest.raises(InvalidTrackingUriError, match="htp:/server"):
        Register("htp:/server")
    assert main(["--tracking-uri", "http://", "list"]) == 1
    assert MALFORMED_URI_MESSAGE.format(uri="http://")[:40] in capsys.readouterr().err


def test_twenty_parallel_registrations_from_four_organisations(shared, bundle):
    shared.add("data-scientist", "ds-c", ORG_C)
    shared.add("data-scientist", "ds-d", ORG_D)
    users = {"ds-a": ORG_A, "ds-b": ORG_B, "ds-c": ORG_C, "ds-d": ORG_D}
    logs = {user: bundle.with_name(f"{user}.log") for user in users}
    workers = {}
    for user, org in users.items():  # output to files: a full pipe must not stall a worker
        with logs[user].open("w") as log:
            workers[user] = subprocess.Popen(
                [sys.executable, str(WORKER), str(bundle), f"par-{user}", org, "5"],
                env=shared.env(user),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    for user, proc in workers.items():
        proc.wait(timeout=1800)
        assert proc.returncode == 0, logs[user].read_text()[-3000:]
    with shared.as_user("portal"):
        reg = Register(shared.url)
        for user, org in users.items():
            slug = f"par-{user}"
            versions = reg.client.search_model_versions(f"name = '{slug}'")
            assert sorted(int(v.version) for v in versions) == [1, 2, 3, 4, 5]
            assert all(v.tags.get("insyn.complete") == "true" for v in versions)
            model = reg.client.get_registered_model(slug)
            alias = model.aliases[cat.PUBLISHED_ALIAS]
            assert model.tags[cat.PUBLISHED_VERSION] == str(alias)
            assert model.tags[cat.ORGANISATION] == org
            listed = {i.slug: i.version for i in reg.search(organisation=org).items}
            assert listed[slug] == int(alias)  # the catalogue shows the published version
        _catalogue_index.forget(reg)
        assert {ORG_C, ORG_D} <= set(reg.filter_options().organisations)
        assert reg.verify_audit().ok  # the audit chain stayed valid under concurrent appends


def test_shared_demo_gives_two_organisations_that_cannot_write_to_each_other(shared, tmp_path):
    """What README's "Shared deployment" quick start (insyn admin serve-shared) sets up."""
    from register.cli._admin import (
        PASSWORD_FILE_SECTION,
        SHARED_DEMO_ORGANISATIONS,
        build_shared_demo,
    )

    for name in ("auditor", "portal"):  # accounts this server already has keep their passwords
        section = {
            "mlflow_tracking_username": name,
            "mlflow_tracking_password": shared.passwords[name],
        }
        (tmp_path / f"{name}.ini").write_text(
            f"[{PASSWORD_FILE_SECTION}]\n" + "".join(f"{k} = {v}\n" for k, v in section.items())
        )
        (tmp_path / f"{name}.ini").chmod(0o600)
    accounts = build_shared_demo(shared.url, shared.admin, tmp_path)
    assert all((tmp_path / f"{name}.ini").stat().st_mode & 0o077 == 0 for name in accounts)
    first, second = SHARED_DEMO_ORGANISATIONS
    with shared.as_user("portal", accounts["portal"]):
        reader = Register(shared.url)
        owners = {
            s: reader.get(s).record.organisation for s in ("benefits-uptake", "housing-guarantee")
        }
    assert owners == {"benefits-uptake": first, "housing-guarantee": second}
    for user, foreign in (("ds-exempel", "housing-guarantee"), ("ds-granne", "benefits-uptake")):
        with shared.as_user(user, accounts[user]):
            reg = Register(shared.url)
            with pytest.raises(PermissionDeniedError) as refused:
                reg.retire(foreign)
            assert repr(foreign) in str(refused.value) and owners[foreign] in str(refused.value)
            with pytest.raises(PermissionDeniedError):
                reg.publish(foreign, 1)
    with shared.as_user("portal", accounts["portal"]):
        reader = Register(shared.url)
        assert all(
            reader.get(s).status != "retired" for s in owners
        )  # the refusals changed nothing
    # running it again changes nothing and keeps the passwords
    assert build_shared_demo(shared.url, shared.admin, tmp_path) == accounts
