"""What the end-to-end stories share: signed webhooks, `claw serve` processes, the log.

The stories drive claw the way OpenPhone does (signed HTTP posts) and look at the
outcome the way an auditor would: in the fake vendors and in the event log.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import aiohttp
import attrs

from claw_adapters.fakes.openphone import message_received, signed_legacy_webhook
from claw_adapters.openphone import PayloadGeneration
from claw_domain.identity import conversation_id
from claw_domain.outbox import ReplyStatus
from claw_domain.policy import Trigger
from claw_entrypoints.bootstrap import open_application
from claw_entrypoints.config import load_config
from claw_entrypoints.demo import VENUE_LINE, DemoVendors, demo_environment
from claw_service.application import ClawApplication
from claw_service.dispatcher import DISPATCHER_NAME
from claw_service.history import conversation_history

SIGNING_KEY = base64.b64encode(b"e2e-signing-key-0123456789abcdef").decode()
DECISION_EVENTS = frozenset(
    {
        "DecidedToRespond",
        "DecidedToSuggest",
        "DecidedToRequestConfirmation",
        "DecidedToExecute",
        "DecidedToEscalate",
        "DecidedToIgnore",
    }
)


def conversation_of(customer: str) -> UUID:
    return conversation_id(VENUE_LINE, customer)


def signed_text(
    customer: str,
    text: str,
    *,
    sent_at: datetime | None = None,
    message_id: str | None = None,
    signing_key: str = SIGNING_KEY,
    signed_at_ms: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A customer's text as OpenPhone's legacy webhook delivers it, signed."""
    payload = message_received(
        PayloadGeneration.APP,
        text=text,
        customer=customer,
        venue=VENUE_LINE,
        created_at=sent_at or datetime.now(UTC),
        message_id=message_id,
    )
    stamp = signed_at_ms if signed_at_ms is not None else int(time.time() * 1000)
    return signed_legacy_webhook(payload, signing_key, stamp)


async def post(
    session: aiohttp.ClientSession, url: str, delivery: tuple[bytes, Mapping[str, str]]
) -> tuple[int, dict[str, Any]]:
    body, headers = delivery
    async with session.post(f"{url}/webhooks/openphone", data=body, headers=headers) as answer:
        return answer.status, await answer.json(content_type=None)


async def wait_until(
    condition: Callable[[], Awaitable[bool]] | Callable[[], bool],
    *,
    within: float,
    what: str,
    every: float = 0.1,
) -> None:
    """Poll until ``condition`` holds; fail the test with ``what`` when time runs out."""
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {within:g}s waiting for {what}")
        await asyncio.sleep(every)


# The event log, read as an auditor would ---------------------------------------------------


def event_names(app: ClawApplication, aggregate: UUID) -> list[str]:
    return [type(event).__name__ for event in app.repository.event_store.get(aggregate)]


def decisions_of(app: ClawApplication, aggregate: UUID) -> list[tuple[str, str]]:
    history = conversation_history(app, aggregate)
    return [(d.kind.value, d.reason.value) for d in history.decisions]


def reply_statuses(app: ClawApplication, aggregate: UUID) -> list[ReplyStatus]:
    return [text.status for text in app.texts_of(app.conversation(aggregate))]


def every_text_decided_once(app: ClawApplication, aggregate: UUID) -> None:
    """Each inbound text is covered by exactly one decision (split texts share one).

    Every decision a customer's text triggered moves ``through`` on; a text decided
    twice would show as two such decisions covering the same texts.
    """
    conversation = app.conversation(aggregate)
    covered = [
        event.through
        for event in app.repository.event_store.get(aggregate)
        if type(event).__name__ in DECISION_EVENTS
        and (event.situation is None or event.situation.trigger is not Trigger.STAFF_APPROVAL)
    ]
    assert covered == sorted(set(covered)), f"texts decided twice: {covered}"
    assert conversation.processed_inbound == conversation.texts_received, (
        f"{conversation.texts_received} texts, {conversation.processed_inbound} decided"
    )


def unsettled(app: ClawApplication, conversations: Iterable[UUID]) -> str | None:
    """What is still outstanding, in words; None when everything is settled."""
    for aggregate in conversations:
        try:
            conversation = app.conversation(aggregate)
        except Exception:  # not created yet
            return f"conversation {aggregate} not recorded yet"
        if conversation.unprocessed():
            return f"conversation {aggregate} has {len(conversation.unprocessed())} undecided texts"
        queued = [text for text in app.texts_of(conversation) if text.is_queued]
        if queued:
            return f"conversation {aggregate} has {len(queued)} queued replies"
    head = app.recorder.max_notification_id() or 0
    done = app.process_recorder.max_tracking_id(DISPATCHER_NAME) or 0
    if done < head:
        return f"the dispatcher is at {done} of {head}"
    return None


def settled(app: ClawApplication, conversations: Iterable[UUID]) -> bool:
    """Every text decided, no reply queued, and the dispatcher has read the whole log."""
    return unsettled(app, conversations) is None


# `claw serve` as a real process ------------------------------------------------------------


def server_environment(
    vendors: DemoVendors, database_url: str, *, debounce: float = 0.2
) -> dict[str, str]:
    env = demo_environment(vendors, database_url, SIGNING_KEY)
    env["CLAW_DEBOUNCE_SECONDS"] = f"{debounce:g}"
    env["CLAW_LOG_FORMAT"] = "json"
    return env


def reader(env: Mapping[str, str]) -> ClawApplication:
    """The test's own view of the server's database (it never runs a worker)."""
    return open_application(load_config(env))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _append_to(path: Path) -> IO[bytes]:
    return path.open("ab")


@attrs.define
class ClawServer:
    """One ``claw serve`` process on 127.0.0.1; ``kill()`` is kill -9."""

    env: Mapping[str, str]
    log_path: Path
    port: int = attrs.field(factory=free_port)
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, *, within: float = 30.0) -> None:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CLAW_")}
        log = _append_to(self.log_path)
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "claw_entrypoints.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                env={**inherited, **self.env, "PYTHONUNBUFFERED": "1"},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        finally:
            log.close()
        self.starts += 1
        await wait_until(self._ready, within=within, what=f"claw serve on {self.url}", every=0.1)

    async def _ready(self) -> bool:
        if self.process is None or self.process.returncode is not None:
            raise AssertionError(f"claw serve exited early; see {self.log_path}")
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session,
                session.get(f"{self.url}/readyz") as answer,
            ):
                return answer.status == 200
        except aiohttp.ClientError:
            return False

    async def kill(self) -> None:
        """kill -9: no cleanup, no lease release, no goodbye."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self.process = None

    async def stop(self) -> None:
        """A polite SIGTERM, then kill -9 if it does not go within a few seconds."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), timeout=10)
        await self.kill()

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()


# The ``servers`` fixture: ``servers(env, name)`` makes a server it kills afterwards.
LaunchServer = Callable[[Mapping[str, str], str], ClawServer]
