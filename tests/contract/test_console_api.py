"""The console's /api/ without a browser: auth, roles, CSRF, and every endpoint.

Each story drives claw through the real use cases (texts in through the
application, decisions by the processor) and the API over HTTP, and checks the
event log recorded the logged-in user as the actor.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sized
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from claw_adapters.clock import SystemClock
from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
)
from claw_domain.decisions import Reason
from claw_domain.users import Role
from claw_domain.values import InboundText
from claw_entrypoints.bootstrap import bootstrap, effect_ports
from claw_entrypoints.config import load_config
from claw_entrypoints.runtime import RUNTIME, Runtime
from claw_entrypoints.web.api import add_console_routes
from claw_entrypoints.web.app import create_web_app
from claw_entrypoints.web.auth import CONSOLE, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from claw_entrypoints.web.queries import ProjectionQueries
from claw_entrypoints.web.reasons import REASON_TEXT

VENUE_LINE = "+19025550100"
MEMBER = "+19025550123"  # a member of the demo venue's Bedford location
SECRET = "test-session-secret-" + "x" * 40
ADMIN, OPERATOR = "ada", "otto"
PASSWORD = "correct horse battery"


@attrs.define
class Console:
    client: TestClient[web.Request, web.Application]
    runtime: Runtime
    messenger: MemoryMessenger
    texts: int = 0

    async def login(self, name: str, password: str = PASSWORD) -> dict[str, str]:
        """Log in; returns the headers a browser would send afterwards."""
        response = await self.client.post("/api/login", json={"name": name, "password": password})
        assert response.status == 200, await response.text()
        session = response.cookies[SESSION_COOKIE].value
        csrf = response.cookies[CSRF_COOKIE].value
        # Each test sends exactly the cookies it means to, as the browser it plays.
        self.client.session.cookie_jar.clear()
        return {
            "Cookie": f"{SESSION_COOKIE}={session}; {CSRF_COOKIE}={csrf}",
            CSRF_HEADER: csrf,
        }

    async def text(self, customer: str, body: str) -> UUID:
        """A customer's text, received and decided as the worker would."""
        self.texts += 1
        now = datetime.now(UTC)
        inbound = InboundText(
            message_id=f"msg-{self.texts}",
            venue_line=VENUE_LINE,
            customer_number=customer,
            body=body,
            sent_at=now,
        )
        result = self.runtime.app.receive_text(inbound, now)
        await self.runtime.processor.process(result.conversation_id)
        return result.conversation_id

    def events_by(self, actor: str) -> list[str]:
        names = []
        for notification in self.runtime.app.recorder.select_notifications(start=1, limit=10_000):
            event = self.runtime.app.mapper.to_domain_event(notification)
            if getattr(event, "actor", None) == actor:
                names.append(type(event).__name__)
        return names


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    config = load_config(
        {"CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}", "CLAW_DEBOUNCE_SECONDS": "0"}
    )
    messenger = MemoryMessenger()
    ports = effect_ports(
        messenger=messenger, devices=MemoryDevices(), doors=MemoryDoors(), staff=MemoryStaff()
    )
    runtime = await bootstrap(config, ports=ports, clock=SystemClock())
    app = create_web_app(runtime, run_worker=False)
    add_console_routes(app, environ={"CLAW_SESSION_SECRET": SECRET})
    accounts = app[CONSOLE].accounts
    now = datetime.now(UTC)
    accounts.add_user(ADMIN, PASSWORD, Role.ADMIN, "test-setup", now)
    accounts.add_user(OPERATOR, PASSWORD, Role.OPERATOR, "test-setup", now)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Console(client=client, runtime=runtime, messenger=messenger)
    finally:
        await client.close()


# Authentication ---------------------------------------------------------------------------


