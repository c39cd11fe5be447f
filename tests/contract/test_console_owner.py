"""The owner's console pages: connections, the dry-run flag everywhere, the dashboard."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from console_support import ADMIN, MEMBER, OPERATOR, VENUE_LINE, console_on

from claw_domain.values import InboundText
from claw_entrypoints.bootstrap import bootstrap
from claw_entrypoints.config import load_config
from claw_entrypoints.web.app import create_web_app
from claw_entrypoints.web.auth import CONSOLE

EVERY_DRY_VENDOR = ["openphone", "ninjaone", "unifi", "staff"]


async def test_only_an_admin_runs_the_connections_check(tmp_path: Path) -> None:
    async with console_on(f"sqlite:///{tmp_path / 'claw.db'}") as console:
        operator = await console.login(OPERATOR)
        refused = await console.client.get("/api/connections", headers=operator)
        assert refused.status == 403
        admin = await console.login(ADMIN)
        response = await console.client.get("/api/connections", headers=admin)
        assert response.status == 200
        report = await response.json()
    assert report["all_work"] is True
    verdicts = {vendor["vendor"]: vendor["verdict"] for vendor in report["vendors"]}
    assert verdicts == dict.fromkeys([*EVERY_DRY_VENDOR, "llm"], "dry run")
    openphone = next(v for v in report["vendors"] if v["vendor"] == "openphone")
    assert "never sent" in openphone["findings"][0]["words"]


async def test_a_dry_run_shows_in_readyz_status_and_the_timeline(tmp_path: Path) -> None:
    # No vendor credentials at all: bootstrap builds the dry-run adapters itself.
    config = load_config(
        {"CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}", "CLAW_DEBOUNCE_SECONDS": "0"}
    )
    runtime = await bootstrap(config)
    client = TestClient(TestServer(create_web_app(runtime, run_worker=False)))
    await client.start_server()
    try:
        ready = await (await client.get("/readyz")).json()
        assert ready["dry_run"] == EVERY_DRY_VENDOR
        now = runtime.clock.now()
        inbound = InboundText("msg-1", VENUE_LINE, MEMBER, "what are your hours?", now)
        conversation = runtime.app.receive_text(inbound, now).conversation_id
        await runtime.processor.process(conversation)
        while await runtime.dispatcher.run_once():
            pass
        document = client.app[CONSOLE].queries.timeline(conversation)
    finally:
        await client.close()
    assert document is not None
    summaries = [entry["summary"] for entry in document["entries"]]
    assert any(s.endswith("text not sent (dry run)") for s in summaries), summaries
    assert not any(s.endswith("text sent") for s in summaries), summaries


async def test_the_status_every_page_reads_names_the_dry_vendors(tmp_path: Path) -> None:
    async with console_on(f"sqlite:///{tmp_path / 'claw.db'}") as console:
        console.runtime.dry_run = ("openphone",)
        headers = await console.login(OPERATOR)
        status = await (await console.client.get("/api/status", headers=headers)).json()
    assert status["dry_run"] == ["openphone"]


async def test_the_statistics_carry_the_dashboard_numbers(tmp_path: Path) -> None:
    async with console_on(f"sqlite:///{tmp_path / 'claw.db'}") as console:
        await console.text(MEMBER, "what are your hours?")
        await console.text("+19025550177", "I want a refund, this is terrible")
        headers = await console.login(OPERATOR)
        stats = await (await console.client.get("/api/statistics", headers=headers)).json()
    dashboard = stats["dashboard"]
    overall = dashboard["overall"]["numbers"]
    assert overall["answered_automatically"] == 1
    assert overall["escalated"] == 1
    assert overall["llm_avoided"] == 1.0
    assert len(dashboard["days"]) == 1
    assert set(dashboard["features"]) >= {"hours", "refund_complaint"}


async def test_staff_write_to_a_customer_and_claw_leaves_the_conversation_to_them(
    tmp_path: Path,
) -> None:
    async with console_on(f"sqlite:///{tmp_path / 'claw.db'}") as console:
        conversation = await console.text(MEMBER, "is the Bedford bay 2 free tonight?")
        headers = await console.login(OPERATOR)
        response = await console.client.post(
            f"/api/conversations/{conversation}/write",
            json={"text": "Hi Pat, bay 2 is yours from 8pm."},
            headers=headers,
        )
        assert response.status == 200, await response.text()
        while await console.runtime.dispatcher.run_once():
            pass
        messenger = console.runtime.ports.messenger
        assert (MEMBER, "Hi Pat, bay 2 is yours from 8pm.") in messenger.sent  # type: ignore[attr-defined]
        # Automation is paused there: the customer's next text waits for staff.
        await console.text(MEMBER, "great, and can I bring a friend?")
        history = console.runtime.app.conversation(conversation)
        assert history.staff_active_until is not None
        timeline = await (
            await console.client.get(f"/api/conversations/{conversation}/timeline", headers=headers)
        ).json()
        empty_body = await console.client.post(
            f"/api/conversations/{conversation}/write", json={"text": "  "}, headers=headers
        )
    assert any("staff_message" in entry["summary"] for entry in timeline["entries"])
    decisions = [e for e in timeline["entries"] if e.get("reason") == "staff_active"]
    assert decisions, [e["summary"] for e in timeline["entries"]]
    assert empty_body.status == 400
