"""Where a registration keeps its files and marks in the store (the format on disk).

Every version's run holds the record, the input profile, the explanation and the
model at these paths; a version is complete (readable by everyone) only once it has
the :data:`COMPLETE_TAG` tag set to ``"true"``. Registers written by earlier releases
use the same layout, so these values never change.
"""

from __future__ import annotations

__all__ = ["COMPLETE_TAG", "EXPLANATION_PATH", "MODEL_PATH", "PROFILE_PATH", "RECORD_PATH"]

RECORD_PATH = "insyn/record.json"
PROFILE_PATH = "insyn/input_profile.json"
EXPLANATION_PATH = "insyn/explanation"
MODEL_PATH = "model"
COMPLETE_TAG = "insyn.complete"
