"""Tells staff, once, about events a projection skipped.

The projector records each failure durably (``ProjectionFailureLog``) and calls
:meth:`ReadSideAlarm.recorded`, which counts it and makes a report due. The
worker calls :meth:`ReadSideAlarm.report` on every tick: it claims the pending
failures (compare-and-set, so of several processes only one tells staff about a
failure) and sends one staff alert for them. It also looks now and then for
failures recorded elsewhere (``claw projections rebuild``, another process).

A report is claimed before it is sent: at most once. While the emergency stop is
engaged nothing is claimed (the failures stay pending and are reported after the
release). If the notifier fails, the failure stays listed in the console with how
its report ended.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import structlog

from claw_adapters.projections.failures import (
    ProjectionFailure,
    ProjectionFailureLog,
    ReportState,
)
from claw_domain.errors import EffectError
from claw_domain.ports import AlertSeverity, StaffAlert, StaffNotifier
from claw_service.application import ClawApplication

log = structlog.get_logger("claw.read_side")

# How often to look for failures recorded by other processes.
LOOK_EVERY_SECONDS = 60.0
TITLE = "The console's read side skipped an event"


class ReadSideAlarm:
    def __init__(
        self,
        app: ClawApplication,
        failures: ProjectionFailureLog,
        staff: StaffNotifier,
        *,
        count: Callable[[str], None] | None = None,
        look_every_seconds: float = LOOK_EVERY_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.failures = failures
        self.staff = staff
        self.count = count
        self.look_every_seconds = look_every_seconds
        self.monotonic = monotonic
        self._due = True  # look once at start: a failure may predate this process
        self._looked_at: float | None = None

    def recorded(self, failure: ProjectionFailure) -> None:
        """The projector's ``on_failure``: called once per failure, from its thread."""
        if self.count is not None:
            self.count(failure.projection)
        self._due = True

    def report_due(self) -> bool:
        if self._due:
            return True
        return (
            self._looked_at is None or self.monotonic() - self._looked_at >= self.look_every_seconds
        )

    async def report(self) -> int:
        """Tell staff about failures nobody has reported; returns how many it reported."""
        if not self.report_due():
            return 0
        self._due = False
        self._looked_at = self.monotonic()
        pending = await asyncio.to_thread(self.failures.pending)
        if not pending:
            return 0
        if await asyncio.to_thread(lambda: self.app.settings().emergency_stop is not None):
            # Held, not dropped: still pending, reported on a look after the release.
            log.warning("read_side_alert_held", failures=len(pending))
            return 0
        claimed = [f for f in pending if await asyncio.to_thread(self.failures.claim, f)]
        if not claimed:
            return 0
        outcome = await self._tell_staff(claimed)
        for failure in claimed:
            await asyncio.to_thread(self.failures.settle, failure, outcome)
        return len(claimed)

    async def _tell_staff(self, failures: list[ProjectionFailure]) -> ReportState:
        try:
            await self.staff.notify(
                StaffAlert(title=TITLE, body=describe(failures), severity=AlertSeverity.URGENT)
            )
        except EffectError as error:
            log.error("read_side_alert_failed", error=str(error), failures=len(failures))
            return ReportState.FAILED
        return ReportState.SENT


def describe(failures: list[ProjectionFailure]) -> str:
    """What staff read: which view misses which event, and where to look."""
    lines = [
        f"{failure.projection} skipped event {failure.position} ({failure.event}): {failure.reason}"
        for failure in failures[:5]
    ]
    if len(failures) > 5:
        lines.append(f"and {len(failures) - 5} more")
    lines.append("Every other event is shown as usual; the console lists what was skipped.")
    return "\n".join(lines)
