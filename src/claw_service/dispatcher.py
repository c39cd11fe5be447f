"""The effect dispatcher: follows the event log and carries out what was decided.

It follows the creation of outbox items (``TextQueued``, ``AlertRaised``) and
decisions to execute, and records what became of each on the outbox item or the
pending action, never on a conversation: customers append to conversations, the
dispatcher does not, so an outcome never conflicts with a customer's text.

Its position in the log is saved in the same transaction as each outcome, so a
crash never loses an effect. Texts go out at least once; hardware actions at
most once: ``ExecutionStarted`` is saved before the vendor is called, and an
action found started-but-unfinished after a crash is recorded as an unknown
outcome and raised with staff, never repeated. The emergency stop and the
customer's opt-out are checked again immediately before every effect: the stop
withholds every text to a customer and every hardware action, never an alert to
staff (an alert sent under the stop says so).
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from uuid import UUID

import attrs
import structlog
from eventsourcing.persistence import Tracking

from claw_adapters.projections.events import RecordedEvent, Unreadable
from claw_adapters.projections.failures import (
    ProjectionFailure,
    ProjectionFailureLog,
    ReportState,
    describe_error,
)
from claw_domain import events, wording
from claw_domain.actions import action_spec
from claw_domain.conversation import Conversation
from claw_domain.errors import (
    ConfigurationError,
    EffectError,
    OutcomeUnknownError,
    TransientEffectError,
)
from claw_domain.outbox import AlertContent, HoldReason, OutboundText, ReplyPurpose
from claw_domain.pending_action import ActionStatus, PendingAction
from claw_domain.ports import (
    ActionRunner,
    AlertSeverity,
    Clock,
    Messenger,
    SendsFromLines,
    SentText,
    StaffAlert,
    StaffNotifier,
)
from claw_domain.privacy import FORGOTTEN
from claw_domain.values import ActionKind
from claw_service.application import ClawApplication
from claw_service.follower import LogFollower

log = structlog.get_logger("claw.dispatcher")
T = TypeVar("T")

DISPATCHER_NAME = "dispatcher"
# Attempts for a reply before it is given up and raised with staff.
REPLY_ATTEMPTS = 4
# The ``EffectError.code`` of a staff alert that reached staff on some channel only.
PARTIAL_DELIVERY = "partial"
# Leads every staff alert sent while the emergency stop is engaged: staff must act by hand.
STOP_NOTICE = (
    "[Emergency stop is ON: claw sends nothing to customers and runs no action; "
    "please handle this yourself.]"
)


class EffectKind(enum.StrEnum):
    SEND_TEXT = "send_text"
    ALERT_STAFF = "alert_staff"
    EXECUTE_ACTION = "execute_action"


# Which recorded events call for an effect, by class: the dispatcher reads only these.
_EFFECTS_BY_EVENT: dict[type, EffectKind] = {
    events.TextQueued: EffectKind.SEND_TEXT,
    events.AlertRaised: EffectKind.ALERT_STAFF,
    events.DecidedToExecute: EffectKind.EXECUTE_ACTION,
}
# Effects carried out per run. The worker decides new texts between runs, and sending is
# paced by the vendor (OpenPhone: 10 texts a second), so a long run holds every new
# decision back behind it: 200 texts a run took 20 s, and decisions under load fell from
# hundreds a second to tens.
EFFECTS_PER_RUN = 20
# The metric an effect-carrying event counts under when it cannot be read.
UNREADABLE_EFFECT = "unreadable_event"


def _a_runner_for_every_action(
    _instance: object,
    _attribute: attrs.Attribute[Mapping[ActionKind, ActionRunner]],
    value: Mapping[ActionKind, ActionRunner],
) -> None:
    missing = sorted(kind.value for kind in ActionKind if kind not in value)
    if missing:
        msg = f"no action runner for {', '.join(missing)}: map each action kind to its adapter"
        raise ConfigurationError(msg)


@attrs.frozen
class EffectPorts:
    messenger: Messenger
    staff: StaffNotifier
    # Each action kind's adapter, chosen by the composition root.
    actions: Mapping[ActionKind, ActionRunner] = attrs.field(validator=_a_runner_for_every_action)


async def _in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    # The eventsourcing library is synchronous: keep it off the event loop.
    return await asyncio.to_thread(function, *args, **kwargs)


class EffectDispatcher:
    def __init__(
        self,
        app: ClawApplication,
        ports: EffectPorts,
        clock: Clock,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        retry_base_seconds: float = 0.5,
        name: str = DISPATCHER_NAME,
        on_effect: Callable[[str, str], None] | None = None,
        failures: ProjectionFailureLog | None = None,
        batch_size: int = EFFECTS_PER_RUN,
    ) -> None:
        self.app = app
        self.ports = ports
        self.clock = clock
        self.sleep = sleep
        self.retry_base_seconds = retry_base_seconds
        self.name = name
        self.on_effect = on_effect
        # Where an effect-carrying event that cannot be read is recorded for the console.
        self.failures = failures
        self.batch_size = batch_size
        self.follower = LogFollower(app, _EFFECTS_BY_EVENT)

    def _observe(self, effect: str, outcome: str) -> None:
        if self.on_effect is not None:
            self.on_effect(effect, outcome)

    def position(self) -> int:
        return self.app.process_recorder.max_tracking_id(self.name) or 0

    async def run_once(self, limit: int | None = None) -> int:
        """Carry out the effects recorded after the saved position.

        Returns how far the position moved (0: nothing new in the log), as the
        number of notifications it passed, whether or not they called for an effect.
        """
        position = await _in_thread(self.position)
        batch = await _in_thread(self.follower.read, position, limit or self.batch_size)
        for event in batch.events:
            if isinstance(event.event, Unreadable):
                await self._unreadable(event, event.event)
                continue
            await self._carry_out(
                _EFFECTS_BY_EVENT[event.event_class], event.event, self._tracking(event.position)
            )
        handled = batch.events[-1].position if batch.events else position
        if batch.reached > handled:
            # Events after the last effect call for none: advance the position in one write.
            await self._advance(self._tracking(batch.reached))
        return batch.reached - position

    def _tracking(self, notification_id: int) -> Tracking:
        return Tracking(application_name=self.name, notification_id=notification_id)

    async def _advance(self, tracking: Tracking | None) -> None:
        if tracking is not None:
            await _in_thread(self.app.record_dispatch_position, tracking)

    async def _carry_out(self, effect: EffectKind, event: Any, tracking: Tracking) -> None:
        if effect is EffectKind.SEND_TEXT:
            await self._send_text(event.originator_id, tracking)
        elif effect is EffectKind.ALERT_STAFF:
            await self._deliver_alert(event.originator_id, tracking)
        elif event.pending_action_id is not None:
            await self._execute(event.pending_action_id, tracking)
        else:
            await self._advance(tracking)

    async def _unreadable(self, event: RecordedEvent, unreadable: Unreadable) -> None:
        """An event that calls for an effect, and cannot be read: recorded, staff told, passed.

        Stopping on it held every later reply and action behind it for good;
        passing over it silently would lose its effect. Staff get an urgent
        alert naming the conversation and the event, the console lists it with
        the read side's skipped events, and the metric counts it; then the
        dispatcher moves on. A crash before the position is saved tells staff
        again: at least once, like a reply.
        """
        reason = describe_error(unreadable.error)
        log.error(
            "effect_event_unreadable",
            position=event.position,
            event_name=event.name,
            conversation=str(event.originator_id),
            reason=reason,
        )
        self._observe(UNREADABLE_EFFECT, "skipped")
        body = (
            f"claw could not read event {event.position} ({event.name}) of stream "
            f"{event.originator_id}, so whatever it called for (a reply, an action, an "
            f"alert) was not done. Please look at that conversation yourself. Why: {reason}"
        )
        try:
            await self.ports.staff.notify(
                StaffAlert(
                    title="An effect was not carried out",
                    body=body,
                    conversation_id=str(event.originator_id),
                    severity=AlertSeverity.URGENT,
                )
            )
            reported = ReportState.SENT
        except EffectError as alert_error:
            log.error("staff_alert_failed", error=str(alert_error), reached_staff=False)
            reported = ReportState.FAILED
        if self.failures is not None:
            failure = ProjectionFailure(
                projection=self.name,
                position=event.position,
                event=event.name,
                reason=reason,
                at=self.clock.now(),
                reported=reported,
            )
            await _in_thread(self.failures.record, failure)
        await self._advance(self._tracking(event.position))

    # Texts to customers ------------------------------------------------------------------

    async def _send_on_the_customers_line(
        self, conversation: Conversation, text: OutboundText
    ) -> SentText:
        # The reply goes out on the line the customer texted, so it lands in the same thread.
        messenger = self.ports.messenger
        if isinstance(messenger, SendsFromLines):
            return await messenger.send_text_from(
                line=conversation.venue_line, to=text.customer_number, body=text.body
            )
        return await messenger.send_text(to=text.customer_number, body=text.body)

    async def _send_text(self, text_id: UUID, tracking: Tracking | None) -> None:
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            # Re-read right before the effect: the stop or an opt-out may have come in.
            text = await _in_thread(self.app.outbound_text, text_id)
            if not text.is_queued:
                await self._advance(tracking)  # sent (or settled) already, e.g. before a crash
                return
            conversation = await _in_thread(self.app.conversation, text.conversation_id)
            held = await _in_thread(self._hold_reason, conversation, text)
            if held is not None:
                await _in_thread(self.app.withhold_text, text_id, held, self.clock.now(), tracking)
                log.info("reply_withheld", conversation=str(conversation.id), reason=held.value)
                self._observe("reply", "withheld")
                return
            try:
                sent = await self._send_on_the_customers_line(conversation, text)
            except (TransientEffectError, OutcomeUnknownError) as error:
                # OpenPhone has no idempotency key: a resend after a timeout may
                # double-send, which claw accepts for replies (at least once).
                last_attempt = attempt == REPLY_ATTEMPTS
                alert = await _in_thread(
                    self.app.record_text_failed,
                    text_id,
                    str(error),
                    self.clock.now(),
                    tracking if last_attempt else None,
                    retryable=not last_attempt,
                    alert_title="A reply could not be sent" if last_attempt else None,
                )
                log.warning(
                    "reply_failed", attempt=attempt, error=str(error), retrying=not last_attempt
                )
                self._observe("reply", "failed" if last_attempt else "retrying")
                if last_attempt:
                    await self._deliver_alert(alert, None)
                    return
                await self.sleep(self.retry_base_seconds * 2 ** (attempt - 1))
                continue
            except EffectError as error:
                alert = await _in_thread(
                    self.app.record_text_failed,
                    text_id,
                    str(error),
                    self.clock.now(),
                    tracking,
                    retryable=False,
                    alert_title="A reply was refused",
                )
                log.warning("reply_rejected", error=str(error), code=error.code)
                self._observe("reply", "rejected")
                await self._deliver_alert(alert, None)
                return
            await _in_thread(
                self.app.record_text_sent,
                text_id,
                sent.vendor_message_id,
                self.clock.now(),
                tracking,
            )
            log.info("reply_sent", conversation=str(conversation.id), purpose=text.purpose.value)
            self._observe("reply", "sent")
            return

    def _hold_reason(
        self, conversation: Conversation, text: OutboundText | None = None
    ) -> HoldReason | None:
        """Why a text to the customer, or an action, must not happen now; None when it may."""
        if self.app.settings().emergency_stop is not None:
            return HoldReason.EMERGENCY_STOP
        if text is not None and text.customer_number == FORGOTTEN:
            return HoldReason.CUSTOMER_FORGOTTEN
        confirmation = text is not None and text.purpose is ReplyPurpose.OPT_OUT_CONFIRMATION
        if conversation.opted_out and not confirmation:
            return HoldReason.OPTED_OUT
        return None

    # Staff -------------------------------------------------------------------------------

    async def _deliver_alert(self, alert_id: UUID | None, tracking: Tracking | None) -> None:
        if alert_id is None:
            await self._advance(tracking)
            return
        alert = await _in_thread(self.app.outbound_alert, alert_id)
        if not alert.is_raised:
            await self._advance(tracking)  # delivered (or settled) already
            return
        if alert.action_id is not None:
            action = await _in_thread(self.app.pending_action, alert.action_id)
            if not action.is_open or not action.approval_needed:
                # Approved, rejected or closed meanwhile: there is nothing left to ask staff.
                reason = f"the action is {action.status}, approval needed: {action.approval_needed}"
                await _in_thread(self.app.drop_alert, alert_id, reason, self.clock.now(), tracking)
                return
        body = alert.body
        # The stop never holds an alert back: under it, staff are the only ones acting.
        if await _in_thread(lambda: self.app.settings().emergency_stop is not None):
            body = f"{STOP_NOTICE}\n{body}"
        try:
            await self.ports.staff.notify(
                StaffAlert(
                    title=alert.title,
                    body=body,
                    conversation_id=str(alert.conversation_id),
                    severity=alert.severity,
                )
            )
            delivered, detail = True, ""
        except EffectError as error:
            # Recorded, never dropped: the alert's failure shows in the audit trail.
            # A notifier that reached staff on one channel and not another says
            # "partial": staff were told, so the alert counts as delivered, with the
            # failed channel kept in the detail.
            delivered = error.code == PARTIAL_DELIVERY
            detail = str(error)
            log.error("staff_alert_failed", error=str(error), reached_staff=delivered)
        self._observe("staff_alert", "sent" if delivered else "failed")
        await _in_thread(
            self.app.record_alert_outcome,
            alert_id,
            self.clock.now(),
            tracking,
            delivered=delivered,
            detail=detail,
        )

    # Actions -------------------------------------------------------------------------------

    async def _execute(self, action_id: UUID, tracking: Tracking | None) -> None:
        action = await _in_thread(self.app.pending_action, action_id)
        target = await _in_thread(self.app.describe, action)
        now = self.clock.now()

        if action.status is ActionStatus.EXECUTING:
            # Started before a crash, never finished: it may or may not have happened.
            action.outcome_unknown("claw restarted while the action was in flight", now)
            await self._finish(
                action,
                wording.action_outcome_unknown(target),
                AlertContent(
                    "Action outcome unknown",
                    f"{target}: claw restarted mid-action; please check it.",
                    AlertSeverity.URGENT,
                ),
                tracking,
            )
            return
        if action.status is not ActionStatus.READY:
            await self._advance(tracking)
            return
        conversation = await _in_thread(self.app.conversation, action.conversation_id)
        held = await _in_thread(self._hold_reason, conversation)
        if held is not None:
            await _in_thread(self.app.hold_action, action.id, held, now, tracking)
            return
        if now > action.deadline:
            action.expire(now)
            await self._finish(action, wording.expired(action.kind), None, tracking)
            return

        spec = action_spec(action.kind)
        runner = self.ports.actions[action.kind]
        if spec.checks_target_first:
            try:
                online = await runner.target_online(action.parameters)
            except EffectError as error:
                action.fail(f"device check failed: {error}", now)
                await self._finish(
                    action,
                    wording.action_failed(target),
                    AlertContent(spec.words.check_failed_title, f"{target}: {error}"),
                    tracking,
                )
                return
            if not online:
                action.fail("device offline", now)
                await self._finish(
                    action,
                    wording.target_offline(action.kind, target),
                    AlertContent(spec.words.offline_title, f"{target} is offline."),
                    tracking,
                )
                return

        action = await _in_thread(self.app.start_action, action.id, now)
        try:
            receipt = await runner.run(action.parameters)
        except OutcomeUnknownError as error:
            action.outcome_unknown(str(error), self.clock.now())
            await self._finish(
                action,
                wording.action_outcome_unknown(target),
                AlertContent("Action outcome unknown", f"{target}: {error}", AlertSeverity.URGENT),
                tracking,
            )
            return
        except EffectError as error:
            action.fail(str(error), self.clock.now())
            await self._finish(
                action,
                wording.action_failed(target),
                AlertContent("Action failed", f"{target}: {error}"),
                tracking,
            )
            return
        action.succeed(receipt.detail or "accepted", self.clock.now())
        await self._finish(action, wording.starting(action.kind, target), None, tracking)

    async def _finish(
        self,
        action: PendingAction,
        notice: str,
        alert: AlertContent | None,
        tracking: Tracking | None,
    ) -> None:
        """Save the action's outcome with the customer's text and any alert; then send them."""
        self._observe(action.kind.value, action.status.value)
        text_id, alert_id = await _in_thread(
            self.app.finish_action, action, notice, alert, self.clock.now(), tracking
        )
        if text_id is not None:
            await self._send_text(text_id, None)
        if alert_id is not None:
            await self._deliver_alert(alert_id, None)
