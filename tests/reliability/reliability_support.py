"""What the reliability scenarios share: the ledger of figures and the report it writes.

Each scenario counts what it tried (``attempts``), what was lost (a text never
decided, a reply neither sent nor failed-with-a-staff-alert, an effect missing) and
what was doubled (a text stored or decided twice, an action run twice), prints the
figures, asserts on them, and hands them to the ledger. ``make reliability`` sets
``CLAW_RELIABILITY=1``: the long scenarios run in full and the ledger rewrites
``docs/reliability.md`` at the end of the session (rows of scenarios not run this
time are kept from the previous report).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import re
import sys
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs

from claw_domain.outbox import AlertStatus, ReplyStatus
from claw_domain.pending_action import ActionStatus
from claw_domain.policy import Trigger

# The end-to-end helpers (signed webhooks, `claw serve` processes, log readers).
_E2E = Path(__file__).resolve().parent.parent / "e2e"
if str(_E2E) not in sys.path:
    sys.path.insert(0, str(_E2E))

FULL = os.environ.get("CLAW_RELIABILITY") == "1"
"""``make reliability``: the PostgreSQL load runs, the crash loop kills more often."""

REPORT = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
PYTEST = ".venv/bin/pytest -q"


@attrs.define
class Figures:
    """One scenario's counts. ``doubled`` counts only what must never happen twice."""

    scenario: str
    command: str
    attempts: int = 0
    accepted: int = 0
    refused: int = 0
    lost: int = 0
    doubled: int = 0
    notes: list[str] = attrs.Factory(list)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def line(self) -> str:
        notes = "; ".join(self.notes)
        return (
            f"{self.scenario}: attempts={self.attempts} accepted={self.accepted} "
            f"refused={self.refused} lost={self.lost} "
            f"doubled={self.doubled}" + (f" ({notes})" if notes else "")
        )

    def row(self) -> str:
        notes = "; ".join(self.notes).replace("|", "/")
        return (
            f"| {self.scenario} | {self.attempts} | {self.accepted} | {self.refused} "
            f"| {self.lost} | {self.doubled} | {notes} "
            f"| `{self.command}` |"
        )


@attrs.define
class Ledger:
    rows: dict[str, Figures] = attrs.Factory(dict)

    def scenario(self, name: str, node: str, *, env: str = "") -> Figures:
        figures = Figures(scenario=name, command=f"{env} {PYTEST} {node}".strip())
        self.rows[name] = figures
        return figures

    def write(self, path: Path = REPORT) -> None:
        kept = _previous_rows(path)
        kept.update({name: figures.row() for name, figures in self.rows.items()})
        path.write_text(_document(kept))


_ROW = re.compile(r"^\| (?P<name>[^|]+?) \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \|")


