"""Slowing password guessing without locking the real user out or stalling the server.

Failures are counted per client address and per user name. After a few, each
further attempt must wait a delay that doubles with every failure, up to a cap;
a quiet hour forgets them. An attempt that comes too early is answered 429 with
``Retry-After`` at once: nothing sleeps, so the event loop and the webhook stay
free. The name's count holds back only addresses that have failed themselves:
someone guessing at "admin" from elsewhere never delays the admin's own login
from a clean address. Password checks run in a worker process with a bounded
queue, so a flood of logins cannot take the CPU, the GIL or the threads the
webhook uses.

In memory and per process on purpose: it is a brake, not a record.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

import attrs

from claw_service.passwords import verify_password


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

    def __len__(self) -> int:
        return len(self._entries)


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
    """Too many password checks are queued; the caller should answer 429 with Retry-After."""


class LoginGate:
    """Password checks in a worker process of their own, with a bounded queue.

    ``hashlib.scrypt`` holds the GIL for its whole run (tens of milliseconds);
    on a thread of this process every check would stall the event loop, and a
    flood of logins would stall the webhook. A second process runs them on the
    other core instead, one at a time, and a full queue is refused at once.
    The worker is started on the first login; as with any ``multiprocessing``
    worker, it imports the main module, so a script embedding the web app needs
    the usual ``if __name__ == "__main__":`` guard (``claw`` and ``python -m`` have it).
    """

    def __init__(self, workers: int = 1, max_waiting: int = 8) -> None:
        self.workers = workers
        self.max_waiting = max_waiting
        self._pending = 0
        self._pool: ProcessPoolExecutor | None = None

    async def verify(self, password: str, stored_hash: str) -> bool:
        if self._pending >= self.workers + self.max_waiting:
            raise LoginGateFullError
        if self._pool is None:
            # Not a plain fork: this process has threads and open database connections.
            # The fork server is started once, clean, and forks each worker from itself.
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, verify_password, password, stored_hash
            )
        except BrokenProcessPool:
            self._pool = None  # the worker died (e.g. out of memory): the next check starts one
            raise LoginGateFullError from None
        finally:
            self._pending -= 1

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
