"""Register statistics: every number against a count by hand of the register it describes."""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace

from register import MemoryStore, Register, register_statistics
from register.audit._newest import LoggedEvent
from register.history._stats import months
from tests.register.history.conftest import ALGORITHMS, RETIRED, CountingStore


def test_current_counts_match_a_count_by_hand(history_register: Register) -> None:
    stats = register_statistics(history_register)
    # Every algorithm was published once; the retired one stays, with status "retired".
    assert stats.published == len(ALGORITHMS)
    assert stats.by_organisation == dict(Counter(org for _, org, *_ in ALGORITHMS))
    assert stats.by_theme == dict(Counter(theme for _, _, theme, _, _ in ALGORITHMS))
    assert stats.by_risk_category == dict(Counter(risk for *_, risk, _ in ALGORITHMS))
    statuses = Counter("retired" if slug == RETIRED else s for slug, *_, s in ALGORITHMS)
    assert stats.by_status == dict(statuses)
    for split in (stats.by_organisation, stats.by_theme, stats.by_risk_category):
        assert sum(split.values()) == stats.published
    assert list(stats.by_organisation) == ["Exempelkommunen", "Norrby kommun", "Söderby kommun"]


def test_the_months_match_the_audit_log(history_register: Register) -> None:
    stats = register_statistics(history_register)
    entries = history_register.audit_entries()
    month_of = {e.time[:7] for e in entries if e.event in ("published", "retired")}
    assert [m.month for m in stats.months] == sorted(month_of)
    assert sum(m.published for m in stats.months) == len(
        {e.slug for e in entries if e.event == "published"}
    )
    assert sum(m.retired for m in stats.months) == 1
    last = stats.months[-1]
    inside = [slug for slug, *_ in ALGORITHMS if slug != RETIRED]
    assert last.in_register == len(inside)
    themes = Counter(theme for slug, _, theme, *_ in ALGORITHMS if slug != RETIRED)
    assert last.by_theme == dict(sorted(themes.items(), key=lambda kv: (-kv[1], kv[0])))
    assert json.loads(json.dumps(stats.to_dict()))["months"][-1]["in_register"] == len(inside)


def _event(sequence: int, event: str, time: str, slug: str) -> LoggedEvent:
    return LoggedEvent(
        sequence=sequence, event=event, time=time, slug=slug, version=1, hash=f"{sequence:064x}"
    )


def test_months_count_first_publications_retirements_and_what_is_in_at_the_end() -> None:
    catalogue = {
        "a": SimpleNamespace(theme="housing", risk_category="limited"),
        "b": SimpleNamespace(theme="health", risk_category="high_risk"),
    }
    events = [
        _event(1, "registered", "2025-11-03T10:00:00+00:00", "a"),
        _event(2, "published", "2025-11-03T10:00:01+00:00", "a"),
        _event(3, "published", "2025-12-01T00:00:00+00:00", "a"),  # a new version
        _event(4, "published", "2026-01-31T23:59:59+00:00", "b"),
        _event(5, "retired", "2026-03-02T08:00:00+00:00", "a"),
    ]
    found = months(events, catalogue)  # type: ignore[arg-type]
    rows = [(m.month, m.published, m.retired, m.in_register) for m in found]
    assert rows == [
        ("2025-11", 1, 0, 1),
        ("2025-12", 0, 0, 1),  # republishing a is not a new algorithm
        ("2026-01", 1, 0, 2),
        ("2026-02", 0, 0, 2),  # a month without events is shown
        ("2026-03", 0, 1, 1),
    ]
    assert found[-1].by_theme == {"health": 1}
    assert found[2].by_risk_category == {"high_risk": 1, "limited": 1}


def test_an_empty_register_has_empty_statistics() -> None:
    stats = register_statistics(Register(store=MemoryStore()))
    assert stats.empty and stats.published == 0 and stats.months == ()
    assert stats.to_dict()["by_theme"] == {}


def test_statistics_read_each_audit_entry_once_per_register(history_register: Register) -> None:
    first = history_register.audit.events()
    assert [e.sequence for e in first] == [e.sequence for e in history_register.audit_entries()]
    inner = MemoryStore()
    writer = Register(store=inner).writer()
    for number in range(5):
        writer.append("published", slug=f"algorithm-{number}", version=1)
    counting = CountingStore(inner)
    reg = Register(store=counting)
    assert [e.slug for e in reg.audit.events()] == [f"algorithm-{n}" for n in range(5)]
    assert counting.entry_reads == 5
    assert len(reg.audit.events()) == 5 and counting.entry_reads == 5  # nothing read again
    writer.append("retired", slug="algorithm-0", version=1)
    assert reg.audit.events()[-1].event == "retired"
    assert counting.entry_reads == 6  # only the new entry
