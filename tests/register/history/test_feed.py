"""The change feed: the newest audit events, as Atom (RFC 4287) and JSON Feed 1.1, read
from the end of the log only."""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import feedparser
import pytest

from register import (
    FEED_EVENTS,
    AuditEntry,
    MemoryStore,
    Register,
    atom_feed,
    change_feed,
    clean_text,
    json_feed,
)
from register.audit import _chain
from register.history._feed import LIMIT_MESSAGE, MAX_LIMIT
from register.history._feed_formats import INSYN_NAMESPACE, LANGUAGE_MESSAGE
from tests.register.history.conftest import (
    ALGORITHMS,
    CHANGED,
    DRAFT,
    DRAFT_NAME,
    HOSTILE_NAME,
    RETIRED,
    CountingStore,
)

API = "http://127.0.0.1:8502"
PORTAL = "http://127.0.0.1:8501"
A = "{http://www.w3.org/2005/Atom}"
I = f"{{{INSYN_NAMESPACE}}}"  # noqa: E741
ORGANISATION = {slug: org for slug, org, *_ in (*ALGORITHMS, DRAFT)}


def expected(reg: Register, limit: int, organisation: str | None = None) -> list[AuditEntry]:
    """The feed by brute force: every entry read, filtered, newest first."""
    kept = [
        e
        for e in reg.audit_entries()
        if e.event in FEED_EVENTS and organisation in (None, ORGANISATION[e.slug])
    ]
    return kept[::-1][:limit]


def test_the_feed_holds_the_newest_events_with_their_chain_hashes(
    history_register: Register,
) -> None:
    for limit in (1, 5, 100):
        feed = change_feed(history_register, limit=limit)
        want = expected(history_register, limit)
        assert [e.sequence for e in feed.entries] == [e.sequence for e in want]
        assert [e.chain_hash for e in feed.entries] == [e.hash for e in want]
        assert [e.event for e in feed.entries] == [e.event for e in want]
    every = change_feed(history_register).entries
    assert {e.event for e in every} == set(FEED_EVENTS)  # each kind shows, ...
    assert "explanation_computed" in {e.event for e in history_register.audit_entries()}
    assert feed.updated == every[0].time  # ... the newest first


def test_an_organisation_feed_holds_only_its_algorithms(history_register: Register) -> None:
    for organisation in {org for _, org, *_ in ALGORITHMS}:
        feed = change_feed(history_register, organisation=organisation)
        want = expected(history_register, 100, organisation)
        assert want and [e.chain_hash for e in feed.entries] == [e.hash for e in want]
        assert {e.organisation for e in feed.entries} == {organisation}
    assert change_feed(history_register, organisation="Ingen kommun").entries == ()


def test_titles_and_summaries_name_the_event_in_both_languages(
    history_register: Register,
) -> None:
    feed = change_feed(history_register)
    retired = next(e for e in feed.entries if e.event == "retired")
    assert retired.slug == RETIRED
    assert "avvecklad" in retired.title["sv"] and "retired" in retired.summary["en"]
    changed = next(e for e in feed.entries if e.event == "record_changed")
    assert changed.slug == CHANGED and "purpose.en" in changed.summary["en"]
    review = next(e for e in feed.entries if e.event == "review_added")
    assert "Godkänd med anmärkningar" in review.summary["sv"]
    assert "Approved with remarks" in review.summary["en"]
    data = json.loads(json.dumps(feed.to_dict()))
    assert data["entries"][0]["chain_hash"] == feed.entries[0].chain_hash


def test_a_feed_reads_only_the_newest_entries() -> None:
    """A feed of N events reads N entries from the end of a long log, not the log."""
    inner = MemoryStore()
    writer = Register(store=inner).writer()
    for number in range(60):
        writer.append(
            "registered", slug=f"algorithm-{number}", version=1, details={"organisation": "A"}
        )
        writer.append("explanation_computed", slug=f"algorithm-{number}", version=1)
    counting = CountingStore(inner)
    reg = Register(store=counting)  # a new process: nothing cached
    feed = change_feed(reg, limit=5)
    assert [e.slug for e in feed.entries] == [f"algorithm-{n}" for n in range(59, 54, -1)]
    assert counting.entry_reads <= 10  # 5 events and the 5 explanation entries between
    assert len(reg.audit_entries()) == 120  # what a full read would have cost


