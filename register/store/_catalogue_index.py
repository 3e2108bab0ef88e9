"""Filter values for the catalogue without loading the catalogue.

:func:`filter_options` reads only the four filter tags of published
algorithms, in pages of :data:`PAGE_SIZE`, and keeps the result for
:data:`TTL_SECONDS` in the register's :class:`StoreView` cache, so a portal
rerun never pages through 3,000 algorithms; a new organisation shows up in
the filters within that time.
"""

from __future__ import annotations

import time

from register.store import _catalogue as cat
from register.store._results import FilterOptions
from register.store._view import HoldsView, StoreView, view_of

__all__ = ["PAGE_SIZE", "TTL_SECONDS", "filter_options", "forget"]

TTL_SECONDS = 60.0  # also the portal's filter-list expiry (app_pages/_cache.py reads it)
PAGE_SIZE = 1000
_KEY = ("catalogue_index", "filter_options")


def _read(view: StoreView) -> FilterOptions:
    values: dict[str, set[str]] = {key: set() for key in cat.FILTER_KEYS}
    query = cat.catalogue_query(None, filters={}, include_unpublished=False)
    token: str | None = None
    while True:
        page = view.store.search_registered_models(query, max_results=PAGE_SIZE, page_token=token)
        for model in page.items:
            for key in cat.FILTER_KEYS:
                value = model.tags.get(key)
                if value:
                    values[key].add(value)
        token = page.next_page_token
        if not token:
            break
    return FilterOptions(
        organisations=sorted(values["organisation"]),
        themes=sorted(values["theme"]),
        statuses=sorted(values["status"]),
        risk_categories=sorted(values["risk_category"]),
    )


def filter_options(view: StoreView | HoldsView, *, max_age: float = TTL_SECONDS) -> FilterOptions:
    """The distinct organisations, themes, statuses and risk categories of published
    algorithms; at most ``max_age`` seconds old."""
    view = view_of(view)
    computed: list[bool] = []

    def read() -> tuple[float, FilterOptions]:
        computed.append(True)
        return time.monotonic(), _read(view)

    read_at, options = view.cached(_KEY, read)
    if computed or time.monotonic() - read_at < max_age:
        return options
    view.forget(_KEY)
    return view.cached(_KEY, read)[1]


def forget(view: StoreView | HoldsView) -> None:
    """Drop the cached filter values (after this process changed the catalogue)."""
    view_of(view).forget(_KEY)
