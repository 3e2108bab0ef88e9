"""Audit reports built by hand (no store): the full one, an empty one and a hostile one."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from register import AuditReport, LocalizedText
from register.audit._reviews import Review
from register.audit._types import AuditEntry, AuditHead, AuditProblem, AuditVerification

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'
HEAD = AuditHead(sequence=3, hash="ab" * 32)
GENERATED = dt.datetime(2026, 11, 29, 12, 0, 0, tzinfo=dt.UTC)


RATES = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision")


def _group(
    name: str,
    rates: tuple[float | None, ...],
    count: float,
    intervals: tuple[tuple[float, float] | None, ...],
    denominators: tuple[int | None, ...],
) -> dict[str, Any]:
    return {
        "group": name,
        **dict(zip(RATES, rates, strict=True)),
        "count": count,
        "too_few": False,
        "intervals": {
            m: None if i is None else list(i) for m, i in zip(RATES, intervals, strict=True)
        },
        "denominators": dict(zip(RATES, denominators, strict=True)),
        "too_few_rates": [m for m, r in zip(RATES, rates, strict=True) if r is None],
    }


def _fairness(text: str) -> dict[str, Any]:
    hidden = dict.fromkeys((*RATES, "count"))
    return {
        "format": 2,
        "positive_class": "yes",
        "rows": 120,
        "min_group_size": 10,
        "min_denominator": 10,
        "thresholds": {"four_fifths": 0.8, "max_rate_difference": 0.1},
        "attributes": [
            {
                "attribute": "sex",
                "grouping": "categories as recorded",
                "overall": _group(
                    "",
                    (0.41, 0.62, 0.12, 0.7),
                    120.0,
                    ((0.321, 0.503), (0.489, 0.74), (0.051, 0.227), (0.56, 0.817)),
                    (120, 60, 60, 50),
                ),
                "groups": [
                    _group(
                        "female",
                        (0.3, 0.5, 0.1, 0.66),
                        60.0,
                        ((0.188, 0.433), (0.313, 0.687), (0.021, 0.265), (0.414, 0.855)),
                        (60, 30, 30, 18),
                    ),
                    _group(
                        "male",
                        (0.52, 0.74, 0.14, None),
                        55.0,
                        ((0.381, 0.656), (0.517, 0.898), (0.04, 0.32), None),
                        (55, 27, 28, None),
                    ),
                    {"group": "other" + text, "too_few": True, **hidden},
                ],
                "flags": ["four_fifths"],
                "uncertain": [],
                "finding": {"sv": "Andelen skiljer." + text, "en": "The rate differs." + text},
            },
            {
                "attribute": "age" + text,
                "grouping": "age bands <25, 25–34" + text,
                "overall": {**hidden, "count": 5.0},
                "groups": [],
                "flags": [],
                "uncertain": [],
                "finding": {"sv": "Inga skillnader.", "en": "No differences."},
            },
        ],
    }


def _checks(text: str) -> dict[str, Any]:
    return {
        "additivity": {"max_error": 1.234e-7, "tolerance": 1e-4},
        "reproducibility": {
            "identical": False,
            "max_difference": 2.5e-9,
            "rows_recomputed": 50,
            "seed": 7,
            "background_sha256": "cd" * 32,
        },
        "stability": {
            "spearman": 0.9876,
            "entered_top": ["income" + text],
            "left_top": [],
            "decision_changed_share": 0.031,
        },
        "protected_influence": {
            "attributes": [
                {
                    "attribute": "sex" + text,
                    "is_input": True,
                    "direct_share": 0.12,
                    "proxies": [
                        {
                            "feature": "job" + text,
                            "measure": "cramers_v",
                            "association": 0.45678,
                            "shap_share": 0.05,
                        }
                    ],
                    "proxy_share": 0.05,
                },
                {
                    "attribute": "age",
                    "is_input": False,
                    "direct_share": None,
                    "proxies": [],
                    "proxy_share": None,
                },
            ]
        },
    }


def _entry(sequence: int, event: str, text: str) -> AuditEntry:
    return AuditEntry(
        format=2,
        sequence=sequence,
        event=event + text,
        time=f"2026-11-2{sequence}T10:00:00.000+00:00",
        slug="benefits-uptake",
        version=sequence,
        details={},
        artifacts=(),
        previous_hash="0" * 64,
        author=None,
        key_id=None,
        hash=f"{sequence}" * 64,
        signature=None,
    )


def full_report(text: str = "", *, broken: bool = False) -> AuditReport:
    """A report with every section filled; ``text`` is appended to every record-borne string."""
    problems = (
        AuditProblem(
            sequence=2, event="published", artifact=None, slug=None, message="gone" + text
        ),
    )
    return AuditReport(
        slug="benefits-uptake",
        version=2,
        name=LocalizedText(sv="Stöd" + text, en="Support" + text),
        organisation="Exempelkommun" + text,
        provenance={
            "explainer": "exact_tree" + text,
            "explainer_class": "TreeExplainer",
            "seed": 7,
            "rows": 50,
            "additivity_max_error": 1.5e-7,
            "positive_class": None,
            "fingerprint": "ef" * 32,
        },
        fairness=_fairness(text),
        checks=_checks(text),
        reviews=(
            Review(
                review_id="r1",
                slug="benefits-uptake",
                version=2,
                outcome="approved_with_remarks",
                text=LocalizedText(
                    sv="Revisionen granskade." + text, en="The audit looked." + text
                ),
                organisation="Internrevisionen" + text,
                date=dt.date(2026, 11, 20),
                checks=("fairness", "additivity" + text),
            ),
            Review(
                review_id="r2",
                slug="benefits-uptake",
                version=2,
                outcome="concerns",
                text=LocalizedText(sv="Oro."),
                organisation="Revisorerna",
                date=dt.date(2026, 11, 21),
                checks=(),
            ),
        ),
        entries=(_entry(1, "registered", text), _entry(2, "published", text)),
        verification=AuditVerification(
            entries=3,
            head=HEAD,
            problems=problems if broken else (),
            unclaimed_files=(),
            unsigned=0,
            key_ids=(),
            keys_pinned=False,
            heads_checked=0,
        ),
        head=HEAD,
        generated_at=GENERATED,
    )


def empty_report() -> AuditReport:
    """A report of a version without fairness data, checks or reviews, not verified."""
    return AuditReport(
        slug="benefits-uptake",
        version=1,
        name=LocalizedText(sv="Stöd"),
        organisation="Exempelkommun",
        provenance={},
        fairness=None,
        checks={**_checks(""), "stability": None},
        reviews=(),
        entries=(),
        verification=None,
        head=HEAD,
        generated_at=GENERATED,
    )


def no_checks_report() -> AuditReport:
    """The empty report without stored checks either."""
    return dataclasses.replace(empty_report(), checks=None)
