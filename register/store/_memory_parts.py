"""What an in-memory store holds, and the rules it shares with MLflow.

The records :class:`register.store.MemoryStore` keeps (experiments, runs with their
files, registered models with their versions), the process-wide table of named
stores, MLflow's tag matching (:func:`matches`) and the folder view of a run's files.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from register.store._protocol import (
    ArtifactInfo,
    ExperimentInfo,
    StoreNotFoundError,
    TagQuery,
    VersionInfo,
)

__all__ = [
    "DEFAULT_EXPERIMENT",
    "NOT_FOUND_MESSAGE",
    "RUN_NAME_TAG",
    "Model",
    "Run",
    "State",
    "entries",
    "files_under",
    "folder",
    "join",
    "matches",
    "now_ms",
    "state_named",
]

DEFAULT_EXPERIMENT = "Default"  # id "0", as in every MLflow tracking store
RUN_NAME_TAG = "mlflow.runName"  # MLflow keeps a run's name as this tag too
NOT_FOUND_MESSAGE = "{what} does not exist."
_UNSAFE = "'\"\\`"  # the characters MlflowStore turns into the one-character wildcard
_WILDCARDS = _UNSAFE + "%_"  # ... and LIKE's own wildcards, which it leaves as they are


def now_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def _like(pattern: str, value: str) -> bool:
    """SQL ``LIKE`` (case-sensitive, no escape character), as MLflow evaluates it."""
    regex = re.escape(pattern).replace("%", ".*").replace("_", ".")
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _one_char(text: str) -> str:
    """``text`` as a LIKE pattern where each quote, backslash, backtick, ``%`` and ``_``
    matches any one character (what MlflowStore's quoting leaves of them)."""
    return "".join("_" if ch in _WILDCARDS else ch for ch in text)


def matches(query: TagQuery | None, tags: Mapping[str, str]) -> bool:
    """True when ``tags`` meet every condition of ``query``, by MlflowStore's rules.

    ``equals``: exactly the value; a value holding a quote, backslash or backtick is
    matched as a pattern where those (and ``%``, ``_``) match any one character.
    ``contains``: each word is a substring, its quotes, backslashes, backticks, ``%``
    and ``_`` matching any one character. A missing tag matches no condition.
    """
    if query is None:
        return True
    for key, value in query.equals.items():
        held = tags.get(key)
        if held is None:
            return False
        if any(ch in value for ch in _UNSAFE):
            if not _like(_one_char(value), held):
                return False
        elif held != value:
            return False
    for key, words in query.contains.items():
        held = tags.get(key)
        if words and held is None:
            return False
        if not all(_like(f"%{_one_char(word)}%", held or "") for word in words):
            return False
    return True


def folder(path: str | None) -> str:
    """A run-relative artifact path without leading or trailing slashes ('' is the root)."""
    cleaned = (path or "").strip("/")
    return "" if cleaned == "." else cleaned


def join(parent: str, name: str) -> str:
    """``name`` inside the run-relative folder ``parent``."""
    return f"{parent}/{name}" if parent else name


def entries(files: Mapping[str, bytes], path: str | None) -> list[ArtifactInfo]:
    """The files and folders directly inside ``path`` of a run holding ``files``, by path
    (empty when ``path`` is a file or holds nothing), as MLflow lists them."""
    prefix = f"{folder(path)}/" if folder(path) else ""
    found: dict[str, ArtifactInfo] = {}
    for stored, content in files.items():
        if not stored.startswith(prefix):
            continue
        head, _, rest = stored[len(prefix) :].partition("/")
        entry = prefix + head
        if rest:
            found[entry] = ArtifactInfo(path=entry, is_dir=True, size=None)
        else:
            found[entry] = ArtifactInfo(path=entry, is_dir=False, size=len(content))
    return [found[p] for p in sorted(found)]


def files_under(files: Mapping[str, bytes], path: str, what: str) -> dict[str, bytes]:
    """The files at or under the run-relative ``path``, keyed relative to it ('' is the
    file itself); :class:`StoreNotFoundError` (naming ``what``) when there are none."""
    if path in files:
        return {"": files[path]}
    prefix = f"{path}/" if path else ""
    found = {p[len(prefix) :]: c for p, c in files.items() if p.startswith(prefix)}
    if not found:
        raise StoreNotFoundError(NOT_FOUND_MESSAGE.format(what=what))
    return found


@dataclass
class Run:
    """A run as the store holds it (callers get :class:`RunInfo` snapshots)."""

    run_id: str
    experiment_id: str
    artifact_uri: str
    start_time: int
    order: int  # creation order: breaks ties of start time
    run_name: str
    status: str = "RUNNING"
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Model:
    """A registered model as the store holds it (versions are immutable snapshots)."""

    name: str
    tags: dict[str, str]
    description: str
    aliases: dict[str, int] = field(default_factory=dict)
    versions: dict[int, VersionInfo] = field(default_factory=dict)
    descriptions: dict[int, str] = field(default_factory=dict)  # kept, as MLflow keeps them
    last_version: int = 0  # a deleted version's number is never given again


@dataclass
class State:
    """Everything one in-memory store holds, behind one lock."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    experiments: dict[str, ExperimentInfo] = field(default_factory=dict)
    runs: dict[str, Run] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)
    counter: int = 0

    def __post_init__(self) -> None:
        self.experiments["0"] = ExperimentInfo(experiment_id="0", name=DEFAULT_EXPERIMENT)

    def next_number(self) -> int:
        """1, 2, ... (call with the lock held)."""
        self.counter += 1
        return self.counter


_NAMED: dict[str, State] = {}
_NAMED_LOCK = threading.Lock()


def state_named(name: str) -> State:
    """The state of the process-wide store called ``name`` (made on first use);
    an empty name gives a new state of its own."""
    if not name:
        return State()
    with _NAMED_LOCK:
        return _NAMED.setdefault(name, State())
