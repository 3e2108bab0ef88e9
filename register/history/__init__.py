"""How the register changes over time: the change feed, version diffs and statistics.

Every function here reads through a :class:`register.Register` and returns frozen,
keyword-only result objects whose ``to_dict()`` is JSON-safe and holds aggregates only
(never a row of personal data), so the portal and the read API show the same numbers.
"""

from register.history._diff import (
    BAD_VERSION_MESSAGE,
    SAME_VERSION_MESSAGE,
    VersionDiff,
    diff_versions,
)
from register.history._fairness_diff import FairnessChange, FairnessDiff, RateChange
from register.history._model_diff import DecisionChange, ExplanationDiff, ImportanceChange
from register.history._record_diff import FieldChange, field_label

__all__: list[str] = [
    "BAD_VERSION_MESSAGE",
    "SAME_VERSION_MESSAGE",
    "DecisionChange",
    "ExplanationDiff",
    "FairnessChange",
    "FairnessDiff",
    "FieldChange",
    "ImportanceChange",
    "RateChange",
    "VersionDiff",
    "diff_versions",
    "field_label",
]
