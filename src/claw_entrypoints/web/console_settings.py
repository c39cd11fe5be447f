"""The console's session lifetimes from the environment (documented in docs/operations.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from claw_domain.errors import ConfigurationError
from claw_service.console_sessions import DEFAULT_ABSOLUTE, DEFAULT_IDLE, SessionLimits

IDLE_ENV = "CLAW_CONSOLE_SESSION_IDLE_MINUTES"
ABSOLUTE_ENV = "CLAW_CONSOLE_SESSION_MAX_HOURS"


def _positive(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        msg = f"{name}={raw!r} must be a positive number, e.g. {name}={default:g}"
        raise ConfigurationError(msg)
    return value


def session_limits(environ: Mapping[str, str]) -> SessionLimits:
    idle = _positive(environ, IDLE_ENV, DEFAULT_IDLE.total_seconds() / 60)
    absolute = _positive(environ, ABSOLUTE_ENV, DEFAULT_ABSOLUTE.total_seconds() / 3600)
    return SessionLimits(idle=timedelta(minutes=idle), absolute=timedelta(hours=absolute))
