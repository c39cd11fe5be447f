"""Slowing password guessing without locking the real user out or stalling the server.

Failures are counted per client address and per user name. After a few, each
further attempt must wait a delay that doubles with every failure, up to a cap;
a quiet hour forgets them. An attempt that comes too early is answered 429 with
``Retry-After`` at once: nothing sleeps, so the event loop and the webhook stay
free. The name's count holds back only addresses that have failed themselves:
someone guessing at "admin" from elsewhere never delays the admin's own login
from a clean address. Password checks run on a small pool of their own with a
bounded queue, so a flood of logins cannot take the threads the webhook uses.

In memory and per process on purpose: it is a brake, not a record.
"""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TypeVar

import attrs

T = TypeVar("T")


@attrs.frozen
class Backoff:
    free: int  # failures before any delay
    base_seconds: float
    cap_seconds: float
    forget_after_seconds: float = 3600.0

    def delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap_seconds, self.base_seconds * 2.0 ** (failures - self.free))


@attrs.define
class _Failures:
    count: int
    last: float  # unix seconds


class _Counter:
    """Failure counts per key, bounded so a flood of made-up names cannot grow it forever."""

    def __init__(self, backoff: Backoff, max_keys: int) -> None:
        self.backoff = backoff
        self.max_keys = max_keys
        self._entries: OrderedDict[str, _Failures] = OrderedDict()

    def current(self, key: str, now: float) -> _Failures | None:
        found = self._entries.get(key)
        if found is not None and now - found.last > self.backoff.forget_after_seconds:
            del self._entries[key]
            return None
        return found

    def wait(self, key: str, now: float) -> float:
        found = self.current(key, now)
        if found is None:
            return 0.0
        return max(0.0, found.last + self.backoff.delay(found.count) - now)

    def failed(self, key: str, now: float) -> None:
        found = self.current(key, now)
        self._entries[key] = _Failures(count=(found.count if found else 0) + 1, last=now)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_keys:
            self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)


class LoginThrottle:
    def __init__(
        self,
        by_address: Backoff | None = None,
        by_name: Backoff | None = None,
        *,
        max_keys: int = 10_000,
        max_in_flight_per_address: int = 2,
    ) -> None:
        self.addresses = _Counter(
            by_address or Backoff(free=5, base_seconds=1.0, cap_seconds=300.0), max_keys
        )
        self.names = _Counter(
            by_name or Backoff(free=5, base_seconds=1.0, cap_seconds=60.0), max_keys
        )
        self.max_in_flight = max_in_flight_per_address
        self._in_flight: dict[str, int] = {}

    def wait_seconds(self, address: str, name: str, at: datetime) -> int:
        """How long this address must wait before trying ``name`` (0: go ahead), whole seconds."""
        now = at.timestamp()
        wait = self.addresses.wait(address, now)
        if self.addresses.current(address, now) is not None:
            wait = max(wait, self.names.wait(name, now))
        if self._in_flight.get(address, 0) >= self.max_in_flight:
            # Parallel guesses would all pass the check before any failure is counted.
            wait = max(wait, 1.0)
        return math.ceil(wait)

    def begin(self, address: str) -> None:
        self._in_flight[address] = self._in_flight.get(address, 0) + 1

    def end(self, address: str) -> None:
        left = self._in_flight.get(address, 0) - 1
        if left > 0:
            self._in_flight[address] = left
        else:
            self._in_flight.pop(address, None)

    def failed(self, address: str, name: str, at: datetime) -> None:
        self.addresses.failed(address, at.timestamp())
        self.names.failed(name, at.timestamp())

    def succeeded(self, address: str, name: str) -> None:
        self.addresses.forget(address)
        self.names.forget(name)


class LoginGateFullError(Exception):
    """Too many password checks are queued; the caller should answer 503 and retry later."""


class LoginGate:
    """A thread pool of its own for password hashing, with a bounded queue.

    scrypt takes tens of milliseconds of CPU and 16 MiB per check; on the
    default pool a flood of logins would queue ahead of the webhook's work.
    """

    def __init__(self, workers: int = 1, max_waiting: int = 8) -> None:
        self.workers = workers
        self.max_waiting = max_waiting
        self._pending = 0
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, work: Callable[[], T]) -> T:
        if self._pending >= self.workers + self.max_waiting:
            raise LoginGateFullError
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="claw-login")
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work)
        finally:
            self._pending -= 1

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
