"""What a new owner trips on: the console at /, --version, which database a command
used, settings grouped by risk, and a save error that names its field."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_support import ADMIN, console_on

from claw_domain.values import Intent
from claw_entrypoints import cli
from claw_entrypoints.web.settings_groups import Risk, risk_of


def test_claw_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("claw ")


def test_a_command_without_a_database_url_says_which_database_it_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLAW_DATABASE_URL", raising=False)
    assert cli.main(["settings", "show"]) == 0
    err = capsys.readouterr().err
    assert "CLAW_DATABASE_URL is not set, so this uses sqlite:///var/claw.db" in err
    assert str(tmp_path / "var" / "claw.db") in err
    monkeypatch.setenv("CLAW_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert cli.main(["settings", "show"]) == 0
    assert "CLAW_DATABASE_URL" not in capsys.readouterr().err


def test_features_fall_into_three_risk_groups() -> None:
    assert risk_of(Intent.HOURS) is Risk.ANSWERS
    assert risk_of(Intent.TRACKMAN_RESET) is Risk.CONFIRMATIONS
    assert risk_of(Intent.DOOR_ACCESS) is Risk.HARDWARE


async def test_slash_opens_the_console_and_settings_carry_groups_and_field_errors(
    tmp_path: Path,
) -> None:
    async with console_on(f"sqlite:///{tmp_path / 'claw.db'}") as console:
        root = await console.client.get("/", allow_redirects=False)
        assert (root.status, root.headers["Location"]) == (302, "/console/")
        headers = await console.login(ADMIN)
        settings = await (await console.client.get("/api/settings", headers=headers)).json()
        refused = await console.client.put(
            "/api/settings/globals", json={"messages_per_hour": -5}, headers=headers
        )
        problem = await refused.json()
    assert [group["risk"] for group in settings["risks"]] == [
        "answers",
        "confirmations",
        "hardware",
    ]
    assert settings["risk_of"]["door_access"] == "hardware"
    assert set(settings["mode_words"]) == {"off", "shadow", "suggest", "auto"}
    assert refused.status == 400
    assert problem["field"] == "messages_per_hour"
