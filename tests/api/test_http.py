"""Caching and reading from other sites: strong ETags, 304, Cache-Control, CORS, HEAD."""

from __future__ import annotations

import hashlib

from tests.api.conftest import BASE, FIRST

PATHS = (
    "/algorithms",
    "/filters",
    f"/algorithms/{FIRST}",
    f"/algorithms/{FIRST}/versions/2",
    f"/algorithms/{FIRST}/versions/2/explanation",
    "/audit/head",
    "/openapi.json",
)


def test_every_answer_has_a_strong_etag_of_its_body_and_cache_control(client):
    for path in PATHS:
        response = client.get(BASE + path)
        assert response.status_code == 200, path
        etag = response.headers["etag"]
        assert etag == '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"', path
        assert response.headers["cache-control"].startswith("public, max-age="), path
        assert response.headers["content-type"].startswith("application/json"), path
        assert response.headers["x-content-type-options"] == "nosniff"


def test_if_none_match_gives_304_without_a_body(client):
    for path in PATHS:
        first = client.get(BASE + path)
        again = client.get(BASE + path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304, path
        assert again.content == b""
        assert again.headers["etag"] == first.headers["etag"]
        listed = client.get(BASE + path, headers={"If-None-Match": f'"x", {first.headers["etag"]}'})
        assert listed.status_code == 304
        other = client.get(BASE + path, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200 and other.content == first.content


def test_any_origin_may_read_without_credentials(client):
    response = client.get(f"{BASE}/algorithms", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "ETag" in response.headers["access-control-expose-headers"]
    preflight = client.options(
        f"{BASE}/algorithms",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    allowed = {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}
    refused = client.options(
        f"{BASE}/algorithms",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "DELETE"},
    )
    assert refused.status_code == 400


def test_cors_can_be_turned_off(make_client):
    response = make_client(cors=False).get(f"{BASE}/algorithms", headers={"Origin": "https://x"})
    assert "access-control-allow-origin" not in response.headers


def test_head_answers_the_headers_of_get_without_a_body(client):
    get = client.get(f"{BASE}/algorithms/{FIRST}")
    head = client.head(f"{BASE}/algorithms/{FIRST}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]


def test_writes_are_refused_in_the_error_format(client):
    response = client.post(f"{BASE}/algorithms", json={})
    assert response.status_code == 405
    assert response.json()["error"]["status"] == 405
