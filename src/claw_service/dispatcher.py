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
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import attrs
import structlog
from eventsourcing.persistence import IntegrityError, Notification, Tracking

from claw_domain import wording
from claw_domain.actions import action_spec
from claw_domain.conversation import AlertOutcome, Conversation, ReplyPurpose, ReplyStatus
from claw_domain.decisions import AlertForStaff, Decision, Reason
from claw_domain.errors import (
    ConfigurationError,
    EffectError,
    OutcomeUnknownError,
    TransientEffectError,
)
from claw_domain.pending_action import ActionStatus, PendingAction
from claw_domain.policy import approval_alert, needs_a_person_alert
from claw_domain.ports import (
    ActionRunner,
    AlertSeverity,
    Clock,
    Messenger,
    StaffAlert,
    StaffNotifier,
)
from claw_domain.values import ActionKind
from claw_service.application import ClawApplication
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


# Which recorded events call for an effect.
_EFFECTS_BY_EVENT: dict[str, tuple[EffectKind, ...]] = {
    "DecidedToRespond": (EffectKind.SEND_REPLIES,),
    "DecidedToRequestConfirmation": (EffectKind.SEND_REPLIES, EffectKind.REQUEST_APPROVAL),
    "DecidedToExecute": (EffectKind.EXECUTE_ACTION, EffectKind.SEND_REPLIES),
    "DecidedToEscalate": (EffectKind.ALERT_STAFF,),
    "NoticeQueued": (EffectKind.SEND_REPLIES,),
    "SuggestionApproved": (EffectKind.SEND_REPLIES,),
    "SuggestionEdited": (EffectKind.SEND_REPLIES,),
}


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
    ) -> None:
        self.app = app
        self.ports = ports
        self.clock = clock
        self.sleep = sleep
        self.retry_base_seconds = retry_base_seconds
        self.name = name
        self.on_effect = on_effect

    def _observe(self, effect: str, outcome: str) -> None:
        if self.on_effect is not None:
            self.on_effect(effect, outcome)

    def position(self) -> int:
        return self.app.process_recorder.max_tracking_id(self.name) or 0

    async def run_once(self, limit: int = 200) -> int:
        """Handle the notifications after the saved position; returns how many were handled."""
        position = await _in_thread(self.position)
        notifications = await _in_thread(
            self.app.recorder.select_notifications, start=position + 1, limit=limit
        )
        pending_position: int | None = None
        for notification in notifications:
            effects = _EFFECTS_BY_EVENT.get(_event_name(notification.topic), ())
            if not effects:
                pending_position = notification.id
                continue
            event = self.app.mapper.to_domain_event(notification)
            await self._carry_out(event, effects, notification)
            pending_position = None
        if pending_position is not None:
            # Events with no effect: advance the position in one write.
            await _in_thread(self.app.record_effect, tracking=self._tracking(pending_position))
        return len(notifications)

    def _tracking(self, notification_id: int) -> Tracking:
        return Tracking(application_name=self.name, notification_id=notification_id)

    async def _carry_out(
        self, event: Any, effects: tuple[EffectKind, ...], notification: Notification
    ) -> None:
        conversation_id: UUID = event.originator_id
        tracking = self._tracking(notification.id)
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
                if decision.asks_staff_to_approve:
                    await self._request_approval(
                        event.pending_action_id, decision.alert, tracking if last else None
                    )
                elif last:
                    await _in_thread(self.app.record_effect, tracking=tracking)

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
        alert = decision.alert
        if alert is None:
            # Recorded before decisions carried their alert: worded as the policy words it.
            conversation = await _in_thread(self.app.conversation, conversation_id)
            latest = conversation.inbound[-1].body if conversation.inbound else ""
            alert = needs_a_person_alert(decision, conversation.customer_number, latest)
        await self._alert(conversation_id, alert.title, alert.body, tracking, _severity(alert))

    async def _request_approval(
        self, action_id: UUID, alert: AlertForStaff | None, tracking: Tracking | None
    ) -> None:
        action = await _in_thread(self.app.pending_action, action_id)
        if not action.is_open or not action.approval_needed:
            # Approved, rejected or closed meanwhile: there is nothing left to ask staff.
            await _in_thread(self.app.record_effect, tracking=tracking)
            return
        if alert is None:
            # Recorded before decisions carried their alert: worded as the policy words it.
            target = await _in_thread(self.app.describe, action)
            alert = approval_alert(action.kind, action.customer_number, target, action.deadline)
        await self._alert(
            action.conversation_id, alert.title, alert.body, tracking, _severity(alert)
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

        spec = action_spec(action.kind)
        runner = self.ports.actions[action.kind]
        if spec.checks_target_first:
            try:
                online = await runner.target_online(action.parameters)
            except EffectError as error:
                action.fail(f"device check failed: {error}", now)
                await self._finish(action, conversation, wording.action_failed(target), tracking)
                await self._alert(
                    conversation.id, spec.words.check_failed_title, f"{target}: {error}", None
                )
                return
            if not online:
                action.fail("device offline", now)
                await self._finish(
                    action, conversation, wording.target_offline(action.kind, target), tracking
                )
                await self._alert(
                    conversation.id, spec.words.offline_title, f"{target} is offline.", None
                )
                return

        action.start_execution(now)
        await _in_thread(self.app.record_effect, action)
        try:
            receipt = await runner.run(action.parameters)
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


def _severity(alert: AlertForStaff) -> AlertSeverity:
    return AlertSeverity.URGENT if alert.urgent else AlertSeverity.INFO


def _event_name(topic: str) -> str:
    return topic.rsplit(".", 1)[-1]
