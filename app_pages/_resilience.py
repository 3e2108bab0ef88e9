"""Keep the portal readable while the tracking server is down.

:func:`last_good` wraps a data-access function (one of ``app_pages._data``'s
cached readers): every successful call stores its result with the time, keyed
by the function and its arguments; when a later call fails because the store
cannot be reached, the stored result is returned instead and the page is
marked stale, so :func:`stale_notice` shows "visar uppgifter från HH:MM". Whether
the store is unreachable is the register's answer (:func:`is_outage`). The
next call that succeeds clears the mark: the portal recovers by itself.
Errors that are the user's (an unknown slug: ``register.NotFoundError``) are
never hidden. The store is process-wide, like ``st.cache_resource``.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import streamlit as st

from app_pages import _cache
from register import InsynError, TrackingUnreachableError
from register.text import message

F = TypeVar("F", bound=Callable[..., Any])

STALE_KEY = "_insyn_stale_since"
NO_DATA_MESSAGE = {
    "sv": "Registret går inte att nå just nu, och sidan har inte visats förut. Försök igen snart.",
    "en": "The register cannot be reached right now and this page has not been shown before. "
    "Please try again shortly.",
}

# Fail fast instead of MLflow's default minutes of retries while the server is down.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")

_lock = threading.Lock()
_store: dict[tuple[Any, ...], tuple[datetime, Any]] = {}


def is_outage(exc: BaseException, uri: str | None) -> bool:
    """Whether ``exc`` means the store of ``uri`` could not be reached (not a user's error).

    The register says so: its :class:`register.TrackingUnreachableError`, or, for any
    other failure that is not a register error, the answer of
    :meth:`register.Register.check_reachable`. No error text is read.
    """
    if isinstance(exc, TrackingUnreachableError):
        return True
    if isinstance(exc, InsynError):
        return False
    try:
        _cache.open_register(uri).check_reachable(timeout=_cache.REACHABILITY_TIMEOUT)
    except TrackingUnreachableError:
        return True
    except Exception:  # the check itself failed otherwise: the original error stands
        return False
    return False


def _mark_stale(when: datetime | None) -> None:
    try:
        if when is None:
            st.session_state.pop(STALE_KEY, None)
        else:
            current = st.session_state.get(STALE_KEY)
            st.session_state[STALE_KEY] = min(current, when) if current else when
    except Exception:
        pass


def last_good(func: F) -> F:
    """``func`` that answers from its last good result while the store is unreachable.

    ``func`` takes the tracking URI as its first argument (or ``uri=``): that register
    is asked whether its store answers.

    Guarantees: a success is returned as is and remembered; an outage returns the
    remembered result of the same call (and marks the page stale) or raises
    :class:`register.TrackingUnreachableError` when there is none; other errors
    propagate unchanged.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (func.__module__, func.__qualname__, repr(args), repr(sorted(kwargs.items())))
        try:
            result = func(*args, **kwargs)
        except Exception as exc:
            uri = args[0] if args and isinstance(args[0], str) else kwargs.get("uri")
            if not is_outage(exc, uri):
                raise
            with _lock:
                remembered = _store.get(key)
            if remembered is None:
                raise TrackingUnreachableError(str(exc)) from exc
            _mark_stale(remembered[0])
            return remembered[1]
        with _lock:
            if len(_store) >= _cache.LAST_GOOD_ENTRIES:
                _store.pop(next(iter(_store)))
            _store[key] = (datetime.now().astimezone(), result)
        return result

    return wrapper  # type: ignore[return-value]


def stale_since() -> datetime | None:
    """When the oldest data shown on this run was fetched, if any of it is from the cache."""
    try:
        value = st.session_state.get(STALE_KEY)
    except Exception:
        return None
    return value if isinstance(value, datetime) else None


def begin_run() -> None:
    """Forget the stale mark of the previous run (call once at the top of each page run)."""
    _mark_stale(None)


def stale_notice(lang: str = "sv") -> str | None:
    """The notice to show when this run served cached data ("visar uppgifter från HH:MM");
    its text is the catalogue's ``notice.stale`` (:mod:`register.text`)."""
    since = stale_since()
    if since is None:
        return None
    return message("notice.stale", lang, time=since.strftime("%H:%M"))


def show_stale_notice(lang: str = "sv") -> None:
    """Show :func:`stale_notice` as a warning when this run served cached data."""
    notice = stale_notice(lang)
    if notice:
        st.warning(notice, icon="🕒")
