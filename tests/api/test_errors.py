"""Errors a client relies on: JSON in one format with a plain message; 422 names the
parameter, the rule and the value; a failing store is 503, anything else 500, and
neither shows a traceback, a tracking URI or the exception's text."""

from __future__ import annotations

import json
from typing import Any

from api import (
    BAD_PARAMETER_MESSAGE,
    INTERNAL_MESSAGE,
    MAX_QUERY_BYTES,
    QUERY_TOO_LONG_MESSAGE,
    UNREACHABLE_MESSAGE,
)
from register import Register, TrackingUnreachableError
from tests.api.conftest import BASE, FIRST

SECRET = "postgresql://insyn:hunter2@db.internal/register"


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    return dict(body["error"])


def test_a_bad_parameter_is_named_with_its_rule_and_value(client):
    cases = [
        (f"{BASE}/algorithms?limit=0", "limit", "must be at least 1", "0"),
        (f"{BASE}/algorithms?limit=201", "limit", "must be at most 200", "201"),
        (f"{BASE}/algorithms?limit=many", "limit", "must be a whole number", "many"),
        (f"{BASE}/algorithms/{FIRST}/versions/two", "version", "must be a whole number", "two"),
        (f"{BASE}/audit/entries?after=-1", "after", "must be at least 0", "-1"),
        (f"{BASE}/algorithms?q=" + "a" * 201, "q", "must be at most 200 characters long", None),
    ]
    for url, parameter, rule, value in cases:
        error = _error(client.get(url), 422)
        assert (error["parameter"], error["rule"]) == (parameter, rule), url
        if value is not None:
            assert error["value"] == value
            assert error["message"] == BAD_PARAMETER_MESSAGE.format(
                parameter=parameter, rule=rule, value=json.dumps(value)
            )


def test_a_hostile_value_is_echoed_as_a_json_string_only(client):
    hostile = "<script>alert(1)</script>"
    response = client.get(f"{BASE}/algorithms", params={"limit": hostile})
    error = _error(response, 422)
    assert error["value"] == hostile
    assert b"<" not in response.content and b">" not in response.content  # \u003c in JSON
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "text/html" not in response.headers["content-type"]
    # as free text it is just a search that finds nothing
    assert client.get(f"{BASE}/algorithms", params={"q": hostile}).json()["items"] == []


def test_an_over_long_query_string_is_refused(client):
    query = "q=" + "x" * (MAX_QUERY_BYTES + 10)
    error = _error(client.get(f"{BASE}/algorithms?{query}"), 414)
    assert error["message"] == QUERY_TOO_LONG_MESSAGE.format(
        length=len(query), limit=MAX_QUERY_BYTES
    )
    assert "xxxx" not in error["message"]


class _Failing(Register):
    """A register whose reads fail as ``error`` (a fake standing in for a broken store)."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise self._error

    search = get = filter_options = history = audit_head = audit_entries = _fail
    check_reachable = _fail


def test_an_unexpected_error_is_a_plain_500_without_traceback_or_secrets(make_client):
    client = make_client(_Failing(RuntimeError(f"cannot read {SECRET}: File x.py line 3")))
    for path in ("/algorithms", f"/algorithms/{FIRST}", "/filters", "/audit/head"):
        response = client.get(BASE + path)
        error = _error(response, 500)
        assert error == {"status": 500, "message": INTERNAL_MESSAGE}
        assert "Traceback" not in response.text and "hunter2" not in response.text


def test_an_unreachable_store_is_503_with_retry_after(make_client):
    client = make_client(_Failing(TrackingUnreachableError(f"{SECRET} does not answer")))
    for path in ("/algorithms", "/health", f"/algorithms/{FIRST}/versions"):
        response = client.get(BASE + path)
        assert _error(response, 503)["message"] == UNREACHABLE_MESSAGE
        assert int(response.headers["retry-after"]) > 0
        assert "hunter2" not in response.text


def test_an_unknown_address_is_a_json_404(client):
    error = _error(client.get(f"{BASE}/nothing-here"), 404)
    assert "nothing-here" in error["message"]
