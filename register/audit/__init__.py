"""The audit trail: the signed hash chain, its verification, reviews, fairness by
group and the audit report.

The register is built from two parts of it, each given a
:class:`~register.store.StoreView` and a writer factory: :class:`AuditTrail`
(``reg.audit``) and :class:`Reviews` (``reg.reviews``). Everything that appends
goes through an :class:`AuditWriter` (:func:`writer_for`): a :class:`LocalWriter`
signing in this process, or the writer service of a shared deployment.
"""

from register.audit._api import AuditTrail, Reviews, VersionReads, WriterFactory
from register.audit._chain import AuditError
from register.audit._newest import LoggedEvent, logged_events, newest_entries, newest_of
from register.audit._publication_state import PublicationState
from register.audit._reviews import Review, ReviewError
from register.audit._signing import Signer, SigningKeyError
from register.audit._types import (
    AuditEntry,
    AuditHead,
    AuditProblem,
    AuditVerification,
    SignedHead,
)
from register.audit._wording import check_name, grouping_text, labelled_finding
from register.audit._writer import (
    AuditWriter,
    Author,
    LocalWriter,
    Publication,
    WriterRefusedError,
    writer_for,
)

__all__ = [
    "AuditEntry",
    "AuditError",
    "AuditHead",
    "AuditProblem",
    "AuditTrail",
    "AuditVerification",
    "AuditWriter",
    "Author",
    "LocalWriter",
    "LoggedEvent",
    "Publication",
    "PublicationState",
    "Review",
    "ReviewError",
    "Reviews",
    "SignedHead",
    "Signer",
    "SigningKeyError",
    "VersionReads",
    "WriterFactory",
    "WriterRefusedError",
    "check_name",
    "grouping_text",
    "labelled_finding",
    "logged_events",
    "newest_entries",
    "newest_of",
    "writer_for",
]
