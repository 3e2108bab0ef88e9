"""The portal's one cache policy: what it keeps, where, and for how long.

Every cached reader of the portal is decorated with one of the policies below
(:meth:`CachePolicy.cache`); no other module calls ``st.cache_data`` or
``st.cache_resource``. Results a version never changes (its model, explanation,
what-if explainer) are kept until evicted; tables that change when something is
registered or published expire after :data:`TABLE_TTL`; the filter lists after
:data:`FILTER_OPTIONS_TTL`, which is the register's own figure
(``register.store._catalogue_index.TTL_SECONDS``), so the two cannot disagree.

The portal keeps one :class:`register.Register` per tracking URI
(:func:`shared_register`) for tables and the audit trail; the register's own
cache of small immutable things (records, audit entries, signing keys) lives in
it, bounded by :data:`REGISTER_CACHE_ENTRIES`. What the portal keeps itself with a
bound or an expiry (models, explanations, filter lists) is read through a register
opened for that one call (:func:`open_register`; cheap, MLflow keeps its store per
URI), so no second, unbounded or longer-lived copy exists inside the register.
The README's "Portal caches" table is :func:`readme_table` (a test compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

import streamlit as st

from register import Register
from register.store._catalogue_index import TTL_SECONDS

F = TypeVar("F", bound=Callable[..., Any])

# How long a table (search page, version, history, statistics, audit data) is cached (s).
TABLE_TTL = 300
# How long the catalogue's filter lists are served from cache (s): the register's figure.
FILTER_OPTIONS_TTL = int(TTL_SECONDS)
# At most this many results per table reader (one per distinct query).
TABLE_ENTRIES = 1024
# At most this many tracking URIs (registers kept, filter lists).
URI_ENTRIES = 8
# At most this many small immutable things (records, profiles, audit entries, keys) a kept
# register holds (its least recently used are dropped first; see register.StoreView).
REGISTER_CACHE_ENTRIES = 512
# At most this many loaded models, what-if explainers, explanations per process.
MODEL_ENTRIES = 16
EXPLAINER_ENTRIES = 16
EXPLANATION_ENTRIES = 32
# At most this many public explanation tables (metadata, importance, dependence).
EXPLANATION_TABLE_ENTRIES = 64
# At most this many audit-chain verifications and HTML audit reports.
VERIFICATION_ENTRIES = 8
REPORT_ENTRIES = 16
# At most this many last good results kept for an outage (app_pages._resilience).
LAST_GOOD_ENTRIES = 2048
# How long the portal waits for the register to say whether its store answers (s).
REACHABILITY_TIMEOUT = 5.0

Kind = Literal["resource", "data", "outage"]
_KIND_TEXT = {
    "resource": "`st.cache_resource`",
    "data": "`st.cache_data`",
    "outage": "last good result",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class CachePolicy:
    """What is cached (``what``, as the README names it), how, for how long and how many."""

    what: str
    kind: Kind
    ttl: int | None = None
    max_entries: int | None = None

    def cache(self, func: F) -> F:
        """``func`` cached by Streamlit with this policy's expiry and size."""
        if self.kind == "resource":
            decorated: Any = st.cache_resource(
                ttl=self.ttl, max_entries=self.max_entries, show_spinner=False
            )(func)
        elif self.kind == "data":
            decorated = st.cache_data(
                ttl=self.ttl, max_entries=self.max_entries, show_spinner=False
            )(func)
        else:
            raise ValueError(f"{self.what}: kept by app_pages._resilience, not by Streamlit")
        return cast(F, decorated)

    def readme_row(self) -> str:
        """This policy as a row of the README's "Portal caches" table."""
        ttl = "never" if self.ttl is None else f"{self.ttl} s"
        entries = "-" if self.max_entries is None else f"{self.max_entries:,}"
        return f"| {self.what} | {_KIND_TEXT[self.kind]} | {ttl} | {entries} |"


REGISTERS = CachePolicy(
    what="the register of a tracking URI", kind="resource", max_entries=URI_ENTRIES
)
TABLES = CachePolicy(
    what="search pages, versions, history, statistics, audit data, export files",
    kind="data",
    ttl=TABLE_TTL,
    max_entries=TABLE_ENTRIES,
)
FILTER_OPTIONS = CachePolicy(
    what="catalogue filter lists", kind="data", ttl=FILTER_OPTIONS_TTL, max_entries=URI_ENTRIES
)
EXPLANATION_TABLES = CachePolicy(
    what="public explanation tables", kind="data", max_entries=EXPLANATION_TABLE_ENTRIES
)
EXPLANATIONS = CachePolicy(
    what="stored explanations (with background rows)",
    kind="resource",
    max_entries=EXPLANATION_ENTRIES,
)
MODELS = CachePolicy(what="fitted models", kind="resource", max_entries=MODEL_ENTRIES)
EXPLAINERS = CachePolicy(what="what-if explainers", kind="resource", max_entries=EXPLAINER_ENTRIES)
VERIFICATIONS = CachePolicy(
    what="audit-chain verifications",
    kind="resource",
    ttl=TABLE_TTL,
    max_entries=VERIFICATION_ENTRIES,
)
REPORTS = CachePolicy(
    what="HTML audit reports", kind="data", ttl=TABLE_TTL, max_entries=REPORT_ENTRIES
)
LAST_GOOD = CachePolicy(
    what="results shown while the register is unreachable",
    kind="outage",
    max_entries=LAST_GOOD_ENTRIES,
)
POLICIES = (
    REGISTERS,
    TABLES,
    FILTER_OPTIONS,
    EXPLANATION_TABLES,
    EXPLANATIONS,
    MODELS,
    EXPLAINERS,
    VERIFICATIONS,
    REPORTS,
    LAST_GOOD,
)


def readme_table() -> str:
    """The README's "Portal caches" table, one row per policy."""
    header = "| what | kept as | expires after | at most (each reader) |\n|---|---|---|---|"
    return "\n".join([header, *(policy.readme_row() for policy in POLICIES)])


def tracking_uri() -> str:
    """The tracking URI :class:`register.Register` picks when given none."""
    return open_register(None).tracking_uri


def open_register(uri: str | None) -> Register:
    """A register of ``uri`` for one call (None: the register's own choice).

    Guarantees: nothing it caches outlives the caller's use of it.
    """
    return Register(tracking_uri=uri or None)


@REGISTERS.cache
def shared_register(uri: str) -> Register:
    """The one register of ``uri`` this process keeps (for tables and the audit trail); its
    own cache holds at most :data:`REGISTER_CACHE_ENTRIES` values."""
    return Register(tracking_uri=uri or None, cache_entries=REGISTER_CACHE_ENTRIES)
