"""An id of the wrong kind, an unknown one or a malformed one is a 404 with a JSON error.

Each console endpoint that acts on an item by id loads an aggregate; given the
id of some other record (a pending action where a conversation is expected,
a user account, the settings), it must say "no such item", not fail with a
traceback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID

import attrs
import pytest
from console_support import ADMIN, MEMBER, ConsoleUnderTest, console_on

from claw_domain.users import user_id

UNKNOWN = "0f0e0d0c-0b0a-4908-8706-050403020100"


@attrs.frozen
class Ids:
    conversation: UUID
    action: UUID
    user: UUID


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[ConsoleUnderTest]:
    async with console_on(f"sqlite:///{tmp_path / 'claw.db'}") as running:
        yield running


async def _ids(console: ConsoleUnderTest) -> Ids:
    await console.text(MEMBER, "I'm at the Bedford door and it won't open, can you let me in?")
    conversation = await console.text(MEMBER, "yes")
    action = console.runtime.app.conversation(conversation).awaiting_action
    assert action is not None
    return Ids(conversation=conversation, action=action, user=user_id(ADMIN))


def _paths(ids: Ids) -> list[str]:
    other_kinds = [
        f"/api/review-queue/{ids.action}/1/approve",
        f"/api/review-queue/{ids.user}/1/approve",
        f"/api/pending-actions/{ids.conversation}/approve",
        f"/api/pending-actions/{ids.user}/approve",
        f"/api/pending-actions/{ids.conversation}/cancel",
        f"/api/pending-actions/{ids.conversation}/reject",
        f"/api/tickets/{ids.action}/1/resolve",
        f"/api/tickets/{ids.user}/1/resolve",
    ]
    unknown = [
        f"/api/review-queue/{UNKNOWN}/1/approve",
        f"/api/pending-actions/{UNKNOWN}/approve",
        f"/api/pending-actions/{UNKNOWN}/cancel",
        f"/api/tickets/{UNKNOWN}/1/resolve",
        f"/api/review-queue/{ids.conversation}/99/approve",
        f"/api/tickets/{ids.conversation}/99/resolve",
    ]
    malformed = [
        "/api/review-queue/not-a-uuid/1/approve",
        f"/api/review-queue/{ids.conversation}/one/approve",
        "/api/pending-actions/not-a-uuid/approve",
        "/api/pending-actions/not-a-uuid/cancel",
        "/api/tickets/not-a-uuid/1/resolve",
        f"/api/tickets/{ids.conversation}/-1/resolve",
    ]
    return other_kinds + unknown + malformed


async def test_ids_of_another_kind_unknown_or_malformed_are_404_with_a_json_error(
    console: ConsoleUnderTest,
) -> None:
    ids = await _ids(console)
    headers = await console.login(ADMIN)
    for path in _paths(ids):
        response = await console.client.post(path, json={}, headers=headers)
        assert response.status == 404, (path, await response.text())
        assert response.content_type == "application/json", path
        assert "error" in await response.json(), path


async def test_the_right_id_still_works_after_the_wrong_ones(console: ConsoleUnderTest) -> None:
    ids = await _ids(console)
    headers = await console.login(ADMIN)
    for path in _paths(ids):
        await console.client.post(path, json={}, headers=headers)
    response = await console.client.post(
        f"/api/pending-actions/{ids.action}/approve", json={}, headers=headers
    )
    assert response.status == 200, await response.text()


# Characters Python calls digits that are no ASCII number: ``"²".isdigit()`` holds but
# ``int("²")`` raises, and ``int("\u0661")`` quietly reads an Arabic-Indic one as 1.
UNICODE_DIGITS = ("\u00b2", "\u0661", "\u0663", "\U0001d7d9", "\u2460")


async def test_a_suggestion_or_ticket_number_in_other_digits_is_404_with_a_json_error(
    console: ConsoleUnderTest,
) -> None:
    ids = await _ids(console)
    headers = await console.login(ADMIN)
    for digit in UNICODE_DIGITS:
        for path in (
            f"/api/review-queue/{ids.conversation}/{digit}/approve",
            f"/api/review-queue/{ids.conversation}/{digit}/edit",
            f"/api/review-queue/{ids.conversation}/{digit}/reject",
            f"/api/tickets/{ids.conversation}/{digit}/resolve",
        ):
            response = await console.client.post(path, json={"text": "hi"}, headers=headers)
            assert response.status == 404, (path, await response.text())
            assert response.content_type == "application/json", path
            assert "whole number" in (await response.json())["error"], path
