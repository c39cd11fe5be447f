"""The token bucket that keeps claw under OpenPhone's 10 requests per second, on a fake clock."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from claw_adapters.openphone import TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_in_any_second(times: list[float]) -> int:
    """The largest number of grants inside any half-open one-second window."""
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


async def test_grants_are_spaced_a_tenth_of_a_second_apart() -> None:
    clock = FakeClock()
    bucket = TokenBucket(clock=clock, sleep=clock.sleep)
    granted = []

    for _ in range(25):
        await bucket.acquire()
        granted.append(clock.now)

    gaps = [later - earlier for earlier, later in itertools.pairwise(granted)]
    assert min(gaps) == pytest.approx(0.1)
    assert most_in_any_second(granted) <= 10


async def test_concurrent_callers_share_the_budget() -> None:
    clock = FakeClock()
    bucket = TokenBucket(clock=clock, sleep=clock.sleep)
    granted: list[float] = []

    async def take() -> None:
        await bucket.acquire()
        granted.append(clock.now)

    await asyncio.gather(*(take() for _ in range(30)))

    assert len(granted) == 30
    assert granted == sorted(granted)
    assert most_in_any_second(granted) <= 10
    assert granted[-1] - granted[0] == pytest.approx(2.9)


async def test_a_larger_bucket_allows_a_burst_then_the_steady_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(capacity=10, clock=clock, sleep=clock.sleep)
    granted = []

    for _ in range(15):
        await bucket.acquire()
        granted.append(clock.now)

    assert granted[:10] == [50.0] * 10
    assert granted[10:] == pytest.approx([50.1, 50.2, 50.3, 50.4, 50.5])


async def test_an_idle_bucket_refills_but_never_past_its_capacity() -> None:
    clock = FakeClock()
    bucket = TokenBucket(capacity=2, clock=clock, sleep=clock.sleep)
    await bucket.acquire()
    clock.now += 60.0
    start = clock.now
    granted = []

    for _ in range(4):
        await bucket.acquire()
        granted.append(clock.now - start)

    assert granted == pytest.approx([0.0, 0.0, 0.1, 0.2])


def test_rates_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate_per_second must be positive"):
        TokenBucket(rate_per_second=0)
    with pytest.raises(ValueError, match="capacity must be positive"):
        TokenBucket(capacity=0)
