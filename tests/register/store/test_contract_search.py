"""The Store contract, part 3: searching registered models by tags, page by page.

The rule every backend keeps (MLflow's filter, quoted by MlflowStore): ``equals`` is
the exact value; ``contains`` words are substrings; case counts. A quote, backslash
or backtick in a value matches any one character, and so do ``%`` and ``_`` where a
condition has to be a pattern (a ``contains`` word, an ``equals`` value holding a
quote), never more than one: no value can widen or break out of its condition.
"""

from __future__ import annotations

import pytest

from register.store import Store, TagQuery
from tests.register.store.conftest import Backend

#: Stored tag values ("v") of the hostile-value table, by model stem.
STORED = {
    "quote": "O'Brien",
    "quote-like": "OxBrien",
    "quote-two": "O''Brien",
    "percent": "a%b'",
    "percent-like": "aXb'",
    "percent-wide": "aXYZb'",
    "under": "a_b",
    "under-like": "axb",
    "full": "100%",
    "full-like": "1000",
    "short": "100",
    "backslash": "C:\\temp",
    "backtick": "`rm -rf`",
    "double": '"quoted"',
    "inject": "' OR '1'='1",
    "city": "Malmö stad",
    "city-case": "malmö STAD",
}

#: (query on tag "v", the stems it finds).
CASES = [
    (TagQuery(equals={"v": "O'Brien"}), {"quote", "quote-like"}),
    (TagQuery(equals={"v": "a%b'"}), {"percent", "percent-like"}),
    (TagQuery(equals={"v": "a_b"}), {"under"}),
    (TagQuery(equals={"v": "100%"}), {"full"}),
    (TagQuery(equals={"v": "C:\\temp"}), {"backslash"}),
    (TagQuery(equals={"v": "`rm -rf`"}), {"backtick"}),
    (TagQuery(equals={"v": '"quoted"'}), {"double"}),
    (TagQuery(equals={"v": "' OR '1'='1"}), {"inject"}),
    (TagQuery(equals={"v": "' OR 1=1 --"}), set()),
    (TagQuery(equals={"v": "Malmö stad"}), {"city"}),
    (TagQuery(equals={"v": "Malmö"}), set()),
    (TagQuery(contains={"v": ["100%"]}), {"full", "full-like"}),
    (TagQuery(contains={"v": ["a_b"]}), {"under", "under-like", "percent", "percent-like"}),
    (TagQuery(contains={"v": ["Brien", "O"]}), {"quote", "quote-like", "quote-two"}),
    (TagQuery(contains={"v": ["Malmö"]}), {"city"}),
    (TagQuery(contains={"v": ["STAD"]}), {"city-case"}),
    (TagQuery(contains={"v": ["') OR ('1'='1"]}), set()),
    (TagQuery(contains={"v": ["%"]}), set(STORED)),
    (TagQuery(contains={"v": ["temp\\"]}), set()),
]


@pytest.fixture()
def hostile(backend: Backend) -> dict[str, str]:
    """A registered model per entry of :data:`STORED`; name by stem."""
    return {stem: backend.model(stem, v=value) for stem, value in STORED.items()}


def _names(store: Store, query: TagQuery | None, max_results: int = 100) -> list[str]:
    """Every name the query finds, page after page."""
    names: list[str] = []
    token: str | None = None
    while True:
        page = store.search_registered_models(query, max_results=max_results, page_token=token)
        names += [m.name for m in page.items]
        token = page.next_page_token
        if token is None:
            return names


def test_hostile_values_match_by_the_one_character_rule(
    store: Store, backend: Backend, hostile: dict[str, str]
) -> None:
    for query, expected in CASES:
        found = set(_names(store, backend.scoped(query)))
        assert found == {hostile[stem] for stem in expected}, query


def test_conditions_on_several_tags_must_all_hold(store: Store, backend: Backend) -> None:
    both = backend.model("both", owner="Kommun A", words="stöd till bostad")
    backend.model("owner-only", owner="Kommun A", words="parkering")
    backend.model("words-only", owner="Kommun B", words="stöd till bostad")
    backend.model("untagged")
    query = TagQuery(equals={"owner": "Kommun A"}, contains={"words": ["bostad", "stöd"]})
    assert _names(store, backend.scoped(query)) == [both]
    assert _names(store, backend.scoped(TagQuery(contains={"words": ["stöd", "saknas"]}))) == []


def test_pages_come_in_name_order_with_a_token_until_the_last(
    store: Store, backend: Backend
) -> None:
    names = sorted(backend.model(stem) for stem in ("e", "b", "d", "a", "c"))
    first = store.search_registered_models(backend.scoped(), max_results=2)
    assert [m.name for m in first.items] == names[:2] and first.next_page_token
    second = store.search_registered_models(
        backend.scoped(), max_results=2, page_token=first.next_page_token
    )
    assert [m.name for m in second.items] == names[2:4] and second.next_page_token
    third = store.search_registered_models(
        backend.scoped(), max_results=2, page_token=second.next_page_token
    )
    assert [m.name for m in third.items] == names[4:] and third.next_page_token is None
    exact = store.search_registered_models(backend.scoped(), max_results=5)
    assert len(exact.items) == 5 and exact.next_page_token is None
    nothing = backend.scoped(TagQuery(equals={"absent": "x"}))
    assert store.search_registered_models(nothing).items == []


def test_no_query_lists_every_model_in_name_order(store: Store, backend: Backend) -> None:
    mine = [backend.model(stem) for stem in ("Zeta", "alpha", "Beta", "beta")]
    everything = _names(store, TagQuery(), max_results=3)
    assert everything == sorted(everything)  # by code point: capitals first
    assert set(mine) <= set(everything)
    assert _names(store, None) == everything


def test_found_models_carry_their_tags_aliases_and_description(
    store: Store, backend: Backend, run_id: str
) -> None:
    name = backend.model("full", owner="Kommun A")
    store.set_description(name, "Beskrivning")
    source = store.get_run(run_id).artifact_uri + "/model"
    store.create_model_version(name, source=source, run_id=run_id)
    store.set_alias(name, "published", 1)
    (found,) = store.search_registered_models(backend.scoped()).items
    assert found == store.get_registered_model(name)
    assert found.aliases == {"published": 1} and found.description == "Beskrivning"
