"""Fairness by group: how a classifier's decisions differ between groups of people.

For every protected attribute named in the record, :func:`fairness_report`
compares the model's decisions on labelled evaluation data per group and
overall (fairlearn ``MetricFrame``): selection rate, true-positive rate,
false-positive rate, precision and count; the largest difference and the
smallest ratio between groups; and a plain-language finding in every language
of the text catalogue (:mod:`register.text`, keys ``fairness.finding.*``),
flagged against the thresholds below.

Privacy: a group with fewer than :data:`MIN_GROUP_SIZE` people is "too few to
report". Its numbers are never part of the public result (:meth:`FairnessReport.public_dict`),
which is what the register stores and the portal and exports show; when exactly
one group is that small, the next-smallest group is suppressed too, so its
numbers cannot be worked out from the overall figure. Differences and ratios are
taken over reported groups only. Auditors holding the evaluation data can
recompute every number with :func:`fairness_report`.

Honest small numbers (:mod:`register.audit._intervals`): in a reported group, a
rate whose own denominator (for example the group's actual negatives, for the
false-positive rate) has fewer than ``MIN_DENOMINATOR`` people is "too few to
report"; every published rate carries its exact binomial (Clopper–Pearson) 95 %
interval; and a difference is flagged only when the two groups' intervals do not
overlap (:mod:`register.audit._fairness_public`).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from register._errors import InsynError
from register.audit._fairness_public import (
    FOUR_FIFTHS,
    MAX_RATE_DIFFERENCE,
    METRICS,
    MIN_GROUP_SIZE,
    RATE_METRICS,
    findings,
    public_attribute,
    published_overall,
    suppress,
)
from register.audit._intervals import CONFIDENCE, MIN_DENOMINATOR

AGE_BANDS = (25, 35, 45, 55, 65)
"""Edges of the age bands: under 25, 25–34, 35–44, 45–54, 55–64, 65 and over."""
NUMERIC_BANDS = 4
"""Other numeric attributes with more than MAX_CATEGORIES values are cut into quartile bands."""
MAX_CATEGORIES = 10
MISSING_GROUP = "(missing)"
FORMAT_VERSION = 2
"""2: groups carry ``intervals``, ``denominators`` and ``too_few_rates``; 1: rates only."""

ATTRIBUTE_MISSING_MESSAGE = (
    "The evaluation data has no column {attribute!r}, which the record's "
    "data.protected_attributes names; present columns: {columns}."
)
LABEL_MISSING_MESSAGE = "The evaluation data has no label column {label!r}."
LABEL_REQUIRED_MESSAGE = "evaluation_data was given without label: name its label column."
LABELS_UNFIT_MESSAGE = (
    "The label column {label!r} holds values the model cannot predict: {values}; "
    "the model's classes are {classes}."
)
INPUTS_MISSING_MESSAGE = "The evaluation data is missing model inputs: {columns}."
NOT_CLASSIFIER_MESSAGE = "Fairness by group needs a classifier with classes_; {kind} has none."
EMPTY_EVALUATION_MESSAGE = "The evaluation data has no rows."


def band_labels(edges: tuple[float, ...]) -> list[str]:
    """Labels of the bands cut at ``edges``: ``<25``, ``25–34`` ... ``65+`` for integers."""
    labels = [f"<{edges[0]:g}"]
    labels += [f"{lo:g}–{hi - 1:g}" for lo, hi in pairwise(edges)]
    return [*labels, f"{edges[-1]:g}+"]


def groups_of(values: pd.Series, attribute: str) -> tuple[pd.Series, str]:
    """The group of every row and how groups were formed.

    ``age`` is cut into :data:`AGE_BANDS`; another numeric attribute with more
    than :data:`MAX_CATEGORIES` distinct values into quartile bands; anything
    else is taken as it is (as text). Missing values form the group ``(missing)``.
    """
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and (attribute == "age" or values.nunique() > MAX_CATEGORIES):
        if attribute == "age":
            edges: tuple[float, ...] = AGE_BANDS
            how = "age bands " + ", ".join(band_labels(edges))
        else:
            quantiles = np.nanquantile(values.astype(float), np.linspace(0, 1, NUMERIC_BANDS + 1))
            edges = tuple(sorted(set(float(q) for q in quantiles[1:-1])))
            how = f"{NUMERIC_BANDS} quantile bands"
        cut = np.digitize(values.astype(float), edges, right=False)
        labels = np.array(
            band_labels(edges) if attribute == "age" else _range_labels(edges), dtype=object
        )
        grouped = pd.Series(labels[cut], index=values.index, dtype=object)
        grouped[values.isna()] = MISSING_GROUP
        return grouped, how
    grouped = values.astype(object).where(values.notna(), MISSING_GROUP).astype(str)
    return grouped, "categories as recorded"


def _range_labels(edges: tuple[float, ...]) -> list[str]:
    bounds = [-math.inf, *edges, math.inf]
    return [f"[{lo:.4g}, {hi:.4g})" for lo, hi in pairwise(bounds)]


TALLIES = {
    "selection_rate": ("selected", "count"),
    "true_positive_rate": ("true_positives", "positives"),
    "false_positive_rate": ("false_positives", "negatives"),
    "precision": ("true_positives", "selected"),
}
"""Each rate as (numerator, denominator) of the counts below: who it counts, of whom."""


def _counts() -> dict[str, Any]:
    """Counting functions for ``MetricFrame`` (labels and predictions as 0/1)."""

    def counter(which: Any) -> Any:
        return lambda t, p: int(np.sum(which(np.asarray(t) == 1, np.asarray(p) == 1)))

    return {
        "count": lambda t, p: len(np.asarray(t)),
        "selected": counter(lambda t, p: p),
        "positives": counter(lambda t, p: t),
        "negatives": counter(lambda t, p: ~t),
        "true_positives": counter(lambda t, p: t & p),
        "false_positives": counter(lambda t, p: ~t & p),
    }


def _row(counts: Any) -> dict[str, Any]:
    """Rates (None over nobody), the head-count and each rate's (numerator, denominator)."""
    tallies = {m: (int(counts[k]), int(counts[n])) for m, (k, n) in TALLIES.items()}
    rates = {m: (k / n if n else None) for m, (k, n) in tallies.items()}
    return {**rates, "count": int(counts["count"]), "tallies": tallies}


