"""The login throttle's arithmetic, with time passed in: growing delays, a cap, forgetting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from claw_entrypoints.web.login_throttle import Backoff, LoginThrottle

START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_the_delay_doubles_after_the_free_failures_up_to_the_cap() -> None:
    backoff = Backoff(free=3, base_seconds=1.0, cap_seconds=10.0)
    assert [backoff.delay(n) for n in range(8)] == [0, 0, 0, 1, 2, 4, 8, 10]


def test_a_guessing_address_waits_and_a_clean_one_does_not() -> None:
    throttle = LoginThrottle()
    for _ in range(5):
        throttle.failed("10.0.0.1", "admin", START)
    assert throttle.wait_seconds("10.0.0.1", "admin", START) == 1
    assert throttle.wait_seconds("10.0.0.1", "someone-else", START) == 1
    assert throttle.wait_seconds("10.0.0.2", "admin", START) == 0


def test_waiting_out_the_delay_lets_the_next_attempt_through() -> None:
    throttle = LoginThrottle()
    for _ in range(7):
        throttle.failed("10.0.0.1", "admin", START)
    assert throttle.wait_seconds("10.0.0.1", "admin", START) == 4
    assert throttle.wait_seconds("10.0.0.1", "admin", START + timedelta(seconds=4)) == 0


def test_a_quiet_hour_forgets_and_a_success_clears() -> None:
    throttle = LoginThrottle()
    for _ in range(9):
        throttle.failed("10.0.0.1", "admin", START)
    later = START + timedelta(hours=1, seconds=1)
    assert throttle.wait_seconds("10.0.0.1", "admin", later) == 0
    for _ in range(9):
        throttle.failed("10.0.0.3", "otto", START)
    throttle.succeeded("10.0.0.3", "otto")
    assert throttle.wait_seconds("10.0.0.3", "otto", START) == 0


def test_an_address_that_failed_itself_is_held_back_on_a_name_under_attack() -> None:
    throttle = LoginThrottle()
    for n in range(6):
        throttle.failed(f"10.0.1.{n}", "admin", START)
    throttle.failed("10.0.2.1", "admin", START)
    assert throttle.wait_seconds("10.0.2.1", "admin", START) >= 2
    assert throttle.wait_seconds("10.0.2.2", "admin", START) == 0


def test_parallel_attempts_from_one_address_are_refused_while_two_are_in_flight() -> None:
    throttle = LoginThrottle()
    throttle.begin("10.0.0.1")
    throttle.begin("10.0.0.1")
    assert throttle.wait_seconds("10.0.0.1", "admin", START) == 1
    throttle.end("10.0.0.1")
    assert throttle.wait_seconds("10.0.0.1", "admin", START) == 0


def test_made_up_names_cannot_grow_the_throttle_without_bound() -> None:
    throttle = LoginThrottle(max_keys=100)
    for n in range(10_000):
        throttle.failed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", f"name{n}", START)
    assert len(throttle.names) == 100
    assert len(throttle.addresses) == 100
