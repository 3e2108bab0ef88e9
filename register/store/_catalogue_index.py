"""Filter values for the catalogue without loading the catalogue.

:func:`filter_options` reads only the four filter tags of published
algorithms, in pages of :data:`PAGE_SIZE` (MLflow's largest), and keeps the
result for :data:`TTL_SECONDS` per :class:`register.Register`, so a portal
rerun never pages through 3,000 algorithms; a new organisation shows up in
the filters within that time.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from register.store import _catalogue as cat
from register.store._results import FilterOptions

if TYPE_CHECKING:
    from register._facade import Register

TTL_SECONDS = 60.0  # also the portal's filter-list expiry (app_pages/_cache.py reads it)
PAGE_SIZE = 1000
_KEY = ("catalogue_index", "filter_options")


def filter_options(reg: Register, *, max_age: float = TTL_SECONDS) -> FilterOptions:
    """The distinct organisations, themes, statuses and risk categories of published
    algorithms; at most ``max_age`` seconds old."""
    cached = reg._cache.get(_KEY)
    now = time.monotonic()
    if cached is not None and now - cached[0] < max_age:
        options: FilterOptions = cached[1]
        return options
    values: dict[str, set[str]] = {key: set() for key in cat.FILTER_KEYS}
    query = cat.build_filter(None, filters={}, include_unpublished=False)
    token: str | None = None
    while True:
        page = reg.client.search_registered_models(
            filter_string=query, max_results=PAGE_SIZE, page_token=token
        )
        for model in page:
            tags = model.tags
            for key in cat.FILTER_KEYS:
                value = tags.get(key)
                if value:
                    values[key].add(value)
        token = page.token or None
        if not token:
            break
    options = FilterOptions(
        organisations=sorted(values["organisation"]),
        themes=sorted(values["theme"]),
        statuses=sorted(values["status"]),
        risk_categories=sorted(values["risk_category"]),
    )
    reg._cache[_KEY] = (now, options)
    return options


def forget(reg: Register) -> None:
    """Drop the cached filter values (after this process changed the catalogue)."""
    reg._cache.pop(_KEY, None)
