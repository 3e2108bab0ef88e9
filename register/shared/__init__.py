"""The shared deployment: the auth-enabled tracking server, accounts, and the audit
log's writer service."""

from register.shared._admin import AdminClient, AdminError
from register.shared._auth import (
    AuthenticationError,
    PermissionDeniedError,
    is_shared,
    refusals_explained,
)
from register.shared._server import SharedServer, WriterProcess
from register.shared._writer_service import WriterService

__all__ = [
    "AdminClient",
    "AdminError",
    "AuthenticationError",
    "PermissionDeniedError",
    "SharedServer",
    "WriterProcess",
    "WriterService",
    "is_shared",
    "refusals_explained",
]
