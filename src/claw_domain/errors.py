"""Errors the domain raises and the ports may raise, typed so callers can react."""

from __future__ import annotations


class DomainError(Exception):
    """A command broke an invariant; nothing was changed."""


class InvariantError(DomainError):
    """The command is not allowed in the aggregate's current state."""


class NotFoundError(DomainError):
    """No item of the asked-for kind has that id or number (it may be of another kind)."""


class EffectError(Exception):
    """A port could not carry out an effect.

    ``retryable`` says whether trying again later may succeed without risk of
    doing the effect twice.
    """

    retryable: bool = False

    def __init__(self, message: str, *, code: str = "", retryable: bool | None = None) -> None:
        super().__init__(message)
        self.code = code
        if retryable is not None:
            self.retryable = retryable


class TransientEffectError(EffectError):
    """Rate limits, 5xx and refused connections: safe to retry with backoff."""

    retryable = True


class PermanentEffectError(EffectError):
    """The vendor said no (bad number, no credits, device missing): retrying will not help."""

    retryable = False


class OutcomeUnknownError(EffectError):
    """The request may have reached the vendor but no answer came back.

    Never retried for hardware: an unknown outcome is recorded as such.
    """

    retryable = False


class ConfigurationError(Exception):
    """Settings or credentials are wrong in a way an operator must fix."""