def test_newest_entries_agree_with_a_full_read(history_register: Register) -> None:
    every = history_register.audit_entries()
    for limit in (1, 3, len(every), len(every) + 5):
        newest = history_register.audit.newest(limit)
        assert [e.hash for e in newest] == [e.hash for e in every[::-1][:limit]]
    reviews = history_register.audit.newest(10, where=lambda e: e.event == "review_added")
    assert [e.hash for e in reviews] == [e.hash for e in every if e.event == "review_added"]
    assert history_register.audit.newest(0) == []


def test_a_bad_limit_or_language_is_refused_in_plain_words(history_register: Register) -> None:
    for bad in (0, MAX_LIMIT + 1, "10", True):
        with pytest.raises(ValueError) as caught:
            change_feed(history_register, limit=bad)  # type: ignore[arg-type]
        assert str(caught.value) == LIMIT_MESSAGE.format(maximum=MAX_LIMIT, value=bad)
    feed = change_feed(history_register, limit=1)
    for writer in (atom_feed, json_feed):
        with pytest.raises(ValueError) as caught:
            writer(feed, base_url=API, portal_url=PORTAL, lang="de")
        assert str(caught.value) == LANGUAGE_MESSAGE.format(known="sv, en", value="de")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_feedparser_reads_the_atom_feed_without_error(
    history_register: Register, lang: str
) -> None:
    feed = change_feed(history_register)
    parsed = feedparser.parse(atom_feed(feed, base_url=API, portal_url=PORTAL, lang=lang))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == len(feed.entries)
    for item, entry in zip(parsed.entries, feed.entries, strict=True):
        assert item.id == f"urn:insyn:audit:{entry.chain_hash}"
        assert item.title == entry.title[lang] and item.updated and item.link
        query = parse_qs(urlparse(item.link).query)
        assert item.link.startswith(f"{PORTAL}/algorithm?")
        assert query["slug"] == [entry.slug] and query["version"] == [str(entry.version)]
        assert [tag.term for tag in item.tags] == [entry.event]


def _one(parent: ET.Element, tag: str) -> ET.Element:
    found = parent.findall(tag)
    assert len(found) == 1, (tag, len(found))
    return found[0]


def test_the_atom_feed_has_every_element_rfc_4287_requires(history_register: Register) -> None:
    feed = change_feed(history_register, organisation="Exempelkommunen")
    root = ET.fromstring(atom_feed(feed, base_url=API, portal_url=PORTAL, lang="en"))
    assert root.tag == f"{A}feed"
    self_url = f"{API}/api/v1/feed.atom?organisation=Exempelkommunen&lang=en"
    assert _one(root, f"{A}id").text == self_url
    assert _one(root, f"{A}title").text
    assert _one(root, f"{A}updated").text == feed.updated
    assert _one(_one(root, f"{A}author"), f"{A}name").text
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert links == {"self": self_url, "alternate": f"{PORTAL}/?lang=en"}
    hashes = {e.sequence: e.hash for e in history_register.audit_entries()}
    entries = root.findall(f"{A}entry")
    assert len(entries) == len(feed.entries) > 0
    ids = set()
    for item in entries:
        ids.add(_one(item, f"{A}id").text)
        assert _one(item, f"{A}title").text
        assert _one(item, f"{A}updated").text
        assert _one(item, f"{A}summary").text
        assert _one(item, f"{A}link").get("rel") == "alternate"
        assert _one(item, f"{A}category").get("term") in FEED_EVENTS
        sequence = int(_one(item, f"{I}sequence").text or "")
        assert _one(item, f"{I}chainHash").text == hashes[sequence]
    assert len(ids) == len(entries)


def test_the_json_feed_has_every_key_json_feed_1_1_requires(history_register: Register) -> None:
    feed = change_feed(history_register)
    data = json.loads(json_feed(feed, base_url=API, portal_url=PORTAL))
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] and data["home_page_url"] == f"{PORTAL}/"
    assert data["feed_url"] == f"{API}/api/v1/feed.json"
    hashes = {e.sequence: e.hash for e in history_register.audit_entries()}
    assert len(data["items"]) == len(feed.entries)
    for item in data["items"]:
        for key in ("id", "url", "title", "content_text", "date_published", "tags"):
            assert item[key], key
        extension = item["_insyn"]
        assert extension["chain_hash"] == hashes[extension["sequence"]]
        assert item["id"] == f"urn:insyn:audit:{extension['chain_hash']}"
        assert extension["event"] in item["tags"]
    assert len({item["id"] for item in data["items"]}) == len(data["items"])


