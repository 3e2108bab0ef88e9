"""What changed in a version's explanation and decisions: importances side by side and
the share of reference decisions that changed.

Importances are the stored global importances (mean |SHAP| per input) of each version,
each on its own explanation's scale; they are subtracted only when both are on the same
scale for the same class. Decisions are the predicted classes of both fitted models on
the newer version's stored explanation background; only counts leave this module, and a
number of changed decisions from 1 to 9 is said as "fewer than 10", never exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from register.audit._fairness_public import MIN_GROUP_SIZE
from register.text import languages, message

SCALES = ("probability", "log_odds", "raw")
"""The explanation scales the text catalogue names (``scale.*``)."""

__all__ = [
    "SCALES",
    "DecisionChange",
    "ExplanationDiff",
    "ImportanceChange",
    "decision_change",
    "explanation_diff",
]


def _words(say: Callable[[str], str]) -> dict[str, str]:
    """``say(lang)`` in every catalogue language."""
    return {lang: say(lang) for lang in languages()}


def _definition() -> dict[str, str]:
    return _words(lambda lang: message("diff.decisions.definition", lang))


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportanceChange:
    """One input's global importance in both versions (None where the version lacks it).

    ``change`` is ``after - before`` when both exist on the same scale, else None;
    ranks count from 1 (most important)."""

    feature: str
    before: float | None
    after: float | None
    change: float | None
    rank_before: int | None
    rank_after: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {
            "feature": self.feature,
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "rank_before": self.rank_before,
            "rank_after": self.rank_after,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class DecisionChange:
    """How many of the reference decisions differ between the two models.

    ``rows``: background rows of the newer version's stored explanation; ``comparable``:
    whether the older model could score them; ``changed``: rows whose predicted class
    differs (None when not comparable or when from 1 to 9: ``fewer_than_ten``);
    ``share``: ``changed / rows`` (None likewise); ``definition`` and ``reason`` (why
    there is no number) in words, in every catalogue language.
    """

    rows: int
    comparable: bool
    changed: int | None
    fewer_than_ten: bool
    share: float | None
    definition: dict[str, str]
    reason: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; holds counts only, never a row."""
        return {
            "rows": self.rows,
            "comparable": self.comparable,
            "changed": self.changed,
            "fewer_than_ten": self.fewer_than_ten,
            "share": self.share,
            "definition": dict(self.definition),
            "reason": None if self.reason is None else dict(self.reason),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class ExplanationDiff:
    """Both versions' global importances side by side and the changed decisions.

    ``scale_before``/``scale_after``: the scale of each explanation (``probability``,
    ``log_odds``, ``raw``); ``comparable``: same scale and same explained class, so the
    importances may be subtracted; ``note``: that in words."""

    scale_before: str
    scale_after: str
    positive_class_before: str | None
    positive_class_after: str | None
    comparable: bool
    note: dict[str, str]
    importances: tuple[ImportanceChange, ...]
    decisions: DecisionChange

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; aggregates only."""
        return {
            "scale_before": self.scale_before,
            "scale_after": self.scale_after,
            "positive_class_before": self.positive_class_before,
            "positive_class_after": self.positive_class_after,
            "comparable": self.comparable,
            "note": dict(self.note),
            "importances": [item.to_dict() for item in self.importances],
            "decisions": self.decisions.to_dict(),
        }


def _importances(explanation: Any) -> dict[str, float]:
    frame = pd.DataFrame(explanation.global_importance)
    return {str(f): float(v) for f, v in zip(frame["feature"], frame["mean_abs_shap"], strict=True)}


def _ranks(values: dict[str, float]) -> dict[str, int]:
    ordered = sorted(values, key=lambda f: (-values[f], f))
    return {feature: rank for rank, feature in enumerate(ordered, start=1)}


def explanation_diff(older: Any, newer: Any, decisions: DecisionChange) -> ExplanationDiff:
    """The importances of explanations ``older`` and ``newer`` side by side, ordered by
    the newer ranks (inputs only the older version had last, in their older order)."""
    old_meta, new_meta = older.metadata, newer.metadata
    before, after = _importances(older), _importances(newer)
    comparable = old_meta.scale == new_meta.scale and str(old_meta.positive_class) == str(
        new_meta.positive_class
    )
    rank_before, rank_after = _ranks(before), _ranks(after)
    features = sorted(after, key=rank_after.__getitem__)
    features += sorted((f for f in before if f not in after), key=rank_before.__getitem__)
    items = []
    for feature in features:
        old, new = before.get(feature), after.get(feature)
        change = new - old if comparable and old is not None and new is not None else None
        items.append(
            ImportanceChange(
                feature=feature,
                before=old,
                after=new,
                change=change,
                rank_before=rank_before.get(feature),
                rank_after=rank_after.get(feature),
            )
        )
    if comparable:
        note = _words(lambda lang: message("diff.scale.same", lang, scale=_scale(new_meta, lang)))
    else:
        note = _words(
            lambda lang: message(
                "diff.scale.differ",
                lang,
                before=_scale(old_meta, lang),
                after=_scale(new_meta, lang),
            )
        )
    return ExplanationDiff(
        scale_before=str(old_meta.scale),
        scale_after=str(new_meta.scale),
        positive_class_before=_class(old_meta.positive_class),
        positive_class_after=_class(new_meta.positive_class),
        comparable=comparable,
        note=note,
        importances=tuple(items),
        decisions=decisions,
    )


def _scale(metadata: Any, lang: str) -> str:
    """The explanation's scale in words (its code when the catalogue has no words for it)."""
    scale = str(metadata.scale)
    return message(f"scale.{scale}", lang) if scale in SCALES else scale


def _class(value: Any) -> str | None:
    return None if value is None else str(value)


def not_comparable(rows: int, reason: dict[str, str]) -> DecisionChange:
    """A decision change that has no number, with the ``reason`` in words."""
    return DecisionChange(
        rows=rows,
        comparable=False,
        changed=None,
        fewer_than_ten=False,
        share=None,
        definition=_definition(),
        reason=reason,
    )


def decision_change(
    older_model: Any, newer_model: Any, background: pd.DataFrame, older_inputs: tuple[str, ...]
) -> DecisionChange:
    """How many rows of ``background`` (the newer version's) get a different predicted class
    from the two models; the older model sees its own ``older_inputs`` columns."""
    rows = len(background)
    missing = [c for c in older_inputs if c not in background.columns]
    if missing:
        columns = ", ".join(missing)
        return not_comparable(
            rows,
            _words(lambda lang: message("diff.decisions.inputs_differ", lang, columns=columns)),
        )
    if not (hasattr(older_model, "classes_") and hasattr(newer_model, "classes_")):
        return not_comparable(
            rows, _words(lambda lang: message("diff.decisions.not_classifier", lang))
        )
    try:
        old = np.asarray(older_model.predict(background[list(older_inputs)]), dtype=object)
    except (ValueError, TypeError, KeyError):  # e.g. a category the older encoder refuses
        return not_comparable(
            rows, _words(lambda lang: message("diff.decisions.cannot_score", lang))
        )
    new = np.asarray(newer_model.predict(background), dtype=object)
    changed = int(sum(str(a) != str(b) for a, b in zip(old, new, strict=True)))
    small = 0 < changed < MIN_GROUP_SIZE
    return DecisionChange(
        rows=rows,
        comparable=True,
        changed=None if small else changed,
        fewer_than_ten=small,
        share=None if small or rows == 0 else changed / rows,
        definition=_definition(),
    )
