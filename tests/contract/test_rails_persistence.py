"""The rails' new facts survive storage: SQLite and PostgreSQL alike.

An approval ignored under the stop, the request for approval, an opt-out's one
confirmation and a burst raised with staff are read back from the database by a
fresh application exactly as they were recorded, so a restart never turns an
ignored approval back into a given one or confirms an opt-out twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_domain import wording
from claw_domain.decisions import Reason
from claw_domain.identity import conversation_id
from claw_domain.outbox import ReplyPurpose, ReplyStatus
from claw_domain.pending_action import ActionStatus
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import (
    Classification,
    ClassificationSource,
    Entities,
    InboundText,
    Intent,
)
from claw_entrypoints.bootstrap import construct_application, effect_ports
from claw_service.application import ClawApplication, TextToUnderstand
from claw_service.dispatcher import EffectDispatcher
from fakes.venue import InMemoryVenue

LINE = "+19025550000"
MEMBER = "+19025552222"
OTHER = "+19025553333"
DOOR = Classification(Intent.DOOR_ACCESS, 0.93, ClassificationSource.PATTERN, Entities("bedford"))
FEATURES = {
    Intent.DOOR_ACCESS: FeatureSettings(
        mode=FeatureMode.AUTO, requires_confirmation=True, requires_approval=True
    ),
}


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/claw.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def apps(database_url: str) -> Iterator[list[ClawApplication]]:
    opened: list[ClawApplication] = []
    yield opened
    for app in opened:
        app.close()


def _open(url: str, opened: list[ClawApplication]) -> ClawApplication:
    venue = InMemoryVenue(door_allowed={(MEMBER, "bedford")})
    app = construct_application(url, venue)
    opened.append(app)
    return app


async def _no_sleep(_seconds: float) -> None:
    return None


def test_ignored_approvals_and_opt_out_confirmations_read_back_the_same(
    database_url: str, apps: list[ClawApplication]
) -> None:
    clock = SettableClock()
    app = _open(database_url, apps)
    app.ensure_settings(FEATURES, GlobalSettings(), "test", clock.now())
    messenger = MemoryMessenger()
    dispatcher = EffectDispatcher(
        app,
        effect_ports(messenger, MemoryDevices(), MemoryDoors(), MemoryStaff()),
        clock,
        sleep=_no_sleep,
    )
    count = 0

    def text(customer: str, body: str, meaning: Classification | None = None) -> None:
        nonlocal count
        count += 1
        clock.advance(timedelta(seconds=20))
        app.receive_text(InboundText(f"AC{count}", LINE, customer, body, clock.now()), clock.now())
        conversation = conversation_id(LINE, customer)
        work = app.begin_processing(conversation, clock.now())
        if isinstance(work, TextToUnderstand):
            assert meaning is not None
            app.decide_on_text(conversation, meaning, work.text, work.through, clock.now())

    text(MEMBER, "let me in", DOOR)
    text(MEMBER, "yes")
    action_id = app.conversation(conversation_id(LINE, MEMBER)).last_action_id
    assert action_id is not None
    app.engage_emergency_stop("owner", "drill", clock.now())
    ignored = app.approve_action(action_id, "sam", clock.now())
    app.release_emergency_stop("owner", "drill over", clock.now())
    text(OTHER, "please stop texting me")
    text(OTHER, "STOP")
    asyncio.run(dispatcher.run_once())

    assert ignored.decision is not None
    assert ignored.decision.reason is Reason.EMERGENCY_STOP
    fresh = _open(database_url, apps)
    action = fresh.pending_action(action_id)
    assert (action.status, action.approved, action.confirmed) == (
        ActionStatus.AWAITING,
        False,
        True,
    )
    assert action.approval_requested is False  # the state changed: staff are asked again
    names = [type(e).__name__ for e in fresh.repository.event_store.get(action_id)]
    assert names[-3:] == ["ApprovalRequested", "StaffApproved", "StaffApprovalIgnored"]
    opted = fresh.conversation(conversation_id(LINE, OTHER))
    confirmations = [
        text for text in fresh.texts_of(opted) if text.purpose is ReplyPurpose.OPT_OUT_CONFIRMATION
    ]
    assert opted.opted_out
    assert [text.status for text in confirmations] == [ReplyStatus.SENT]
    assert messenger.sent.count((OTHER, wording.opted_out())) == 1
