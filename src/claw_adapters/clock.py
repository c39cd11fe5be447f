"""The production ``Clock``: wall-clock UTC time.

Everything that reads the time is given a ``Clock``; this is the one claw runs on.
Tests and the harness pass ``SettableClock`` (``claw_adapters.fakes.memory``) instead.
"""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """Wall-clock UTC time."""

    def now(self) -> datetime:
        return datetime.now(UTC)
