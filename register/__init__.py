"""The register: transparency records, the MLflow-backed store, lifecycle and history.

Typical use::

    from register import Register, load_record
    reg = Register()                       # $MLFLOW_TRACKING_URI or ./.insyn
    reg.register_algorithm(model, load_record("models/x/record.yaml"),
                           reference_data=frame)
"""

from register._errors import (
    InputValidationError,
    InsynError,
    InvalidTrackingUriError,
    NotFoundError,
    OwnershipError,
    RegistrationError,
    TrackingUnreachableError,
)
from register._inputs import FeatureSpec, InputProfile, profile_from
from register._model_io import TRUSTED_TYPES
from register._record import (
    LocalizedText,
    RiskCategory,
    Status,
    Theme,
    TransparencyRecord,
    load_record,
    parse_record,
)
from register._record_errors import RecordValidationError
from register._results import (
    AlgorithmSummary,
    AlgorithmVersion,
    FilterOptions,
    SearchPage,
    VersionChange,
)
from register._store import Register
from register._tracking import default_tracking_uri


def register_algorithm(model, record, *, reference_data, tracking_uri=None, **kwargs):  # type: ignore[no-untyped-def]
    """Register ``model`` with ``record`` in the store at ``tracking_uri`` (see
    :meth:`Register.register_algorithm`)."""
    return Register(tracking_uri).register_algorithm(
        model, record, reference_data=reference_data, **kwargs
    )


__all__ = [
    "TRUSTED_TYPES",
    "AlgorithmSummary",
    "AlgorithmVersion",
    "FeatureSpec",
    "FilterOptions",
    "InputProfile",
    "InputValidationError",
    "InsynError",
    "InvalidTrackingUriError",
    "LocalizedText",
    "NotFoundError",
    "OwnershipError",
    "RecordValidationError",
    "Register",
    "RegistrationError",
    "RiskCategory",
    "SearchPage",
    "Status",
    "Theme",
    "TrackingUnreachableError",
    "TransparencyRecord",
    "VersionChange",
    "default_tracking_uri",
    "load_record",
    "parse_record",
    "profile_from",
    "register_algorithm",
]
