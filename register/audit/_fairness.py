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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from babel.core import UnknownLocaleError
from babel.numbers import get_decimal_symbol

from register._errors import InsynError
from register.text import languages, message

MIN_GROUP_SIZE = 10
"""Groups with fewer people than this are reported as "too few to report"."""
FOUR_FIFTHS = 0.8
"""Flag when the lowest selection rate is below this share of the highest (four-fifths rule)."""
MAX_RATE_DIFFERENCE = 0.10
"""Flag when true- or false-positive rates differ by more than this between groups."""
AGE_BANDS = (25, 35, 45, 55, 65)
"""Edges of the age bands: under 25, 25–34, 35–44, 45–54, 55–64, 65 and over."""
NUMERIC_BANDS = 4
"""Other numeric attributes with more than MAX_CATEGORIES values are cut into quartile bands."""
MAX_CATEGORIES = 10
MISSING_GROUP = "(missing)"
METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision", "count")
RATE_METRICS = METRICS[:4]
FORMAT_VERSION = 1

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


def _precision(y_true: Any, y_pred: Any) -> float:
    predicted = np.asarray(y_pred) == 1
    return float(np.asarray(y_true)[predicted].mean()) if predicted.any() else math.nan


def _rate(y_true: Any, y_pred: Any, actual: int) -> float:
    mask = np.asarray(y_true) == actual
    return float((np.asarray(y_pred)[mask] == 1).mean()) if mask.any() else math.nan


