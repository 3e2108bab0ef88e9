"""Statistics of the register: what is published now, and how that changed month by month.

The numbers come from two cheap sources only: the catalogue's tags (one search of every
algorithm, no record read) and the ``published`` and ``retired`` events of the audit log
(each entry read once per register, then only new ones; see
:func:`register.audit._newest.logged_events`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from register.audit._newest import LoggedEvent

if TYPE_CHECKING:
    from register._facade import Register
    from register.store._results import AlgorithmSummary

__all__ = ["MonthStatistics", "RegisterStatistics", "register_statistics"]

# The audit events that put an algorithm into the register and take it out.
IN_EVENT = "published"
OUT_EVENT = "retired"


@dataclass(frozen=True, kw_only=True, slots=True)
class MonthStatistics:
    """One calendar month (UTC, ``"YYYY-MM"``) of the register's history.

    - ``published``: algorithms published for the first time in the month (the month of
      their first ``published`` audit entry; a new version of an algorithm already
      published is not counted again);
    - ``retired``: algorithms with a ``retired`` audit entry in the month;
    - ``in_register``: algorithms in the register at the month's end: those whose last
      ``published`` or ``retired`` entry up to then is ``published``;
    - ``by_theme``, ``by_risk_category``: ``in_register`` split by the algorithm's theme
      and risk category as the catalogue holds them today (the log keeps no tags).
    """

    month: str
    published: int
    retired: int
    in_register: int
    by_theme: Mapping[str, int]
    by_risk_category: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        """The month as JSON-safe values."""
        return {
            "month": self.month,
            "published": self.published,
            "retired": self.retired,
            "in_register": self.in_register,
            "by_theme": dict(self.by_theme),
            "by_risk_category": dict(self.by_risk_category),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class RegisterStatistics:
    """The register's numbers now and over time.

    - ``published``: algorithms in the catalogue with a published version (retired ones
      included, with status ``retired``), each counted once;
    - ``by_organisation``, ``by_theme``, ``by_risk_category``, ``by_status``: those
      algorithms split by the organisation, theme, risk category and status of their
      published version (catalogue tags); each split adds up to ``published``;
    - ``months``: one :class:`MonthStatistics` per calendar month from the first
      ``published`` entry of the audit log to the month of its last ``published`` or
      ``retired`` entry, months without events included (empty when nothing was ever
      published).
    """

    published: int
    by_organisation: Mapping[str, int]
    by_theme: Mapping[str, int]
    by_risk_category: Mapping[str, int]
    by_status: Mapping[str, int]
    months: tuple[MonthStatistics, ...]

    @property
    def empty(self) -> bool:
        """Whether nothing is published and nothing ever was."""
        return self.published == 0 and not self.months

    def to_dict(self) -> dict[str, Any]:
        """The statistics as JSON-safe values."""
        return {
            "published": self.published,
            "by_organisation": dict(self.by_organisation),
            "by_theme": dict(self.by_theme),
            "by_risk_category": dict(self.by_risk_category),
            "by_status": dict(self.by_status),
            "months": [month.to_dict() for month in self.months],
        }


def register_statistics(reg: Register) -> RegisterStatistics:
    """The register's statistics (see :class:`RegisterStatistics` for every number).

    Guarantees: reads the catalogue's tags (no record, model or explanation) and the
    audit log's entries, each entry once per ``reg`` (a later call reads only entries
    appended since). Counts are sorted by value, largest first, then by name.
    """
    published = reg.list_algorithms()
    every = {item.slug: item for item in reg.list_algorithms(include_unpublished=True)}
    for item in published:
        every.setdefault(item.slug, item)
    return RegisterStatistics(
        published=len(published),
        by_organisation=_count(item.organisation for item in published),
        by_theme=_count(item.theme for item in published),
        by_risk_category=_count(item.risk_category for item in published),
        by_status=_count(item.status for item in published),
        months=months(reg.audit.events(), every),
    )


def _count(values: Iterable[str]) -> dict[str, int]:
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _month(time: str) -> str:
    return time[:7]  # entries' times are ISO 8601 in UTC: "YYYY-MM-..."


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def months(
    events: Iterable[LoggedEvent], catalogue: Mapping[str, AlgorithmSummary]
) -> tuple[MonthStatistics, ...]:
    """The monthly history of ``events`` (audit entries in log order), split by the
    theme and risk category ``catalogue`` holds per slug (see :class:`MonthStatistics`)."""
    changes = [e for e in events if e.event in (IN_EVENT, OUT_EVENT)]
    first = next((e for e in changes if e.event == IN_EVENT), None)
    if first is None:
        return ()
    by_month: dict[str, list[LoggedEvent]] = {}
    for event in changes:
        by_month.setdefault(_month(event.time), []).append(event)
    last = max(by_month)
    state: dict[str, str] = {}  # slug -> its last change so far
    seen: set[str] = set()
    out = []
    month = _month(first.time)
    while month <= last:
        published = retired = 0
        retired_slugs: set[str] = set()
        for event in by_month.get(month, ()):
            state[event.slug] = event.event
            if event.event == IN_EVENT and event.slug not in seen:
                seen.add(event.slug)
                published += 1
            elif event.event == OUT_EVENT and event.slug not in retired_slugs:
                retired_slugs.add(event.slug)
                retired += 1
        inside = [slug for slug, change in state.items() if change == IN_EVENT]
        out.append(
            MonthStatistics(
                month=month,
                published=published,
                retired=retired,
                in_register=len(inside),
                by_theme=_count(_tag(catalogue, slug, "theme") for slug in inside),
                by_risk_category=_count(_tag(catalogue, slug, "risk_category") for slug in inside),
            )
        )
        month = _next_month(month)
    return tuple(out)


def _tag(catalogue: Mapping[str, AlgorithmSummary], slug: str, name: str) -> str:
    item = catalogue.get(slug)
    return str(getattr(item, name)) if item is not None else ""
