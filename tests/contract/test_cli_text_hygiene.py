"""What an operator types into the shell is cleaned before an event records it.

``--actor``, ``--by`` and ``--reason`` reach events, the console and ``claw audit``.
A terminal escape, a bidi override (a name that reads differently on screen than it
is stored) or a byte that is not UTF-8 (Python hands it over as a lone surrogate,
which no event can encode) is removed, as it is from a customer's text.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from claw_domain.settings import settings_id
from claw_domain.users import user_id
from claw_entrypoints.bootstrap import open_application
from claw_entrypoints.cli import main
from claw_entrypoints.config import load_config

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
# ESC [2J clears a terminal; U+202E turns the rest around on screen; \udcff is byte 0xFF.
HOSTILE = "ev\x1b[2Jil\u202eX\udcff"
CLEANED = "ev[2JilX"


@pytest.fixture(params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'claw.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("CLAW_DATABASE_URL", url)
    monkeypatch.setenv("CLAW_CONSOLE_SECRET", "cli-hygiene-secret-" + "y" * 45)
    return url


def _actors(url: str) -> list[str]:
    app = open_application(load_config({"CLAW_DATABASE_URL": url}))
    try:
        return [
            event.actor
            for event in app.repository.event_store.get(settings_id())
            if hasattr(event, "actor")
        ]
    finally:
        app.close()


def test_the_actor_of_a_settings_change_and_a_stop_is_cleaned(database: str) -> None:
    assert main(["settings", "set", "--actor", HOSTILE, "messages_per_hour=31"]) == 0
    assert main(["stop", "--reason", "fire drill", "--actor", HOSTILE]) == 0
    assert main(["resume", "--actor", HOSTILE]) == 0

    assert _actors(database)[-3:] == [CLEANED] * 3


def test_an_actor_of_nothing_but_hostile_characters_is_the_login_name(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "operator")

    assert main(["stop", "--reason", "fire drill", "--actor", "\u202e\udcff"]) == 0

    assert _actors(database)[-1] == "operator"


def test_the_actor_adding_a_user_is_cleaned(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    argv = ["users", "add", "zoe", "--role", "operator", "--password-stdin", "--actor", HOSTILE]

    assert main(argv) == 0

    app = open_application(load_config({"CLAW_DATABASE_URL": database}))
    try:
        actors = [
            e.actor for e in app.repository.event_store.get(user_id("zoe")) if hasattr(e, "actor")
        ]
    finally:
        app.close()
    assert actors == [CLEANED]
