"""The register: transparency records, the store they are kept in, lifecycle and history.

Typical use::

    from register import Register, load_record
    reg = Register()                       # $MLFLOW_TRACKING_URI or ./.insyn
    reg.register_algorithm(model, load_record("models/x/record.yaml"),
                           reference_data=frame)

``Register(store=...)`` keeps the register in any :class:`Store` instead (for example
an in-memory one in tests); ``register.store`` has the seam's types.
"""

from register._errors import (
    AuthenticationError,
    ChecksFailedError,
    InputValidationError,
    InsynError,
    InvalidTrackingUriError,
    NotFoundError,
    OwnershipError,
    PermissionDeniedError,
    RegistrationError,
    TrackingUnreachableError,
)
from register._facade import Register, register_algorithm
from register.audit._chain import (
    AuditEntry,
    AuditError,
    AuditHead,
    AuditProblem,
    AuditVerification,
    SignedHead,
)
from register.audit._fairness import FairnessReport, fairness_report
from register.audit._report import AuditReport, build_audit_report, render_html
from register.audit._reviews import Review, ReviewError
from register.audit._signing import SigningKeyError
from register.audit._writer import Author, WriterRefusedError
from register.export import (
    CSV_COLUMNS,
    ExportError,
    ExportOmission,
    ExportReport,
    ImportReport,
    export_register,
    import_standard,
    record_exports,
)
from register.history import (
    ATOM_MEDIA_TYPE,
    FEED_EVENTS,
    JSON_FEED_MEDIA_TYPE,
    ChangeFeed,
    DecisionChange,
    ExplanationDiff,
    FairnessChange,
    FairnessDiff,
    FeedEntry,
    FieldChange,
    ImportanceChange,
    MonthStatistics,
    RateChange,
    RegisterStatistics,
    VersionDiff,
    atom_feed,
    change_feed,
    diff_versions,
    json_feed,
    register_statistics,
)
from register.lifecycle._labels_check import LabelsMissingWarning
from register.lifecycle._publication import PublicationError, PublicationUnfinishedError
from register.lifecycle._summary import RegistrationSummary, registration_summary
from register.record._errors import RecordValidationError
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
from register.store import MemoryStore, MlflowStore, Store, StoreError, VersionInfo
from register.store._boosters import BOOSTER_CLASSES
from register.store._model_io import TRUSTED_TYPES, load_model, save_model
from register.store._results import (
    AlgorithmSummary,
    AlgorithmVersion,
    FilterOptions,
    SearchPage,
    VersionChange,
)
from register.store._uri import default_tracking_uri

__all__ = [
    "ATOM_MEDIA_TYPE",
    "BOOSTER_CLASSES",
    "CSV_COLUMNS",
    "FEED_EVENTS",
    "JSON_FEED_MEDIA_TYPE",
    "TRUSTED_TYPES",
    "AlgorithmSummary",
    "AlgorithmVersion",
    # auditing (issue 3)
    "AuditEntry",
    "AuditError",
    "AuditHead",
    "AuditProblem",
    "AuditReport",
    "AuditVerification",
    "AuthenticationError",
    "Author",
    "ChangeFeed",
    "ChecksFailedError",
    "DecisionChange",
    "ExplanationDiff",
    "ExportError",
    "ExportOmission",
    "ExportReport",
    "FairnessChange",
    "FairnessDiff",
    "FairnessReport",
    "FavourableOutcome",
    "FeatureSpec",
    "FeedEntry",
    "FieldChange",
    "FilterOptions",
    "ImportReport",
    "ImportanceChange",
    "InputProfile",
    "InputValidationError",
    "InsynError",
    "InvalidTrackingUriError",
    "LabelsMissingWarning",
    "LocalizedText",
    "MemoryStore",
    "MlflowStore",
    "MonthStatistics",
    "NotFoundError",
    "OwnershipError",
    "PermissionDeniedError",
    "ProtectedAttribute",
    "PublicationError",
    "PublicationUnfinishedError",
    "RateChange",
    "RecordValidationError",
    "Register",
    "RegisterStatistics",
    "RegistrationError",
    "RegistrationSummary",
    "Review",
    "ReviewError",
    "RiskCategory",
    "SearchPage",
    "SignedHead",
    "SigningKeyError",
    "Status",
    "Store",
    "StoreError",
    "Theme",
    "TrackingUnreachableError",
    "TransparencyRecord",
    "ValueLabel",
    "VersionChange",
    "VersionDiff",
    "VersionInfo",
    "WriterRefusedError",
    "atom_feed",
    "break_long_words",
    "build_audit_report",
    "change_feed",
    "clean_text",
    "clean_tree",
    "default_tracking_uri",
    "diff_versions",
    "export_register",
    "fairness_report",
    "import_standard",
    "inert_markdown",
    "json_feed",
    "load_model",
    "load_record",
    "parse_record",
    "profile_from",
    "record_exports",
    "register_algorithm",
    "register_statistics",
    "registration_summary",
    "render_html",
    "save_model",
]
