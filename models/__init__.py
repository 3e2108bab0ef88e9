"""The demo decision-support models and their transparency records.

Each demo lives in ``models/<slug>/``: ``record.yaml`` (the transparency
record) and ``train.py`` whose ``build()`` returns a :class:`DemoBuild`. The
same folder layout is what ``insyn register FOLDER`` reads for any model; it is
defined in :mod:`register.record` (``DemoBuild``, ``ModelFolder``, ``load_folder``),
re-exported here for the demos' ``train.py`` files.
"""

from pathlib import Path

from register.lifecycle._folder import DemoBuild, ModelFolder, load_folder

DEMO_SLUGS: tuple[str, ...] = ("benefits-uptake", "housing-guarantee")
ROOT = Path(__file__).resolve().parent


def demo_folders() -> list[ModelFolder]:
    """The demo models shipped with insyn, in :data:`DEMO_SLUGS` order."""
    return [load_folder(ROOT / slug) for slug in DEMO_SLUGS]


__all__ = ["DEMO_SLUGS", "DemoBuild", "ModelFolder", "demo_folders", "load_folder"]
