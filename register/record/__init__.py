"""The transparency record: its schema, validation messages, the bounds a record file
must keep (its own and the store's) and the input profile. Imports nothing of the
register above it (the model-folder format ``insyn register`` reads, which loads saved
models, is :mod:`register.lifecycle`'s)."""

from register.record._catalogue_tags import (
    STORE_DESCRIPTION_MAX_CHARS,
    STORE_EXPERIMENT_NAME_MAX_CHARS,
    STORE_MODEL_TAG_MAX_CHARS,
    STORE_RUN_TAG_MAX_CHARS,
    catalogue_tags,
    store_limit_problems,
)
from register.record._errors import Problem, RecordValidationError, is_slug
from register.record._inputs import FeatureSpec, InputProfile, profile_from
from register.record._labels import FavourableOutcome, ProtectedAttribute, ValueLabel
from register.record._sanitize import break_long_words, clean_text, clean_tree, inert_markdown
from register.record._schema import (
    LocalizedText,
    RiskCategory,
    Status,
    Theme,
    TransparencyRecord,
    load_record,
    parse_record,
)

__all__ = [
    "STORE_DESCRIPTION_MAX_CHARS",
    "STORE_EXPERIMENT_NAME_MAX_CHARS",
    "STORE_MODEL_TAG_MAX_CHARS",
    "STORE_RUN_TAG_MAX_CHARS",
    "FavourableOutcome",
    "FeatureSpec",
    "InputProfile",
    "LocalizedText",
    "Problem",
    "ProtectedAttribute",
    "RecordValidationError",
    "RiskCategory",
    "Status",
    "Theme",
    "TransparencyRecord",
    "ValueLabel",
    "break_long_words",
    "catalogue_tags",
    "clean_text",
    "clean_tree",
    "inert_markdown",
    "is_slug",
    "load_record",
    "parse_record",
    "profile_from",
    "store_limit_problems",
]
