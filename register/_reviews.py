"""Reviews: an auditor's signed-off judgement of one model version.

A review is stored as ``insyn/reviews/<slug>/<version>/<id>.json`` in the audit
log's run (the audit experiment, which auditors may write to on a shared server,
unlike the organisations' experiments) and appended to the audit trail
(``review_added``, with the file's SHA-256). The id is derived from the content,
so recording the same review twice changes nothing. Reviews stored by earlier
releases in the version's own run (``insyn/reviews/<id>.json``) are still read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register._errors import InsynError
from register._record import LocalizedText
from register._results import _ReadOnly

if TYPE_CHECKING:
    from register._store import Register

REVIEW_DIR = "insyn/reviews"
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
INCOMPLETE_VERSION_MESSAGE = (
    "Version {version} of {slug!r} is incomplete (its registration did not finish) "
    "and cannot be reviewed."
)


class ReviewError(InsynError, ValueError):
    """A review that breaks a rule (nothing was written)."""


class Review(_ReadOnly):
    """One auditor's review of one version (read-only)."""

    _fields = ("review_id", "slug", "version", "outcome", "text", "organisation", "date", "checks")
    if TYPE_CHECKING:
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
    """Store a review of ``slug`` version ``version`` and log it in the audit trail.

    Guarantees: everything is validated (fields, the version exists and is complete)
    before anything is written; the same review recorded again is returned as it is
    and nothing is written. Raises :class:`ReviewError` or ``NotFoundError``.
    """
    from register import _audit
    from register._store import COMPLETE_TAG

    review = build_review(slug, version, **fields)
    mv = reg._model_version(slug, version)
    if mv.tags.get(COMPLETE_TAG) != "true":
        raise ReviewError(INCOMPLETE_VERSION_MESSAGE.format(slug=slug, version=version))
    run_id = _audit.log_run(reg)
    assert run_id is not None
    folder = _folder(slug, version)
    path = f"{folder}/{review.review_id}.json"
    if path in {f.path for f in reg.client.list_artifacts(run_id, folder)}:
        return review
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / f"{review.review_id}.json"
        payload = json.dumps(review.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)
        local.write_text(payload + "\n", encoding="utf-8")
        digest = _audit.sha256_file(local)
        reg.client.log_artifact(run_id, str(local), folder)
    _audit.append(
        reg,
        "review_added",
        slug=slug,
        version=int(version),
        details={
            "review_id": review.review_id,
            "outcome": review.outcome,
            "organisation": review.organisation,
            "date": review.date.isoformat(),
            "checks": list(review.checks),
        },
        artifacts=[{"run_id": run_id, "path": path, "sha256": digest}],
    )
    return review


def _folder(slug: str, version: int | str) -> str:
    return f"{REVIEW_DIR}/{slug}/{int(version)}"


def reviews(reg: Register, slug: str, version: int | None = None) -> list[Review]:
    """The reviews of one version (or of every version when ``version`` is None),
    oldest date first; read fresh from the store each time."""
    from register import _audit

    versions = [reg._model_version(slug, version)] if version is not None else reg.versions(slug)
    log = _audit.log_run(reg, create=False)
    found: dict[str, Review] = {}
    for mv in versions:
        places = [(mv.run_id, REVIEW_DIR)]  # where earlier releases stored them
        if log is not None:
            places.append((log, _folder(slug, mv.version)))
        for run_id, folder in places:
            for info in reg.client.list_artifacts(run_id, folder):
                if info.path.endswith(".json"):  # each file is immutable, so it is cached
                    review = Review.from_dict(reg._artifact_json(run_id, info.path))
                    found[review.review_id] = review
    return sorted(found.values(), key=lambda r: (r.date, r.version, r.review_id))
