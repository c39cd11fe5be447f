"""Console sessions and tokens end when they should, and a database copy opens nothing.

Stories about the console's credentials on SQLite and PostgreSQL alike: a
cookie forged from anything in a copy of the database is refused, logout and
expiry end a session on the server, disable/password/revoke end access, tokens
expire, changing the secret ends everything, and the login throttle slows a
guesser without locking the real user out. Time moves by the test's clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import sqlite3
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from console_support import ADMIN, OPERATOR, PASSWORD, SECRET, ConsoleUnderTest, console_on

from claw_adapters.persistence.console_secret import load_console_secret
from claw_adapters.persistence.database import parse_database_url
from claw_adapters.projections.postgres import split_schema
from claw_domain.errors import ConfigurationError
from claw_domain.users import ConsoleSecret, user_id
from claw_entrypoints.web.auth import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
LEGACY_SECRET = "ab" * 32  # what an old claw stored as SessionSecretGenerated


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


async def _me(console: ConsoleUnderTest, headers: dict[str, str]) -> int:
    response = await console.client.get("/api/me", headers=headers)
    return response.status


# What a copy of the database holds ---


def _copied_rows(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Every value of every table, read from a copy of the database (what a backup holds)."""
    if database_url.startswith("sqlite"):
        source = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        copy = sqlite3.connect(tmp_path / "stolen.db")
        source.backup(copy)
        source.close()
        tables = [r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in copy.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - test's own names
                yield from (_text(value) for value in row)
        copy.close()
        return
    dsn, schema = split_schema(database_url)
    with psycopg.connect(dsn) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        for (table,) in tables:
            for row in connection.execute(f'SELECT * FROM "{schema}"."{table}"'):  # noqa: S608
                yield from (_text(value) for value in row)


def _text(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf8", "replace")
    return str(value)


def _forged_cookies(values: list[str], user: str) -> list[str]:
    """Cookies an attacker can make from the copy: signed with any stored key, or stored ids."""
    hexes = {match for value in values for match in re.findall(r"[0-9a-f]{64}", value)}
    expires = int(datetime.now(UTC).timestamp()) + 3600
    forged = []
    for candidate in hexes:
        for epoch in range(3):
            payload = f"{user_id(user).hex}.{epoch}.{expires}.nonce"
            for key in (bytes.fromhex(candidate), candidate.encode("ascii")):
                digest = hmac.new(key, f"session:{payload}".encode(), hashlib.sha256).digest()
                signature = base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
                forged.append(f"{payload}.{signature}")
        forged.append(candidate)  # a stored session digest offered as the session id
    return forged


async def test_a_cookie_forged_from_a_copy_of_the_database_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    async with console_on(database_url) as console:
        # An old claw stored its signing key in the log; the log still holds it.
        console.runtime.app.save(ConsoleSecret(secret_hex=LEGACY_SECRET, at=console.clock.now()))
    async with console_on(database_url) as console:
        genuine = await console.login(ADMIN)
        assert await _me(console, genuine) == 200
        values = list(_copied_rows(database_url, tmp_path))
        assert any(LEGACY_SECRET in value for value in values)  # the attacker has it
        assert not any(SECRET in value for value in values)  # but not the live secret
        forged = _forged_cookies(values, ADMIN)
        assert forged
        for cookie in forged:
            assert await _me(console, {"Cookie": f"{SESSION_COOKIE}={cookie}"}) == 401


async def test_the_log_and_the_tables_hold_no_session_id_or_token(
    console: ConsoleUnderTest, database_url: str, tmp_path: Path
) -> None:
    headers = await console.login(ADMIN)
    session = headers["Cookie"].split(";")[0].split("=", 1)[1]
    token = console.accounts.issue_token(OPERATOR, "test", console.clock.now())
    everything = "\n".join(_copied_rows(database_url, tmp_path))
    assert session not in everything
    assert token not in everything
    assert token.rsplit("_", 1)[1] not in everything


# Ending sessions ---


async def test_logout_ends_the_session_on_the_server(console: ConsoleUnderTest) -> None:
    headers = await console.login(OPERATOR)
    kept_copy = dict(headers)
    response = await console.client.post("/api/logout", headers=headers)
    assert response.status == 200
    assert await _me(console, kept_copy) == 401


async def test_an_idle_session_expires(console: ConsoleUnderTest) -> None:
    headers = await console.login(OPERATOR)
    console.clock.advance(timedelta(hours=11, minutes=59))
    assert await _me(console, headers) == 200  # used: the idle clock starts again
    console.clock.advance(timedelta(hours=11, minutes=59))
    assert await _me(console, headers) == 200
    console.clock.advance(timedelta(hours=12))
    assert await _me(console, headers) == 401


async def test_a_session_in_use_still_ends_at_its_absolute_limit(
    console: ConsoleUnderTest,
) -> None:
    headers = await console.login(OPERATOR)
    for _ in range(6 * 24 + 23):
        console.clock.advance(timedelta(hours=1))
        assert await _me(console, headers) == 200
    console.clock.advance(timedelta(hours=1))  # 7 days after login
    assert await _me(console, headers) == 401


async def test_session_lifetimes_are_configurable(database_url: str) -> None:
    settings = {"CLAW_CONSOLE_SESSION_IDLE_MINUTES": "5", "CLAW_CONSOLE_SESSION_MAX_HOURS": "1"}
    async with console_on(database_url, **settings) as console:
        headers = await console.login(OPERATOR)
        console.clock.advance(timedelta(minutes=4))
        assert await _me(console, headers) == 200
        console.clock.advance(timedelta(minutes=5))
        assert await _me(console, headers) == 401
        headers = await console.login(OPERATOR)
        for _ in range(14):
            console.clock.advance(timedelta(minutes=4))
            assert await _me(console, headers) == 200
        console.clock.advance(timedelta(minutes=4))
        assert await _me(console, headers) == 401


async def test_a_session_started_in_one_process_is_ended_in_another(database_url: str) -> None:
    async with console_on(database_url) as first, console_on(database_url) as second:
        headers = await first.login(OPERATOR)
        assert await _me(second, headers) == 200
        response = await second.client.post("/api/logout", headers=headers)
        assert response.status == 200
        assert await _me(first, headers) == 401


@pytest.mark.parametrize("ending", ["disable", "password", "revoke"])
async def test_disable_password_and_revoke_each_end_access(
    console: ConsoleUnderTest, ending: str
) -> None:
    headers = await console.login(OPERATOR)
    token = console.accounts.issue_token(OPERATOR, ADMIN, console.clock.now())
    bearer = {"Authorization": f"Bearer {token}"}
    assert await _me(console, headers) == 200
    assert await _me(console, bearer) == 200
    now = console.clock.now()
    if ending == "disable":
        console.accounts.disable(OPERATOR, ADMIN, now)
    elif ending == "password":
        console.accounts.change_password(OPERATOR, "a whole new password", ADMIN, now)
    else:
        console.accounts.revoke_access(OPERATOR, ADMIN, now)
    assert await _me(console, headers) == 401
    if ending != "password":  # a new password ends browser sessions; scripts keep their token
        assert await _me(console, bearer) == 401
    login = await console.try_login(OPERATOR, PASSWORD)
    assert login.status == (401 if ending != "revoke" else 200)


async def test_a_disabled_user_cannot_log_in_until_enabled(console: ConsoleUnderTest) -> None:
    console.accounts.disable(OPERATOR, ADMIN, console.clock.now())
    assert (await console.try_login(OPERATOR, PASSWORD)).status == 401
    console.accounts.enable(OPERATOR, ADMIN, console.clock.now())
    assert await _me(console, await console.login(OPERATOR)) == 200


# Tokens ---


async def test_a_token_expires(console: ConsoleUnderTest) -> None:
    default = console.accounts.issue_token(OPERATOR, ADMIN, console.clock.now())
    short = console.accounts.issue_token(
        OPERATOR, ADMIN, console.clock.now(), lifetime=timedelta(days=1)
    )
    console.clock.advance(timedelta(days=1))
    assert await _me(console, {"Authorization": f"Bearer {short}"}) == 401
    assert await _me(console, {"Authorization": f"Bearer {default}"}) == 200
    console.clock.advance(timedelta(days=89))
    assert await _me(console, {"Authorization": f"Bearer {default}"}) == 401


async def test_a_token_from_before_expiry_existed_is_refused(console: ConsoleUnderTest) -> None:
    """``ApiTokenIssued`` events (no expiry) still load, but their tokens no longer work."""
    user = console.accounts._existing(OPERATOR)  # planting an old event
    token = f"claw_{user.id.hex}_an-old-token-that-never-expired"
    user._token_issued(
        token_hash=hashlib.sha256(token.encode()).hexdigest(), actor="old", at=console.clock.now()
    )
    console.runtime.app.save(user)
    assert console.accounts.user_by_id(user.id) is not None  # the old event replays
    assert await _me(console, {"Authorization": f"Bearer {token}"}) == 401


# The secret ---


async def test_a_new_secret_ends_every_session_and_token_at_once(database_url: str) -> None:
    async with console_on(database_url) as before:
        headers = await before.login(ADMIN)
        token = before.accounts.issue_token(OPERATOR, ADMIN, before.clock.now())
        assert await _me(before, headers) == 200
    rotated = SECRET.replace("x", "y")
    async with console_on(database_url, CLAW_CONSOLE_SECRET=rotated) as after:
        assert await _me(after, headers) == 401
        assert await _me(after, {"Authorization": f"Bearer {token}"}) == 401
        assert await _me(after, await after.login(ADMIN)) == 200


def test_the_secret_file_is_created_0600_beside_the_database(tmp_path: Path) -> None:
    database = parse_database_url(f"sqlite:///{tmp_path / 'var' / 'claw.db'}")
    first = load_console_secret({}, database)
    path = tmp_path / "var" / "claw.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_console_secret({}, database) == first  # the next start reads the same one
    assert len(first) >= 32


def test_a_secret_file_others_can_read_is_refused(tmp_path: Path) -> None:
    database = parse_database_url(f"sqlite:///{tmp_path / 'claw.db'}")
    load_console_secret({}, database)
    (tmp_path / "claw.secret").chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_console_secret({}, database)


def test_no_writable_place_for_the_secret_is_a_one_line_error(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")  # nothing can be created under it, not even by root
    database = parse_database_url(f"sqlite:///{tmp_path / 'claw.db'}")
    environ = {"CLAW_CONSOLE_SECRET_FILE": str(not_a_directory / "claw.secret")}
    with pytest.raises(ConfigurationError, match="set CLAW_CONSOLE_SECRET") as raised:
        load_console_secret(environ, database)
    assert "\n" not in str(raised.value)


def test_a_short_configured_secret_is_refused(tmp_path: Path) -> None:
    database = parse_database_url(f"sqlite:///{tmp_path / 'claw.db'}")
    with pytest.raises(ConfigurationError, match="at least 32"):
        load_console_secret({"CLAW_CONSOLE_SECRET": "short"}, database)


# The login throttle ---


async def test_the_right_password_from_another_address_works_while_one_address_guesses(
    console: ConsoleUnderTest,
) -> None:
    for attempt in range(8):
        response = await console.try_login(ADMIN, f"guess {attempt}", address="127.0.0.2")
        assert response.status in (401, 429)
    assert (await console.try_login(ADMIN, PASSWORD, address="127.0.0.2")).status == 429
    assert (await console.try_login(ADMIN, PASSWORD, address="127.0.0.3")).status == 200


async def test_failures_make_a_client_wait_longer_and_longer(console: ConsoleUnderTest) -> None:
    waits = []
    for attempt in range(10):
        response = await console.try_login(OPERATOR, f"guess {attempt}", address="127.0.0.2")
        if response.status == 429:
            waits.append(int(response.headers["Retry-After"]))
            console.clock.advance(timedelta(seconds=waits[-1]))
            response = await console.try_login(OPERATOR, f"guess {attempt}", address="127.0.0.2")
        assert response.status == 401
    assert waits[0] >= 1
    assert waits == sorted(waits)
    assert waits[-1] >= 4 * waits[0]
    console.clock.advance(timedelta(hours=2))  # a quiet while forgets the failures
    assert (await console.try_login(OPERATOR, PASSWORD, address="127.0.0.2")).status == 200


async def test_a_throttled_login_is_answered_at_once_with_retry_after(
    console: ConsoleUnderTest,
) -> None:
    for attempt in range(6):
        await console.try_login(OPERATOR, f"guess {attempt}", address="127.0.0.2")
    response = await console.try_login(OPERATOR, PASSWORD, address="127.0.0.2")
    assert response.status == 429
    body = json.loads(await response.text())
    assert body["retry_after_seconds"] == int(response.headers["Retry-After"]) >= 1


async def test_many_names_from_one_address_are_slowed_as_one_guesser(
    console: ConsoleUnderTest,
) -> None:
    statuses = [
        (await console.try_login(f"user{n}", "password123", address="127.0.0.2")).status
        for n in range(40)
    ]
    assert statuses.count(401) <= 6
    assert statuses.count(429) >= 34
    csrf_free = await console.login(ADMIN, address="127.0.0.3")
    assert CSRF_HEADER in csrf_free
    assert CSRF_COOKIE in csrf_free["Cookie"]


async def test_a_name_under_attack_from_several_addresses_slows_those_addresses(
    console: ConsoleUnderTest,
) -> None:
    for attempt in range(6):
        await console.try_login(ADMIN, f"guess {attempt}", address=f"127.0.1.{attempt + 1}")
    # A seventh guessing address that already failed once is held back on the name...
    await console.try_login(ADMIN, "guess", address="127.0.1.7")
    console.clock.advance(timedelta(seconds=1))
    assert (await console.try_login(ADMIN, "guess again", address="127.0.1.7")).status == 429
    # ...while the admin's own clean address is not.
    assert (await console.try_login(ADMIN, PASSWORD, address="127.0.0.9")).status == 200
