"""The shared deployment: the auth-enabled tracking server, accounts, and the audit
log's writer service."""
