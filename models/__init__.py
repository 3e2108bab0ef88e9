"""The demo decision-support models and their transparency records.

Each demo lives in ``models/<slug>/``: ``record.yaml`` (the transparency
record) and ``train.py`` whose ``build()`` returns a :class:`DemoBuild`. The
same folder layout is what ``insyn register FOLDER`` reads for any model.
"""

from models._folder import DEMO_SLUGS, DemoBuild, ModelFolder, demo_folders, load_folder

__all__ = ["DEMO_SLUGS", "DemoBuild", "ModelFolder", "demo_folders", "load_folder"]
