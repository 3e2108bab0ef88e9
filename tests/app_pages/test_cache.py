"""The portal's one cache policy: every cache is declared in app_pages._cache, the README's
figures are its constants, and outages are the register's answer, not MLflow's wording."""

from __future__ import annotations

import ast
import pathlib

import pytest

from app_pages import _cache, _resilience
from register import NotFoundError, TrackingUnreachableError
from register.store import _catalogue_index
from tests.app_pages.conftest import ROOT
from tests.conftest import free_port

SOURCES = [ROOT / "streamlit_app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _streamlit_cache_calls(path) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"cache_data", "cache_resource"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "st"
        ):
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_only_the_policy_module_creates_streamlit_caches() -> None:
    calls = [c for path in SOURCES for c in _streamlit_cache_calls(path)]
    assert calls, "no Streamlit cache found at all"
    assert {c.split(":")[0] for c in calls} == {"_cache.py"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_portal_leaves_the_tracking_uri_to_the_register(path) -> None:  # type: ignore[no-untyped-def]
    assert "MLFLOW_TRACKING_URI" not in path.read_text(encoding="utf-8")


def test_the_readme_shows_the_policy_as_declared() -> None:
    assert _cache.readme_table() in README
    assert f"in searches within {_cache.TABLE_TTL} s" in README
    assert f"in the filter lists within {_cache.FILTER_OPTIONS_TTL} s" in README
    assert f"once per {_cache.FILTER_OPTIONS_TTL} s per process" in README
    assert f"are cached for {_cache.FILTER_OPTIONS_TTL} s" in README.replace("\n", " ")


def test_filter_lists_expire_when_the_register_says() -> None:
    assert _cache.FILTER_OPTIONS_TTL == _catalogue_index.TTL_SECONDS
    assert _cache.FILTER_OPTIONS.ttl == _catalogue_index.TTL_SECONDS
    assert {p.kind for p in _cache.POLICIES} <= {"resource", "data", "outage"}
    assert all(p.max_entries for p in _cache.POLICIES), "every cache is bounded"


def test_the_tracking_uri_is_the_registers_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")
    assert _cache.tracking_uri() == "http://127.0.0.1:1"
    assert _cache.open_register(None).tracking_uri == "http://127.0.0.1:1"


def test_an_outage_is_what_the_register_says_not_what_the_error_says(
    empty_store_uri: str,
) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    worded = RuntimeError("Connection refused: max retries exceeded (503)")
    assert not _resilience.is_outage(worded, empty_store_uri)  # the store answers
    assert _resilience.is_outage(RuntimeError("anything"), down)  # the store is silent
    assert _resilience.is_outage(TrackingUnreachableError("down"), empty_store_uri)
    assert not _resilience.is_outage(NotFoundError("no such slug"), down)


def test_last_good_answers_from_memory_only_during_an_outage(empty_store_uri: str) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    calls = {"n": 0}

    @_resilience.last_good
    def reader(uri: str) -> str:
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("no words to parse")
        return f"read from {uri}"

    assert reader(down) == f"read from {down}"
    assert reader(down) == f"read from {down}"  # remembered: the register says it is down
    with pytest.raises(RuntimeError, match="no words to parse"):
        reader(empty_store_uri)  # never read, and the store answers: a real error
    with pytest.raises(TrackingUnreachableError):
        reader(f"http://127.0.0.1:{free_port()}")  # down, and nothing remembered


def test_the_kept_register_holds_a_bounded_cache_and_the_readme_says_how_many(
    tmp_path: pathlib.Path,
) -> None:
    reg = _cache.shared_register(f"sqlite:///{tmp_path / 'bounded.db'}")
    for i in range(_cache.REGISTER_CACHE_ENTRIES + 100):
        reg.view.cached(("probe", str(i)), lambda i=i: i)
    assert reg.view.cache_size() == _cache.REGISTER_CACHE_ENTRIES
    assert f"at most {_cache.REGISTER_CACHE_ENTRIES} small immutable things" in README
