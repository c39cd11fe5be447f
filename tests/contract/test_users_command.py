"""``claw users password|disable|revoke|token`` from the shell end or grant access at once.

A running console (the same database and secret) is asked afterwards, as a
browser and a script would, whether the old session and token still work.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from console_support import ADMIN, OPERATOR, PASSWORD, SECRET, ConsoleUnderTest, console_on

from claw_entrypoints.cli import main

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
async def console(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ConsoleUnderTest]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'claw.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("CLAW_DATABASE_URL", url)
    monkeypatch.setenv("CLAW_CONSOLE_SECRET", SECRET)
    async with console_on(url) as running:
        yield running


async def _me(console: ConsoleUnderTest, headers: dict[str, str]) -> int:
    return (await console.client.get("/api/me", headers=headers)).status


@pytest.mark.parametrize("verb", ["disable", "revoke", "password"])
async def test_ending_access_from_the_shell(
    console: ConsoleUnderTest, verb: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = await console.login(OPERATOR)
    token = console.accounts.issue_token(OPERATOR, ADMIN, console.clock.now())
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new password\n"))
    extra = ["--password-stdin"] if verb == "password" else []
    assert main(["users", verb, OPERATOR, "--actor", ADMIN, *extra]) == 0
    assert await _me(console, session) == 401
    bearer = await _me(console, {"Authorization": f"Bearer {token}"})
    assert bearer == (200 if verb == "password" else 401)
    expected = {"disable": 401, "revoke": 200, "password": 401}[verb]
    assert (await console.try_login(OPERATOR, PASSWORD)).status == expected


async def test_a_token_from_the_shell_lasts_the_days_asked_for(
    console: ConsoleUnderTest, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "token", OPERATOR, "--days", "2", "--actor", ADMIN]) == 0
    token = capsys.readouterr().out.strip()
    bearer = {"Authorization": f"Bearer {token}"}
    console.clock.advance(timedelta(days=1))
    assert await _me(console, bearer) == 200
    console.clock.advance(timedelta(days=1, minutes=1))  # the shell used the real clock
    assert await _me(console, bearer) == 401


def test_an_unknown_user_is_a_one_line_error(
    console: ConsoleUnderTest, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "revoke", "nobody", "--actor", ADMIN]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "claw users add" in error


async def test_a_token_from_the_shell_works_with_the_servers_secret_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'claw.db'}"
    monkeypatch.setenv("CLAW_DATABASE_URL", url)
    monkeypatch.delenv("CLAW_CONSOLE_SECRET", raising=False)
    monkeypatch.delenv("CLAW_SESSION_SECRET", raising=False)
    async with console_on(url, CLAW_CONSOLE_SECRET="") as console:  # the server made the file
        assert (tmp_path / "claw.secret").exists()
        capsys.readouterr()  # the server's start-up warnings
        assert main(["users", "token", OPERATOR, "--actor", ADMIN]) == 0
        token = capsys.readouterr().out.strip()
        assert await _me(console, {"Authorization": f"Bearer {token}"}) == 200


def test_the_shell_never_makes_a_secret_no_server_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAW_DATABASE_URL", f"sqlite:///{tmp_path / 'claw.db'}")
    monkeypatch.delenv("CLAW_CONSOLE_SECRET", raising=False)
    monkeypatch.delenv("CLAW_SESSION_SECRET", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", OPERATOR, "--role", "operator", "--password-stdin"]) == 0
    assert main(["users", "token", OPERATOR, "--actor", ADMIN]) == 2
    error = capsys.readouterr().err
    assert "start claw serve once" in error
    assert error.count("\n") == 1
    assert not (tmp_path / "claw.secret").exists()
