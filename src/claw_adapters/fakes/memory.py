"""In-memory port implementations with memory of what they were asked to do.

Tests read ``sent``, ``resets`` and ``unlocked`` to see effects; ``claw`` uses
them as the dry-run adapters when no vendor credentials are configured, so
effects are recorded and logged but never leave the machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import attrs
import structlog

from claw_domain.errors import EffectError
from claw_domain.ports import (
    DRY_RUN_MESSAGE_PREFIX,
    ActionReceipt,
    DeviceStatus,
    LlmClassification,
    LlmDraft,
    SentText,
    StaffAlert,
)
from claw_domain.slots import ConversationContext
from claw_domain.values import Entities, Intent, LlmUsage

log = structlog.get_logger("claw.dry_run")


@attrs.define
class SettableClock:
    """A clock the test (or the harness) moves by hand."""

    current: datetime = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


# How many sent texts a memory messenger remembers. ``claw serve`` runs on one for
# months when OpenPhone is not configured, so older texts are counted, not kept.
SENT_TEXTS_KEPT = 1000


@attrs.define
class MemoryMessenger:
    # The last ``keep_last`` texts, oldest first; ``sent_count`` counts every one.
    sent: list[tuple[str, str]] = attrs.Factory(list)
    # Errors to raise on the next calls, first in first out.
    failures: list[EffectError] = attrs.Factory(list)
    before_send: Callable[[str, str], None] | None = None
    keep_last: int = attrs.field(default=SENT_TEXTS_KEPT, validator=attrs.validators.ge(1))
    sent_count: int = 0
    # (line, to) of the texts sent from a given line, oldest first.
    lines_used: list[tuple[str, str]] = attrs.Factory(list)

    async def send_text(self, *, to: str, body: str) -> SentText:
        if self.before_send is not None:
            self.before_send(to, body)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, body))
        if len(self.sent) > self.keep_last:
            del self.sent[: len(self.sent) - self.keep_last]
        self.sent_count += 1
        log.info("dry_run_text", to_suffix=to[-4:], length=len(body))
        # Numbered by the count, not the list: ids stay unique once old texts are dropped.
        return SentText(
            vendor_message_id=f"{DRY_RUN_MESSAGE_PREFIX}{self.sent_count}", status="sent"
        )

    async def send_text_from(self, *, line: str, to: str, body: str) -> SentText:
        sent = await self.send_text(to=to, body=body)
        self.lines_used.append((line, to))
        del self.lines_used[: max(0, len(self.lines_used) - self.keep_last)]
        return sent


@attrs.define
class MemoryDevices:
    offline: set[str] = attrs.Factory(set)
    resets: list[str] = attrs.Factory(list)
    failures: list[EffectError] = attrs.Factory(list)
    before_reset: Callable[[str], None] | None = None

    async def device_status(self, device_id: str) -> DeviceStatus:
        return DeviceStatus(device_id=device_id, online=device_id not in self.offline)

    async def reset_simulator(self, device_id: str) -> ActionReceipt:
        if self.before_reset is not None:
            self.before_reset(device_id)
        if self.failures:
            raise self.failures.pop(0)
        self.resets.append(device_id)
        log.info("dry_run_reset", device=device_id)
        return ActionReceipt(detail="reset script accepted (dry run)")


@attrs.define
class MemoryDoors:
    unlocked: list[tuple[str, int | None]] = attrs.Factory(list)
    failures: list[EffectError] = attrs.Factory(list)
    before_unlock: Callable[[str], None] | None = None

    async def unlock(self, door_id: str, *, seconds: int | None, actor: str) -> ActionReceipt:
        if self.before_unlock is not None:
            self.before_unlock(door_id)
        if self.failures:
            raise self.failures.pop(0)
        self.unlocked.append((door_id, seconds))
        log.info("dry_run_unlock", door=door_id, seconds=seconds)
        return ActionReceipt(detail="door unlocked (dry run)")


@attrs.define
class MemoryStaff:
    alerts: list[StaffAlert] = attrs.Factory(list)
    failures: list[EffectError] = attrs.Factory(list)
    before_alert: Callable[[StaffAlert], None] | None = None

    async def notify(self, alert: StaffAlert) -> None:
        if self.before_alert is not None:
            self.before_alert(alert)
        if self.failures:
            raise self.failures.pop(0)
        self.alerts.append(alert)
        log.info("dry_run_staff_alert", title=alert.title)


@attrs.define
class NoLanguageModel:
    """Stands in when no LLM is configured: understanding falls back to staff."""

    async def classify(
        self,
        text: str,
        intents: Sequence[Intent],
        context: ConversationContext | None = None,
    ) -> LlmClassification:
        msg = "no language model is configured"
        raise EffectError(msg)

    async def draft_answer(self, question: str, knowledge: str) -> LlmDraft:
        msg = "no language model is configured"
        raise EffectError(msg)


UNUSED_USAGE = LlmUsage(model="none", prompt_tokens=0, completion_tokens=0, cost_usd=0.0)
NO_ENTITIES = Entities()
