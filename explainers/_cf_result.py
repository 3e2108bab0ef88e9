"""The results of the counterfactual search (:mod:`explainers._counterfactual`): read-only
values a page turns into sentences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["CounterfactualChange", "CounterfactualResult", "Suggestion"]

ALREADY_WITH_SUGGESTIONS = "a result for a person already favourable has no suggestions"


class CounterfactualChange:
    """One input changed: its name, the value given and the suggested value. Read-only."""

    __slots__ = ("_feature", "_given", "_suggested")

    def __init__(self, *, feature: str, given: Any, suggested: Any) -> None:
        self._feature, self._given, self._suggested = feature, given, suggested

    feature = property(lambda self: self._feature, doc="The input's column name.")
    given = property(lambda self: self._given, doc="The value the person entered.")
    suggested = property(lambda self: self._suggested, doc="The value that flips the outcome.")

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self._feature, "given": self._given, "suggested": self._suggested}

    def __repr__(self) -> str:
        return f"CounterfactualChange({self.to_dict()!r})"


class Suggestion:
    """A set of changes (one or two inputs) and the probability it leads to. Read-only."""

    __slots__ = ("_changes", "_cost", "_probability")

    def __init__(
        self, *, changes: Sequence[CounterfactualChange], probability: float, cost: float
    ) -> None:
        self._changes = tuple(changes)
        self._probability, self._cost = float(probability), float(cost)

    changes = property(lambda self: self._changes, doc="The inputs changed, by name.")
    probability = property(
        lambda self: self._probability, doc="Positive-class probability after the changes."
    )
    cost = property(lambda self: self._cost, doc="How big the change is (smaller is nearer).")

    @property
    def features(self) -> tuple[str, ...]:
        """The names of the inputs changed."""
        return tuple(c.feature for c in self._changes)

    def values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """``given`` with this suggestion's changes applied."""
        return {**given, **{c.feature: c.suggested for c in self._changes}}

    def __repr__(self) -> str:
        changes = [c.to_dict() for c in self._changes]
        return f"Suggestion(changes={changes!r}, probability={self._probability:.4f})"


class CounterfactualResult:
    """The outcome of a search: the original probability and up to ``limit`` suggestions.

    ``favourable_class`` is the class the search moved toward (None: no direction was
    given); ``already_favourable`` is True when the person's own row already has it
    (then there are no suggestions).
    """

    __slots__ = (
        "_already",
        "_complete",
        "_favourable",
        "_probability",
        "_searched",
        "_seconds",
        "_suggestions",
        "_threshold",
    )

    def __init__(
        self,
        *,
        probability: float,
        threshold: float,
        suggestions: Sequence[Suggestion],
        searched: Sequence[str],
        seconds: float,
        complete: bool,
        favourable_class: Any = None,
        already_favourable: bool = False,
    ) -> None:
        self._probability, self._threshold = float(probability), float(threshold)
        self._suggestions, self._searched = tuple(suggestions), tuple(searched)
        self._seconds, self._complete = float(seconds), bool(complete)
        self._favourable, self._already = favourable_class, bool(already_favourable)
        if self._already and self._suggestions:
            raise ValueError(ALREADY_WITH_SUGGESTIONS)

    probability = property(lambda self: self._probability, doc="The original probability.")
    threshold = property(lambda self: self._threshold, doc="The decision threshold used.")
    suggestions = property(lambda self: self._suggestions, doc="Nearest flips first.")
    searched = property(lambda self: self._searched, doc="The inputs the search could change.")
    seconds = property(lambda self: self._seconds, doc="Time the search took.")
    complete = property(lambda self: self._complete, doc="False when candidates were cut.")
    favourable_class = property(
        lambda self: self._favourable, doc="The class moved toward, or None (no direction)."
    )
    already_favourable = property(
        lambda self: self._already, doc="True when the person already has the favourable outcome."
    )

    @property
    def positive(self) -> bool:
        """Whether the original outcome is the positive class (probability >= threshold)."""
        return self._probability >= self._threshold
