"""Kept for auth configuration files written by insyn 0.1, which name
``register._server_guard:authenticate``; the guard lives in
:mod:`register.store._server_guard`."""

from register.store._server_guard import authenticate

__all__ = ["authenticate"]
