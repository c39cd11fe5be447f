"""A token bucket that keeps claw under OpenPhone's 10 requests per second per key."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import attrs

Sleep = Callable[[float], Awaitable[None]]
MonotonicClock = Callable[[], float]

# Float arithmetic may leave a refilled bucket a hair under one token; without the
# slack a waiter would sleep for a few nanoseconds over and over.
_EPSILON = 1e-9


def _positive(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        msg = f"{attribute.name} must be positive, got {value!r}"
        raise ValueError(msg)


@attrs.define
class TokenBucket:
    """Grants one token per request, refilled continuously at ``rate_per_second``.

    The default capacity of one spaces requests evenly: OpenPhone does not say how
    it counts its window, and a full bucket of ten followed by the refill could put
    nineteen requests into one second of its clock. Texts are never urgent to the
    millisecond, so even spacing costs nothing.

    Share one bucket between every client that uses the same API key.
    """

    rate_per_second: float = attrs.field(default=10.0, validator=_positive)
    capacity: float = attrs.field(default=1.0, validator=_positive)
    _clock: MonotonicClock = attrs.field(default=time.monotonic, alias="clock")
    _sleep: Sleep = attrs.field(default=asyncio.sleep, alias="sleep")
    _tokens: float = attrs.field(init=False, default=0.0)
    _refilled_at: float | None = attrs.field(init=False, default=None)
    _lock: asyncio.Lock = attrs.field(init=False, factory=asyncio.Lock)

    async def acquire(self) -> None:
        """Wait until a request may go out, then take its token."""
        # Waiters queue on the lock so they are served in arrival order.
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= 1.0 - _EPSILON:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return
                await self._sleep((1.0 - self._tokens) / self.rate_per_second)

    def _refill(self) -> None:
        now = self._clock()
        if self._refilled_at is None:
            self._tokens = self.capacity
        else:
            elapsed = max(0.0, now - self._refilled_at)
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate_per_second)
        self._refilled_at = now
