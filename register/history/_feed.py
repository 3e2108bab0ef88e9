"""The change feed: the newest events of the audit log, titled and summarised in every
language, per organisation or for the whole register.

:func:`change_feed` reads only the end of the log (see
:func:`register.audit._newest.newest_entries`); :mod:`register.history._feed_formats`
writes the feed as Atom (RFC 4287) and JSON Feed 1.1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from register.audit._reviews import OUTCOMES as REVIEW_OUTCOMES
from register.audit._types import AuditEntry
from register.record._sanitize import clean_text
from register.text import message

if TYPE_CHECKING:
    from register._facade import Register
    from register.store._results import AlgorithmSummary

__all__ = ["FEED_EVENTS", "FEED_LANGUAGES", "ChangeFeed", "FeedEntry", "change_feed"]

# The events a citizen follows (not ``explanation_computed``: it comes with every
# ``registered`` and says nothing new to a reader).
FEED_EVENTS = ("registered", "published", "record_changed", "retired", "review_added")
FEED_LANGUAGES = ("sv", "en")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# At most this many changed fields are named in a summary (the rest are counted).
MAX_FIELDS_NAMED = 8

LIMIT_MESSAGE = "Feed parameter 'limit' must be a whole number from 1 to {maximum}; got {value!r}."


@dataclass(frozen=True, kw_only=True, slots=True)
class FeedEntry:
    """One event of the feed: the audit entry's ``sequence``, ``event``, ``time`` (ISO
    8601, UTC) and ``chain_hash`` (the entry's hash in the audit chain), the algorithm
    (``slug``, ``version``, ``organisation``) and a ``title`` and ``summary`` per language
    (``{"sv": ..., "en": ...}``)."""

    sequence: int
    event: str
    time: str
    slug: str
    version: int | None
    organisation: str
    chain_hash: str
    title: Mapping[str, str]
    summary: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-safe values."""
        return {
            "sequence": self.sequence,
            "event": self.event,
            "time": self.time,
            "slug": self.slug,
            "version": self.version,
            "organisation": self.organisation,
            "chain_hash": self.chain_hash,
            "title": dict(self.title),
            "summary": dict(self.summary),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class ChangeFeed:
    """The newest events, newest first (at most ``limit``), of one ``organisation`` or
    of the whole register (None). ``updated`` is the newest entry's time (None when the
    feed is empty)."""

    organisation: str | None
    limit: int
    entries: tuple[FeedEntry, ...]

    @property
    def updated(self) -> str | None:
        """The time of the newest entry, or None for an empty feed."""
        return self.entries[0].time if self.entries else None

    def to_dict(self) -> dict[str, Any]:
        """The feed as JSON-safe values."""
        return {
            "organisation": self.organisation,
            "limit": self.limit,
            "updated": self.updated,
            "entries": [entry.to_dict() for entry in self.entries],
        }


def change_feed(
    reg: Register, *, organisation: str | None = None, limit: int = DEFAULT_LIMIT
) -> ChangeFeed:
    """The newest ``limit`` events (:data:`FEED_EVENTS`) of the register's audit log,
    newest first; of algorithms of ``organisation`` only when given.

    Guarantees: each entry carries the hash its event has in the audit chain; reads the
    catalogue once. The register's feed reads only as many audit entries, from the
    newest back, as it takes to find ``limit`` events; an organisation's feed (its
    algorithms in the catalogue, published or not) finds its events through the log's
    event index, which reads each entry once per ``reg`` (see
    :meth:`register.audit.AuditTrail.events`), so a small organisation's events deep in
    a long log cost no walk through it after the first feed. Raises ``ValueError`` for
    a ``limit`` outside 1..:data:`MAX_LIMIT`. Titles name an algorithm by its published
    record's name; one never published (its record is not public) by its slug.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(LIMIT_MESSAGE.format(maximum=MAX_LIMIT, value=limit))
    catalogue = {item.slug: item for item in reg.list_algorithms(include_unpublished=True)}

    def keep(entry: AuditEntry) -> bool:
        return entry.event in FEED_EVENTS

    if organisation is None:
        found = reg.audit.newest(limit, where=keep)
    else:
        slugs = [slug for slug, item in catalogue.items() if item.organisation == organisation]
        found = reg.audit.newest(limit, where=keep, slugs=slugs)
    return ChangeFeed(
        organisation=organisation,
        limit=limit,
        entries=tuple(_feed_entry(entry, catalogue) for entry in found),
    )


def _organisation(entry: AuditEntry, catalogue: Mapping[str, AlgorithmSummary]) -> str:
    item = catalogue.get(entry.slug)
    if item is not None:
        return item.organisation
    return clean_text(entry.details.get("organisation") or "")


def _feed_entry(entry: AuditEntry, catalogue: Mapping[str, AlgorithmSummary]) -> FeedEntry:
    item = catalogue.get(entry.slug)
    organisation = _organisation(entry, catalogue)
    titles: dict[str, str] = {}
    summaries: dict[str, str] = {}
    for lang in FEED_LANGUAGES:
        # A record is public once published: a never-published algorithm goes by its slug.
        public = item is not None and item.version is not None
        name = clean_text(item.name.get(lang)) if public and item else entry.slug
        fmt = {
            "name": name,
            "version": "" if entry.version is None else entry.version,
            "organisation": organisation,
        }
        titles[lang] = message(f"feed.title.{entry.event}", lang, **fmt)
        summaries[lang] = message(
            f"feed.summary.{entry.event}", lang, **fmt, **_details(entry, lang)
        )
    return FeedEntry(
        sequence=entry.sequence,
        event=entry.event,
        time=entry.time,
        slug=entry.slug,
        version=entry.version,
        organisation=organisation,
        chain_hash=entry.hash,
        title=titles,
        summary=summaries,
    )


def _details(entry: AuditEntry, lang: str) -> dict[str, str]:
    """The event's own words: changed fields or a review's outcome."""
    if entry.event == "record_changed":
        changed = [clean_text(f) for f in entry.details.get("changed_fields") or ()]
        named = ", ".join(changed[:MAX_FIELDS_NAMED])
        if len(changed) > MAX_FIELDS_NAMED:
            more = message("feed.more_fields", lang, count=len(changed) - MAX_FIELDS_NAMED)
            named = f"{named} {more}"
        return {"fields": named or "–"}
    if entry.event == "review_added":
        review = entry.details.get("review")
        outcome = review.get("outcome") if isinstance(review, Mapping) else None
        if outcome in REVIEW_OUTCOMES:
            return {"outcome": message(f"audit.outcome.{outcome}", lang)}
        return {"outcome": clean_text(outcome or "–")}
    return {}
