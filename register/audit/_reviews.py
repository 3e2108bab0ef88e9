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
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register._errors import InsynError
from register.record._schema import LocalizedText

if TYPE_CHECKING:
    from register._facade import Register
    from register.audit._chain import AuditEntry

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


def review_id(data: dict[str, Any]) -> str:
    """The first 16 hex digits of the SHA-256 of the review's canonical JSON."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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


def add_review(reg: Register, slug: str, version: int, **fields: Any) -> Review:
    """Log a review of ``slug`` version ``version`` (``review_added``, content inline).

    Guarantees: everything is validated (fields, the version exists and is complete)
    before anything is written; the same review recorded again is returned as it is
    and nothing is written. Raises :class:`ReviewError` or ``NotFoundError``.
    """
    from register._facade import COMPLETE_TAG
    from register.audit._writer import writer_for

    review = build_review(slug, version, **fields)
    mv = reg._model_version(slug, version)
    if mv.tags.get(COMPLETE_TAG) != "true":
        raise ReviewError(INCOMPLETE_VERSION_MESSAGE.format(slug=slug, version=version))
    if any(r.review_id == review.review_id for r in reviews(reg, slug, int(version))):
        return review
    writer_for(reg).add_review(slug, int(version), review.to_dict())
    return review


def _from_entry(reg: Register, entry: AuditEntry, folder: Path) -> Review:
    """The review an entry holds: inline (format 2) or, for entries of earlier releases,
    the file it names, read only when its SHA-256 is the one the entry holds."""
    from register.audit import _chain as _audit

    inline = entry.details.get("review")
    if isinstance(inline, dict):
        data = inline
    else:
        [ref] = [a for a in entry.artifacts if str(a.get("path", "")).endswith(".json")]
        key = ("review-file", str(ref["sha256"]))
        if key not in reg._cache:
            local = Path(reg.client.download_artifacts(ref["run_id"], ref["path"], str(folder)))
            if _audit.sha256_file(local) != ref["sha256"]:
                raise ValueError(REVIEW_FILE_CHANGED)
            reg._cache[key] = json.loads(local.read_text(encoding="utf-8"))
        data = reg._cache[key]
    review = Review.from_dict(data)
    if review.slug != entry.slug or review.version != entry.version:
        raise ValueError(REVIEW_MISPLACED)
    return review


def read_reviews(
    reg: Register, slug: str, version: int | None = None
) -> tuple[list[Review], list[str]]:
    """The reviews the log holds for ``slug`` (one version when given), oldest date first,
    and a plain note for every ``review_added`` entry whose review cannot be read
    (named by entry number; verification names them too)."""
    from register.audit import _chain as _audit

    found: dict[str, Review] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for entry in _audit.entries(reg, slug=slug):
            if entry.event != "review_added" or (version is not None and entry.version != version):
                continue
            try:
                review = _from_entry(reg, entry, Path(tmp))
            except Exception as exc:  # malformed content: name it, show the rest
                notes.append(UNREADABLE_REVIEW.format(sequence=entry.sequence, reason=exc))
                continue
            found.setdefault(review.review_id, review)
    ordered = sorted(found.values(), key=lambda r: (r.date, r.version, r.review_id))
    return ordered, notes


def reviews(reg: Register, slug: str, version: int | None = None) -> list[Review]:
    """The reviews of one version (or of every version when ``version`` is None), oldest
    date first: only those ``review_added`` entries hold; unreadable ones are skipped."""
    if version is not None:
        reg._model_version(slug, version)  # NotFoundError for an unknown version
    else:
        reg._registered(slug)
    return read_reviews(reg, slug, version)[0]