def _previous_rows(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    rows = {}
    for line in path.read_text().splitlines():
        found = _ROW.match(line)
        if found:
            rows[found.group("name")] = line
    return rows


_INTRO = """# claw reliability figures

Written by `make reliability` (`CLAW_RELIABILITY=1 .venv/bin/pytest -q tests/reliability`)
on {when}. Every scenario counts what it tried and what went wrong, prints the counts
and fails unless `lost` and `doubled` are zero.

- **attempts**: what the scenario tried: inbound texts delivered, kills, fault
  injections, hostile requests (each row's notes say which).
- **accepted** / **refused**: of the attempts, what claw took in (stored, answered,
  let in) and what it turned away (a 4xx, a login refused or slowed, a text recorded
  and ignored); the notes say which.
- **lost**: an accepted text never decided, a reply neither sent nor recorded failed
  with a staff alert, a customer left waiting with nobody told, a rejected request that
  stored something, a 5xx.
- **doubled**: a text stored or decided twice, a hardware action (reset, unlock) run
  twice, an effect done twice where the design promises once.
- Replies are *at least once* by design (OpenPhone has no idempotency key): a send
  whose answer was lost (timeout, malformed receipt, kill -9 mid-send) may reach the
  customer twice. Those resends are counted in the notes, not in `doubled`.

| scenario | attempts | accepted | refused | lost | doubled | notes | command |
|---|---|---|---|---|---|---|---|
"""

_OUTRO = """
Scenarios live in `tests/reliability/`; `make test` runs them too, with the
PostgreSQL load skipped and a shorter crash loop unless `CLAW_RELIABILITY=1`.
"""


def _document(rows: dict[str, str]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _INTRO.format(when=when) + "\n".join(rows[name] for name in sorted(rows)) + "\n" + _OUTRO


# Reading the outcome as an auditor would -------------------------------------------------

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
REPLY_ALERTS = frozenset({"A reply could not be sent", "A reply was refused"})


@attrs.define
class Findings:
    """What one or more conversations show; ``lost`` and ``doubled`` name each problem."""

    texts: int = 0
    decisions: int = 0
    replies_sent: int = 0
    replies_failed: int = 0
    resent: int = 0
    lost: list[str] = attrs.Factory(list)
    doubled: list[str] = attrs.Factory(list)

    def add(self, other: Findings) -> None:
        self.texts += other.texts
        self.decisions += other.decisions
        self.replies_sent += other.replies_sent
        self.replies_failed += other.replies_failed
        self.resent += other.resent
        self.lost += other.lost
        self.doubled += other.doubled


def audit_conversation(
    app: Any, conversation_id: UUID, *, expected_texts: int | None, delivered: int | None
) -> Findings:
    """Every text stored once and decided once; every reply sent, or failed with staff told.

    ``expected_texts``: distinct texts the customer sent (None: do not check).
    ``delivered``: texts the fake OpenPhone accepted for this customer (None: do not check).
    """
    found = Findings()
    label = str(conversation_id)[:8]
    try:
        conversation = app.conversation(conversation_id)
    except Exception:  # never created: every text it should hold is lost
        found.lost += [f"{label}: conversation missing"] * max(expected_texts or 1, 1)
        return found
    found.texts = conversation.texts_received
    if expected_texts is not None and found.texts < expected_texts:
        found.lost += [f"{label}: text not stored"] * (expected_texts - found.texts)
    if expected_texts is not None and found.texts > expected_texts:
        found.doubled += [f"{label}: text stored twice"] * (found.texts - expected_texts)
    covered = [
        event.through
        for event in app.repository.event_store.get(conversation_id)
        if type(event).__name__ in DECISION_EVENTS
        and (event.situation is None or event.situation.trigger is not Trigger.STAFF_APPROVAL)
    ]
    found.decisions = len(covered)
    if len(covered) != len(set(covered)) or covered != sorted(covered):
        found.doubled.append(f"{label}: texts decided twice {covered}")
    if conversation.processed_inbound < conversation.texts_received:
        undecided = conversation.texts_received - conversation.processed_inbound
        found.lost += [f"{label}: text never decided"] * undecided
    statuses = [text.status for text in app.texts_of(conversation)]
    found.replies_sent = statuses.count(ReplyStatus.SENT)
    found.replies_failed = statuses.count(ReplyStatus.FAILED)
    unsettled = [s for s in statuses if s in (ReplyStatus.QUEUED, ReplyStatus.OUTCOME_UNKNOWN)]
    found.lost += [f"{label}: reply never sent nor failed"] * len(unsettled)
    told = sum(
        1
        for alert in app.alerts_of(conversation)
        if alert.title in REPLY_ALERTS and alert.status is AlertStatus.DELIVERED
    )
    if found.replies_failed > told:
        found.lost += [f"{label}: reply failed, staff not told"] * (found.replies_failed - told)
    if delivered is not None:
        if delivered < found.replies_sent:
            found.lost += [f"{label}: reply recorded sent, never reached OpenPhone"] * (
                found.replies_sent - delivered
            )
        found.resent = max(0, delivered - found.replies_sent)
    return found


def action_runs(app: Any, action_ids: list[UUID], runs_by_target: Mapping[str, int]) -> Findings:
    """Hardware at most once: vendor runs per target never exceed the actions started there.

    An action that reached the vendor is SUCCEEDED, OUTCOME_UNKNOWN or FAILED (the vendor
    refused); one never started (cancelled, expired, awaiting) must have no run.
    """
    found = Findings()
    started: collections.Counter[str] = collections.Counter()
    succeeded: collections.Counter[str] = collections.Counter()
    for action_id in action_ids:
        action = app.pending_action(action_id)
        target = action.parameters.device_id or action.parameters.door_id or "?"
        if action.started_at is not None:
            started[str(target)] += 1
        if action.status is ActionStatus.SUCCEEDED:
            succeeded[str(target)] += 1
    for target in set(started) | set(runs_by_target) | set(succeeded):
        runs = runs_by_target.get(target, 0)
        if runs > started[target]:
            found.doubled += [f"{target}: run {runs} times for {started[target]} started"]
        if runs < succeeded[target]:
            found.lost += [f"{target}: {succeeded[target]} succeeded, {runs} runs"]
    return found


def venue_file(directory: Path, members: Mapping[str, str]) -> Path:
    """The demo venue with extra members (number -> location key), so every door story has
    a customer of its own (the door's reply limit and failure streak are per conversation)."""
    demo = Path(__file__).resolve().parents[2] / "src/claw_adapters/knowledge/demo_venue.yaml"
    extra = "".join(
        f'  - phone: "{number}"\n    name: Member {number[-4:]}\n    kind: member\n'
        f"    locations: [{location}]\n"
        for number, location in members.items()
    )
    text = demo.read_text()
    assert "\ncustomers:\n" in text
    text = text.replace("\ncustomers:\n", "\ncustomers:\n" + extra, 1)
    path = directory / "venue.yaml"
    path.write_text(text)
    return path


@attrs.define
class InProcess:
    """claw's aiohttp app and worker in this process, with memory ports (dry run)."""

    client: Any
    runtime: Any
    messenger: Any
    devices: Any
    doors: Any
    staff: Any

    async def deliver(self, delivery: tuple[bytes, Mapping[str, str]]) -> tuple[int, Any]:
        body, headers = delivery
        answer = await self.client.post("/webhooks/openphone", data=body, headers=headers)
        return answer.status, await answer.json(content_type=None)

    async def log_position(self) -> int:
        return await asyncio.to_thread(self.runtime.app.recorder.max_notification_id) or 0


@contextlib.asynccontextmanager
async def in_process(
    database_url: str,
    *,
    env: Mapping[str, str] | None = None,
    run_worker: bool = True,
    language_model: Any = None,
) -> AsyncIterator[InProcess]:
    from aiohttp.test_utils import TestClient, TestServer  # noqa: PLC0415
    from e2e_support import SIGNING_KEY  # noqa: PLC0415

    from claw_adapters.fakes.memory import (  # noqa: PLC0415
        MemoryDevices,
        MemoryDoors,
        MemoryMessenger,
        MemoryStaff,
    )
    from claw_entrypoints.bootstrap import bootstrap, effect_ports  # noqa: PLC0415
    from claw_entrypoints.config import load_config  # noqa: PLC0415
    from claw_entrypoints.web.app import create_web_app  # noqa: PLC0415

    config = load_config(
        {
            "CLAW_DATABASE_URL": database_url,
            "CLAW_DEBOUNCE_SECONDS": "0.1",
            "CLAW_OPENPHONE_WEBHOOK_KEY": SIGNING_KEY,
            "CLAW_OPENPHONE_WEBHOOK_SECRET": STANDARD_SECRET,
            "CLAW_MAX_WEBHOOK_BYTES": str(MAX_BODY),
            **(env or {}),
        }
    )
    messenger, devices, doors, staff = (
        MemoryMessenger(),
        MemoryDevices(),
        MemoryDoors(),
        MemoryStaff(),
    )
    ports = effect_ports(messenger=messenger, devices=devices, doors=doors, staff=staff)
    runtime = await bootstrap(config, ports=ports, language_model=language_model)
    async with TestClient(
        TestServer(create_web_app(runtime, run_worker=run_worker), host="127.0.0.1")
    ) as client:
        yield InProcess(client, runtime, messenger, devices, doors, staff)


STANDARD_SECRET = "whsec_" + "cmVsaWFiaWxpdHktc3RhbmRhcmQtd2ViaG9va3MtMzI="
MAX_BODY = 16 * 1024
