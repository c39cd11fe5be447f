"""The ports: what the domain and service layer need from the world.

Adapters in ``claw_adapters`` implement these; tests use fakes with memory.
Errors are the ones in ``claw_domain.errors``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from claw_domain.slots import ConversationContext
from claw_domain.values import (
    ActionKind,
    ActionParameters,
    Classification,
    Entities,
    Intent,
    LlmUsage,
)


@attrs.frozen
class SentText:
    """The vendor's receipt for an outbound text."""

    vendor_message_id: str
    status: str


# The receipt id a dry-run messenger gives: the text was recorded, never sent. The
# timeline reads it back from ``TextSent`` to say "not sent (dry run)".
DRY_RUN_MESSAGE_PREFIX = "dry-"


def was_dry_run(vendor_message_id: str | None) -> bool:
    return bool(vendor_message_id) and str(vendor_message_id).startswith(DRY_RUN_MESSAGE_PREFIX)


@attrs.frozen
class DeviceStatus:
    device_id: str
    online: bool
    last_contact: datetime | None = None


@attrs.frozen
class ActionReceipt:
    """What the vendor said when it accepted an action."""

    detail: str = ""
    vendor_reference: str = ""


class AlertSeverity(enum.StrEnum):
    INFO = "info"
    URGENT = "urgent"


@attrs.frozen
class StaffAlert:
    """A message to the on-duty staff (SMS and, when configured, Slack)."""

    title: str
    body: str
    conversation_id: str = ""
    severity: AlertSeverity = AlertSeverity.INFO


@attrs.frozen
class LlmClassification:
    """The language model's reading of a text; never authority for an action."""

    intent: Intent
    confidence: float
    entities: Entities
    usage: LlmUsage


@attrs.frozen
class LlmDraft:
    text: str
    usage: LlmUsage


class Clock(Protocol):
    def now(self) -> datetime: ...


class Messenger(Protocol):
    async def send_text(self, *, to: str, body: str) -> SentText:
        """Send one SMS from the venue line. Raises an ``EffectError``."""
        ...


class DeviceController(Protocol):
    async def device_status(self, device_id: str) -> DeviceStatus: ...

    async def reset_simulator(self, device_id: str) -> ActionReceipt:
        """Run the reset script once. Never retried by the adapter."""
        ...


class DoorController(Protocol):
    async def unlock(self, door_id: str, *, seconds: int | None, actor: str) -> ActionReceipt:
        """Unlock a door, for a bounded time where ``seconds`` is given."""
        ...


class ActionRunner(Protocol):
    """Carries out one kind of hardware action on its target; one adapter per ``ActionKind``.

    The composition root maps each kind to its runner. Raises an ``EffectError``;
    ``OutcomeUnknownError`` when the vendor may or may not have done it. Never retried.
    """

    async def target_online(self, parameters: ActionParameters) -> bool:
        """Whether the target answers; asked first where the action's description says so."""
        ...

    async def run(self, parameters: ActionParameters) -> ActionReceipt: ...


class StaffNotifier(Protocol):
    async def notify(self, alert: StaffAlert) -> None:
        """Raises ``EffectError``; with ``code="partial"`` when some channel reached staff."""
        ...


class LanguageModel(Protocol):
    async def classify(
        self,
        text: str,
        intents: Sequence[Intent],
        context: ConversationContext | None = None,
    ) -> LlmClassification:
        """Which of ``intents`` the text is about, read after the conversation's last turns."""
        ...

    async def draft_answer(self, question: str, knowledge: str) -> LlmDraft: ...


class TextClassifier(Protocol):
    """The local, deterministic stages of understanding (patterns, statistical model)."""

    def classify(self, text: str) -> Classification | None:
        """A confident classification, or None to defer to the next stage."""
        ...


class Understanding(Protocol):
    """The whole understanding pipeline: patterns, local model, then the LLM."""

    async def understand(
        self, text: str, context: ConversationContext | None = None
    ) -> Classification:
        """Always a classification: a failing LLM yields a fallback for staff.

        ``context``: the conversation before the text, for the stages that read it.
        """
        ...


class KnowledgeBase(Protocol):
    def answer(self, intent: Intent, entities: Entities) -> str | None:
        """A canned answer with placeholders filled, or None where staff must answer."""
        ...

    def reference_text(self) -> str:
        """The venue facts an LLM draft may use, and nothing else."""
        ...


class CustomerDirectory(Protocol):
    def may_open_door(self, phone: str, location: str) -> bool:
        """Whether the venue knows this number as a member or booked customer there."""
        ...


class Venue(KnowledgeBase, CustomerDirectory, Protocol):
    """Everything the service layer asks of the venue's own knowledge."""

    def action_parameters(self, kind: ActionKind, entities: Entities) -> ActionParameters | None:
        """The vendor ids for an action's target, or None when the text did not say enough."""
        ...

    def known_location(self, entities: Entities) -> str | None:
        """The location the text names, or the venue's only one; None when unclear."""
        ...

    def is_own_number(self, phone: str) -> bool:
        """The venue's own lines: claw never answers them."""
        ...

    def location_name(self, location: str) -> str: ...


@runtime_checkable
class FollowsKnowledge(Protocol):
    """A venue whose knowledge is published in the log: it follows the latest version."""

    def follow(self) -> int | None:
        """Catch up with the latest published version (cheaply, at most every moment)
        and return the version now in use, for the decision to cite."""
        ...


@runtime_checkable
class KnowsHoldingReplies(Protocol):
    """A venue with its own words for telling a customer staff will answer, per topic."""

    def holding_reply(self, intent: Intent) -> str | None:
        """The venue's holding reply for ``intent``; None for claw's standard sentence."""
        ...


@runtime_checkable
class KnowsLines(Protocol):
    """A venue with several lines, each on a location or on the whole venue."""

    def location_of_line(self, line: str) -> str | None:
        """The location a text to ``line`` is about when it names none (None: any)."""
        ...


@runtime_checkable
class SendsFromLines(Protocol):
    """A messenger that can send from any of the venue's lines, not just its default one."""

    async def send_text_from(self, *, line: str, to: str, body: str) -> SentText:
        """Send one SMS from ``line``. Raises an ``EffectError``."""
        ...
