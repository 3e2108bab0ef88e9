"""The per-client rate limit: 429 with Retry-After after the limit, the client being the
socket's address unless a trusted proxy names it."""

from __future__ import annotations

from api import RATE_LIMITED_MESSAGE, TokenBuckets, client_address
from tests.api.conftest import BASE


def test_the_request_after_the_limit_is_429_with_retry_after(make_client):
    client = make_client(rate_limit=3)
    assert [client.get(f"{BASE}/filters").status_code for _ in range(3)] == [200] * 3
    refused = client.get(f"{BASE}/filters")
    assert refused.status_code == 429
    seconds = int(refused.headers["retry-after"])
    assert 1 <= seconds <= 60
    assert refused.json() == {
        "error": {"status": 429, "message": RATE_LIMITED_MESSAGE.format(seconds=seconds)}
    }


def test_no_limit_when_it_is_zero(make_client):
    client = make_client(rate_limit=0)
    assert {client.get(f"{BASE}/filters").status_code for _ in range(30)} == {200}


def test_a_spoofed_forwarded_for_does_not_escape_the_limit(make_client):
    client = make_client(rate_limit=2)
    codes = [
        client.get(f"{BASE}/filters", headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(make_client):
    client = make_client(rate_limit=1, trusted_proxies=["testclient"])
    one = {"X-Forwarded-For": "203.0.113.7"}
    two = {"X-Forwarded-For": "198.51.100.2"}
    assert client.get(f"{BASE}/filters", headers=one).status_code == 200
    assert client.get(f"{BASE}/filters", headers=one).status_code == 429
    assert client.get(f"{BASE}/filters", headers=two).status_code == 200


def test_client_address_takes_the_nearest_untrusted_hop():
    scope = {
        "client": ("10.0.0.1", 5000),
        "headers": [(b"x-forwarded-for", b"1.2.3.4, 5.6.7.8, 10.0.0.2")],
    }
    assert client_address(scope) == "10.0.0.1"
    assert client_address(scope, ["10.0.0.1", "10.0.0.2"]) == "5.6.7.8"


def test_buckets_refill_at_the_rate():
    now = [0.0]
    buckets = TokenBuckets(60, clock=lambda: now[0])  # one a second
    assert all(buckets.take("a") == 0 for _ in range(60))
    assert buckets.take("a") == 1.0
    now[0] = 1.0
    assert buckets.take("a") == 0
    assert buckets.take("b") == 0  # another client has its own bucket
