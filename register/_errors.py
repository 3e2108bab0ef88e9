"""Errors a user of insyn sees.

Every error derives from :class:`InsynError`. Its message is plain words that
name the field or object, the rule, and the value that broke it, so the CLI and
the portal can show it as it is, without a traceback.
"""

from __future__ import annotations


class InsynError(Exception):
    """Base class of every error a user of insyn sees.

    The message is plain words naming the field, the rule and the value.
    """


class NotFoundError(InsynError, LookupError):
    """An algorithm or version that the register does not hold."""


class TrackingUnreachableError(InsynError, ConnectionError):
    """The MLflow tracking store cannot be reached (nothing was written)."""


class InvalidTrackingUriError(InsynError, ValueError):
    """A tracking URI that is malformed (nothing was written)."""


class AuthenticationError(InsynError, PermissionError):
    """The tracking server (or the writer service) refused the credentials (HTTP 401)."""


class PermissionDeniedError(InsynError, PermissionError):
    """The tracking server refused a write to another organisation's algorithm (HTTP 403)."""


class OwnershipError(InsynError, PermissionError):
    """A slug that belongs to another organisation."""


class RegistrationError(InsynError, RuntimeError):
    """A registration that failed part-way; nothing of it was published."""


class ChecksFailedError(InsynError):
    """An additivity or reproducibility check failed and no reason to publish anyway
    was given (nothing was published)."""


class InputValidationError(InsynError, ValueError):
    """Values for a model's inputs that break the input profile's rules."""

    def __init__(
        self,
        message: str,
        problems: tuple[tuple[str, str, str], ...] = (),
        kinds: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self._problems = problems
        self._kinds = kinds

    @property
    def problems(self) -> tuple[tuple[str, str, str], ...]:
        """Each problem as (field, rule, given value)."""
        return self._problems

    @property
    def kinds(self) -> tuple[str, ...]:
        """The rule each problem breaks, as a stable code (``register.record._inputs.KIND_*``),
        in the order of :attr:`problems`; empty when the raiser gave none."""
        return self._kinds
