"""Single-row explanations of one model, prepared once: the citizen's what-if."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._agnostic import MAX_ROUNDS, Plan
from ._compute import compute_values, predict_on_scale
from ._definitions import definition
from ._errors import EMPTY_BACKGROUND, EXACTLY_ONE_ROW, ExplanationError
from ._features import (
    ModelParts,
    align_columns,
    engine_matrix,
    group_sum,
    model_input,
    split_model,
    transform,
)
from ._result import LocalExplanation
from ._select import Choice, choose
from ._tree import engine_supports, prepare_engine

LOGGER = logging.getLogger(__name__)

PROBABILITY_EXACT_EVALUATIONS = 500_000
"""``output="probability"`` enumerates every coalition exactly while one row costs at most
this many model evaluations (2**inputs x background rows: 12 inputs against 100 rows);
above it the row is sampled (stratified antithetic permutations, up to MAX_ROUNDS rounds),
which still adds up exactly. A boosted model costs ~13 microseconds an evaluation on two
cores, so 12 inputs against 1,000 rows (4.1 million) took 54 s exact and 0.4 s sampled."""

Output = Literal["model", "probability"]
"""What a :class:`LocalExplainer` explains: the output :func:`explainers.explain` explains
(``"model"``), or a classifier's probability of the chosen class (``"probability"``)."""


def as_frame(row: Any) -> pd.DataFrame:
    """A one-row Series or a dict as a one-row DataFrame; a DataFrame as it is."""
    if isinstance(row, pd.Series):
        return row.to_frame().T.infer_objects()
    if isinstance(row, dict):
        return pd.DataFrame([row])
    return row