def test_hostile_record_text_stays_text_in_both_formats(history_register: Register) -> None:
    feed = change_feed(history_register)
    atom = atom_feed(feed, base_url=API, portal_url=PORTAL)
    assert b"<script>" not in atom and b"\x07" not in atom
    root = ET.fromstring(atom)
    titles = [_one(item, f"{A}title").text or "" for item in root.findall(f"{A}entry")]
    shown = clean_text(HOSTILE_NAME)
    assert any(title.startswith(shown) for title in titles)
    assert not root.findall(f".//{A}script") and not root.findall(".//script")
    data = json.loads(json_feed(feed, base_url=API, portal_url=PORTAL))
    assert any(item["title"].startswith(shown) for item in data["items"])


def test_an_empty_register_gives_an_empty_valid_feed() -> None:
    feed = change_feed(Register(store=MemoryStore()))
    assert feed.entries == () and feed.updated is None
    parsed = feedparser.parse(atom_feed(feed, base_url=API, portal_url=PORTAL))
    assert not parsed.bozo and parsed.entries == []
    assert json.loads(json_feed(feed, base_url=API, portal_url=PORTAL))["items"] == []


def _append_unsigned(reg: Register, slug: str) -> None:
    """A format 1 entry (no author, no signature), as insyn wrote before signing."""
    view = reg.view
    run_id = _chain.log_run(view)
    assert run_id is not None
    last = _chain.head(view)
    entry = {
        "format": 1,
        "sequence": last.sequence + 1,
        "event": "published",
        "time": "2025-01-01T00:00:00.000+00:00",
        "slug": slug,
        "version": 1,
        "details": {},
        "artifacts": [],
        "previous_hash": last.hash,
    }
    entry["hash"] = _chain.entry_hash(entry)
    path = Path(_chain.entry_path(entry["sequence"], entry["hash"]))
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / path.name
        local.write_bytes(_chain.canonical(entry) + b"\n")
        reg.store.log_artifact(run_id, local, _chain.ENTRY_DIR)
    assert reg.store.claim(run_id, f"entry.{entry['sequence']:08d}", entry["hash"])


def test_newest_entries_keep_the_rule_for_unsigned_entries() -> None:
    """Unsigned entries count only before the first signed one, read from the end too."""
    reg = Register(store=MemoryStore())
    _append_unsigned(reg, "old-one")  # creates the log: an early, unsigned entry counts
    _append_unsigned(reg, "old-two")
    writer = reg.writer()
    for number in range(3):
        writer.append("published", slug=f"signed-{number}", version=1)
    _append_unsigned(reg, "forged")  # after signed entries: not written by insyn
    writer.append("published", slug="signed-last", version=1)
    fresh = Register(store=reg.store)
    every = fresh.audit_entries()
    assert [e.slug for e in every] == [
        "old-one",
        "old-two",
        *[f"signed-{n}" for n in range(3)],
        "signed-last",
    ]
    for limit in (1, 2, 4, 10):
        assert [e.hash for e in fresh.audit.newest(limit)] == [e.hash for e in every[::-1][:limit]]
    assert [e.slug for e in Register(store=reg.store).audit.events()] == [e.slug for e in every]


def test_newest_of_some_slugs_agrees_with_a_full_read(history_register: Register) -> None:
    every = history_register.audit_entries()
    for slugs in ({CHANGED}, {CHANGED, RETIRED}, set(ORGANISATION)):
        want = [e.hash for e in every[::-1] if e.slug in slugs][:4]
        assert [e.hash for e in history_register.audit.newest(4, slugs=slugs)] == want
    assert history_register.audit.newest(4, slugs=set()) == []


def test_an_organisation_feed_reads_only_its_entries_once_the_index_is_built(
    history_register: Register,
) -> None:
    counting = CountingStore(history_register.store)
    reg = Register(store=counting)
    change_feed(reg, organisation="Norrby kommun")  # the first feed reads the log once
    counting.entry_reads = 0
    feed = change_feed(reg, organisation="Söderby kommun", limit=1)
    assert len(feed.entries) == 1 and counting.entry_reads <= 1


def test_a_never_published_algorithm_goes_by_its_slug(history_register: Register) -> None:
    feed = change_feed(history_register, organisation=DRAFT[1])
    draft = [e for e in feed.entries if e.slug == DRAFT[0]]
    assert [e.event for e in draft] == ["registered"]
    assert all(
        DRAFT_NAME not in text for e in draft for text in (*e.title.values(), *e.summary.values())
    )
    assert draft[0].title["sv"].startswith(DRAFT[0])