def _positive_class(model: Any, positive_class: str | None) -> Any:
    classes = list(getattr(model, "classes_", []))
    if not classes:
        raise InsynError(NOT_CLASSIFIER_MESSAGE.format(kind=type(model).__name__))
    for cls in classes:
        if positive_class is not None and str(cls) == str(positive_class):
            return cls
    return classes[-1]


def check_evaluation(
    model: Any, evaluation: pd.DataFrame, label: str | None, protected: tuple[str, ...]
) -> list[str]:
    """The model's input columns, after checking the evaluation data fits.

    Raises :class:`InsynError` naming the column and rule when a protected
    attribute, the label or a model input is missing, or when labels are not
    among the model's ``classes_``.
    """
    if label is None:
        raise InsynError(LABEL_REQUIRED_MESSAGE)
    if len(evaluation) == 0:
        raise InsynError(EMPTY_EVALUATION_MESSAGE)
    columns = ", ".join(map(str, evaluation.columns))
    for attribute in protected:
        if attribute not in evaluation.columns:
            raise InsynError(ATTRIBUTE_MISSING_MESSAGE.format(attribute=attribute, columns=columns))
    if label not in evaluation.columns:
        raise InsynError(LABEL_MISSING_MESSAGE.format(label=label))
    inputs = [str(c) for c in getattr(model, "feature_names_in_", [])]
    missing = [c for c in inputs if c not in evaluation.columns]
    if missing:
        raise InsynError(INPUTS_MISSING_MESSAGE.format(columns=", ".join(missing)))
    classes = list(getattr(model, "classes_", []))
    if not classes:
        raise InsynError(NOT_CLASSIFIER_MESSAGE.format(kind=type(model).__name__))
    known = {str(c) for c in classes}
    unfit = sorted({str(v) for v in evaluation[label].dropna().unique()} - known)
    if unfit or evaluation[label].isna().any():
        shown = unfit[:5] + (["(missing)"] if evaluation[label].isna().any() else [])
        raise InsynError(
            LABELS_UNFIT_MESSAGE.format(
                label=label, values=", ".join(shown), classes=", ".join(sorted(known))
            )
        )
    return inputs


def fairness_report(
    model: Any,
    evaluation_data: pd.DataFrame,
    *,
    label: str | None,
    protected_attributes: tuple[str, ...] | list[str],
    positive_class: str | None = None,
) -> FairnessReport:
    """Per protected attribute: metrics by group and overall, gaps, and a finding.

    Guarantees: every number comes from the model's own ``predict`` on
    ``evaluation_data``; the label and predictions are compared as "is the
    positive class" (``positive_class``, default the last of ``classes_``).
    Raises :class:`InsynError` (nothing computed) when the data does not fit.
    """
    from fairlearn.metrics import MetricFrame  # noqa: PLC0415 - seconds to import; evaluations only

    protected = tuple(protected_attributes)
    inputs = check_evaluation(model, evaluation_data, label, protected)
    positive = _positive_class(model, positive_class)
    data = evaluation_data.reset_index(drop=True)
    y_true = (data[label].astype(str) == str(positive)).astype(int).to_numpy()
    features = data[inputs] if inputs else data.drop(columns=[label, *protected])
    y_pred = (pd.Series(model.predict(features)).astype(str) == str(positive)).astype(int)
    attributes = []
    for attribute in protected:
        groups, how = groups_of(data[attribute], attribute)
        frame = MetricFrame(
            metrics=_counts(),
            y_true=y_true,
            y_pred=y_pred.to_numpy(),
            sensitive_features=groups.rename(attribute),
        )
        by_group = frame.by_group
        rows = [
            {"group": str(g), **_row(by_group.loc[g])}
            for g in sorted(by_group.index, key=_band_order)
        ]
        attributes.append(
            {
                "attribute": attribute,
                "grouping": how,
                "overall": _row(frame.overall),
                "groups": rows,
            }
        )
    return FairnessReport(
        positive_class=str(positive), rows=len(data), raw=tuple(attributes), suppressed=False
    )