async def test_login_sets_secure_http_only_strict_cookies(tmp_path: Path) -> None:
    config = load_config({"CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}"})
    runtime = await bootstrap(config)
    app = create_web_app(runtime, run_worker=False)
    app[CONSOLE].accounts.add_user(ADMIN, PASSWORD, Role.ADMIN, "test", datetime.now(UTC))
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/login", json={"name": ADMIN, "password": PASSWORD})
        assert response.status == 200
        cookies = response.headers.getall("Set-Cookie")
        stored = [
            n.topic
            for n in runtime.app.recorder.select_notifications(start=1, limit=1000)
            if n.topic.endswith("SessionSecretGenerated")
        ]
    assert stored == []  # no secret configured: it is in a 0600 file, never in the log
    assert (tmp_path / "claw.secret").stat().st_mode & 0o777 == 0o600
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE))
    csrf = next(c for c in cookies if c.startswith(CSRF_COOKIE))
    for cookie in (session, csrf):
        assert "Secure" in cookie
        assert "SameSite=Strict" in cookie
    assert "HttpOnly" in session
    assert "HttpOnly" not in csrf  # the console's script copies it into the header


async def test_unauthenticated_requests_get_401(console: Console) -> None:
    for method, path in [
        ("GET", "/api/status"),
        ("GET", "/api/review-queue"),
        ("GET", "/api/settings"),
        ("POST", "/api/emergency-stop"),
    ]:
        response = await console.client.request(method, path)
        assert response.status == 401, path


async def test_a_wrong_password_or_unknown_user_is_refused(console: Console) -> None:
    wrong = await console.client.post("/api/login", json={"name": ADMIN, "password": "nope"})
    unknown = await console.client.post("/api/login", json={"name": "eve", "password": PASSWORD})
    assert wrong.status == 401
    assert unknown.status == 401
    assert (await wrong.json())["error"] == (await unknown.json())["error"]
    assert SESSION_COOKIE not in wrong.cookies


async def test_login_needs_json_so_a_cross_site_form_cannot_log_anyone_in(
    console: Console,
) -> None:
    response = await console.client.post("/api/login", data={"name": ADMIN, "password": PASSWORD})
    assert response.status == 400


async def test_repeated_failures_slow_that_client_down(console: Console) -> None:
    for _ in range(6):
        await console.client.post("/api/login", json={"name": OPERATOR, "password": "bad"})
    response = await console.client.post(
        "/api/login", json={"name": OPERATOR, "password": PASSWORD}
    )
    assert response.status == 429
    assert int(response.headers["Retry-After"]) >= 1  # the rest: test_console_sessions.py


async def test_a_tampered_or_forged_session_is_refused(console: Console) -> None:
    headers = await console.login(ADMIN)
    tampered = headers["Cookie"].replace(f"{SESSION_COOKIE}=", f"{SESSION_COOKIE}=0")
    response = await console.client.get("/api/me", headers={"Cookie": tampered})
    assert response.status == 401


async def test_me_says_who_is_logged_in(console: Console) -> None:
    headers = await console.login(OPERATOR)
    response = await console.client.get("/api/me", headers=headers)
    assert await response.json() == {"name": OPERATOR, "role": "operator", "via": "session"}


async def test_changing_state_needs_the_csrf_header(console: Console) -> None:
    headers = await console.login(ADMIN)
    without = {"Cookie": headers["Cookie"]}
    response = await console.client.post(
        "/api/emergency-stop", json={"reason": "test"}, headers=without
    )
    assert response.status == 403
    wrong = {**without, CSRF_HEADER: "forged"}
    response = await console.client.post(
        "/api/emergency-stop", json={"reason": "test"}, headers=wrong
    )
    assert response.status == 403
    assert console.runtime.app.settings().emergency_stop is None


async def test_a_csrf_token_from_another_session_does_not_fit(console: Console) -> None:
    first = await console.login(ADMIN)
    second = await console.login(ADMIN)
    mixed = {"Cookie": first["Cookie"], CSRF_HEADER: second[CSRF_HEADER]}
    response = await console.client.post("/api/emergency-stop", json={}, headers=mixed)
    assert response.status == 403


