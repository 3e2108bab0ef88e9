"""Where the register keeps a version's files, and the names the store layout uses.

One place for the layout every part reads and writes (lifecycle writes these files,
audit hashes and verifies them, the facade reads them back), so no part imports
another's module to learn a path.
"""

from __future__ import annotations

__all__ = [
    "CHECKS_PATH",
    "COMPLETE_TAG",
    "EXPLANATION_PATH",
    "FAIRNESS_PATH",
    "MODEL_PATH",
    "ORG_EXPERIMENT",
    "PROFILE_PATH",
    "RECORD_PATH",
    "STATUS_TAG",
    "WRITER_USERNAME",
]

RECORD_PATH = "insyn/record.json"
PROFILE_PATH = "insyn/input_profile.json"
EXPLANATION_PATH = "insyn/explanation"
FAIRNESS_PATH = "insyn/fairness.json"
CHECKS_PATH = "insyn/checks.json"
MODEL_PATH = "model"
COMPLETE_TAG = "insyn.complete"  # a version tag: "true" once its registration finished
STATUS_TAG = "insyn.status"  # a version tag: "retired" once the log retired it
ORG_EXPERIMENT = "insyn/{organisation}"  # an organisation's experiment on a shared server
WRITER_USERNAME = "insyn-writer"  # the writer service's account on a shared server
