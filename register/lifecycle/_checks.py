"""What registration checks before it writes anything: the record names every model
input, the model predicts the reference rows, the slug belongs to the organisation, and
the explanation can be computed. Each refusal is an :class:`InsynError` in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

import explainers
from register._errors import InsynError, NotFoundError, OwnershipError
from register.record._labels import same_code
from register.record._schema import TransparencyRecord, parse_record
from register.store import _catalogue as cat
from register.store._view import StoreView

__all__ = [
    "FAVOURABLE_NOT_A_CLASS_MESSAGE",
    "FAVOURABLE_NOT_CLASSIFIER_MESSAGE",
    "FEATURES_MISSING_MESSAGE",
    "FEATURES_UNKNOWN_MESSAGE",
    "NOT_A_FRAME_MESSAGE",
    "OWNED_BY_OTHER_MESSAGE",
    "PREDICT_FAILED_MESSAGE",
    "as_record",
    "check_favourable",
    "check_features",
    "check_owner",
    "check_predicts",
    "explain",
    "input_rows",
]

OWNED_BY_OTHER_MESSAGE = (
    "The slug {slug!r} is already used by the organisation {owner!r}; "
    "{organisation!r} cannot register under it. Choose another slug."
)
NOT_A_FRAME_MESSAGE = "reference_data must be a pandas DataFrame, not {kind}."
FEATURES_MISSING_MESSAGE = (
    "The record's technical.features must describe every model input in plain words; "
    "missing: {missing}."
)
FEATURES_UNKNOWN_MESSAGE = (
    "The record's technical.features names columns the model does not take: {unknown}."
)
PREDICT_FAILED_MESSAGE = (
    "The model's own predict fails on the reference data: {reason}. insyn explains "
    "exactly the rows the model can predict; fix or remove the rows it cannot take."
)

FAVOURABLE_NOT_A_CLASS_MESSAGE = (
    "technical.favourable_outcome.value: must be one of the model's classes ({classes}) "
    "(given: {value!r})."
)
FAVOURABLE_NOT_CLASSIFIER_MESSAGE = (
    "technical.favourable_outcome: is only for classifiers, and {kind} has no classes "
    "(given: {value!r}); leave it out."
)


def as_record(record: TransparencyRecord | Mapping[str, Any]) -> TransparencyRecord:
    if isinstance(record, TransparencyRecord):
        return record
    return parse_record(record)


def check_features(model: Any, record: TransparencyRecord, reference: pd.DataFrame) -> None:
    inputs = [str(c) for c in getattr(model, "feature_names_in_", reference.columns)]
    described = {f.name for f in record.technical.features}
    missing = [c for c in inputs if c not in described]
    if missing:
        raise InsynError(FEATURES_MISSING_MESSAGE.format(missing=", ".join(missing)))
    unknown = sorted(described - set(inputs))
    if unknown:
        raise InsynError(FEATURES_UNKNOWN_MESSAGE.format(unknown=", ".join(unknown)))


def check_favourable(model: Any, record: TransparencyRecord) -> None:
    """The favourable outcome, when given, is one of the model's classes (as text)."""
    favourable = record.technical.favourable_outcome
    if favourable is None:
        return
    classes = getattr(model, "classes_", None)
    if classes is None:
        from sklearn.base import is_classifier  # noqa: PLC0415  (lazy: see _families)

        if is_classifier(model):
            return  # an unfitted classifier: the explainer says so in its own words
        raise InsynError(
            FAVOURABLE_NOT_CLASSIFIER_MESSAGE.format(
                kind=type(model).__name__, value=favourable.value
            )
        )
    names = [str(c) for c in classes]
    if not any(same_code(favourable.value, c) for c in classes):
        raise InsynError(
            FAVOURABLE_NOT_A_CLASS_MESSAGE.format(classes=", ".join(names), value=favourable.value)
        )


def input_rows(model: Any, reference: pd.DataFrame) -> pd.DataFrame:
    names = [str(c) for c in getattr(model, "feature_names_in_", reference.columns)]
    return reference.loc[:, names] if set(names) <= set(reference.columns) else reference


def check_predicts(model: Any, reference: pd.DataFrame) -> None:
    """Rows the model's own ``predict`` refuses (an unseen category with
    ``handle_unknown="error"``, a value it cannot convert) are refused the same way,
    in plain words; rows it predicts (NaN where the model takes NaN) go on."""
    from sklearn.exceptions import NotFittedError  # noqa: PLC0415  (lazy: see _families)

    try:
        model.predict(input_rows(model, reference))
    except NotFittedError:
        return  # the explainer says so in its own words
    except Exception as exc:  # whatever the model raises, said plainly
        raise InsynError(PREDICT_FAILED_MESSAGE.format(reason=exc)) from exc


def check_owner(view: StoreView, record: TransparencyRecord) -> None:
    try:
        existing = view.registered(record.slug)
    except NotFoundError:
        return
    owner = existing.tags.get(cat.ORGANISATION)
    if owner and owner != record.organisation:
        raise OwnershipError(
            OWNED_BY_OTHER_MESSAGE.format(
                slug=record.slug, owner=owner, organisation=record.organisation
            )
        )


def explain(model: Any, record: TransparencyRecord, reference: pd.DataFrame, **kw: Any) -> Any:
    try:
        return explainers.explain(
            model, reference, positive_class=record.technical.positive_class, **kw
        )
    except explainers.ExplanationError as exc:
        raise InsynError(str(exc)) from exc
