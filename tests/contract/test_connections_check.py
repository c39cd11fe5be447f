"""``claw check`` against the local fake vendors: one healthy and one broken per vendor.

Each fake speaks its documented contract (``/work/shared/contracts``); the check must
call a working account "works" and say in words what is wrong with a broken one.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest
from test_unifi_tls import self_signed

from claw_adapters.fakes.ninjaone import FakeDevice, FakeNinjaOne
from claw_adapters.fakes.openphone import FakeOpenPhone
from claw_adapters.fakes.unifi import FakeDoor, FakeUniFiAccess
from claw_adapters.knowledge.venue import load_venue_knowledge
from claw_entrypoints import cli
from claw_entrypoints.config import load_config
from claw_entrypoints.connections import (
    VendorReport,
    Verdict,
    all_configured_work,
    check_connections,
    check_llm,
    check_ninjaone,
    check_openphone,
    check_staff,
    check_unifi,
)
from fakes.openai import FakeOpenAIServer, OpenAIFault

VENUE = load_venue_knowledge()
DEVICES = [int(device) for loc in VENUE.location_names() for device in VENUE.boxes(loc).values()]
DOORS = [door for loc in VENUE.location_names() if (door := VENUE.door(loc)) is not None]


def config(**env: str) -> object:
    return load_config({"CLAW_DATABASE_URL": "memory://", **env})


def words(report: VendorReport) -> str:
    return " | ".join(f.words for f in report.findings)


def broken_words(report: VendorReport) -> list[str]:
    return [f.words for f in report.findings if not f.ok]


async def test_openphone_healthy_account_works() -> None:
    async with FakeOpenPhone() as fake:
        report = await check_openphone(
            config(
                CLAW_OPENPHONE_BASE_URL=fake.base_url,
                CLAW_OPENPHONE_API_KEY=fake.api_key,
                CLAW_OPENPHONE_NUMBER=fake.number,
                CLAW_OPENPHONE_WEBHOOK_SECRET="whsec_c3RhbmRhcmQtd2ViaG9vay1rZXk=",
            )
        )
    assert report.verdict is Verdict.WORKS, words(report)
    assert "The API key works." in words(report)
    assert f"The sending line {fake.number} belongs to this account." in words(report)
    assert fake.sent == [], "a check sends no text"


async def test_openphone_wrong_line_and_no_webhook_secret_are_broken() -> None:
    async with FakeOpenPhone() as fake:
        report = await check_openphone(
            config(
                CLAW_OPENPHONE_BASE_URL=fake.base_url,
                CLAW_OPENPHONE_API_KEY=fake.api_key,
                CLAW_OPENPHONE_NUMBER="+15559999999",
            )
        )
    assert report.verdict is Verdict.BROKEN
    problems = broken_words(report)
    assert any("+15559999999 is not one of this account's numbers" in w for w in problems)
    assert any("No webhook signing key or secret" in w for w in problems)


async def test_openphone_refused_key_is_broken() -> None:
    async with FakeOpenPhone() as fake:
        report = await check_openphone(
            config(
                CLAW_OPENPHONE_BASE_URL=fake.base_url,
                CLAW_OPENPHONE_API_KEY="revoked",
                CLAW_OPENPHONE_NUMBER=fake.number,
                CLAW_OPENPHONE_WEBHOOK_KEY="dGVzdA==",
            )
        )
    assert report.verdict is Verdict.BROKEN
    assert broken_words(report) == ["OpenPhone refused the API key: check CLAW_OPENPHONE_API_KEY."]


def ninja_env(fake: FakeNinjaOne, **extra: str) -> Mapping[str, str]:
    return {
        "CLAW_NINJAONE_BASE_URL": fake.base_url,
        "CLAW_NINJAONE_CLIENT_ID": fake.client_id,
        "CLAW_NINJAONE_CLIENT_SECRET": fake.client_secret,
        "CLAW_NINJAONE_REFRESH_TOKEN": fake.refresh_token,
        "CLAW_NINJAONE_RESET_SCRIPT_ID": "77",
        **extra,
    }


async def test_ninjaone_healthy_account_works_for_every_device() -> None:
    async with FakeNinjaOne(devices=[FakeDevice(d) for d in DEVICES]) as fake:
        report = await check_ninjaone(config(**ninja_env(fake)), VENUE)
    assert report.verdict is Verdict.WORKS, words(report)
    assert "The refresh token works and carries user context." in words(report)
    assert sum("exists and is online" in f.words for f in report.findings) == len(DEVICES)
    assert fake.script_runs == [], "a check runs no script"


async def test_ninjaone_missing_device_offline_device_and_bad_refresh_token() -> None:
    present = [FakeDevice(d, offline=(i == 0)) for i, d in enumerate(DEVICES[1:])]
    async with FakeNinjaOne(devices=present) as fake:
        env = ninja_env(fake, CLAW_NINJAONE_REFRESH_TOKEN="expired-refresh")
        report = await check_ninjaone(config(**env), VENUE)
    assert report.verdict is Verdict.BROKEN
    problems = broken_words(report)
    assert any(w.startswith("The refresh token does not work") for w in problems), problems
    assert any(f"(device {DEVICES[0]}): NinjaOne has no device" in w for w in problems), problems
    assert any(f"(device {DEVICES[1]}) exists but is offline." in w for w in problems), problems


async def test_ninjaone_rotated_refresh_token_is_reported() -> None:
    async with FakeNinjaOne(
        devices=[FakeDevice(d) for d in DEVICES], rotate_refresh_token=True
    ) as fake:
        report = await check_ninjaone(config(**ninja_env(fake)), VENUE)
    assert report.verdict is Verdict.BROKEN
    assert any("rotated the refresh token" in w for w in broken_words(report))


def unifi_doors() -> list[FakeDoor]:
    return [FakeDoor(id=door.id, name=door.name) for door in DOORS]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
async def test_unifi_healthy_console_with_pinned_certificate_works(tmp_path: Path) -> None:
    certificate = self_signed(tmp_path, "unifi", "IP:127.0.0.1")
    async with FakeUniFiAccess(
        doors=unifi_doors(), ssl_context=certificate.server_context()
    ) as fake:
        env = {
            "CLAW_UNIFI_BASE_URL": fake.base_url,
            "CLAW_UNIFI_TOKEN": fake.api_token,
            "CLAW_UNIFI_CERT_SHA256": certificate.sha256,
        }
        report = await check_unifi(config(**env), VENUE)
    assert report.verdict is Verdict.WORKS, words(report)
    assert "The console's certificate matches the pinned fingerprint." in words(report)
    assert "The API token works." in words(report)
    assert fake.unlocked == [], "a check opens no door"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
async def test_unifi_certificate_mismatch_is_broken(tmp_path: Path) -> None:
    certificate = self_signed(tmp_path, "unifi", "IP:127.0.0.1")
    async with FakeUniFiAccess(
        doors=unifi_doors(), ssl_context=certificate.server_context()
    ) as fake:
        env = {
            "CLAW_UNIFI_BASE_URL": fake.base_url,
            "CLAW_UNIFI_TOKEN": fake.api_token,
            "CLAW_UNIFI_CERT_SHA256": "ab" * 32,
        }
        report = await check_unifi(config(**env), VENUE)
    assert report.verdict is Verdict.BROKEN
    assert "does not match the pinned SHA-256" in words(report)


async def test_unifi_missing_door_and_refused_token_are_broken() -> None:
    async with FakeUniFiAccess(doors=unifi_doors()[1:]) as fake:
        env = {"CLAW_UNIFI_BASE_URL": fake.base_url, "CLAW_UNIFI_TOKEN": fake.api_token}
        missing = await check_unifi(config(**env), VENUE)
        env["CLAW_UNIFI_TOKEN"] = "revoked"
        refused = await check_unifi(config(**env), VENUE)
    assert missing.verdict is Verdict.BROKEN
    assert broken_words(missing) == [
        f"{VENUE.location_name(loc)} door {DOORS[0].name!r} ({DOORS[0].id}) "
        "is not on the UniFi console."
        for loc in VENUE.location_names()
        if VENUE.door(loc) == DOORS[0]
    ]
    assert refused.verdict is Verdict.BROKEN
    assert "CLAW_UNIFI_TOKEN" in words(refused)


async def test_llm_one_minimal_call_works_and_a_revoked_key_is_broken() -> None:
    async with FakeOpenAIServer() as fake:
        env = {"CLAW_OPENAI_BASE_URL": fake.base_url, "CLAW_OPENAI_API_KEY": fake.api_key}
        healthy = await check_llm(config(**env))
        fake.inject(OpenAIFault.UNAUTHORIZED)
        broken = await check_llm(config(**env))
    assert healthy.verdict is Verdict.WORKS, words(healthy)
    assert "One minimal call to gpt-4o-mini worked" in words(healthy)
    assert broken.verdict is Verdict.BROKEN


async def test_slack_url_well_formed_or_not() -> None:
    healthy = await check_staff(
        config(CLAW_SLACK_WEBHOOK_URL="https://hooks.slack.com/services/T0/B0/x")
    )
    broken = await check_staff(config(CLAW_SLACK_WEBHOOK_URL="hooks.slack.com/services/T0"))
    assert healthy.verdict is Verdict.WORKS
    assert broken.verdict is Verdict.BROKEN
    assert "not a well-formed https webhook URL" in words(broken)


async def test_unconfigured_vendors_are_dry_and_do_not_fail_the_check() -> None:
    reports = await check_connections(config(), VENUE)
    assert {r.vendor: r.verdict for r in reports} == {
        "openphone": Verdict.DRY,
        "ninjaone": Verdict.DRY,
        "unifi": Verdict.DRY,
        "llm": Verdict.DRY,
        "staff": Verdict.DRY,
    }
    assert all_configured_work(reports)


def test_claw_check_exit_code_is_1_when_a_configured_vendor_is_broken(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAW_SLACK_WEBHOOK_URL", "not a url")
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "Staff alerts (SMS and Slack): BROKEN" in out
    assert "OpenPhone (customer texts): DRY RUN" in out
    monkeypatch.setenv("CLAW_SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/x")
    assert cli.main(["check"]) == 0
