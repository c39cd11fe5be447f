"""The effect dispatcher: follows the event log and carries out what was decided.

Its position in the log is saved in the same transaction as each outcome, so a
crash never loses an effect. Replies go out at least once; hardware actions at
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
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import attrs
import structlog
from eventsourcing.persistence import IntegrityError, Tracking

from claw_adapters.projections.events import RecordedEvent, Unreadable
from claw_adapters.projections.failures import (
    ProjectionFailure,
    ProjectionFailureLog,
    ReportState,
    describe_error,
)
from claw_domain import events, wording
from claw_domain.conversation import AlertOutcome, Conversation, ReplyPurpose, ReplyStatus
from claw_domain.decisions import Decision, Reason
from claw_domain.errors import EffectError, OutcomeUnknownError, TransientEffectError
from claw_domain.pending_action import ActionStatus, PendingAction
from claw_domain.ports import (
    AlertSeverity,
    Clock,
    DeviceController,
    DoorController,
    Messenger,
    StaffAlert,
    StaffNotifier,
)
from claw_domain.values import ActionKind
from claw_service.application import ClawApplication
from claw_service.follower import LogFollower
from claw_service.retry import MAX_ATTEMPTS, ConcurrencyExhaustedError

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
    SEND_REPLIES = "send_replies"
    ALERT_STAFF = "alert_staff"
    REQUEST_APPROVAL = "request_approval"
    EXECUTE_ACTION = "execute_action"


# Which recorded events call for an effect, by class: the dispatcher reads only these.
_EFFECTS_BY_EVENT: dict[type, tuple[EffectKind, ...]] = {
    events.DecidedToRespond: (EffectKind.SEND_REPLIES,),
    events.DecidedToRequestConfirmation: (EffectKind.SEND_REPLIES, EffectKind.REQUEST_APPROVAL),
    events.DecidedToExecute: (EffectKind.EXECUTE_ACTION, EffectKind.SEND_REPLIES),
    events.DecidedToEscalate: (EffectKind.ALERT_STAFF,),
    events.NoticeQueued: (EffectKind.SEND_REPLIES,),
    events.SuggestionApproved: (EffectKind.SEND_REPLIES,),
    events.SuggestionEdited: (EffectKind.SEND_REPLIES,),
}
# The metric an effect-carrying event counts under when it cannot be read.
UNREADABLE_EFFECT = "unreadable_event"


@attrs.frozen
class EffectPorts:
    messenger: Messenger
    devices: DeviceController
    doors: DoorController
    staff: StaffNotifier


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
        batch_size: int = 200,
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
            await self._carry_out(event.event, _EFFECTS_BY_EVENT[event.event_class], event.position)
        handled = batch.events[-1].position if batch.events else position
        if batch.reached > handled:
            # Events after the last effect call for none: advance the position in one write.
            await _in_thread(self.app.record_effect, tracking=self._tracking(batch.reached))
        return batch.reached - position

    def _tracking(self, notification_id: int) -> Tracking:
        return Tracking(application_name=self.name, notification_id=notification_id)

    async def _carry_out(self, event: Any, effects: tuple[EffectKind, ...], position: int) -> None:
        conversation_id: UUID = event.originator_id
        tracking = self._tracking(position)
        for effect in effects:
            last = effect is effects[-1]
            if effect is EffectKind.EXECUTE_ACTION:
                await self._execute(event.pending_action_id, tracking if last else None)
            elif effect is EffectKind.SEND_REPLIES:
                await self._send_replies(conversation_id, tracking if last else None)
            elif effect is EffectKind.ALERT_STAFF:
                await self._alert_for_decision(conversation_id, event.decision, tracking)
            elif effect is EffectKind.REQUEST_APPROVAL:
                decision: Decision = event.decision
                if decision.reason is Reason.APPROVAL_REQUIRED:
                    await self._request_approval(
                        event.pending_action_id, tracking if last else None
                    )
                elif last:
                    await _in_thread(self.app.record_effect, tracking=tracking)

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
            f"claw could not read event {event.position} ({event.name}) of conversation "
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
        await _in_thread(self.app.record_effect, tracking=self._tracking(event.position))

    # Replies ---------------------------------------------------------------------------

    async def _send_replies(self, conversation_id: UUID, tracking: Tracking | None) -> None:
        conversation = await _in_thread(self.app.conversation, conversation_id)
        queued = conversation.queued_replies()
        if not queued and tracking is not None:
            await _in_thread(self.app.record_effect, tracking=tracking)
        for index, reply in enumerate(queued):
            final = tracking if index == len(queued) - 1 else None
            await self._send_reply(conversation_id, reply.number, final)

    async def _send_reply(
        self, conversation_id: UUID, number: int, tracking: Tracking | None
    ) -> None:
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            # Re-read right before the effect: the stop or an opt-out may have come in.
            conversation = await _in_thread(self.app.conversation, conversation_id)
            reply = conversation.replies[number]
            if reply not in conversation.queued_replies():
                await _in_thread(self.app.record_effect, tracking=tracking)
                return
            held = await _in_thread(self._hold_reason, conversation, reply.purpose)
            if held is not None:
                conversation.withhold_reply(number, held, self.clock.now())
                await _in_thread(self.app.record_effect, conversation, tracking=tracking)
                log.info("reply_withheld", conversation=str(conversation_id), reason=held.value)
                self._observe("reply", "withheld")
                return
            try:
                sent = await self.ports.messenger.send_text(
                    to=conversation.customer_number, body=reply.body
                )
            except (TransientEffectError, OutcomeUnknownError) as error:
                # OpenPhone has no idempotency key: a resend after a timeout may
                # double-send, which claw accepts for replies (at least once).
                last_attempt = attempt == REPLY_ATTEMPTS
                await self._record_on(
                    conversation_id,
                    _reply_failed(number, str(error), not last_attempt, self.clock.now()),
                    tracking if last_attempt else None,
                )
                log.warning(
                    "reply_failed", attempt=attempt, error=str(error), retrying=not last_attempt
                )
                self._observe("reply", "failed" if last_attempt else "retrying")
                if last_attempt:
                    await self._alert(
                        conversation_id, "A reply could not be sent", str(error), None
                    )
                    return
                await self.sleep(self.retry_base_seconds * 2 ** (attempt - 1))
                continue
            except EffectError as error:
                await self._record_on(
                    conversation_id,
                    _reply_failed(number, str(error), False, self.clock.now()),
                    tracking,
                )
                log.warning("reply_rejected", error=str(error), code=error.code)
                self._observe("reply", "rejected")
                await self._alert(conversation_id, "A reply was refused", str(error), None)
                return
            await self._record_on(
                conversation_id,
                _reply_sent(number, sent.vendor_message_id, self.clock.now()),
                tracking,
            )
            log.info("reply_sent", conversation=str(conversation_id), purpose=reply.purpose.value)
            self._observe("reply", "sent")
            return

    async def _record_on(
        self,
        conversation_id: UUID,
        record: Callable[[Conversation], None],
        tracking: Tracking | None,
    ) -> None:
        """Record what became of an effect on a fresh copy of the conversation.

        The effect has already happened. A customer's text saved meanwhile makes the
        save conflict; reloading and recording again keeps the record (and the
        position), where giving up would repeat the effect on the next run.
        """
        for _attempt in range(MAX_ATTEMPTS):
            conversation = await _in_thread(self.app.conversation, conversation_id)
            record(conversation)
            try:
                await _in_thread(self.app.record_effect, conversation, tracking=tracking)
            except IntegrityError:
                continue
            return
        msg = f"recording an effect on {conversation_id} conflicted {MAX_ATTEMPTS} times"
        raise ConcurrencyExhaustedError(msg)

    def _hold_reason(
        self, conversation: Conversation, purpose: ReplyPurpose | None = None
    ) -> Reason | None:
        """Why a text to the customer, or an action, must not happen now; None when it may."""
        if self.app.settings().emergency_stop is not None:
            return Reason.EMERGENCY_STOP
        if conversation.opted_out and purpose is not ReplyPurpose.OPT_OUT_CONFIRMATION:
            return Reason.OPTED_OUT
        return None

    # Staff -------------------------------------------------------------------------------

    async def _alert_for_decision(
        self, conversation_id: UUID, decision: Decision, tracking: Tracking
    ) -> None:
        conversation = await _in_thread(self.app.conversation, conversation_id)
        latest = conversation.inbound[-1].body if conversation.inbound else ""
        body = (
            f"Customer {conversation.customer_number} needs a person "
            f"({decision.reason.value}, intent {decision.intent.value}): {latest[:300]}"
        )
        severity = AlertSeverity.URGENT if decision.staff_alert_is_urgent else AlertSeverity.INFO
        await self._alert(conversation_id, "Customer needs staff", body, tracking, severity)

    async def _request_approval(self, action_id: UUID, tracking: Tracking | None) -> None:
        action = await _in_thread(self.app.pending_action, action_id)
        if not action.is_open or not action.approval_needed:
            # Approved, rejected or closed meanwhile: there is nothing left to ask staff.
            await _in_thread(self.app.record_effect, tracking=tracking)
            return
        target = await _in_thread(self.app.describe, action)
        body = (
            f"{action.customer_number} asks to open {target}. Approve or cancel "
            f"in the claw console before {action.deadline:%H:%M} UTC."
        )
        await self._alert(
            action.conversation_id, "Door approval needed", body, tracking, AlertSeverity.URGENT
        )

    async def _alert(
        self,
        conversation_id: UUID,
        title: str,
        body: str,
        tracking: Tracking | None,
        severity: AlertSeverity = AlertSeverity.INFO,
    ) -> None:
        # The stop never holds an alert back: under it, staff are the only ones acting.
        if await _in_thread(lambda: self.app.settings().emergency_stop is not None):
            body = f"{STOP_NOTICE}\n{body}"
        try:
            await self.ports.staff.notify(
                StaffAlert(
                    title=title,
                    body=body,
                    conversation_id=str(conversation_id),
                    severity=severity,
                )
            )
            outcome, detail = AlertOutcome.SENT, ""
        except EffectError as error:
            # Recorded, never dropped: the alert's failure shows in the audit trail.
            # A notifier that reached staff on one channel and not another says
            # "partial": staff were told, so the alert counts as sent, with the
            # failed channel kept in the detail.
            reached = error.code == PARTIAL_DELIVERY
            outcome = AlertOutcome.SENT if reached else AlertOutcome.FAILED
            detail = str(error)
            log.error("staff_alert_failed", error=str(error), reached_staff=reached)
        now = self.clock.now()
        self._observe("staff_alert", outcome.value)
        await self._record_on(
            conversation_id,
            lambda c: c.record_staff_alert(title, outcome, detail, now),
            tracking,
        )

    # Actions -------------------------------------------------------------------------------

    async def _execute(self, action_id: UUID | None, tracking: Tracking | None) -> None:
        if action_id is None:
            return
        action = await _in_thread(self.app.pending_action, action_id)
        conversation = await _in_thread(self.app.conversation, action.conversation_id)
        target = await _in_thread(self.app.describe, action)
        now = self.clock.now()

        if action.status is ActionStatus.EXECUTING:
            # Started before a crash, never finished: it may or may not have happened.
            action.outcome_unknown("claw restarted while the action was in flight", now)
            await self._finish(
                action, conversation, wording.action_outcome_unknown(target), tracking
            )
            await self._alert(
                conversation.id,
                "Action outcome unknown",
                f"{target}: claw restarted mid-action; please check it.",
                None,
                AlertSeverity.URGENT,
            )
            return
        if action.status is not ActionStatus.READY:
            await _in_thread(self.app.record_effect, tracking=tracking)
            return
        held = await _in_thread(self._hold_reason, conversation)
        if held is not None:
            action.cancel("claw", f"held back: {held.value}", now)
            await _in_thread(self.app.record_effect, action, tracking=tracking)
            return
        if now > action.deadline:
            action.expire(now)
            await self._finish(action, conversation, wording.expired(action.kind), tracking)
            return

        if action.kind is ActionKind.RESET_SIMULATOR and action.parameters.device_id:
            try:
                status = await self.ports.devices.device_status(action.parameters.device_id)
            except EffectError as error:
                action.fail(f"device check failed: {error}", now)
                await self._finish(action, conversation, wording.action_failed(target), tracking)
                await self._alert(conversation.id, "Reset failed", f"{target}: {error}", None)
                return
            if not status.online:
                action.fail("device offline", now)
                await self._finish(action, conversation, wording.device_offline(target), tracking)
                await self._alert(
                    conversation.id, "Simulator PC offline", f"{target} is offline.", None
                )
                return

        action.start_execution(now)
        await _in_thread(self.app.record_effect, action)
        try:
            if action.kind is ActionKind.RESET_SIMULATOR:
                receipt = await self.ports.devices.reset_simulator(
                    action.parameters.device_id or ""
                )
            else:
                receipt = await self.ports.doors.unlock(
                    action.parameters.door_id or "",
                    seconds=action.parameters.unlock_seconds,
                    actor="claw",
                )
        except OutcomeUnknownError as error:
            action.outcome_unknown(str(error), self.clock.now())
            await self._finish(
                action, conversation, wording.action_outcome_unknown(target), tracking
            )
            await self._alert(
                conversation.id,
                "Action outcome unknown",
                f"{target}: {error}",
                None,
                AlertSeverity.URGENT,
            )
            return
        except EffectError as error:
            action.fail(str(error), self.clock.now())
            await self._finish(action, conversation, wording.action_failed(target), tracking)
            await self._alert(conversation.id, "Action failed", f"{target}: {error}", None)
            return
        action.succeed(receipt.detail or "accepted", self.clock.now())
        await self._finish(action, conversation, wording.starting(action.kind, target), tracking)

    async def _finish(
        self,
        action: PendingAction,
        conversation: Conversation,
        notice: str,
        tracking: Tracking | None,
    ) -> None:
        now = self.clock.now()
        self._observe(action.kind.value, action.status.value)
        # The action's outcome first, on its own: only the dispatcher writes to an
        # action while it executes, so this save cannot lose a race with a customer.
        await _in_thread(self.app.record_effect, action)
        succeeded = action.status is ActionStatus.SUCCEEDED

        def tell_the_customer(fresh: Conversation) -> None:
            fresh.record_action_result(action.id, succeeded, now)
            if not fresh.opted_out:
                fresh.queue_notice(notice, now, ReplyPurpose.ACTION_UPDATE)

        await self._record_on(conversation.id, tell_the_customer, None)
        await self._send_replies(conversation.id, tracking)


def _reply_sent(
    number: int, vendor_message_id: str, at: datetime
) -> Callable[[Conversation], None]:
    def record(conversation: Conversation) -> None:
        conversation.record_reply_sent(number, vendor_message_id, at)

    return record


def _reply_failed(
    number: int, error: str, retryable: bool, at: datetime
) -> Callable[[Conversation], None]:
    def record(conversation: Conversation) -> None:
        # An opt-out or the stop may have withheld the reply meanwhile: nothing to record.
        if conversation.replies[number].status is ReplyStatus.QUEUED:
            conversation.record_reply_failed(number, error, retryable=retryable, at=at)

    return record
