"""How the register changes over time: the change feed, version diffs and statistics.

Every function here reads through a :class:`register.Register` and returns frozen,
keyword-only result objects whose ``to_dict()`` is JSON-safe and holds aggregates only
(never a row of personal data), so the portal and the read API show the same numbers.
"""

from register.history._feed import FEED_EVENTS, ChangeFeed, FeedEntry, change_feed
from register.history._feed_formats import (
    ATOM_MEDIA_TYPE,
    JSON_FEED_MEDIA_TYPE,
    atom_feed,
    json_feed,
)
from register.history._stats import MonthStatistics, RegisterStatistics, register_statistics

__all__: list[str] = [
    "ATOM_MEDIA_TYPE",
    "FEED_EVENTS",
    "JSON_FEED_MEDIA_TYPE",
    "ChangeFeed",
    "FeedEntry",
    "MonthStatistics",
    "RegisterStatistics",
    "atom_feed",
    "change_feed",
    "json_feed",
    "register_statistics",
]
