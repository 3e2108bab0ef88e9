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


def test_atom_feed_is_the_registers_change_feed_with_its_chain_hashes(
    client: TestClient, api_register: Register
) -> None:
    import xml.etree.ElementTree as ET

    import feedparser

    from register import change_feed

    response = client.get(f"{BASE}/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert response.headers["etag"]
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    expected = change_feed(api_register, limit=100)
    assert len(parsed.entries) == len(expected.entries) > 0
    root = ET.fromstring(response.content)
    ns = {"insyn": "urn:insyn:feed:1", "atom": "http://www.w3.org/2005/Atom"}
    hashes = [node.text for node in root.findall("atom:entry/insyn:chainHash", ns)]
    assert hashes == [entry.chain_hash for entry in expected.entries]
    # the self link is the API's own address; entries link to the portal's algorithm pages
    self_link = root.find("atom:link[@rel='self']", ns)
    assert self_link is not None and self_link.get("href", "").endswith("/api/v1/feed.atom")
    links = [entry.link for entry in parsed.entries]
    assert all(link.startswith("http://127.0.0.1:8501/algorithm?slug=") for link in links)


def test_json_feed_per_organisation_holds_only_its_algorithms(client: TestClient) -> None:
    from tests.api.conftest import SECOND, SECOND_ORGANISATION

    response = client.get(
        f"{BASE}/feed.json", params={"organisation": SECOND_ORGANISATION, "lang": "en"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/feed+json")
    body = response.json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert body["items"]
    assert {item["_insyn"]["slug"] for item in body["items"]} == {SECOND}


def test_feed_names_a_bad_language(client: TestClient) -> None:
    response = client.get(f"{BASE}/feed.atom", params={"lang": "fi"})
    assert response.status_code == 422
    assert response.json()["error"]["parameter"] == "lang"


def test_statistics_are_the_registers_own(client: TestClient, api_register: Register) -> None:
    from register import register_statistics

    response = client.get(f"{BASE}/statistics")
    assert response.status_code == 200
    body = response.json()
    assert body == register_statistics(api_register).to_dict()
    # two published algorithms (the never-published one is not counted)
    assert body["published"] == 2
