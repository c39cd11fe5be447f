"""An open console left unattended still idles out: its own refreshes are not use.

The console polls /api/status every few seconds and redraws when the log moves.
Counted as use, those requests kept a console left open on a front-desk screen
logged in until the absolute limit, however long nobody touched it. Requests the
console makes by itself carry ``X-Claw-Background: 1`` and do not renew the idle
clock; anything a person does still does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from console_support import OPERATOR, ConsoleUnderTest, console_on

from claw_entrypoints.web.auth import BACKGROUND_HEADER

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
BACKGROUND = {BACKGROUND_HEADER: "1"}


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'claw.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def console(database_url: str) -> AsyncIterator[ConsoleUnderTest]:
    async with console_on(database_url) as running:
        yield running


async def _status(console: ConsoleUnderTest, headers: dict[str, str]) -> int:
    response = await console.client.get("/api/status", headers=headers)
    return response.status


async def test_an_unattended_console_idles_out_although_it_polls(
    console: ConsoleUnderTest,
) -> None:
    headers = await console.login(OPERATOR)
    for _ in range(24):  # half a day of the console refreshing itself, nobody there
        console.clock.advance(timedelta(minutes=29))
        assert await _status(console, headers | BACKGROUND) == 200
    console.clock.advance(timedelta(minutes=30))  # 12 h 6 min since the login
    assert await _status(console, headers | BACKGROUND) == 401
    assert await _status(console, headers) == 401


async def test_a_person_using_the_console_keeps_it(console: ConsoleUnderTest) -> None:
    headers = await console.login(OPERATOR)
    console.clock.advance(timedelta(hours=11))
    assert await _status(console, headers) == 200  # someone looked: the idle clock restarts
    console.clock.advance(timedelta(hours=11))
    assert await _status(console, headers | BACKGROUND) == 200