async def test_logout_clears_the_cookies(console: Console) -> None:
    headers = await console.login(OPERATOR)
    response = await console.client.post("/api/logout", headers=headers)
    assert response.status == 200
    assert response.cookies[SESSION_COOKIE].value == ""


async def test_a_changed_password_ends_older_sessions(console: Console) -> None:
    headers = await console.login(OPERATOR)
    accounts = console.client.app[CONSOLE].accounts
    accounts.change_password(OPERATOR, "a whole new password", ADMIN, datetime.now(UTC))
    assert (await console.client.get("/api/me", headers=headers)).status == 401


async def test_a_bearer_token_works_without_csrf_and_a_wrong_one_does_not(
    console: Console,
) -> None:
    accounts = console.client.app[CONSOLE].accounts
    token = accounts.issue_token(OPERATOR, "test", datetime.now(UTC))
    good = {"Authorization": f"Bearer {token}"}
    response = await console.client.post(
        "/api/emergency-stop", json={"reason": "from a script"}, headers=good
    )
    assert response.status == 200
    bad = {"Authorization": f"Bearer {token[:-2]}xx"}
    assert (await console.client.get("/api/status", headers=bad)).status == 401
    assert "ApiTokenIssued" not in console.events_by(OPERATOR)  # issued by "test"
    stored = "".join(
        n.state.decode() for n in console.runtime.app.recorder.select_notifications(1, 1000)
    )
    assert token not in stored  # only the hash is kept


# Roles -----------------------------------------------------------------------------------


async def test_operators_may_not_touch_settings_or_release_the_stop(console: Console) -> None:
    headers = await console.login(OPERATOR)
    assert (await console.client.get("/api/settings", headers=headers)).status == 403
    response = await console.client.put(
        "/api/settings/globals", json={"messages_per_hour": 1}, headers=headers
    )
    assert response.status == 403
    response = await console.client.put(
        "/api/settings/features/hours", json={"mode": "off"}, headers=headers
    )
    assert response.status == 403
    assert (
        await console.client.post("/api/emergency-stop", json={"reason": "x"}, headers=headers)
    ).status == 200
    response = await console.client.post(
        "/api/emergency-stop/release", json={"reason": "x"}, headers=headers
    )
    assert response.status == 403
    assert console.runtime.app.settings().emergency_stop is not None


# Settings --------------------------------------------------------------------------------


