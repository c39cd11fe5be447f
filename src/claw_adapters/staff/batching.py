"""Night-shift courtesy: urgent alerts at once, the rest gathered and sent together.

A review item or another non-urgent alert waits up to ``window`` for others, then
all go out as one message; during quiet hours they wait until the quiet hours end.
Urgent alerts (an approval to give before a deadline, a customer who needs a person
now) always go at once. What is gathered lives in memory: the dispatcher has already
recorded those alerts as delivered, so a crash loses at most one batch of non-urgent
notices; the review queue itself, which they point to, is durable.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs
import structlog

from claw_domain.errors import EffectError
from claw_domain.ports import AlertSeverity, Clock, StaffAlert, StaffNotifier

log = structlog.get_logger("claw.staff")

BATCH_WINDOW = timedelta(minutes=5)
BATCH_MOST = 20  # a fuller batch goes at once (outside quiet hours)
CHECK_EVERY_SECONDS = 15.0


@attrs.define
class BatchingStaffNotifier:
    """A ``StaffNotifier`` that batches non-urgent alerts and holds them in quiet hours."""

    inner: StaffNotifier
    clock: Clock
    in_quiet_hours: Callable[[datetime], bool]
    window: timedelta = BATCH_WINDOW
    most: int = BATCH_MOST
    check_every_seconds: float = CHECK_EVERY_SECONDS
    _pending: list[StaffAlert] = attrs.field(factory=list, init=False)
    _since: datetime | None = attrs.field(default=None, init=False)
    _ticker: asyncio.Task[None] | None = attrs.field(default=None, init=False)

    @property
    def waiting(self) -> int:
        return len(self._pending)

    async def notify(self, alert: StaffAlert) -> None:
        if alert.severity is AlertSeverity.URGENT:
            await self.inner.notify(alert)
            return
        self._pending.append(alert)
        if self._since is None:
            self._since = self.clock.now()
        self._start_ticker()
        await self.send_if_due()

    async def send_if_due(self) -> bool:
        """Send the batch when its window has passed or it is full, outside quiet hours."""
        if not self._pending or self._since is None:
            return False
        now = self.clock.now()
        if self.in_quiet_hours(now):
            return False
        if len(self._pending) < self.most and now - self._since < self.window:
            return False
        await self._send()
        return True

    async def aclose(self) -> None:
        """On shutdown what is gathered goes now, quiet hours or not: kept, it would be lost."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._pending:
            await self._send()

    async def _send(self) -> None:
        batch, self._pending, self._since = self._pending, [], None
        alert = batch[0] if len(batch) == 1 else _one_message(batch)
        try:
            await self.inner.notify(alert)
        except EffectError as error:
            # Already recorded as delivered: say so loudly; the console still shows them.
            log.error("staff_batch_failed", alerts=len(batch), error=str(error))

    def _start_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(
                self._tick(), name="claw-staff-batch"
            )

    async def _tick(self) -> None:
        while self._pending:
            await asyncio.sleep(self.check_every_seconds)
            await self.send_if_due()


def _one_message(batch: list[StaffAlert]) -> StaffAlert:
    lines = [f"- {alert.title}: {alert.body}" for alert in batch]
    return StaffAlert(
        title=f"{len(batch)} things for staff",
        body="\n".join(lines),
        severity=AlertSeverity.INFO,
    )