class LocalExplainer:
    """Explains rows of ``model`` against ``background``, with the same values as
    :func:`explainers.explain_rows`.

    The model is split, the background transformed and, for tree models, insyn's
    exact engine prepared once, at construction, on the background as given; each
    :meth:`explain` then costs one preprocessing call, one prediction and one walk
    of the trees, and reports its additivity against the model's own output. The
    values follow :attr:`definition` (the same as :func:`explainers.explain`'s).
    Keep one instance per (model, background), e.g. in a resource cache.

    Model-agnostic models: exact enumeration or sampling is chosen for the rows
    asked (:func:`explainers._agnostic.plan_for`), so one row is explained exactly
    up to 12 inputs even when the stored explanation of many rows was sampled;
    sampled rows draw from per-row generators and equal the stored values when
    they follow the same plan.

    ``output="probability"`` (the citizen's what-if): a classifier's contributions are
    always interventional Shapley values of the predicted probability of the chosen
    class, so they are percentage points that add up to the probability shown:
    ``sum(shap) + base_value == predict_proba(row)[class]`` with ``base_value`` the mean
    probability over the background. Where the stored explanation is on another scale
    (a linear classifier's log-odds, a multiclass boosted margin) or is the rescaled
    probability of a binary boosted model (not the Shapley values of the probability
    itself, see :mod:`explainers._definitions`), the values come from the model-agnostic
    game on the probability: exact enumeration while a row costs at most
    :data:`PROBABILITY_EXACT_EVALUATIONS` model evaluations, sampled beyond (still
    adding up exactly). Forests and single trees already explain the exact probability
    and keep the tree engine. Regressors are explained as with ``"model"``.
    """

    def __init__(
        self,
        model: Any,
        background: pd.DataFrame,
        *,
        positive_class: Any = None,
        seed: int = 0,
        fast_engine: bool = True,
        output: Output = "model",
    ) -> None:
        parts = split_model(model)
        choice = choose(parts.estimator, positive_class)
        if output == "probability":
            choice = probability_choice(choice)
        back = align_columns(
            background, parts.features, what="background", empty_message=EMPTY_BACKGROUND
        )
        self._parts: ModelParts = parts
        self._choice: Choice = choice
        self._background = transform(parts, back)
        self._seed = seed
        self._plan: Plan | None = None
        if output == "probability" and choice.kind == "agnostic":
            cost = 2 ** len(parts.features) * len(back)
            exact = cost <= PROBABILITY_EXACT_EVALUATIONS or len(parts.features) < 2
            self._plan = (
                Plan("exact_enumeration") if exact else Plan("permutation_sampling", MAX_ROUNDS)
            )
        self._engine: Any = None
        if fast_engine and choice.kind == "tree":
            self._engine = self._prepare_engine()

    def _prepare_engine(self) -> Any:
        ok, why = engine_supports(self._parts.estimator, self._choice)
        if not ok:
            LOGGER.info("Local explanations use shap.TreeExplainer: %s", why)
            return None
        return prepare_engine(self._parts.estimator, self._choice, self._background)

    @property
    def definition(self) -> str:
        """What the contributions are (see :mod:`explainers._definitions`)."""
        return definition(self._choice)

    @property
    def explainer(self) -> str:
        """The explainer kind: ``tree``, ``linear`` or ``agnostic``."""
        return self._choice.kind

    @property
    def uses_fast_engine(self) -> bool:
        """True when tree values come from insyn's exact engine, prepared once."""
        return self._engine is not None

    def _values(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        if self._engine is not None:
            return self._engine.explain(X, n_jobs=1), float(self._engine.base_value)
        return compute_values(
            self._parts.estimator,
            self._choice,
            X,
            self._background,
            seed=self._seed,
            sources=self._parts.sources,
            plan=self._plan,
        )

    def explain_rows(
        self, rows: pd.DataFrame | pd.Series | dict[str, Any]
    ) -> tuple[LocalExplanation, ...]:
        """One :class:`LocalExplanation` per row; contributions sum to prediction - base_value
        and are sorted by |shap| descending."""
        parts, choice = self._parts, self._choice
        data = align_columns(as_frame(rows), parts.features, what="row")
        inputs = model_input(parts, data)
        X = engine_matrix(parts, inputs)
        raw, base = self._values(X)
        values = group_sum(raw, parts.sources, len(parts.features))
        predictions = predict_on_scale(parts.estimator, _estimator_input(parts, inputs), choice)
        out = []
        for i in range(len(data)):
            shap_row = values[i]
            order = np.argsort(-np.abs(shap_row), kind="stable")
            contributions = pd.DataFrame(
                {
                    "feature": pd.Series([parts.features[j] for j in order], dtype="str"),
                    "value": pd.Series([data.iloc[i, j] for j in order], dtype=object),
                    "shap": pd.Series(shap_row[order], dtype="float64"),
                }
            )
            out.append(
                LocalExplanation(
                    contributions=contributions,
                    base_value=base,
                    prediction=float(predictions[i]),
                    scale=choice.scale,
                    additivity_error=abs(float(shap_row.sum()) + base - float(predictions[i])),
                    explainer=choice.kind,
                    positive_class=choice.positive_class_label,
                    definition=definition(choice),
                )
            )
        return tuple(out)

    def explain(self, row: pd.DataFrame | pd.Series | dict[str, Any]) -> LocalExplanation:
        """Explain exactly one row (a one-row DataFrame, a Series or a dict)."""
        frame = as_frame(row)
        if isinstance(frame, pd.DataFrame) and len(frame) != 1:
            raise ExplanationError(EXACTLY_ONE_ROW.format(count=len(frame)))
        return self.explain_rows(frame)[0]


def probability_choice(choice: Choice) -> Choice:
    """``choice`` explained on the exact probability of its class: unchanged when its values
    already are that (forests, single trees, model-agnostic classifiers, regressors), else
    the model-agnostic game on ``predict_proba`` of the same class."""
    if not choice.is_classifier:
        return choice
    if choice.scale == "probability" and not (choice.kind == "tree" and choice.boosted):
        return choice
    return dataclasses.replace(choice, kind="agnostic", scale="probability")


def _estimator_input(parts: ModelParts, inputs: Any) -> Any:
    """The preprocessing output as the estimator was fitted on it (named columns if so)."""
    names = getattr(parts.estimator, "feature_names_in_", None)
    if names is None or isinstance(inputs, pd.DataFrame):
        return inputs
    if hasattr(inputs, "toarray"):
        inputs = inputs.toarray()
    return pd.DataFrame(np.asarray(inputs), columns=list(names))
