"""What a client of the catalogue relies on: only published algorithms, filters, and
pages that together hold every match exactly once."""

from __future__ import annotations

from urllib.parse import urlsplit

from api import PAGE_TOKEN_RULE
from api._routes_catalogue import PAGE_TOKEN_PATTERN
from register._facade import NOT_FOUND_MESSAGE, NOT_PUBLISHED_MESSAGE
from tests.api.conftest import BASE, FIRST, HIDDEN, SECOND, SECOND_ORGANISATION


def test_the_catalogue_lists_published_algorithms_only(client, api_register):
    body = client.get(f"{BASE}/algorithms").json()
    slugs = [item["slug"] for item in body["items"]]
    assert slugs == sorted([FIRST, SECOND])  # the register orders by slug; HIDDEN is not there
    assert body["next_page_token"] is None and body["next"] is None
    first = next(item for item in body["items"] if item["slug"] == FIRST)
    record = api_register.get(FIRST).record
    assert first["name"] == {"sv": record.name.sv, "en": record.name.en}
    assert first["version"] == 2
    assert first["organisation"] == record.organisation
    assert first["url"] == f"{BASE}/algorithms/{FIRST}"
    assert client.get(first["url"]).status_code == 200


def test_filters_and_free_text_narrow_the_catalogue(client):
    by_organisation = client.get(f"{BASE}/algorithms", params={"organisation": SECOND_ORGANISATION})
    assert [i["slug"] for i in by_organisation.json()["items"]] == [SECOND]
    nothing = client.get(f"{BASE}/algorithms", params={"q": "ingenting-som-finns"})
    assert nothing.json()["items"] == []
    options = client.get(f"{BASE}/filters").json()
    assert SECOND_ORGANISATION in options["organisations"]
    assert set(options) == {"organisations", "themes", "statuses", "risk_categories"}


def test_next_page_token_walks_every_page_exactly_once(client):
    everything = [i["slug"] for i in client.get(f"{BASE}/algorithms").json()["items"]]
    walked: list[str] = []
    token = None
    for _ in range(10):
        params = {"limit": 1, **({"page_token": token} if token else {})}
        page = client.get(f"{BASE}/algorithms", params=params).json()
        assert len(page["items"]) <= 1
        walked += [i["slug"] for i in page["items"]]
        token = page["next_page_token"]
        if token is None:
            assert page["next"] is None
            break
    assert walked == everything
    # the `next` link is the same walk
    first = client.get(f"{BASE}/algorithms", params={"limit": 1}).json()
    link = urlsplit(first["next"])
    second = client.get(f"{link.path}?{link.query}").json()
    assert [i["slug"] for i in first["items"] + second["items"]] == everything


def test_a_page_token_of_another_search_or_a_forged_one_is_refused(client):
    first = client.get(f"{BASE}/algorithms", params={"limit": 1}).json()
    token = first["next_page_token"]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for params in ({"limit": 2, "page_token": token}, {"limit": 1, "page_token": forged}):
        response = client.get(f"{BASE}/algorithms", params=params)
        assert response.status_code == 422
        error = response.json()["error"]
        assert (error["parameter"], error["rule"]) == ("page_token", PAGE_TOKEN_RULE)
        assert error["value"] == params["page_token"]
    garbled = client.get(f"{BASE}/algorithms", params={"page_token": "<b>"}).json()["error"]
    assert garbled["parameter"] == "page_token"
    assert garbled["rule"] == f"must match the pattern {PAGE_TOKEN_PATTERN}"


def test_one_algorithm_has_its_published_summary_and_every_version(client):
    body = client.get(f"{BASE}/algorithms/{FIRST}").json()
    assert body["slug"] == FIRST and body["version"] == 2
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["versions"][1]["changed_fields"] == ["supplier"]
    assert body["versions"][1]["aliases"] == ["published"]


def test_unknown_and_unpublished_algorithms_are_404_with_the_registers_message(client):
    unknown = client.get(f"{BASE}/algorithms/no-such-thing")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "error": {"status": 404, "message": NOT_FOUND_MESSAGE.format(slug="no-such-thing")}
    }
    hidden_message = NOT_PUBLISHED_MESSAGE.format(slug=HIDDEN)
    for path in (
        f"/algorithms/{HIDDEN}",
        f"/algorithms/{HIDDEN}/versions",
        f"/algorithms/{HIDDEN}/versions/1",
        f"/algorithms/{HIDDEN}/versions/1/explanation",
        f"/algorithms/{HIDDEN}/reviews",
        f"/algorithms/{HIDDEN}/versions/1/exports",
        f"/audit/entries?slug={HIDDEN}",
    ):
        response = client.get(BASE + path)
        assert response.status_code == 404, path
        assert response.json()["error"]["message"] == hidden_message, path
