"""What changed in fairness by group between two versions, from their stored public results.

Only the published numbers are compared (:meth:`register.FairnessReport.public_dict`): a
group or rate that either version reported as "too few to report" stays that way here,
with no number on either side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FairnessChange", "FairnessDiff", "RateChange", "fairness_diff"]

COMPARED_RATES = ("selection_rate", "true_positive_rate", "false_positive_rate")


@dataclass(frozen=True, kw_only=True, slots=True)
class RateChange:
    """One rate of one group in both versions (shares 0–1).

    ``too_few``: either version reported it as too few to report (then both numbers are
    None); ``before``/``after`` None also where a version has no such group."""

    before: float | None
    after: float | None
    change: float | None
    too_few: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "too_few": self.too_few,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class FairnessChange:
    """One group (or the overall row: ``overall`` True, ``group`` None) of one protected
    attribute; ``rates`` maps each rate both versions hold to its change (always
    ``selection_rate``; the true- and false-positive rates where both have them)."""

    attribute: str
    group: str | None
    overall: bool
    in_before: bool
    in_after: bool
    rates: dict[str, RateChange]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {
            "attribute": self.attribute,
            "group": self.group,
            "overall": self.overall,
            "in_before": self.in_before,
            "in_after": self.in_after,
            "rates": {name: rate.to_dict() for name, rate in self.rates.items()},
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class FairnessDiff:
    """Both versions' fairness by group side by side; ``has_before``/``has_after``: whether
    that version stored a fairness result at all."""

    has_before: bool
    has_after: bool
    rows_before: int | None
    rows_after: int | None
    positive_class_before: str | None
    positive_class_after: str | None
    changes: tuple[FairnessChange, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; aggregates only."""
        return {
            "has_before": self.has_before,
            "has_after": self.has_after,
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "positive_class_before": self.positive_class_before,
            "positive_class_after": self.positive_class_after,
            "changes": [change.to_dict() for change in self.changes],
        }


def _attributes(public: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if public is None:
        return {}
    return {str(a["attribute"]): a for a in public.get("attributes", [])}


def _groups(attribute: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if attribute is None:
        return {}
    return {str(g["group"]): g for g in attribute.get("groups", [])}


def _value(row: dict[str, Any] | None, rate: str) -> tuple[float | None, bool, bool]:
    """(value, too few, holds the rate) of ``rate`` in ``row`` (None: no such row)."""
    if row is None:
        return None, False, True
    if row.get("too_few") or rate in (row.get("too_few_rates") or ()):
        return None, True, True
    if rate not in row:
        return None, False, False
    value = row.get(rate)
    if value is None:  # a format-1 or overall row without a number: not published
        return None, True, True
    return float(value), False, True


def _rates(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, RateChange]:
    rates: dict[str, RateChange] = {}
    for rate in COMPARED_RATES:
        old, old_few, old_has = _value(before, rate)
        new, new_few, new_has = _value(after, rate)
        if rate != "selection_rate" and not (old_has and new_has):
            continue  # a version whose rows do not hold this rate at all
        too_few = old_few or new_few
        rates[rate] = RateChange(
            before=None if too_few else old,
            after=None if too_few else new,
            change=None if too_few or old is None or new is None else new - old,
            too_few=too_few,
        )
    return rates


def fairness_diff(
    older: dict[str, Any] | None, newer: dict[str, Any] | None
) -> FairnessDiff | None:
    """The groups of both public fairness results side by side (attributes and groups in
    the newer version's order, then those only the older had); None when neither has one."""
    if older is None and newer is None:
        return None
    old_attrs, new_attrs = _attributes(older), _attributes(newer)
    changes: list[FairnessChange] = []
    for name in [*new_attrs, *(a for a in old_attrs if a not in new_attrs)]:
        old_attr, new_attr = old_attrs.get(name), new_attrs.get(name)
        old_groups, new_groups = _groups(old_attr), _groups(new_attr)
        for group in [*new_groups, *(g for g in old_groups if g not in new_groups)]:
            changes.append(
                FairnessChange(
                    attribute=name,
                    group=group,
                    overall=False,
                    in_before=group in old_groups,
                    in_after=group in new_groups,
                    rates=_rates(old_groups.get(group), new_groups.get(group)),
                )
            )
        old_overall = None if old_attr is None else old_attr.get("overall")
        new_overall = None if new_attr is None else new_attr.get("overall")
        changes.append(
            FairnessChange(
                attribute=name,
                group=None,
                overall=True,
                in_before=old_overall is not None,
                in_after=new_overall is not None,
                rates=_rates(old_overall, new_overall),
            )
        )
    return FairnessDiff(
        has_before=older is not None,
        has_after=newer is not None,
        rows_before=None if older is None else int(older.get("rows", 0)),
        rows_after=None if newer is None else int(newer.get("rows", 0)),
        positive_class_before=None if older is None else str(older.get("positive_class")),
        positive_class_after=None if newer is None else str(newer.get("positive_class")),
        changes=tuple(changes),
    )
