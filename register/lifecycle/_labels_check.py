"""The warning registration gives when readers would meet raw codes: categories of an
input, protected attributes or their groups that the record gives no plain label."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from register.audit._fairness import MISSING_GROUP, groups_of
from register.record import InputProfile, TransparencyRecord
from register.record._labels import MISSING_LABELS_WARNING, missing_labels

__all__ = ["LabelsMissingWarning", "warn_missing_labels"]

MAX_ITEMS = 200  # values named in one warning; a longer list says how many more
BANDED = ("age bands", "quantile bands")


class LabelsMissingWarning(UserWarning):
    """Registration went on, but readers will see some raw codes (every one is named)."""


def _group_codes(values: pd.Series, attribute: str) -> list[str] | None:
    """The group codes the fairness check forms from ``values``; None for bands, whose
    names (``25–34``) are numbers every reader can read."""
    grouped, how = groups_of(values, attribute)
    if any(how.startswith(word) or how.endswith(word) for word in BANDED):
        return None
    return sorted(str(g) for g in grouped.unique() if g != MISSING_GROUP)


def missing_label_items(
    record: TransparencyRecord,
    profile: InputProfile,
    evaluation_data: pd.DataFrame | None,
    classes: Any = (),
) -> list[str]:
    """Every value readers would see as a raw code (see :func:`missing_labels`)."""
    feature_values: dict[str, tuple[Any, Any]] = {}
    for spec in profile.features:
        described = record.feature(spec.name)
        if spec.kind == "categorical" and described is not None:
            feature_values[spec.name] = (described.values, spec.categories)
    protected: dict[str, tuple[Any, Any]] = {}
    for name in record.data.protected_attributes:
        attribute = record.protected_label(name)
        codes = None
        if evaluation_data is not None and name in evaluation_data.columns:
            codes = _group_codes(evaluation_data[name], name)
        if attribute is None and record.feature(name) is not None:
            # An input that is also protected: its own label names it, its values
            # are labelled where the input's are.
            described = record.feature(name)
            labels = described.values if described is not None else ()
            if codes is not None:
                feature_values.setdefault(name, (labels, codes))
            continue
        protected[name] = (attribute, codes)
    unlabelled = [c for c in classes if record.class_label(c) is None]
    return missing_labels(
        feature_values=feature_values, protected=protected, classes=((), unlabelled)
    )


def warn_missing_labels(
    record: TransparencyRecord,
    profile: InputProfile,
    evaluation_data: pd.DataFrame | None,
    classes: Any = (),
) -> list[str]:
    """Warn (:class:`LabelsMissingWarning`) naming every unlabelled value (inputs'
    categories, protected attributes and groups, the model's ``classes``); returns them."""
    items = missing_label_items(record, profile, evaluation_data, classes)
    if items:
        shown = items[:MAX_ITEMS]
        if len(items) > MAX_ITEMS:
            shown.append(f"... and {len(items) - MAX_ITEMS} more")
        text = MISSING_LABELS_WARNING.format(
            slug=record.slug, count=len(items), items="; ".join(shown)
        )
        warnings.warn(text, LabelsMissingWarning, stacklevel=4)
    return items
