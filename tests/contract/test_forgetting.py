"""Forgetting one customer in an append-only log, on SQLite and PostgreSQL alike.

Given two customers who texted and were answered, when one of them is forgotten
(``claw forget --phone``), then their number and texts are nowhere readable in the
stored rows, their stream still loads, replays and audits (showing "[forgotten]"
and who forgot them, when), and the other customer's replay, audit and
projections are exactly what they were.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import psycopg
import pytest

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_adapters.persistence.data_keys import DataKeys, parse_master_key
from claw_adapters.persistence.key_tables import MemoryKeyTable
from claw_adapters.persistence.keyring import data_keys_of
from claw_adapters.projections.backends import open_projection_store
from claw_adapters.projections.catalogue import all_projections
from claw_domain.errors import ConfigurationError
from claw_domain.identity import conversation_id
from claw_domain.outbox import ReplyStatus
from claw_domain.privacy import FORGOTTEN
from claw_domain.values import InboundText
from claw_entrypoints import cli
from claw_entrypoints.bootstrap import bootstrap, effect_ports, open_application
from claw_entrypoints.config import ClawConfig, load_config
from claw_entrypoints.retention import forget_idle_customers
from claw_entrypoints.runtime import Runtime
from claw_service.audit import timeline
from claw_service.history import conversation_history
from claw_service.privacy import idle_subjects
from claw_service.projector import Projector

VENUE_LINE = "+19025550100"  # the demo venue's line (the default CLAW_OPENPHONE_NUMBER)
ANN, BOB = "+19025551111", "+19025552222"
ANN_SECRET, BOB_SECRET = "pineapple-ann-7731", "kiwi-bob-4452"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/claw.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"CLAW_DATABASE_URL": database_url, "CLAW_DEBOUNCE_SECONDS": "0"}
    for name in [name for name in os.environ if name.startswith("CLAW_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # `claw forget` reads the environment
    return env


async def _converse(runtime: Runtime, customer: str, body: str, n: int) -> UUID:
    now = datetime.now(UTC)
    text = InboundText(
        message_id=f"AC{abs(hash(customer)) % 10_000}-{n}",
        venue_line=VENUE_LINE,
        customer_number=customer,
        body=body,
        sent_at=now,
    )
    result = runtime.app.receive_text(text, now)
    await runtime.processor.process(result.conversation_id)
    while await runtime.dispatcher.run_once():
        pass
    return result.conversation_id


async def _memory_vendor_runtime(config: ClawConfig) -> Runtime:
    ports = effect_ports(
        messenger=MemoryMessenger(),
        devices=MemoryDevices(),
        doors=MemoryDoors(),
        staff=MemoryStaff(),
    )
    return await bootstrap(config, ports=ports)


@pytest.fixture
async def recorded(environment: dict[str, str]) -> ClawConfig:
    """Ann and Bob each asked twice and were answered; the server is then stopped."""
    config = load_config(environment)
    runtime = await _memory_vendor_runtime(config)
    try:
        for n, (customer, secret) in enumerate([(ANN, ANN_SECRET), (BOB, BOB_SECRET)]):
            await _converse(runtime, customer, f"what are your hours? {secret}", n)
            await _converse(runtime, customer, f"I need a person please, {secret}", n + 10)
        runtime.projector.catch_up_fully()
    finally:
        await runtime.aclose()
    return config


@attrs.frozen
class Seen:
    """What a fresh process reads of one customer."""

    customer_number: str
    bodies: tuple[str, ...]
    replies: tuple[str, ...]
    decisions: tuple[tuple[str, str], ...]
    timeline: tuple[str, ...]
    rows: tuple[str, ...]


def _rows_of(config: ClawConfig, conversation: UUID) -> tuple[str, ...]:
    store = open_projection_store(config.database)
    try:
        found = []
        for projection in all_projections():
            for row in store.rows(projection.name):
                if str(conversation) in repr(row):
                    found.append(f"{projection.name}:{row!r}")
        return tuple(sorted(found))
    finally:
        store.close()


def _seen(config: ClawConfig, customer: str) -> Seen:
    app = open_application(config)
    try:
        conversation_key = conversation_id(VENUE_LINE, customer)
        conversation = app.conversation(conversation_key)
        history = conversation_history(app, conversation_key)
        entries = timeline(app, conversation_id=conversation_key)
        return Seen(
            customer_number=conversation.customer_number,
            bodies=tuple(text.body for text in history.texts),
            replies=tuple(text.body for text in app.texts_of(conversation)),
            decisions=tuple((d.kind.value, d.reason.value) for d in history.decisions),
            timeline=tuple(repr(entry.to_json()) for entry in entries),
            rows=_rows_of(config, conversation_key),
        )
    finally:
        app.close()


def _raw_bytes(config: ClawConfig) -> bytes:
    """Everything the database holds, as an attacker with a copy of it would read it."""
    database = config.database
    if database.sqlite_path is not None:
        files = [Path(f"{database.sqlite_path}{suffix}") for suffix in ("", "-wal", "-shm")]
        return b"".join(path.read_bytes() for path in files if path.exists())
    schema = database.postgres_schema
    chunks = []
    dsn = re.sub(r"\?.*$", "", database.url)
    with psycopg.connect(dsn) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        for (table,) in tables:
            # The test's own schema and the tables PostgreSQL lists in it.
            query = f'SELECT * FROM "{schema}"."{table}"'  # noqa: S608
            rows = connection.execute(query).fetchall()
            chunks.append(repr(rows).encode())
            for row in rows:
                chunks.extend(bytes(cell) for cell in row if isinstance(cell, bytes | memoryview))
    return b"\n".join(chunks)


def _forget(*argv: str) -> int:
    return cli.main(["forget", *argv])


def _digits(number: str) -> bytes:
    return number.lstrip("+").encode()


async def test_a_forgotten_customer_is_unreadable_and_the_other_unchanged(
    recorded: ClawConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    ann_before, bob_before = _seen(recorded, ANN), _seen(recorded, BOB)
    assert ANN_SECRET in " ".join(ann_before.bodies)
    assert any(ANN_SECRET in row for row in ann_before.rows)  # projections keep texts

    assert _forget("--phone", ANN, "--by", "dpo@venue", "--reason", "GDPR request 17") == 0
    printed = capsys.readouterr().out

    ann, bob = _seen(recorded, ANN), _seen(recorded, BOB)
    # Bob: replay, audit and projections exactly as before.
    assert bob == bob_before
    # Ann: the stream still loads and replays, with nothing personal left.
    assert ann.customer_number == FORGOTTEN
    assert set(ann.bodies) == {FORGOTTEN}
    assert set(ann.replies) == {FORGOTTEN}
    assert ann.decisions == ann_before.decisions
    assert not any(ANN_SECRET in line or _digits(ANN).decode() in line for line in ann.timeline)
    forgotten = [line for line in ann.timeline if "CustomerForgotten" in line]
    assert len(forgotten) == 1
    assert "dpo@venue" in forgotten[0]
    assert "GDPR request 17" in forgotten[0]
    assert not any(ANN_SECRET in row for row in ann.rows)
    assert any("CustomerForgotten" in row and "dpo@venue" in row for row in ann.rows)
    assert str(conversation_id(VENUE_LINE, ANN)) in printed
    assert "1 key(s) shredded, 1 conversation(s) marked" in printed
    app = open_application(recorded)
    try:  # the audit still finds Ann's record by her number, and says who forgot it
        by_phone = [entry.event for entry in timeline(app, phone=ANN)]
    finally:
        app.close()
    assert "CustomerForgotten" in by_phone
    # The stored bytes: Ann's number and texts are nowhere; Bob's are still readable.
    raw = _raw_bytes(recorded)
    assert ANN_SECRET.encode() not in raw
    assert _digits(ANN) not in raw
    assert BOB_SECRET.encode() in raw  # the projections keep Bob's texts in clear


async def test_what_claw_sent_is_sealed_with_the_customers_key_and_forgotten_with_them(
    recorded: ClawConfig,
) -> None:
    # The outbox: each text to a customer and each alert to staff is its own stream,
    # whose personal fields (the number, the words) are sealed with the customer's key.
    def outbox(customer: str) -> tuple[list[str], list[str], list[str]]:
        app = open_application(recorded)
        try:
            conversation = app.conversation(conversation_id(VENUE_LINE, customer))
            texts, alerts = app.texts_of(conversation), app.alerts_of(conversation)
            stored = b"".join(
                bytes(event.state)
                for item in [*texts, *alerts]
                for event in app.recorder.select_events(item.id)
            )
            assert customer.encode() not in stored
            return (
                [text.body for text in texts],
                [alert.body for alert in alerts],
                [item.customer_number for item in [*texts, *alerts]],
            )
        finally:
            app.close()

    texts, alerts, numbers = outbox(ANN)
    assert texts
    assert alerts  # "I need a person" alerted staff, naming Ann and quoting her
    assert any(ANN_SECRET in body for body in alerts)
    assert set(numbers) == {ANN}
    bob_before = outbox(BOB)

    assert _forget("--phone", ANN, "--by", "dpo") == 0

    texts, alerts, numbers = outbox(ANN)
    assert set(texts) | set(alerts) | set(numbers) == {FORGOTTEN}
    assert outbox(BOB) == bob_before


async def test_a_text_still_queued_when_its_customer_is_forgotten_is_never_sent(
    environment: dict[str, str],
) -> None:
    config = load_config(environment)
    messenger = MemoryMessenger()
    ports = effect_ports(messenger, MemoryDevices(), MemoryDoors(), MemoryStaff())
    runtime = await bootstrap(config, ports=ports)
    try:
        now = datetime.now(UTC)
        text = InboundText("AC-queued", VENUE_LINE, ANN, f"what are your hours? {ANN_SECRET}", now)
        conversation = runtime.app.receive_text(text, now).conversation_id
        await runtime.processor.process(conversation)  # decided and queued, not yet sent

        assert _forget("--phone", ANN, "--by", "dpo") == 0
        while await runtime.dispatcher.run_once():
            pass
        texts = runtime.app.texts_of(runtime.app.conversation(conversation))
    finally:
        await runtime.aclose()

    # `claw forget` withheld it: the server, whose key cache could still open it, sent nothing.
    assert messenger.sent == []
    assert [t.status for t in texts] == [ReplyStatus.WITHHELD]


async def test_texts_are_sealed_in_the_log_even_before_anyone_is_forgotten(
    recorded: ClawConfig,
) -> None:
    app = open_application(recorded)
    try:
        states = b"".join(
            bytes(n.state) for n in app.recorder.select_notifications(start=1, limit=10_000)
        )
    finally:
        app.close()
    for secret in (ANN_SECRET, BOB_SECRET, ANN, BOB):
        assert secret.encode() not in states


async def test_an_opt_out_keeps_the_customers_words_sealed(environment: dict[str, str]) -> None:
    # OptedOut records the first words of the text that opted out: they are the
    # customer's own words, so they are sealed like the body they came from.
    config = load_config(environment)
    runtime = await _memory_vendor_runtime(config)
    try:
        await _converse(runtime, ANN, f"please stop texting me {ANN_SECRET}", 1)
        assert runtime.app.conversation(conversation_id(VENUE_LINE, ANN)).opted_out
        states = b"".join(
            bytes(n.state) for n in runtime.app.recorder.select_notifications(start=1, limit=10_000)
        )
    finally:
        await runtime.aclose()
    assert b"OptedOut" in b"".join(n.topic.encode() for n in _notifications(config)), (
        "the opt-out was recorded"
    )
    assert ANN_SECRET.encode() not in states
    assert b"stop texting" not in states


def _notifications(config: ClawConfig) -> list[Any]:
    app = open_application(config)
    try:
        return list(app.recorder.select_notifications(start=1, limit=10_000))
    finally:
        app.close()


async def test_rebuilding_the_projections_after_forgetting_gives_the_same_rows(
    recorded: ClawConfig,
) -> None:
    assert _forget("--phone", ANN, "--by", "dpo") == 0
    ann, bob = _seen(recorded, ANN), _seen(recorded, BOB)

    app = open_application(recorded)
    store = open_projection_store(recorded.database)
    try:
        Projector(app, store, all_projections()).rebuild()
    finally:
        store.close()
        app.close()

    assert _seen(recorded, ANN) == ann
    assert _seen(recorded, BOB) == bob


async def test_a_forgotten_customer_who_texts_again_starts_afresh(recorded: ClawConfig) -> None:
    assert _forget("--phone", ANN, "--by", "dpo") == 0
    runtime = await bootstrap(recorded)
    try:
        await _converse(runtime, ANN, "hello again, what are your hours?", 99)
    finally:
        await runtime.aclose()

    ann = _seen(recorded, ANN)
    assert ann.customer_number == ANN  # known again, from the new text only
    assert ann.bodies[-1] == "hello again, what are your hours?"
    assert set(ann.bodies[:-1]) == {FORGOTTEN}


async def test_forgetting_is_idempotent_and_an_unknown_number_changes_nothing(
    recorded: ClawConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _forget("--phone", "+19025559999", "--by", "dpo") == 0
    assert "nothing recorded" in capsys.readouterr().out
    assert _forget("--phone", ANN, "--by", "dpo") == 0
    assert _forget("--phone", ANN, "--by", "dpo") == 0  # again: a second record, no error
    assert _seen(recorded, ANN).customer_number == FORGOTTEN
    assert _forget("--phone", "9025551111") == 2  # not E.164: one line, exit 2


async def test_retention_forgets_only_customers_idle_for_longer(recorded: ClawConfig) -> None:
    app = open_application(recorded)
    try:
        keys = data_keys_of(app.mapper)
        now = datetime.now(UTC)
        assert idle_subjects(app, keys, timedelta(days=30), now) == []
        later = idle_subjects(app, keys, timedelta(days=30), now + timedelta(days=31))
        assert sorted(later) == sorted([keys.subject_of(ANN), keys.subject_of(BOB)])
    finally:
        app.close()

    assert _forget("--older-than-days", "30") == 0  # nobody is that idle yet
    assert _seen(recorded, ANN).customer_number == ANN
    assert _forget("--older-than-days", "0") == 0  # everyone is
    assert _seen(recorded, ANN).customer_number == FORGOTTEN
    assert _seen(recorded, BOB).customer_number == FORGOTTEN


# The keys themselves -----------------------------------------------------------------------


def _master() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def table() -> MemoryKeyTable:
    return MemoryKeyTable()


def test_a_master_key_wraps_every_stored_key_and_rotation_rewraps_them(
    table: MemoryKeyTable,
) -> None:
    old, new = parse_master_key(_master()), parse_master_key(_master())
    keys = DataKeys(table, old)
    key_id, key = keys.sealing_key(keys.subject_of(ANN))
    stored: Any = table.key_by_id(key_id)
    assert stored.wrapped
    assert key not in stored.material

    with pytest.raises(ConfigurationError, match="CLAW_DATA_MASTER_KEY"):
        DataKeys(table, None).opening_key(key_id)  # a backup without the master key
    with pytest.raises(ConfigurationError, match="right key"):
        DataKeys(table, new).opening_key(key_id)

    assert DataKeys(table, new).rewrap_all(old) == 1
    assert DataKeys(table, new).opening_key(key_id) == key


def test_a_malformed_master_key_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigurationError, match="openssl rand -base64 32"):
        parse_master_key("not-a-key")


async def test_the_server_forgets_customers_idle_past_the_retention_setting(
    recorded: ClawConfig,
) -> None:
    config = attrs.evolve(recorded, retention_days=30.0)
    clock = SettableClock(datetime.now(UTC))
    runtime = await bootstrap(config, clock=clock)
    try:
        assert await asyncio.to_thread(forget_idle_customers, runtime) == 0
        clock.advance(timedelta(days=31))
        assert await asyncio.to_thread(forget_idle_customers, runtime) == 2
    finally:
        await runtime.aclose()

    ann = _seen(recorded, ANN)
    assert ann.customer_number == FORGOTTEN
    assert not any(ANN_SECRET in row for row in ann.rows)  # the projections were rebuilt
    assert any("claw-retention" in line and "CLAW_RETENTION_DAYS" in line for line in ann.timeline)


async def test_forgetting_cancels_the_customers_open_actions(
    environment: dict[str, str],
) -> None:
    config = load_config(environment)
    runtime = await bootstrap(config)
    try:
        await _converse(runtime, ANN, "The trackman in box 3 at Dartmouth is frozen", 1)
        history = conversation_history(runtime.app, conversation_id(VENUE_LINE, ANN))
        (action_id,) = history.action_ids
        assert runtime.app.pending_action(action_id).is_open
    finally:
        await runtime.aclose()

    assert _forget("--phone", ANN, "--by", "dpo") == 0

    app = open_application(config)
    try:
        action = app.pending_action(action_id)
        conversation = app.conversation(conversation_id(VENUE_LINE, ANN))
    finally:
        app.close()
    assert not action.is_open
    assert action.customer_number == FORGOTTEN
    assert conversation.awaiting_action is None


async def test_a_customer_who_texts_just_after_being_forgotten_by_another_process_is_readable(
    recorded: ClawConfig,
) -> None:
    """The server still caches Ann's key when ``claw forget`` (another process) shreds it.

    Her next text must be sealed with a new key, not the shredded one: otherwise it is
    unreadable the moment the server's cache expires, and she is forgotten twice.
    """
    runtime = await bootstrap(recorded)
    try:
        await _converse(runtime, ANN, f"what are your prices? {ANN_SECRET}", 50)
        assert _forget("--phone", ANN, "--by", "dpo") == 0
        await _converse(runtime, ANN, "hello again, what are your hours?", 51)
    finally:
        await runtime.aclose()

    ann = _seen(recorded, ANN)
    assert ann.customer_number == ANN
    assert ann.bodies[-1] == "hello again, what are your hours?"
    assert set(ann.bodies[:-1]) == {FORGOTTEN}
