"""Reviews: an auditor's signed-off judgement of one model version.

A review lives in the audit log only: a signed ``review_added`` entry holds its
content (``details.review``). The id is derived from the content, so recording the
same review twice changes nothing. Reviews are read only from ``review_added``
entries, never from folders: a file uploaded next to the log is not a review.
Entries of earlier releases point at a review file and hold its SHA-256; such a
file is read only while it has that hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from register._errors import InsynError
from register.audit._chain import entries, review_id
from register.audit._types import AuditEntry
from register.audit._writer import AuditWriter
from register.record._schema import LocalizedText
from register.store._paths import COMPLETE_TAG
from register.store._view import StoreView

__all__ = [
    "CHECKS",
    "OUTCOMES",
    "Review",
    "ReviewError",
    "add_review",
    "build_review",
    "from_entry",
    "read_reviews",
    "review_id",
    "reviews",
]

REVIEW_DIR = "insyn/reviews"  # where earlier releases stored review files
OUTCOMES = ("approved", "approved_with_remarks", "concerns")
CHECKS = ("fairness", "additivity", "reproducibility", "stability", "protected_influence")
ORGANISATION_MAX_CHARS = 120
TEXT_MAX_CHARS = 4000

BAD_OUTCOME_MESSAGE = "Review field 'outcome' must be one of {allowed}; got {value!r}."
TEXT_REQUIRED_MESSAGE = "Review field 'text.sv' is required (a Swedish text); got {value!r}."
TEXT_TOO_LONG_MESSAGE = (
    "Review field 'text.{lang}' may have at most {limit} characters; got {length}."
)
ORGANISATION_MESSAGE = (
    "Review field 'organisation' must be 1 to {limit} characters naming the reviewing "
    "organisation; got {value!r}."
)
BAD_CHECK_MESSAGE = "Review field 'checks' names unknown checks {unknown}; known checks: {known}."
BAD_DATE_MESSAGE = (
    "Review field 'date' must be an ISO date (YYYY-MM-DD) not in the future; got {value!r}."
)
UNREADABLE_REVIEW = "entry {sequence} (review_added): the review cannot be read ({reason})"
REVIEW_FILE_CHANGED = "the review file does not have the SHA-256 the entry holds"
REVIEW_MISPLACED = "the review names another algorithm or version than its entry"
INCOMPLETE_VERSION_MESSAGE = (
    "Version {version} of {slug!r} is incomplete (its registration did not finish) "
    "and cannot be reviewed."
)


class ReviewError(InsynError, ValueError):
    """A review that breaks a rule (nothing was written)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Review:
    """One auditor's review of one version (read-only)."""

    review_id: str
    slug: str
    version: int
    outcome: str
    text: LocalizedText
    organisation: str
    date: dt.date
    checks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The review as stored (JSON-safe)."""
        return {
            "slug": self.slug,
            "version": self.version,
            "outcome": self.outcome,
            "text": {"sv": self.text.sv, "en": self.text.en},
            "organisation": self.organisation,
            "date": self.date.isoformat(),
            "checks": list(self.checks),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Review:
        """A review read back from its JSON."""
        return cls(
            review_id=review_id(data),
            slug=str(data["slug"]),
            version=int(data["version"]),
            outcome=str(data["outcome"]),
            text=LocalizedText(sv=data["text"]["sv"], en=data["text"].get("en")),
            organisation=str(data["organisation"]),
            date=dt.date.fromisoformat(str(data["date"])),
            checks=tuple(data.get("checks") or ()),
        )


def _parse_date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        date = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise ReviewError(BAD_DATE_MESSAGE.format(value=value)) from None
    if date > dt.date.today():
        raise ReviewError(BAD_DATE_MESSAGE.format(value=str(value)))
    return date


def build_review(
    slug: str,
    version: int,
    *,
    outcome: str,
    text_sv: str,
    text_en: str | None = None,
    organisation: str,
    date: dt.date | str | None = None,
    checks: tuple[str, ...] | list[str] = (),
) -> Review:
    """A validated review; raises :class:`ReviewError` naming field, rule and value."""
    if outcome not in OUTCOMES:
        raise ReviewError(BAD_OUTCOME_MESSAGE.format(allowed=", ".join(OUTCOMES), value=outcome))
    sv = (text_sv or "").strip()
    en = (text_en or "").strip() or None
    if not sv:
        raise ReviewError(TEXT_REQUIRED_MESSAGE.format(value=text_sv))
    for lang, value in (("sv", sv), ("en", en)):
        if value is not None and len(value) > TEXT_MAX_CHARS:
            raise ReviewError(
                TEXT_TOO_LONG_MESSAGE.format(lang=lang, limit=TEXT_MAX_CHARS, length=len(value))
            )
    org = (organisation or "").strip()
    if not org or len(org) > ORGANISATION_MAX_CHARS:
        raise ReviewError(
            ORGANISATION_MESSAGE.format(limit=ORGANISATION_MAX_CHARS, value=organisation)
        )
    unknown = sorted(set(checks) - set(CHECKS))
    if unknown:
        raise ReviewError(
            BAD_CHECK_MESSAGE.format(unknown=", ".join(unknown), known=", ".join(CHECKS))
        )
    data = {
        "slug": slug,
        "version": int(version),
        "outcome": outcome,
        "text": {"sv": sv, "en": en},
        "organisation": org,
        "date": _parse_date(date).isoformat(),
        "checks": [c for c in CHECKS if c in set(checks)],
    }
    return Review.from_dict(data)


def add_review(
    view: StoreView, writer: Callable[[], AuditWriter], slug: str, version: int, **fields: Any
) -> Review:
    """Log a review of ``slug`` version ``version`` (``review_added``, content inline)
    through the writer ``writer()`` returns (asked for only when something is written).

    Guarantees: everything is validated (fields, the version exists and is complete)
    before anything is written; the same review recorded again is returned as it is
    and nothing is written. Raises :class:`ReviewError` or ``NotFoundError``.
    """
    review = build_review(slug, version, **fields)
    mv = view.version(slug, version)
    if mv.tags.get(COMPLETE_TAG) != "true":
        raise ReviewError(INCOMPLETE_VERSION_MESSAGE.format(slug=slug, version=version))
    if any(r.review_id == review.review_id for r in reviews(view, slug, int(version))):
        return review
    writer().add_review(slug, int(version), review.to_dict())
    return review


def _review_file(view: StoreView, ref: dict[str, str]) -> Any:
    data = view.store.read_artifact(ref["run_id"], ref["path"])
    if hashlib.sha256(data).hexdigest() != ref["sha256"]:
        raise ValueError(REVIEW_FILE_CHANGED)
    return json.loads(data.decode("utf-8"))


def from_entry(view: StoreView, entry: AuditEntry) -> Review:
    """The review an entry holds: inline (format 2) or, for entries of earlier releases,
    the file it names, read only when its SHA-256 is the one the entry holds. Raises
    ValueError (or the store's error) when it cannot be read."""
    inline = entry.details.get("review")
    if isinstance(inline, dict):
        data = inline
    else:
        [ref] = [a for a in entry.artifacts if str(a.get("path", "")).endswith(".json")]
        data = view.cached(("review-file", str(ref["sha256"])), lambda: _review_file(view, ref))
    review = Review.from_dict(data)
    if review.slug != entry.slug or review.version != entry.version:
        raise ValueError(REVIEW_MISPLACED)
    return review


def read_reviews(
    view: StoreView, slug: str, version: int | None = None
) -> tuple[list[Review], list[str]]:
    """The reviews the log holds for ``slug`` (one version when given), oldest date first,
    and a plain note for every ``review_added`` entry whose review cannot be read
    (named by entry number; verification names them too)."""
    found: dict[str, Review] = {}
    notes: list[str] = []
    for entry in entries(view, slug=slug):
        if entry.event != "review_added" or (version is not None and entry.version != version):
            continue
        try:
            review = from_entry(view, entry)
        except Exception as exc:  # malformed content: name it, show the rest
            notes.append(UNREADABLE_REVIEW.format(sequence=entry.sequence, reason=exc))
            continue
        found.setdefault(review.review_id, review)
    ordered = sorted(found.values(), key=lambda r: (r.date, r.version, r.review_id))
    return ordered, notes


def reviews(view: StoreView, slug: str, version: int | None = None) -> list[Review]:
    """The reviews of one version (or of every version when ``version`` is None), oldest
    date first: only those ``review_added`` entries hold; unreadable ones are skipped.
    Raises ``NotFoundError`` for an unknown slug or version."""
    if version is not None:
        view.version(slug, version)
    else:
        view.registered(slug)
    return read_reviews(view, slug, version)[0]
