"""Shared test configuration: hypothesis profiles and the PostgreSQL gate."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import structlog
from hypothesis import HealthCheck, settings

# CI runs at least 200 examples per property; `make test-deep` runs many more.
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("CLAW_HYPOTHESIS_PROFILE", "ci"))

POSTGRES_URL = os.environ.get("CLAW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_unreachable_reason() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL is not reachable at {POSTGRES_URL} ({error.__class__.__name__})"
    return None


@pytest.fixture(scope="session")
def postgres_available() -> str:
    reason = _postgres_unreachable_reason()
    if reason is not None:
        if os.environ.get("CLAW_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}; CLAW_REQUIRE_POSTGRES=1 makes these tests mandatory")
        pytest.skip(f"{reason}; set CLAW_TEST_POSTGRES_URL or start PostgreSQL to run them")
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_available: str) -> Iterator[str]:
    """A database URL with a fresh schema of its own, dropped afterwards."""
    schema = f"claw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_available, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in postgres_available else "?"
    try:
        yield f"{postgres_available}{separator}schema={schema}"
    finally:
        with psycopg.connect(postgres_available, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(autouse=True, scope="session")
def _quiet_structlog() -> None:
    # Tests assert on effects, not log lines; info-level chatter hides failures.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
