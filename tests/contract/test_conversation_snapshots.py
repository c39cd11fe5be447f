"""Conversation snapshots on SQLite and PostgreSQL: stored sealed, loaded first, forgettable.

Given a customer with a long conversation, a load starts from the latest snapshot
and decodes only the events after it, and reads exactly as a replay of every event;
the stored snapshot holds neither the number nor the words in clear; a database
written before snapshots existed still loads and gains them; and after ``claw
forget`` the conversation still loads, with the snapshot's words unreadable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from claw_adapters.knowledge import load_venue_knowledge
from claw_adapters.persistence.keyring import data_keys_of, install_data_keys
from claw_domain.conversation import Conversation
from claw_domain.identity import conversation_id
from claw_domain.privacy import FORGOTTEN
from claw_domain.values import InboundText
from claw_entrypoints.bootstrap import open_application
from claw_entrypoints.config import ClawConfig, load_config
from claw_service.application import SNAPSHOT_INTERVAL, ClawApplication
from claw_service.privacy import forget_subject

LINE, ANN = "+19025550100", "+19025551111"
CONVERSATION = conversation_id(LINE, ANN)
SECRET = "blue-heron-5512"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def config(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ClawConfig:
    for name in [name for name in os.environ if name.startswith("CLAW_")]:
        monkeypatch.delenv(name)
    url = (
        f"sqlite:///{tmp_path}/claw.db"
        if request.param == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    return load_config({"CLAW_DATABASE_URL": url})


def _texts(app: ClawApplication, first: int, count: int) -> None:
    for n in range(first, first + count):
        at = START + timedelta(minutes=n)
        app.receive_text(InboundText(f"AC{n:04d}", LINE, ANN, f"{SECRET} text {n}", at), at)


def _replayed(app: ClawApplication) -> Conversation:
    """The conversation from every event, as a load did before snapshots."""
    conversation: Any = None
    for recorded in app.events.get(CONVERSATION):
        conversation = recorded.mutate(conversation)
    assert isinstance(conversation, Conversation)
    return conversation


def _state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def _snapshot_versions(app: ClawApplication) -> list[int]:
    assert app.snapshots is not None
    return [s.originator_version for s in app.snapshots.get(CONVERSATION)]


def _decoded_on_load(app: ClawApplication) -> tuple[Conversation, list[str]]:
    decoded: list[str] = []
    to_domain_event = app.mapper.to_domain_event

    def counting(stored: Any) -> Any:
        event = to_domain_event(stored)
        decoded.append(type(event).__name__)
        return event

    app.mapper.to_domain_event = counting  # type: ignore[method-assign]
    try:
        return app.conversation(CONVERSATION), decoded
    finally:
        del app.mapper.to_domain_event


@pytest.fixture
def app(config: ClawConfig) -> Iterator[ClawApplication]:
    opened = open_application(config)
    yield opened
    opened.close()


def test_a_load_starts_at_the_latest_snapshot_and_reads_as_a_full_replay(
    app: ClawApplication,
) -> None:
    _texts(app, 0, 45)  # ConversationStarted and 45 texts: version 46

    assert _snapshot_versions(app) == [SNAPSHOT_INTERVAL, 2 * SNAPSHOT_INTERVAL]
    conversation, decoded = _decoded_on_load(app)
    assert decoded == ["ConversationSnapshot"] + ["TextReceived"] * (46 - 2 * SNAPSHOT_INTERVAL)
    assert _state(conversation) == _state(_replayed(app))
    assert conversation.texts_received == 45


def test_a_stored_snapshot_holds_neither_the_number_nor_the_words(app: ClawApplication) -> None:
    _texts(app, 0, SNAPSHOT_INTERVAL)
    assert app.snapshots is not None

    (row,) = app.snapshots.recorder.select_events(CONVERSATION)

    assert SECRET.encode() not in row.state
    assert ANN.lstrip("+").encode() not in row.state


def test_a_database_written_before_snapshots_still_loads_and_gains_them(
    config: ClawConfig,
) -> None:
    venue = load_venue_knowledge(None)
    before = ClawApplication(
        venue, env={**config.database.eventsourcing_env(), "IS_SNAPSHOTTING_ENABLED": "n"}
    )
    install_data_keys(before.mapper, before.recorder, None)
    _texts(before, 0, 30)
    before.close()

    app = open_application(config)
    try:
        assert _snapshot_versions(app) == []
        assert _state(app.conversation(CONVERSATION)) == _state(_replayed(app))

        _texts(app, 30, 10)  # version 41: passes 40

        assert _snapshot_versions(app) == [2 * SNAPSHOT_INTERVAL]
        conversation, decoded = _decoded_on_load(app)
        assert decoded == ["ConversationSnapshot", "TextReceived"]
        assert _state(conversation) == _state(_replayed(app))
    finally:
        app.close()


def test_after_forgetting_a_conversation_with_snapshots_still_loads_and_reads_forgotten(
    config: ClawConfig,
) -> None:
    app = open_application(config)
    try:
        _texts(app, 0, 25)
        keys = data_keys_of(app.mapper)
        forget_subject(app, keys, keys.subject_of(ANN), "dpo", "request", START + timedelta(days=1))
    finally:
        app.close()

    fresh = open_application(config)  # another process: no key in its cache
    try:
        conversation = fresh.conversation(CONVERSATION)
        assert conversation.customer_number == FORGOTTEN
        assert {text.body for text in conversation.inbound} == {FORGOTTEN}
        as_snapshotted = fresh.repository.get(CONVERSATION, version=SNAPSHOT_INTERVAL)
        assert as_snapshotted.customer_number == FORGOTTEN
        assert {text.body for text in as_snapshotted.inbound} == {FORGOTTEN}
        assert as_snapshotted.texts_received == SNAPSHOT_INTERVAL - 1

        _texts(fresh, 100, 15)  # Ann texts again: a new key; a snapshot at version 40

        assert _snapshot_versions(fresh)[-1] == 2 * SNAPSHOT_INTERVAL
        again = fresh.conversation(CONVERSATION)
        assert again.customer_number == ANN
        bodies = [text.body for text in again.inbound]
        assert bodies[:25] == [FORGOTTEN] * 25
        assert bodies[25:] == [f"{SECRET} text {n}" for n in range(100, 115)]
        assert _state(again) == _state(_replayed(fresh))
    finally:
        fresh.close()
