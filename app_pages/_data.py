"""Cached, read-only access to the register for the portal's pages.

What is cached, how and for how long is said once, in :mod:`app_pages._cache`;
each reader here names its policy. Every cached function takes the tracking URI
as its first argument so that two registers never share a cache entry (and so
that :func:`app_pages._resilience.last_good` can ask that register whether its
store answers). Nothing here computes a global explanation: pages only read
what registration stored.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from app_pages import _cache
from app_pages._resilience import last_good
from explainers import LocalExplainer
from register import Register, RegisterStatistics, diff_versions, register_statistics

# Results per catalogue page (read at each run, so tests may lower it).
PAGE_SIZE = 10


def tracking_uri() -> str:
    """The tracking URI :class:`register.Register` picks when given none."""
    return _cache.tracking_uri()


def get_register(uri: str) -> Register:
    """The register of ``uri`` this process keeps (see :func:`app_pages._cache.shared_register`)."""
    return _cache.shared_register(uri)


@_cache.FILTER_OPTIONS.cache
def filter_options(uri: str) -> dict[str, list[str]]:
    """The values each catalogue filter can take."""
    options = _cache.open_register(uri).filter_options()  # one expiry: the policy's
    return {
        "organisation": list(options.organisations),
        "theme": list(options.themes),
        "status": list(options.statuses),
        "risk": list(options.risk_categories),
    }


@_cache.TABLES.cache
def search(
    uri: str,
    text: str,
    organisation: str | None,
    theme: str | None,
    status: str | None,
    risk: str | None,
    page_token: str | None,
    page_size: int = PAGE_SIZE,
) -> tuple[list[Any], str | None]:
    """One page (``page_size`` items) of published algorithms matching every condition,
    and the token of the next page (None on the last)."""
    page = get_register(uri).search(
        text or None,
        organisation=organisation,
        theme=theme,
        status=status,
        risk=risk,
        max_results=page_size,
        page_token=page_token,
    )
    return list(page.items), page.next_page_token


def algorithms(uri: str) -> list[Any]:
    """Every published algorithm (``AlgorithmSummary``), in the catalogue's order.

    Walks the catalogue's pages through :func:`search` with no text and no filter, so it
    reads the same public list the catalogue shows (and the same cache).
    """
    found: list[Any] = []
    token: str | None = None
    while True:
        items, token = search(uri, "", None, None, None, None, token, PAGE_SIZE)
        found += items
        if token is None:
            return found


@_cache.TABLES.cache
def statistics(uri: str) -> RegisterStatistics:
    """The register's statistics (see :func:`register.register_statistics` for every
    number): catalogue tags and the audit log's entries, each entry read once by the
    kept register."""
    return register_statistics(get_register(uri))


@_cache.TABLES.cache
def get_version(uri: str, slug: str, version: int | None) -> Any:
    """The stored version (None: the published one); raises register.NotFoundError."""
    return get_register(uri).get(slug, version)


@_cache.TABLES.cache
def history(uri: str, slug: str) -> list[Any]:
    """Every complete version of ``slug`` with what changed, oldest first."""
    return list(get_register(uri).history(slug))


@_cache.EXPLANATIONS.cache
def _explanation(uri: str, slug: str, version: int) -> Any:
    """The stored explanation (with its background rows, which stay server-side)."""
    return _cache.open_register(uri).get_explanation(slug, version)  # kept once, bounded


@_cache.EXPLANATION_TABLES.cache
def explanation_tables(uri: str, slug: str, version: int) -> dict[str, Any]:
    """The public parts of a stored explanation: metadata, global importance, dependence.

    A version's explanation never changes, so these are cached without expiry.
    No row-level value leaves this function.
    """
    explanation = _explanation(uri, slug, version)
    return {
        "metadata": dict(explanation.metadata.to_dict()),
        "global_importance": pd.DataFrame(explanation.global_importance).copy(),
        "dependence": pd.DataFrame(explanation.dependence).copy(),
    }


def background(uri: str, slug: str, version: int) -> pd.DataFrame:
    """The explanation's background rows, for a local explanation only (never shown)."""
    frame: pd.DataFrame = _explanation(uri, slug, version).background
    return frame


@_cache.MODELS.cache
def load_model(uri: str, slug: str, version: int) -> Any:
    """The fitted model of one version, loaded once per process."""
    return _cache.open_register(uri).load_model(slug, version)  # kept once, bounded


@_cache.EXPLAINERS.cache
def local_explainer(uri: str, slug: str, version: int, positive_class: Any) -> LocalExplainer:
    """The what-if explainer of one version (model and background prepared once per process).

    A classifier's contributions are interventional Shapley values of the predicted
    probability (``output="probability"``): percentage points that, with the background's
    mean probability, add up to the probability shown, whatever scale the stored
    explanation is on. Regressors keep their own unit."""
    model = load_model(uri, slug, version)
    return LocalExplainer(
        model, background(uri, slug, version), positive_class=positive_class, output="probability"
    )


@_cache.TABLES.cache
def version_diff(uri: str, slug: str, older: int, newer: int) -> dict[str, Any]:
    """What changed from version ``older`` to ``newer`` (``register.VersionDiff.to_dict``:
    aggregates only, never a row). The two models are read through a register opened for
    this call, so no second copy of them stays in the process."""
    return diff_versions(_cache.open_register(uri), slug, older, newer).to_dict()


# While the tracking server is down, answer from the last good result of the same call
# (the page shows "visar uppgifter från HH:MM"); see app_pages._resilience.
filter_options = last_good(filter_options)
search = last_good(search)
get_version = last_good(get_version)
history = last_good(history)
statistics = last_good(statistics)
explanation_tables = last_good(explanation_tables)
version_diff = last_good(version_diff)