def _metric_functions() -> dict[str, Any]:
    from fairlearn.metrics import (  # noqa: PLC0415 - fairlearn takes seconds to import; only evaluations need it
        count,
        selection_rate,
    )

    return {
        "selection_rate": selection_rate,
        "true_positive_rate": lambda t, p: _rate(t, p, 1),
        "false_positive_rate": lambda t, p: _rate(t, p, 0),
        "precision": _precision,
        "count": count,
    }


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
            metrics=_metric_functions(),
            y_true=y_true,
            y_pred=y_pred.to_numpy(),
            sensitive_features=groups.rename(attribute),
        )
        by_group = frame.by_group
        rows = [
            {"group": str(g), **{m: _number(by_group.loc[g, m]) for m in METRICS}}
            for g in sorted(by_group.index, key=_band_order)
        ]
        overall = {m: _number(frame.overall[m]) for m in METRICS}
        attributes.append(
            {"attribute": attribute, "grouping": how, "overall": overall, "groups": rows}
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


def _number(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def _suppress(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    small = {g["group"] for g in groups if (g["count"] or 0) < MIN_GROUP_SIZE}
    if len(small) == 1:
        others = sorted(
            (g for g in groups if g["group"] not in small), key=lambda g: g["count"] or 0
        )
        if others:
            small.add(others[0]["group"])
    if len(small) == len(groups):
        small = {g["group"] for g in groups}
    out = []
    for g in groups:
        if g["group"] in small:
            out.append({"group": g["group"], "too_few": True, **dict.fromkeys(METRICS)})
        else:
            out.append({**g, "too_few": False})
    return out


def _gaps(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    gaps: dict[str, dict[str, Any]] = {}
    for metric in RATE_METRICS:
        found = [
            (g[metric], g["group"]) for g in groups if not g["too_few"] and g[metric] is not None
        ]
        if len(found) < 2:
            gaps[metric] = {"difference": None, "ratio": None, "lowest": None, "highest": None}
            continue
        low, high = min(found), max(found)
        gaps[metric] = {
            "difference": high[0] - low[0],
            "ratio": (low[0] / high[0]) if high[0] > 0 else None,
            "lowest": low[1],
            "highest": high[1],
        }
    return gaps


def _points(share: float, lang: str, decimals: int) -> str:
    text = f"{100 * share:.{decimals}f}"
    try:
        decimal = get_decimal_symbol(lang)
    except (UnknownLocaleError, ValueError):
        decimal = "."
    return text.replace(".", decimal)


def _findings(attribute: str, gaps: dict[str, dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
    """The flags and the finding in every language of the catalogue (``{lang: text}``)."""
    flags: list[str] = []
    langs = languages()
    parts: dict[str, list[str]] = {lang: [] for lang in langs}
    if all(g["difference"] is None for g in gaps.values()):
        texts = {
            lang: message("fairness.finding.too_few", lang, minimum=MIN_GROUP_SIZE)
            for lang in langs
        }
        return ["too_few_groups"], texts
    selection = gaps["selection_rate"]
    if selection["ratio"] is not None and selection["ratio"] < FOUR_FIFTHS:
        flags.append("four_fifths")
        for lang in langs:
            parts[lang].append(
                message(
                    "fairness.finding.selection",
                    lang,
                    attribute=attribute,
                    low=selection["lowest"],
                    high=selection["highest"],
                    ratio=_points(selection["ratio"], lang, 0),
                    threshold=_points(FOUR_FIFTHS, lang, 0),
                )
            )
    for metric in ("true_positive_rate", "false_positive_rate"):
        difference = gaps[metric]["difference"]
        if difference is not None and difference > MAX_RATE_DIFFERENCE:
            flags.append(metric)
            for lang in langs:
                parts[lang].append(
                    message(
                        "fairness.finding.rate",
                        lang,
                        attribute=attribute,
                        metric=message(f"fairness.finding.metric.{metric}", lang),
                        difference=_points(difference, lang, 1),
                        threshold=_points(MAX_RATE_DIFFERENCE, lang, 0),
                    )
                )
    if not flags:
        return [], {
            lang: message("fairness.finding.ok", lang, attribute=attribute) for lang in langs
        }
    return flags, {lang: " ".join(texts) for lang, texts in parts.items()}


@dataclass(frozen=True, kw_only=True, slots=True)
class FairnessReport:
    """Fairness by group for one model version (read-only; see :func:`fairness_report`).

    ``positive_class``: the class counted as "selected"; ``rows``: how many evaluation
    rows the numbers come from; ``raw``: each attribute's numbers as computed (attribute,
    grouping, overall, groups), small groups included unless ``suppressed`` (True when
    groups under MIN_GROUP_SIZE have been replaced by "too few"). Show only
    :meth:`public_dict` or :meth:`groups`.
    """

    positive_class: str
    rows: int
    raw: tuple[dict[str, Any], ...] = field(repr=False)
    suppressed: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", int(self.rows))
        object.__setattr__(self, "raw", tuple(self.raw))

    @property
    def attributes(self) -> tuple[str, ...]:
        """The protected attributes reported on, in record order."""
        return tuple(a["attribute"] for a in self.raw)

    def public_dict(self) -> dict[str, Any]:
        """The JSON-safe public result: small groups suppressed, gaps and findings added.

        Guarantees: no group with fewer than MIN_GROUP_SIZE people carries a number,
        and gaps are computed over reported groups only.
        """
        attributes = []
        for item in self.raw:
            groups = item["groups"] if self.suppressed else _suppress(item["groups"])
            gaps = _gaps(groups)
            flags, finding = _findings(item["attribute"], gaps)
            overall = item["overall"]
            if (overall.get("count") or 0) < MIN_GROUP_SIZE:
                overall = dict.fromkeys(METRICS)
            attributes.append(
                {
                    "attribute": item["attribute"],
                    "grouping": item["grouping"],
                    "overall": overall,
                    "groups": groups,
                    "gaps": gaps,
                    "flags": flags,
                    "finding": finding,
                }
            )
        return {
            "format": FORMAT_VERSION,
            "positive_class": self.positive_class,
            "rows": self.rows,
            "min_group_size": MIN_GROUP_SIZE,
            "thresholds": {
                "four_fifths": FOUR_FIFTHS,
                "max_rate_difference": MAX_RATE_DIFFERENCE,
                "age_bands": band_labels(AGE_BANDS),
            },
            "attributes": attributes,
        }

    def groups(self, attribute: str) -> pd.DataFrame:
        """The public table of ``attribute``: one row per group (too few: numbers NaN)."""
        for item in self.public_dict()["attributes"]:
            if item["attribute"] == attribute:
                return pd.DataFrame(item["groups"]).astype({m: float for m in METRICS})
        raise KeyError(attribute)

    @classmethod
    def from_public_dict(cls, data: dict[str, Any]) -> FairnessReport:
        """A report read back from its public JSON (small groups stay suppressed)."""
        attributes = [
            {k: a[k] for k in ("attribute", "grouping", "overall", "groups")}
            for a in data.get("attributes", [])
        ]
        return cls(
            positive_class=str(data.get("positive_class", "")),
            rows=int(data.get("rows", 0)),
            raw=tuple(attributes),
            suppressed=True,
        )