async def test_an_admin_reads_and_changes_a_feature(console: Console) -> None:
    headers = await console.login(ADMIN)
    before = await (await console.client.get("/api/settings", headers=headers)).json()
    assert before["features"]["hours"]["mode"] == "auto"
    response = await console.client.put(
        "/api/settings/features/hours",
        json={"confidence_threshold": 0.99, "max_auto_replies": 1, "requires_approval": True},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    hours = console.runtime.app.settings().features[
        next(i for i in console.runtime.app.settings().features if i.value == "hours")
    ]
    assert (hours.confidence_threshold, hours.max_auto_replies, hours.requires_approval) == (
        0.99,
        1,
        True,
    )
    assert "FeatureSettingsChanged" in console.events_by(ADMIN)


async def test_bad_settings_are_refused_with_a_reason(console: Console) -> None:
    headers = await console.login(ADMIN)
    for path, body in [
        ("/api/settings/features/hours", {"confidence_threshold": 1.5}),
        ("/api/settings/features/hours", {"mode": "sometimes"}),
        ("/api/settings/features/hours", {"max_auto_replies": "3"}),
        ("/api/settings/features/hours", {"colour": "red"}),
        ("/api/settings/features/nonsense", {"mode": "off"}),
        ("/api/settings/globals", {"quiet_hours": {"start": "late"}}),
        ("/api/settings/globals", {"send_automatic_responses": "no"}),
    ]:
        response = await console.client.put(path, json=body, headers=headers)
        assert response.status == 400, (path, body)
        assert (await response.json())["error"]


async def test_an_admin_changes_the_global_rails(console: Console) -> None:
    headers = await console.login(ADMIN)
    response = await console.client.put(
        "/api/settings/globals",
        json={
            "send_automatic_responses": False,
            "execute_actions": False,
            "messages_per_hour": 12,
            "quiet_hours": {"start": "23:00", "end": "06:30"},
        },
        headers=headers,
    )
    assert response.status == 200, await response.text()
    rails = console.runtime.app.settings().globals
    assert not rails.send_automatic_responses
    assert not rails.execute_actions
    assert rails.messages_per_hour == 12
    assert rails.quiet_hours is not None
    assert rails.quiet_hours.end.isoformat() == "06:30:00"
    read = await (await console.client.get("/api/settings", headers=headers)).json()
    assert read["globals"]["quiet_hours"] == {"start": "23:00", "end": "06:30"}
    assert "GlobalSettingsChanged" in console.events_by(ADMIN)


# The emergency stop ---------------------------------------------------------------------------


async def test_the_stop_is_engaged_by_anyone_and_released_by_an_admin(console: Console) -> None:
    operator = await console.login(OPERATOR)
    response = await console.client.post(
        "/api/emergency-stop", json={"reason": "bot misbehaving"}, headers=operator
    )
    assert response.status == 200
    status = await (await console.client.get("/api/status", headers=operator)).json()
    assert status["emergency_stop"]["actor"] == OPERATOR
    assert status["emergency_stop"]["reason"] == "bot misbehaving"
    admin = await console.login(ADMIN)
    response = await console.client.post(
        "/api/emergency-stop/release", json={"reason": "fixed"}, headers=admin
    )
    assert response.status == 200
    assert console.runtime.app.settings().emergency_stop is None
    assert console.events_by(OPERATOR) == ["EmergencyStopEngaged"]
    assert console.events_by(ADMIN) == ["EmergencyStopReleased"]


# Review queue ------------------------------------------------------------------------------


async def _queue(console: Console, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await console.client.get("/api/review-queue", headers=headers)
    assert response.status == 200
    items: list[dict[str, Any]] = (await response.json())["items"]
    return items


async def test_the_review_queue_approves_edits_and_rejects(console: Console) -> None:
    headers = await console.login(OPERATOR)
    for number, customer in enumerate(("+19025552001", "+19025552002", "+19025552003")):
        await console.text(customer, f"how much is a bay for {number + 2} people?")
    items = await _queue(console, headers)
    assert len(items) == 3
    first, second, third = items
    assert first["reason_text"]
    assert first["text"].startswith("how much is a bay")
    assert re.fullmatch(r"\u2026\d{4}", first["customer"])  # masked

    base = "/api/review-queue/{conversation_id}/{number}"
    approve = await console.client.post(base.format(**first) + "/approve", headers=headers)
    edit = await console.client.post(
        base.format(**second) + "/edit", json={"text": "It's $40 an hour."}, headers=headers
    )
    reject = await console.client.post(
        base.format(**third) + "/reject", json={"reason": "spam"}, headers=headers
    )
    assert [approve.status, edit.status, reject.status] == [200, 200, 200]
    assert await _queue(console, headers) == []
    again = await console.client.post(base.format(**first) + "/approve", headers=headers)
    assert again.status == 409  # already approved: the aggregate says why
    assert "already" in (await again.json())["error"]
    actions = console.events_by(OPERATOR)
    assert {"SuggestionApproved", "SuggestionRevised", "SuggestionRejected"} <= set(actions)


async def test_approve_sends_the_text_in_the_box_and_counts_as_one_edit(
    console: Console,
) -> None:
    headers = await console.login(OPERATOR)
    await console.text("+19025552005", "how much is a bay for 4 people?")
    (item,) = await _queue(console, headers)
    assert item["draft"]  # a draft stands in the box; staff change it and press Approve
    url = f"/api/review-queue/{item['conversation_id']}/{item['number']}/approve"

    response = await console.client.post(
        url, json={"text": "A bay is $40 an hour, Sam."}, headers=headers
    )
    assert response.status == 200
    console.runtime.worker.wake.set()
    await console.runtime.dispatcher.run_once()

    assert [body for _to, body in console.messenger.sent] == ["A bay is $40 an hour, Sam."]
    stats = await (await console.client.get("/api/statistics", headers=headers)).json()
    (feature,) = [f for f in stats["by_intent"].values() if f["suggestions"]]
    assert (feature["edited"], feature["approved"]) == (1, 0)


async def test_editing_needs_text(console: Console) -> None:
    headers = await console.login(OPERATOR)
    await console.text("+19025552004", "how much is a bay?")
    (item,) = await _queue(console, headers)
    response = await console.client.post(
        f"/api/review-queue/{item['conversation_id']}/{item['number']}/edit",
        json={"text": "  "},
        headers=headers,
    )
    assert response.status == 400


async def test_unknown_or_malformed_ids_are_404(console: Console) -> None:
    headers = await console.login(ADMIN)
    missing = "00000000-0000-0000-0000-000000000000"
    response = await console.client.post(f"/api/pending-actions/{missing}/cancel", headers=headers)
    assert response.status == 404
    response = await console.client.post("/api/pending-actions/not-a-uuid/cancel", headers=headers)
    assert response.status == 404
    response = await console.client.get(f"/api/conversations/{missing}/timeline", headers=headers)
    assert response.status == 404


# Pending actions -----------------------------------------------------------------------------


async def _actions(console: Console, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await console.client.get("/api/pending-actions", headers=headers)
    assert response.status == 200
    items: list[dict[str, Any]] = (await response.json())["items"]
    return items


async def _door_waiting_for_approval(console: Console) -> dict[str, Any]:
    await console.text(MEMBER, "I'm at the Bedford door and it won't open, can you let me in?")
    await console.text(MEMBER, "yes")
    admin = await console.login(ADMIN)
    (door,) = await _actions(console, admin)
    return door


async def test_only_an_admin_approves_a_door(console: Console) -> None:
    door = await _door_waiting_for_approval(console)
    assert door["is_door"]
    assert door["needs_approval"]
    assert not door["needs_confirmation"]
    assert door["deadline"]
    operator = await console.login(OPERATOR)
    path = f"/api/pending-actions/{door['action_id']}/approve"
    assert (await console.client.post(path, headers=operator)).status == 403
    admin = await console.login(ADMIN)
    response = await console.client.post(path, headers=admin)
    assert response.status == 200
    assert (await response.json())["decision"] == {
        "kind": "execute",
        "reason": Reason.APPROVED_BY_STAFF.value,
    }
    assert "StaffApproved" in console.events_by(ADMIN)


async def test_an_operator_approves_a_reset_that_needs_approval(console: Console) -> None:
    admin = await console.login(ADMIN)
    response = await console.client.put(
        "/api/settings/features/trackman_reset",
        json={"requires_approval": True, "requires_confirmation": False},
        headers=admin,
    )
    assert response.status == 200
    await console.text("+19025552010", "The trackman in box 3 at Dartmouth is frozen")
    operator = await console.login(OPERATOR)
    (reset,) = await _actions(console, operator)
    assert reset["kind"] == "reset_simulator"
    assert not reset["is_door"]
    response = await console.client.post(
        f"/api/pending-actions/{reset['action_id']}/approve", headers=operator
    )
    assert response.status == 200
    assert "StaffApproved" in console.events_by(OPERATOR)


async def test_an_operator_cancels_a_pending_action(console: Console) -> None:
    door = await _door_waiting_for_approval(console)
    operator = await console.login(OPERATOR)
    response = await console.client.post(
        f"/api/pending-actions/{door['action_id']}/cancel",
        json={"reason": "customer already inside"},
        headers=operator,
    )
    assert response.status == 200
    assert await _actions(console, operator) == []
    assert "ActionCancelled" in console.events_by(OPERATOR)


async def test_an_operator_rejects_a_pending_action(console: Console) -> None:
    door = await _door_waiting_for_approval(console)
    operator = await console.login(OPERATOR)
    response = await console.client.post(
        f"/api/pending-actions/{door['action_id']}/reject",
        json={"reason": "not a member"},
        headers=operator,
    )
    assert response.status == 200
    assert "StaffRejected" in console.events_by(OPERATOR)


# Tickets, timeline, statistics --------------------------------------------------------------


async def test_tickets_are_listed_and_resolved(console: Console) -> None:
    await console.text("+19025552020", "I want a refund for last night, the screen kept crashing")
    headers = await console.login(OPERATOR)
    response = await console.client.get("/api/tickets", headers=headers)
    (ticket,) = (await response.json())["items"]
    assert ticket["reason_text"]
    resolve = f"/api/tickets/{ticket['conversation_id']}/{ticket['number']}/resolve"
    assert (await console.client.post(resolve, headers=headers)).status == 200
    assert (await (await console.client.get("/api/tickets", headers=headers)).json())["items"] == []
    everything = await console.client.get("/api/tickets?include_resolved=1", headers=headers)
    (resolved,) = (await everything.json())["items"]
    assert resolved["resolved_by"] == OPERATOR


async def test_the_timeline_gives_the_reason_for_every_decision(console: Console) -> None:
    conv = await console.text("+19025552030", "what time do you close tonight?")
    headers = await console.login(OPERATOR)
    listing = await (await console.client.get("/api/conversations", headers=headers)).json()
    assert [row["conversation_id"] for row in listing["items"]] == [str(conv)]
    response = await console.client.get(f"/api/conversations/{conv}/timeline", headers=headers)
    timeline = await response.json()
    events = [entry["event"] for entry in timeline["entries"]]
    assert events[:3] == ["ConversationStarted", "TextReceived", "TextClassified"]
    decisions = [e for e in timeline["entries"] if e["event"].startswith("DecidedTo")]
    assert decisions
    assert all(d["reason"] and d["reason_text"] for d in decisions)
    assert "+19025552030" not in str(timeline)


async def test_statistics_count_texts_and_decisions(console: Console) -> None:
    await console.text("+19025552040", "what time do you close tonight?")
    await console.text("+19025552041", "how much is a bay?")
    headers = await console.login(OPERATOR)
    stats = await (await console.client.get("/api/statistics", headers=headers)).json()
    assert stats["texts_received"] == 2
    assert stats["decisions"] == 2
    assert stats["by_kind"] == {"respond": 1, "suggest": 1}
    assert stats["automation_rate"] == 0.5
    assert len(stats["hourly"]) == 24
    assert stats["hourly"][-1]["received"] == 2


async def test_status_counts_the_queues(console: Console) -> None:
    await console.text("+19025552050", "how much is a bay?")
    headers = await console.login(OPERATOR)
    status = await (await console.client.get("/api/status", headers=headers)).json()
    assert status["counts"] == {"review_queue": 1, "pending_actions": 0, "tickets": 0}
    assert status["user"] == {"name": OPERATOR, "role": "operator"}
    assert status["position"] > 0


# Pages -----------------------------------------------------------------------------------------


async def test_the_console_pages_are_served_with_a_strict_policy(console: Console) -> None:
    for path in ("/console/", "/console/login"):
        response = await console.client.get(path)
        assert response.status == 200
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
    for name in ("console.js", "console.css", "login.js"):
        assert (await console.client.get(f"/console/static/{name}")).status == 200
    assert (await console.client.get("/console/static/..%2fapi.py")).status == 404
    response = await console.client.get("/", allow_redirects=False)
    assert response.status == 302


def test_every_reason_has_words_for_the_console() -> None:
    assert set(REASON_TEXT) == set(Reason)


async def test_adding_routes_twice_is_harmless(tmp_path: Path) -> None:
    config = load_config({"CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}"})
    app = create_web_app(await bootstrap(config), run_worker=False)
    add_console_routes(app, environ={})
    routes = len(app.router.routes())
    add_console_routes(app, environ={})  # e.g. create_web_app and a test both hooking in
    assert len(app.router.routes()) == routes
    await app[RUNTIME].aclose()


# The read side ---------------------------------------------------------------------------------


async def test_the_console_keeps_nothing_per_conversation(console: Console) -> None:
    """Served from the stored projections: memory stays flat however many customers text."""
    queries = console.client.app[CONSOLE].queries
    assert isinstance(queries, ProjectionQueries)
    queries.conversations_shown = 10
    headers = await console.login(OPERATOR)

    def held() -> dict[str, object]:
        """Everything the queries object holds besides the projector and the application."""
        kept = {n: v for n, v in vars(queries).items() if n not in ("projector", "app")}
        return {n: len(v) if isinstance(v, Sized) else type(v).__name__ for n, v in kept.items()}

    async def serve_every_page() -> None:
        for path in (
            "/api/status",
            "/api/review-queue",
            "/api/pending-actions",
            "/api/tickets?include_resolved=1",
            "/api/conversations",
            "/api/statistics",
        ):
            assert (await console.client.get(path, headers=headers)).status == 200, path

    first = await console.text("+19025554000", "how much is a bay?")
    await serve_every_page()
    assert (
        await console.client.get(f"/api/conversations/{first}/timeline", headers=headers)
    ).status == 200
    before = held()
    for number in range(1, 40):
        body = "how much is a bay?" if number % 2 else "what time do you close tonight?"
        conversation = await console.text(f"+1902555{4000 + number}", body)
        timeline = f"/api/conversations/{conversation}/timeline"
        assert (await console.client.get(timeline, headers=headers)).status == 200
    await serve_every_page()

    assert held() == before
    kept = [v for n, v in vars(queries).items() if n not in ("projector", "app")]
    assert not any(isinstance(v, Sized) for v in kept)  # numbers and a lock: no collections
    listing = await (await console.client.get("/api/conversations", headers=headers)).json()
    assert len(listing["items"]) == 10  # the newest; the rest stay in the store
    stats = await (await console.client.get("/api/statistics", headers=headers)).json()
    assert (stats["conversations"], stats["texts_received"]) == (40, 40)
    assert len(await _queue(console, headers)) == 21  # the first and every odd one


async def test_the_console_reads_what_a_command_just_changed(console: Console) -> None:
    """No worker runs here: the read side catches the projections up itself before answering."""
    await console.text("+19025554100", "I want a refund for last night, the screen kept crashing")
    headers = await console.login(OPERATOR)
    (ticket,) = (await (await console.client.get("/api/tickets", headers=headers)).json())["items"]
    assert ticket["text"] == "I want a refund for last night, the screen kept crashing"
    assert re.fullmatch(r"\u2026\d{4}", ticket["customer"])
    resolve = f"/api/tickets/{ticket['conversation_id']}/{ticket['number']}/resolve"
    done = await (await console.client.post(resolve, headers=headers)).json()
    status = await (await console.client.get("/api/status", headers=headers)).json()
    assert status["position"] >= done["notification_id"]
    assert status["counts"]["tickets"] == 0
    listing = await (await console.client.get("/api/conversations", headers=headers)).json()
    (row,) = listing["items"]
    assert row["last_text"] == ticket["text"]
    assert (row["decisions"], row["last_decision"]) == (1, "escalate")
