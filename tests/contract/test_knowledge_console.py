"""The knowledge pages' API: located errors, who may edit what, draft, try, publish."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from console_support import ADMIN, OPERATOR, ConsoleUnderTest, console_on

from claw_service.audit.timeline import timeline

STRANGER = "+19025550166"  # not a member anywhere in the demo venue
NEW_HOURS = "Open around the clock, every day. Book at {booking_link}"


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[ConsoleUnderTest]:
    async with console_on(f"sqlite:///{tmp_path}/claw.db") as console:
        yield console


async def _put(
    console: ConsoleUnderTest, headers: dict[str, str], path: list[Any], value: Any
) -> tuple[int, dict[str, Any]]:
    response = await console.client.put(
        "/api/knowledge/draft", json={"path": path, "value": value}, headers=headers
    )
    return response.status, await response.json()


async def test_an_edit_with_a_mistake_is_refused_with_the_part_and_the_loaders_words(
    console: ConsoleUnderTest,
) -> None:
    admin = await console.login(ADMIN)
    member = {"phone": "902 555 0166", "kind": "member", "locations": ["bedford"]}
    status, body = await _put(console, admin, ["customers", 3], member)
    assert status == 422
    assert body["problems"] == [
        {
            "path": "customers[3].phone",
            "message": "'902 555 0166' is not an E.164 phone number; write it like "
            '"+19025550123"',
        }
    ]
    status, body = await _put(console, admin, ["locations", "halifax", "door"], {"id": "d"})
    assert status == 422
    assert body["problems"][0]["path"] == "locations.halifax.door"
    knowledge = await (await console.client.get("/api/knowledge", headers=admin)).json()
    assert knowledge["draft"] is None


async def test_operators_edit_answers_only_when_an_admin_allows_it(
    console: ConsoleUnderTest,
) -> None:
    admin, operator = await console.login(ADMIN), await console.login(OPERATOR)
    status, _ = await _put(console, operator, ["answers", "hours"], NEW_HOURS)
    assert status == 403
    assert (await _put(console, admin, ["console", "operators_may_edit_answers"], True))[0] == 200
    publish = await console.client.post(
        "/api/knowledge/draft/publish", json={"note": "let operators edit"}, headers=admin
    )
    assert (await publish.json())["version"] == 2

    status, _ = await _put(console, operator, ["answers", "hours"], NEW_HOURS)
    assert status == 200
    member = {"phone": STRANGER, "kind": "member", "locations": ["bedford"]}
    assert (await _put(console, operator, ["customers", 3], member))[0] == 403
    seen = await (await console.client.get("/api/knowledge", headers=operator)).json()
    assert "customers" not in seen["published"]  # members' numbers are for admins
    assert seen["draft_parts"] == ["answers.hours"]
    publish = await console.client.post("/api/knowledge/draft/publish", json={}, headers=operator)
    assert publish.status == 200
    assert (await publish.json())["parts"] == ["answers.hours"]


async def test_trying_a_draft_lists_exactly_the_decisions_it_would_change(
    console: ConsoleUnderTest,
) -> None:
    admin = await console.login(ADMIN)
    hours = await console.text("+19025550161", "what time do you close tonight?")
    await console.text("+19025550162", "Do you sell gift cards?")
    door = await console.text(STRANGER, "I'm outside Bedford, can you let me in")

    assert (await _put(console, admin, ["answers", "hours"], NEW_HOURS))[0] == 200
    member = {"phone": STRANGER, "name": "Jo", "kind": "member", "locations": ["bedford"]}
    assert (await _put(console, admin, ["customers", 3], member))[0] == 200

    response = await console.client.get("/api/knowledge/draft/what-if?days=7", headers=admin)
    result = await response.json()
    assert result["count"] == 2
    by_conversation = {item["conversation_id"]: item for item in result["changed"]}
    assert set(by_conversation) == {str(hours), str(door)}
    answer = by_conversation[str(hours)]
    assert answer["was"]["decision"] == answer["would_be"]["decision"] == "respond"
    assert answer["would_be"]["reply"].startswith("Open around the clock, every day.")
    opened = by_conversation[str(door)]
    assert (opened["was"]["decision"], opened["was"]["reason"]) == (
        "escalate",
        "door_not_authorised",
    )
    assert opened["would_be"]["decision"] == "request_confirmation"

    discard = await console.client.post("/api/knowledge/draft/discard", headers=admin)
    assert discard.status == 200
    after = await console.client.get("/api/knowledge/draft/what-if?days=7", headers=admin)
    assert (await after.json())["count"] == 0


async def test_a_staff_reply_for_an_intent_without_an_answer_becomes_a_published_answer(
    console: ConsoleUnderTest,
) -> None:
    admin = await console.login(ADMIN)
    # The venue has no Wi-Fi answer yet (Wi-Fi is on suggest: staff review claw's draft).
    assert (await _put(console, admin, ["answers", "wifi"], None))[0] == 200
    await console.client.post("/api/knowledge/draft/publish", json={}, headers=admin)
    conversation = await console.text("+19025550171", "what's the wifi password?")

    queue = await (await console.client.get("/api/review-queue", headers=admin)).json()
    (item,) = [i for i in queue["items"] if i["conversation_id"] == str(conversation)]
    assert item["intent"] == "wifi"
    reply = "The Wi-Fi is ClubGuest, password birdie2024."
    sent = await console.client.post(
        f"/api/review-queue/{conversation}/{item['number']}/edit",
        json={"text": reply},
        headers=admin,
    )
    assert sent.status == 200

    listed = await (await console.client.get("/api/knowledge/proposals", headers=admin)).json()
    (proposal,) = listed["proposals"]
    assert (proposal["intent"], proposal["wording"], proposal["status"]) == ("wifi", reply, "open")
    assert f"conversation {conversation}" in proposal["source"]
    again = await (await console.client.get("/api/knowledge/proposals", headers=admin)).json()
    assert len(again["proposals"]) == 1  # read once, proposed once

    edited = "Our Wi-Fi is ClubGuest; the password is on the card at the front desk."
    accepted = await console.client.post(
        f"/api/knowledge/proposals/{proposal['number']}/accept",
        json={"wording": edited},
        headers=admin,
    )
    assert accepted.status == 200
    published = await console.client.post(
        "/api/knowledge/draft/publish", json={"note": "learned"}, headers=admin
    )
    assert (await published.json())["parts"] == ["answers.wifi"]
    knowledge = await (await console.client.get("/api/knowledge", headers=admin)).json()
    assert knowledge["published"]["answers"]["wifi"] == {
        "text": edited,
        "learned_from": proposal["source"],
    }
    operator = await console.login(OPERATOR)
    refused = await console.client.get("/api/knowledge/proposals", headers=operator)
    assert refused.status == 403


async def test_trying_a_settings_change_lists_the_decisions_it_would_change_and_saves_nothing(
    console: ConsoleUnderTest,
) -> None:
    admin = await console.login(ADMIN)
    hours = await console.text("+19025550181", "what time do you close tonight?")
    await console.text("+19025550182", "Do you sell gift cards?")
    before = await (await console.client.get("/api/settings", headers=admin)).json()

    tried = await console.client.post(
        "/api/settings/what-if?days=7",
        json={"intent": "hours", "changes": {"mode": "suggest"}},
        headers=admin,
    )
    result = await tried.json()
    assert result["count"] == 1
    (changed,) = result["changed"]
    assert changed["conversation_id"] == str(hours)
    assert (changed["was"]["decision"], changed["would_be"]["decision"]) == ("respond", "suggest")
    rails = await console.client.post(
        "/api/settings/what-if",
        json={"changes": {"send_automatic_responses": False}},
        headers=admin,
    )
    assert (await rails.json())["count"] == 2
    after = await (await console.client.get("/api/settings", headers=admin)).json()
    assert after["version"] == before["version"]
    wrong = await console.client.post(
        "/api/settings/what-if", json={"intent": "weather", "changes": {}}, headers=admin
    )
    assert wrong.status == 400


async def test_a_published_holding_reply_is_what_the_next_escalated_customer_hears(
    console: ConsoleUnderTest,
) -> None:
    admin = await console.login(ADMIN)
    words = "Thanks, the manager reads refund texts every morning and replies by 10am."
    status, _ = await _put(console, admin, ["holding_replies", "refund_complaint"], words)
    assert status == 200
    before = await console.text("+19025550170", "I want a refund, I was charged twice")
    publish = await console.client.post("/api/knowledge/draft/publish", json={}, headers=admin)
    assert (await publish.json())["parts"] == ["holding_replies"]

    after = await console.text("+19025550171", "I want a refund, I was charged twice")

    app = console.runtime.app
    drafted = app.conversation(before).last_decision
    published = app.conversation(after).last_decision
    assert drafted is not None
    assert published is not None
    # A draft is not used: the first customer heard claw's standard sentence.
    assert drafted.reply == "Thanks, a staff member will text you back shortly."
    assert (published.kind.value, published.knowledge_version) == ("escalate", 2)
    assert published.reply == words
    # The words are recorded with the facts, so replay says them without the knowledge.
    (entry,) = [e for e in timeline(app, conversation_id=after) if e.situation is not None]
    assert entry.situation is not None
    assert entry.situation.holding_reply == words
