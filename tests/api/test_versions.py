"""One algorithm's versions, their explanation and fairness aggregates, reviews, the
audit log and the downloads: what the portal shows publicly, and never a row of data."""

from __future__ import annotations

import json
from typing import Any

from register import record_exports
from register._facade import VERSION_NOT_FOUND_MESSAGE
from tests.api.conftest import BASE, FIRST, HIDDEN, SECOND

ROW_KEYS = {"values", "background", "predictions", "margin", "rows_data"}


def _dicts(tree: Any) -> list[dict[str, Any]]:
    if isinstance(tree, dict):
        return [tree, *[d for v in tree.values() for d in _dicts(v)]]
    if isinstance(tree, list):
        return [d for v in tree for d in _dicts(v)]
    return []


def test_history_lists_every_version_with_what_changed(client):
    body = client.get(f"{BASE}/algorithms/{FIRST}/versions").json()
    assert [(v["version"], v["changed_fields"]) for v in body["items"]] == [
        (1, []),
        (2, ["supplier"]),
    ]
    assert all(v["created_at"].endswith("+00:00") for v in body["items"])


def test_a_version_holds_its_record_in_both_languages(client, api_register):
    body = client.get(f"{BASE}/algorithms/{FIRST}/versions/1").json()
    stored = api_register.get(FIRST, 1)
    assert body["record"] == json.loads(json.dumps(stored.record.to_json_dict()))
    assert body["record"]["name"]["sv"] and body["record"]["name"]["en"]
    assert (body["version"], body["is_published"], body["aliases"]) == (1, False, [])
    assert client.get(body["links"]["explanation"]).status_code == 200
    missing = client.get(f"{BASE}/algorithms/{FIRST}/versions/7")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == VERSION_NOT_FOUND_MESSAGE.format(
        slug=FIRST, version=7
    )


def test_the_explanation_holds_aggregates_and_no_row_of_data(client, api_register, api_reference):
    body = client.get(f"{BASE}/algorithms/{FIRST}/versions/2/explanation").json()
    assert set(body) == {"slug", "version", "metadata", "global_importance", "dependence"}
    assert body["global_importance"]  # every input's mean |contribution|
    assert not ROW_KEYS & {key for d in _dicts(body) for key in d}
    expected = api_register.get_explanation(FIRST, 2).public_dict()
    assert body["metadata"] == json.loads(json.dumps(expected["metadata"], default=str))
    # no reference row appears, whole or as a record of its inputs
    columns = set(api_reference.columns)
    for found in _dicts(body):
        assert not columns <= set(found), found
    rows = {tuple(str(v) for v in row) for row in api_reference.itertuples(index=False)}
    assert not any(tuple(str(v) for v in d.values()) in rows for d in _dicts(body))


def test_fairness_is_null_when_none_was_stored(client):
    body = client.get(f"{BASE}/algorithms/{FIRST}/versions/2/fairness").json()
    assert body == {"slug": FIRST, "version": 2, "fairness": None}


def test_reviews_are_listed_per_algorithm_and_per_version(client):
    every = client.get(f"{BASE}/algorithms/{FIRST}/reviews").json()["items"]
    assert [(r["version"], r["outcome"], r["organisation"]) for r in every] == [
        (2, "approved", "Revisionen")
    ]
    assert every[0]["text"]["sv"] == "Granskad."
    assert client.get(f"{BASE}/algorithms/{FIRST}/reviews?version=1").json()["items"] == []
    assert client.get(f"{BASE}/algorithms/{FIRST}/reviews?version=9").status_code == 404


def test_audit_entries_are_those_of_published_algorithms_without_internal_details(
    client, api_register
):
    head = client.get(f"{BASE}/audit/head").json()
    stored = api_register.audit_head()
    assert head == {"sequence": stored.sequence, "hash": stored.hash}
    items = client.get(f"{BASE}/audit/entries", params={"limit": 1000}).json()["items"]
    assert {e["slug"] for e in items} == {FIRST, SECOND}
    assert HIDDEN in {e.slug for e in api_register.audit_entries()}
    assert all("details" not in e and "artifacts" not in e for e in items)
    ours = [e.hash for e in api_register.audit_entries(FIRST)]
    only = client.get(f"{BASE}/audit/entries", params={"slug": FIRST}).json()["items"]
    assert [e["hash"] for e in only] == ours


def test_audit_entries_page_with_after_and_limit(client):
    every = client.get(f"{BASE}/audit/entries").json()["items"]
    walked: list[int] = []
    after = 0
    while True:
        page = client.get(f"{BASE}/audit/entries", params={"after": after, "limit": 2}).json()
        walked += [e["sequence"] for e in page["items"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert walked == [e["sequence"] for e in every]


def test_a_versions_exports_are_listed_and_served(client, api_register):
    listing = client.get(f"{BASE}/algorithms/{FIRST}/versions/2/exports").json()["items"]
    expected = record_exports(api_register.get(FIRST, 2))
    assert {i["name"]: i["media_type"] for i in listing} == {
        name: media for name, (_, media) in expected.items()
    }
    nl = next(i for i in listing if i["name"].endswith("nl-algoritmeregister-1.0.0.json"))
    response = client.get(nl["url"])
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["algorithms"][0]["slug"] == FIRST
    assert client.get(f"{BASE}/algorithms/{FIRST}/versions/2/exports/other.csv").status_code == 404


def test_register_wide_exports_are_built_once_per_audit_head_in_the_cache_folder(
    make_client, tmp_path
):
    folder = tmp_path / "exports"
    client = make_client(exports_dir=folder)
    listing = client.get(f"{BASE}/exports").json()
    names = {i["name"] for i in listing["items"]}
    assert {"catalog.jsonld", "register.csv", "nl-algoritmeregister-1.0.0.json"} <= names
    built = [p for p in folder.iterdir() if not p.name.startswith(".")]
    assert [p.name for p in built] == [listing["audit_head"][:32]]
    stamp = (built[0] / "register.csv").stat().st_mtime_ns
    csv = client.get(f"{BASE}/exports/register.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert FIRST in csv.text and SECOND in csv.text and HIDDEN not in csv.text
    assert make_client(exports_dir=folder).get(f"{BASE}/exports").status_code == 200
    assert (built[0] / "register.csv").stat().st_mtime_ns == stamp  # not built again
    assert client.get(f"{BASE}/exports/../../etc/passwd").status_code == 404
    assert client.get(f"{BASE}/exports/nothing.json").status_code == 404
