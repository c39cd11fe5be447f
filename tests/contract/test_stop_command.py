"""`claw stop` and `claw resume` from a shell: what the operator types is what the console shows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claw_entrypoints import cli
from claw_entrypoints.bootstrap import open_application
from claw_entrypoints.config import load_config


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"CLAW_DATABASE_URL": f"sqlite:///{tmp_path}/claw.db"}
    for name in [name for name in os.environ if name.startswith("CLAW_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def test_a_stop_reason_loses_terminal_escapes_and_bidi_overrides(
    environment: dict[str, str],
) -> None:
    # The reason is shown in the console banner and in `claw settings show`: a pasted
    # escape sequence or a bidi override must not repaint either.
    assert cli.main(["stop", "--reason", "door \x1b[31mjammed\x1b[0m \u202eevil\x00"]) == 0

    app = open_application(load_config(environment))
    try:
        stop = app.settings().emergency_stop
    finally:
        app.close()
    assert stop is not None
    assert stop.reason == "door [31mjammed[0m evil"