def _band_order(group: Any) -> tuple[int, str]:
    """Age bands in age order, then other groups by name, ``(missing)`` last."""
    bands = band_labels(AGE_BANDS)
    text = str(group)
    if text == MISSING_GROUP:
        return (len(bands) + 1, text)
    return (bands.index(text), text) if text in bands else (len(bands), text)


_findings = findings  # the catalogue tests judge findings through this name


@dataclass(frozen=True, kw_only=True, slots=True)
class FairnessReport:
    """Fairness by group for one model version (read-only; see :func:`fairness_report`).

    ``positive_class``: the class counted as "selected"; ``rows``: how many evaluation
    rows the numbers come from; ``raw``: each attribute's numbers as computed (attribute,
    grouping, overall, groups), small groups included unless ``suppressed`` (True when
    groups under MIN_GROUP_SIZE have been replaced by "too few"); ``legacy``: a result
    stored in format 1, before intervals, which is shown as it was stored. Show only
    :meth:`public_dict` or :meth:`groups`.
    """

    positive_class: str
    rows: int
    raw: tuple[dict[str, Any], ...] = field(repr=False)
    suppressed: bool
    legacy: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", int(self.rows))
        object.__setattr__(self, "raw", tuple(self.raw))

    @property
    def attributes(self) -> tuple[str, ...]:
        """The protected attributes reported on, in record order."""
        return tuple(a["attribute"] for a in self.raw)

    def public_dict(self) -> dict[str, Any]:
        """The JSON-safe public result: small groups suppressed, intervals, gaps and findings.

        Guarantees: no group with fewer than MIN_GROUP_SIZE people carries a number; no
        rate with fewer than MIN_DENOMINATOR people in its own denominator carries one
        (it is listed in ``too_few_rates``); every published rate has its 95 %
        Clopper–Pearson interval; gaps use published rates only; a flag needs
        non-overlapping intervals. A result stored in format 1 (before intervals) is
        returned as it was stored.
        """
        if self.legacy is not None:
            return copy.deepcopy(self.legacy)
        attributes = []
        for item in self.raw:
            groups = item["groups"] if self.suppressed else suppress(item["groups"])
            overall = item["overall"] if self.suppressed else published_overall(item["overall"])
            attributes.append(public_attribute({**item, "overall": overall}, groups))
        return {
            "format": FORMAT_VERSION,
            "positive_class": self.positive_class,
            "rows": self.rows,
            "min_group_size": MIN_GROUP_SIZE,
            "min_denominator": MIN_DENOMINATOR,
            "confidence": CONFIDENCE,
            "interval": "clopper-pearson",
            "thresholds": {
                "four_fifths": FOUR_FIFTHS,
                "max_rate_difference": MAX_RATE_DIFFERENCE,
                "age_bands": band_labels(AGE_BANDS),
            },
            "attributes": attributes,
        }

    def groups(self, attribute: str) -> pd.DataFrame:
        """The public table of ``attribute``: one row per group (too few: numbers NaN),
        with ``<rate>_low`` and ``<rate>_high`` (the 95 % interval, NaN when none)."""
        for item in self.public_dict()["attributes"]:
            if item["attribute"] == attribute:
                rows = []
                for group in item["groups"]:
                    row = {k: group.get(k) for k in ("group", *METRICS, "too_few")}
                    for metric in RATE_METRICS:
                        interval = (group.get("intervals") or {}).get(metric) or (None, None)
                        row[f"{metric}_low"], row[f"{metric}_high"] = interval
                    rows.append(row)
                columns = [*METRICS, *(f"{m}_{e}" for m in RATE_METRICS for e in ("low", "high"))]
                return pd.DataFrame(rows).astype(dict.fromkeys(columns, float))
        raise KeyError(attribute)

    @classmethod
    def from_public_dict(cls, data: dict[str, Any]) -> FairnessReport:
        """A report read back from its public JSON (small groups and rates stay suppressed)."""
        attributes = [
            {k: a[k] for k in ("attribute", "grouping", "overall", "groups")}
            for a in data.get("attributes", [])
        ]
        return cls(
            positive_class=str(data.get("positive_class", "")),
            rows=int(data.get("rows", 0)),
            raw=tuple(attributes),
            suppressed=True,
            legacy=copy.deepcopy(data) if int(data.get("format", 1)) < 2 else None,
        )
