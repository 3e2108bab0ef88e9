"""The read API's history routes: two versions compared (the same result the register's
``diff_versions`` gives the portal), the change feed and the statistics."""

from __future__ import annotations

from starlette.testclient import TestClient

from register import Register, diff_versions
from register.history._diff import SAME_VERSION_MESSAGE
from tests.api.conftest import BASE, FIRST, HIDDEN


def test_diff_answers_the_registers_own_comparison(
    client: TestClient, api_register: Register
) -> None:
    response = client.get(f"{BASE}/algorithms/{FIRST}/diff", params={"from": 1, "to": 2})
    assert response.status_code == 200
    assert response.headers["etag"]
    body = response.json()
    assert body == diff_versions(api_register, FIRST, 1, 2).to_dict()
    # version 2 changed the supplier only: that field is listed with both values
    paths = [change["path"] for change in body["fields"]]
    assert "supplier" in paths
    supplier = next(change for change in body["fields"] if change["path"] == "supplier")
    assert supplier["after"] == "Ny leverantör AB"
    again = client.get(
        f"{BASE}/algorithms/{FIRST}/diff",
        params={"from": 1, "to": 2},
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304


def test_diff_of_one_version_with_itself_is_refused_with_the_registers_message(
    client: TestClient,
) -> None:
    response = client.get(f"{BASE}/algorithms/{FIRST}/diff", params={"from": 2, "to": 2})
    assert response.status_code == 422
    expected = SAME_VERSION_MESSAGE.split("{")[0]
    assert response.json()["error"]["message"].startswith(expected)


def test_diff_of_unknown_version_or_unpublished_algorithm_is_404(client: TestClient) -> None:
    missing = client.get(f"{BASE}/algorithms/{FIRST}/diff", params={"from": 1, "to": 9})
    assert missing.status_code == 404
    assert "9" in missing.json()["error"]["message"]
    hidden = client.get(f"{BASE}/algorithms/{HIDDEN}/diff", params={"from": 1, "to": 2})
    assert hidden.status_code == 404


def test_diff_names_a_bad_parameter(client: TestClient) -> None:
    response = client.get(f"{BASE}/algorithms/{FIRST}/diff", params={"from": "x", "to": 2})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["parameter"] == "from"
    assert "whole number" in error["rule"]
