"""Version diffs: what changed between two versions of one algorithm.

:func:`diff_versions` compares the record field by field
(:mod:`register.history._record_diff`), the explanation and decisions
(:mod:`register.history._model_diff`) and fairness by group
(:mod:`register.history._fairness_diff`). It reads the two versions only: their
records, explanations, models and fairness results, nothing of any other version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from register._errors import InsynError
from register.history._fairness_diff import FairnessDiff, fairness_diff
from register.history._model_diff import (
    DecisionChange,
    ExplanationDiff,
    decision_change,
    explanation_diff,
)
from register.history._record_diff import FieldChange, record_changes

if TYPE_CHECKING:
    from register._facade import Register

__all__ = ["BAD_VERSION_MESSAGE", "SAME_VERSION_MESSAGE", "VersionDiff", "diff_versions"]

BAD_VERSION_MESSAGE = "A version is a whole number of 1 or more; {name}={value!r} is not."
SAME_VERSION_MESSAGE = (
    "A diff compares two different versions; from={older} and to={newer} are the same version."
)


@dataclass(frozen=True, kw_only=True, slots=True)
class VersionDiff:
    """What changed from version ``older`` to version ``newer`` of ``slug``.

    ``fields``: every record leaf that differs; ``inputs_added``/``inputs_removed``: the
    model's input columns only the newer / only the older version has; ``explanation``:
    importances side by side and the changed decisions; ``fairness``: groups side by
    side, None when neither version stored a fairness result. Aggregates only.
    """

    slug: str
    older: int
    newer: int
    fields: tuple[FieldChange, ...]
    inputs_added: tuple[str, ...]
    inputs_removed: tuple[str, ...]
    explanation: ExplanationDiff
    fairness: FairnessDiff | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (strings, numbers, booleans, None, lists, dicts); never a data row."""
        return {
            "slug": self.slug,
            "from": self.older,
            "to": self.newer,
            "fields": [change.to_dict() for change in self.fields],
            "inputs_added": list(self.inputs_added),
            "inputs_removed": list(self.inputs_removed),
            "explanation": self.explanation.to_dict(),
            "fairness": None if self.fairness is None else self.fairness.to_dict(),
        }


def diff_versions(reg: Register, slug: str, older: int | str, newer: int | str) -> VersionDiff:
    """What changed from version ``older`` to ``newer`` of ``slug`` (in that direction).

    Raises :class:`register.NotFoundError` (the register's wording) for an unknown slug or
    version and :class:`register.InsynError` when a version is not a whole number of 1 or
    more (:data:`BAD_VERSION_MESSAGE`) or both are the same (:data:`SAME_VERSION_MESSAGE`).
    Reads two records, two explanations, two fitted models (only when the older one can
    score the newer inputs) and two fairness results, nothing of any other version.
    """
    old_number, new_number = _number("from", older), _number("to", newer)
    if old_number == new_number:
        raise InsynError(SAME_VERSION_MESSAGE.format(older=older, newer=newer))
    before, after = reg.get(slug, old_number), reg.get(slug, new_number)
    old_inputs = before.input_profile.names
    new_inputs = after.input_profile.names
    old_explanation = reg.get_explanation(slug, before.version)
    new_explanation = reg.get_explanation(slug, after.version)
    background = new_explanation.background
    decisions = _decisions(reg, slug, before.version, after.version, background, old_inputs)
    old_fairness = reg.get_fairness(slug, before.version)
    new_fairness = reg.get_fairness(slug, after.version)
    return VersionDiff(
        slug=slug,
        older=before.version,
        newer=after.version,
        fields=tuple(record_changes(before.record, after.record)),
        inputs_added=tuple(c for c in new_inputs if c not in old_inputs),
        inputs_removed=tuple(c for c in old_inputs if c not in new_inputs),
        explanation=explanation_diff(old_explanation, new_explanation, decisions),
        fairness=fairness_diff(
            None if old_fairness is None else old_fairness.public_dict(),
            None if new_fairness is None else new_fairness.public_dict(),
        ),
    )


def _number(name: str, value: Any) -> int:
    """``value`` as a version number; InsynError (:data:`BAD_VERSION_MESSAGE`) otherwise."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InsynError(BAD_VERSION_MESSAGE.format(name=name, value=value)) from None
    if isinstance(value, bool) or number < 1 or (number != value and str(number) != str(value)):
        raise InsynError(BAD_VERSION_MESSAGE.format(name=name, value=value))
    return number


def _decisions(
    reg: Register, slug: str, older: int, newer: int, background: Any, old_inputs: tuple[str, ...]
) -> DecisionChange:
    if any(column not in background.columns for column in old_inputs):
        # the older model cannot score these rows: no need to load either model
        return decision_change(None, None, background, old_inputs)
    return decision_change(
        reg.load_model(slug, older), reg.load_model(slug, newer), background, old_inputs
    )
