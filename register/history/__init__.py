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
from register.history._feed import FEED_EVENTS, ChangeFeed, FeedEntry, change_feed
from register.history._feed_formats import (
    ATOM_MEDIA_TYPE,
    JSON_FEED_MEDIA_TYPE,
    atom_feed,
    json_feed,
)
from register.history._model_diff import DecisionChange, ExplanationDiff, ImportanceChange
from register.history._record_diff import FieldChange, field_label
from register.history._stats import MonthStatistics, RegisterStatistics, register_statistics

__all__: list[str] = [
    "ATOM_MEDIA_TYPE",
    "BAD_VERSION_MESSAGE",
    "FEED_EVENTS",
    "JSON_FEED_MEDIA_TYPE",
    "SAME_VERSION_MESSAGE",
    "ChangeFeed",
    "DecisionChange",
    "ExplanationDiff",
    "FairnessChange",
    "FairnessDiff",
    "FeedEntry",
    "FieldChange",
    "ImportanceChange",
    "MonthStatistics",
    "RateChange",
    "RegisterStatistics",
    "VersionDiff",
    "atom_feed",
    "change_feed",
    "diff_versions",
    "field_label",
    "json_feed",
    "register_statistics",
]
