"""What claw's HTTP side lets out, and whether it trusts unsigned webhooks.

Stories: ``claw serve`` refuses to start with unsigned webhooks unless told to;
/readyz and the console's status say how webhooks are verified; no answer may be
cached; /metrics needs its bearer token.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from claw_domain.errors import ConfigurationError
from claw_domain.users import Role
from claw_entrypoints.bootstrap import bootstrap
from claw_entrypoints.config import load_config
from claw_entrypoints.web.api import add_console_routes
from claw_entrypoints.web.app import create_web_app
from claw_entrypoints.web.auth import CONSOLE, SESSION_COOKIE
from claw_entrypoints.webhook_trust import WebhookTrust, webhook_trust

METRICS_TOKEN = "metrics-" + "m" * 32
ADMIN, PASSWORD = "ada", "correct horse battery"
SECRET = "test-session-secret-" + "x" * 40


def _serve(tmp_path: Path, extra: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLAW_")},
        "CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}",
        **extra,
    }
    return subprocess.run(  # our own CLI, fixed arguments
        [sys.executable, "-m", "claw_entrypoints.cli", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )


def test_serve_refuses_to_start_without_a_webhook_key(tmp_path: Path) -> None:
    run = _serve(tmp_path, {})

    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "CLAW_OPENPHONE_WEBHOOK_KEY" in lines[0]
    assert "CLAW_ALLOW_UNSIGNED_WEBHOOKS=1" in lines[0]


def test_unsigned_webhooks_need_an_explicit_choice() -> None:
    base = {"CLAW_DATABASE_URL": "memory://"}
    with pytest.raises(ConfigurationError):
        webhook_trust(load_config(base))
    allowed = load_config({**base, "CLAW_ALLOW_UNSIGNED_WEBHOOKS": "1"})
    assert webhook_trust(allowed) is WebhookTrust.UNSIGNED_ALLOWED
    signed = load_config({**base, "CLAW_OPENPHONE_WEBHOOK_SECRET": "whsec_abc"})
    assert webhook_trust(signed) is WebhookTrust.SIGNED
    with pytest.raises(ConfigurationError):
        load_config({**base, "CLAW_ALLOW_UNSIGNED_WEBHOOKS": "perhaps"})


async def _client(
    tmp_path: Path, env: Mapping[str, str]
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    config = load_config({"CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}", **env})
    runtime = await bootstrap(config)
    app = create_web_app(runtime, run_worker=False)
    add_console_routes(app, environ={"CLAW_SESSION_SECRET": SECRET})
    app[CONSOLE].accounts.add_user(ADMIN, PASSWORD, Role.ADMIN, "test", datetime.now(UTC))
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
async def unsigned(tmp_path: Path) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async for client in _client(
        tmp_path, {"CLAW_ALLOW_UNSIGNED_WEBHOOKS": "1", "CLAW_METRICS_TOKEN": METRICS_TOKEN}
    ):
        yield client


@pytest.fixture
async def signed(tmp_path: Path) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async for client in _client(tmp_path, {"CLAW_OPENPHONE_WEBHOOK_KEY": "a2V5"}):
        yield client


async def _status(client: TestClient[web.Request, web.Application]) -> dict[str, object]:
    login = await client.post("/api/login", json={"name": ADMIN, "password": PASSWORD})
    assert login.status == 200
    # The session cookie is Secure, so the plain-HTTP test client would not send it back.
    session = login.cookies[SESSION_COOKIE].value
    answer = await client.get("/api/status", headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    assert answer.status == 200
    status: dict[str, object] = await answer.json()
    return status


async def test_readiness_and_status_say_webhooks_are_unsigned(
    unsigned: TestClient[web.Request, web.Application],
) -> None:
    ready = await (await unsigned.get("/readyz")).json()
    assert ready["webhooks"] == WebhookTrust.UNSIGNED_ALLOWED.value
    assert (await _status(unsigned))["webhooks"] == WebhookTrust.UNSIGNED_ALLOWED.value


async def test_readiness_and_status_say_webhooks_are_signed(
    signed: TestClient[web.Request, web.Application],
) -> None:
    ready = await (await signed.get("/readyz")).json()
    assert ready["webhooks"] == WebhookTrust.SIGNED.value
    assert (await _status(signed))["webhooks"] == WebhookTrust.SIGNED.value


async def test_no_answer_may_be_cached(
    unsigned: TestClient[web.Request, web.Application],
) -> None:
    login = await unsigned.post("/api/login", json={"name": ADMIN, "password": PASSWORD})
    answers = [
        login,
        await unsigned.get("/api/status"),
        await unsigned.get("/api/conversations"),
        await unsigned.get("/api/nothing-here"),
        await unsigned.get("/"),
        await unsigned.get("/readyz"),
        await unsigned.post("/webhooks/openphone", data=b"{}"),
    ]
    for answer in answers:
        assert answer.headers.get("Cache-Control") == "no-store", answer.url


async def test_metrics_need_the_bearer_token(
    unsigned: TestClient[web.Request, web.Application],
) -> None:
    assert (await unsigned.get("/metrics")).status == 401
    wrong = await unsigned.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    right = await unsigned.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert right.status == 200
    assert "claw_texts_received" in await right.text()


async def test_metrics_are_off_without_a_token(
    signed: TestClient[web.Request, web.Application],
) -> None:
    answer = await signed.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert answer.status == 403
    assert "CLAW_METRICS_TOKEN" in (await answer.json())["error"]
