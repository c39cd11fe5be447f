"""The property harness: random interleavings of everything that can happen to claw.

After every step the safety rails must hold: nothing sent to a customer or
executed under the emergency stop, while every staff alert still goes out and says
the stop is on; no action without every consent or after its deadline, and an
approval ignored under the stop or an opt-out never counting later; nothing sent to
an opted-out number but the one confirmation of each opt-out; at most one approval
alert per request for approval; the reply and hourly limits, for customer texts and
confirmation replies alike; a reason for every decision, aggregates that rebuild to
the same state, and the same facts giving the same decision; and the dispatcher
never writing to an aggregate customers append to (a conversation, a set-aside
sender), so a customer's text can never conflict with an effect's outcome.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_domain import wording
from claw_domain.actions import APPROVAL_TITLES
from claw_domain.conversation import Conversation
from claw_domain.decisions import Decision, Reason
from claw_domain.errors import InvariantError, PermanentEffectError, TransientEffectError
from claw_domain.holding import is_holding_reply
from claw_domain.identity import conversation_id
from claw_domain.pending_action import ActionStatus, PendingAction
from claw_domain.policy import LOOP_MESSAGES, LOOP_WINDOW, Situation, Trigger, decide
from claw_domain.ports import StaffAlert
from claw_domain.set_aside import SetAsideSender
from claw_domain.settings import (
    AutomationSettings,
    FeatureMode,
    FeatureSettings,
    GlobalSettings,
    settings_id,
)
from claw_domain.values import (
    Classification,
    ClassificationSource,
    Entities,
    InboundText,
    Intent,
)
from claw_entrypoints.bootstrap import effect_ports
from claw_service.application import ClawApplication, TextToUnderstand
from claw_service.dispatcher import EffectDispatcher
from fakes.venue import InMemoryVenue

VENUE_LINE = "+19025550000"
CUSTOMERS = ("+19025551111", "+19025552222", VENUE_LINE)
# Weighted towards real customers: the venue's own number only needs to show up now and then.
SENDERS = st.sampled_from(CUSTOMERS[:2] * 3 + CUSTOMERS[2:])

# What each scripted text means; the harness stands in for the understanding pipeline.
TEXTS: dict[str, Classification | None] = {
    # Answers to "Which box are you in?": nothing on their own. First, so that a text
    # containing them and more ("trackman frozen box 2") means what the rest says.
    "2": Classification(Intent.OTHER, 0.0, ClassificationSource.FALLBACK),
    "the one by the window": Classification(Intent.OTHER, 0.0, ClassificationSource.FALLBACK),
    "what are your hours": Classification(Intent.HOURS, 0.97, ClassificationSource.PATTERN),
    "gift card?": Classification(Intent.GIFT_CARD_PURCHASE, 0.9, ClassificationSource.LOCAL_MODEL),
    "trackman frozen box 2": Classification(
        Intent.TRACKMAN_RESET, 0.95, ClassificationSource.PATTERN, Entities("bedford", 2)
    ),
    "trackman is stuck": Classification(
        Intent.TRACKMAN_RESET, 0.9, ClassificationSource.PATTERN, Entities()
    ),
    "let me in the door": Classification(
        Intent.DOOR_ACCESS, 0.93, ClassificationSource.PATTERN, Entities("bedford")
    ),
    "how much is an hour": Classification(Intent.PRICING, 0.6, ClassificationSource.LOCAL_MODEL),
    "i slipped and hurt my knee": Classification(
        Intent.OTHER, 0.9, ClassificationSource.PATTERN, blacklisted_topic="injury"
    ),
    "yes": None,
    "no": None,
    "STOP": None,
    "please stop texting me": None,
    "START": None,
    "thanks that worked": None,
    "asdf qwerty": Classification(Intent.OTHER, 0.0, ClassificationSource.FALLBACK),
}
# The texts that lead somewhere (answers, confirmations, actions) come up most.
COMMON_TEXTS = st.sampled_from(
    ["what are your hours", "trackman frozen box 2", "let me in the door", "gift card?"] * 3
    + sorted(TEXTS)
)
INTENTS = (Intent.HOURS, Intent.GIFT_CARD_PURCHASE, Intent.TRACKMAN_RESET, Intent.DOOR_ACCESS)

features_strategy = st.builds(
    FeatureSettings,
    mode=st.sampled_from(FeatureMode),
    confidence_threshold=st.sampled_from([0.5, 0.85, 0.99]),
    max_auto_replies=st.integers(0, 4),
    requires_confirmation=st.booleans(),
    requires_approval=st.booleans(),
)
globals_strategy = st.builds(
    GlobalSettings,
    send_automatic_responses=st.booleans(),
    execute_actions=st.booleans(),
    messages_per_hour=st.integers(0, 6),
    staff_backoff_minutes=st.sampled_from([0, 5, 30]),
    confirmation_timeout_minutes=st.sampled_from([1, 5, 10]),
)


class RecordingClaw(ClawApplication):
    """Keeps the live aggregates it saves, to compare with their rebuilt selves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.touched: dict[UUID, Aggregate] = {}
        self.action_ids: list[UUID] = []
        self.conversation_ids: list[UUID] = []

    def _store(self, *aggregates: Aggregate | None, tracking: Any = None) -> int | None:
        for aggregate in aggregates:
            if aggregate is None:
                continue
            self.touched[aggregate.id] = aggregate
            known = self.action_ids if isinstance(aggregate, PendingAction) else None
            if isinstance(aggregate, Conversation):
                known = self.conversation_ids
            if known is not None and aggregate.id not in known:
                known.append(aggregate.id)
        return super()._store(*aggregates, tracking=tracking)


def _state(aggregate: Aggregate) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k not in ("_pending_events",)}


class ClawMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.clock = SettableClock()
        venue = InMemoryVenue(door_allowed={("+19025551111", "bedford")})
        self.app = RecordingClaw(venue, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.app.ensure_settings(
            {
                Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO, max_auto_replies=2),
                Intent.GIFT_CARD_PURCHASE: FeatureSettings(mode=FeatureMode.AUTO),
                Intent.TRACKMAN_RESET: FeatureSettings(
                    mode=FeatureMode.AUTO, requires_confirmation=True
                ),
                Intent.DOOR_ACCESS: FeatureSettings(
                    mode=FeatureMode.AUTO, requires_confirmation=True, requires_approval=True
                ),
            },
            GlobalSettings(messages_per_hour=5),
            "harness",
            self.clock.now(),
        )
        self.stopped = False
        self.violations: list[str] = []
        self.messenger = MemoryMessenger(before_send=self._check_send)
        self.devices = MemoryDevices(before_reset=lambda _d: self._check_effect("reset"))
        self.doors = MemoryDoors(before_unlock=lambda _d: self._check_effect("unlock"))
        self.staff = MemoryStaff(before_alert=self._check_alert)
        self.dispatcher = EffectDispatcher(
            self.app,
            effect_ports(self.messenger, self.devices, self.doors, self.staff),
            self.clock,
            sleep=_no_sleep,
        )
        self.message_count = 0
        self.checked_up_to = 0
        self.per_conversation: dict[tuple[UUID, Intent], int] = defaultdict(int)
        self.per_hour: dict[Any, int] = defaultdict(int)
        self.settings_at: dict[int, AutomationSettings] = {}
        self.approval_alerts: dict[str, int] = defaultdict(int)
        self.rails_checked_up_to = 0
        self.texts_from: dict[str, int] = {}
        self.approvals_asked: dict[str, int] = defaultdict(int)
        self.approval_counts: dict[UUID, bool] = {}
        self.opt_outs: dict[str, int] = defaultdict(int)
        self.written_by_customers: set[UUID] = set()
        self.dispatcher_wrote_to: list[str] = []

    # Effects are checked at the moment they happen --------------------------------------

    def _check_effect(self, what: str) -> None:
        if self.stopped:
            self.violations.append(f"{what} while the emergency stop was engaged")

    def _check_send(self, to: str, body: str) -> None:
        self._check_effect("text")
        conversation = self.app.conversation(conversation_id(VENUE_LINE, to))
        if conversation.opted_out and body != wording.opted_out():
            self.violations.append(f"text sent to opted-out {to}")

    def _check_alert(self, alert: StaffAlert) -> None:
        # The stop never silences staff; an alert sent under it says so.
        if self.stopped and "emergency stop" not in alert.body.lower():
            self.violations.append(f"alert under the stop without saying so: {alert.title}")
        if alert.title in APPROVAL_TITLES:
            self.approval_alerts[alert.conversation_id] += 1

    # Rules ---------------------------------------------------------------------------------

    @rule(customer=SENDERS, text=COMMON_TEXTS)
    def customer_texts_and_claw_answers(self, customer: str, text: str) -> None:
        self.customer_texts(customer, text, handled_now=True)

    @rule(customer=SENDERS, text=st.sampled_from(sorted(TEXTS)))
    def customer_texts_before_claw_answers(self, customer: str, text: str) -> None:
        self.customer_texts(customer, text, handled_now=False)

    def customer_texts(self, customer: str, text: str, handled_now: bool) -> None:
        self.message_count += 1
        self.texts_from[customer] = self.texts_from.get(customer, 0) + 1
        inbound = InboundText(
            message_id=f"AC{self.message_count}",
            venue_line=VENUE_LINE,
            customer_number=customer,
            body=text,
            sent_at=self.clock.now(),
        )
        intake = self.app.receive_text(inbound, self.clock.now())
        self.written_by_customers.add(intake.conversation_id)
        if handled_now:
            # The common path: debounce over, claw decides, the dispatcher acts.
            self.claw_processes(customer)
            self.dispatcher_runs()

    def _awaiting_customers(self) -> list[str]:
        return [
            customer
            for customer in CUSTOMERS[:2]
            if conversation_id(VENUE_LINE, customer) in self.app.conversation_ids
            and self.app.conversation(conversation_id(VENUE_LINE, customer)).awaiting_action
        ]

    @precondition(lambda self: bool(self._awaiting_customers()))
    @rule(data=st.data(), answer=st.sampled_from(["yes", "Yes please", "yeah", "yep", "ok", "no"]))
    def customer_answers_the_confirmation(self, data: st.DataObject, answer: str) -> None:
        customer = data.draw(st.sampled_from(self._awaiting_customers()))
        self.customer_texts(customer, answer, handled_now=True)

    def _member_has_said_little(self) -> bool:
        return self.texts_from.get(CUSTOMERS[0], 0) == 0

    @precondition(_member_has_said_little)
    @rule(yeses=st.integers(1, 2))
    def member_asks_for_the_door_and_keeps_saying_yes(self, yeses: int) -> None:
        # The member (door allowed at Bedford) reaches "waiting for staff" often enough
        # for approvals under the stop and repeated yeses to be explored.
        self.customer_texts(CUSTOMERS[0], "let me in the door", handled_now=True)
        for answer in ["yes", "yeah", "yep", "ok"][:yeses]:
            self.clock.advance(timedelta(seconds=15))
            self.customer_texts(CUSTOMERS[0], answer, handled_now=True)

    @rule(customer=SENDERS)
    def claw_processes_later(self, customer: str) -> None:
        self.claw_processes(customer)

    def claw_processes(self, customer: str) -> None:
        conv_id = conversation_id(VENUE_LINE, customer)
        if self.app._find(conv_id, Conversation) is None:
            return
        work = self.app.begin_processing(conv_id, self.clock.now())
        if isinstance(work, TextToUnderstand):
            known = [TEXTS.get(part) for part in TEXTS if part in work.text and TEXTS.get(part)]
            classification = known[-1] if known else None
            if classification is None:
                classification = Classification(Intent.OTHER, 0.0, ClassificationSource.FALLBACK)
            self.app.decide_on_text(
                conv_id, classification, work.text, work.through, self.clock.now()
            )

    @rule(minutes=st.sampled_from([0, 1, 3, 11, 61]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes, seconds=7))

    @rule(intent=st.sampled_from(INTENTS), feature=features_strategy)
    def operator_changes_a_feature(self, intent: Intent, feature: FeatureSettings) -> None:
        try:
            self.app.change_feature(intent, feature, "operator", self.clock.now())
        except InvariantError:
            # A door without the customer's confirmation is refused, as it must be.
            assert intent is Intent.DOOR_ACCESS
            assert not feature.requires_confirmation

    @rule(rails=globals_strategy)
    def operator_changes_the_rails(self, rails: GlobalSettings) -> None:
        self.app.change_globals(rails, "operator", self.clock.now())

    @rule(engage=st.sampled_from([True, False, False, False]))
    def operator_flips_the_stop(self, engage: bool) -> None:
        if engage:
            self.app.engage_emergency_stop("operator", "harness drill", self.clock.now())
        else:
            self.app.release_emergency_stop("operator", "drill over", self.clock.now())
        self.stopped = engage

    @rule(customer=st.sampled_from(CUSTOMERS[:2]))
    def staff_texts_by_hand(self, customer: str) -> None:
        self.message_count += 1
        self.written_by_customers.add(conversation_id(VENUE_LINE, customer))
        self.app.record_outbound_text(
            VENUE_LINE, customer, f"STAFF{self.message_count}", "hi, this is Sam", self.clock.now()
        )

    def _open_actions(self) -> list[UUID]:
        return [
            action_id
            for action_id in self.app.action_ids
            if self.app.pending_action(action_id).is_open
        ]

    @precondition(lambda self: bool(self._open_actions()))
    @rule(data=st.data(), verdict=st.sampled_from(["approve", "reject", "cancel"]))
    def staff_acts_on_a_pending_action(self, data: st.DataObject, verdict: str) -> None:
        action_id = data.draw(st.sampled_from(self._open_actions()))
        now = self.clock.now()
        try:
            if verdict == "approve":
                outcome = self.app.approve_action(action_id, "manager", now)
                if outcome.decision is not None:
                    event(f"staff approval: {outcome.decision.reason.value}")
            elif verdict == "reject":
                self.app.reject_action(action_id, "manager", "not today", now)
            else:
                self.app.cancel_action(action_id, "manager", "customer left", now)
        except InvariantError:
            pass  # e.g. past the deadline: refusing is the correct behaviour

    @rule()
    def timers_fire(self) -> None:
        for action_id in self._open_actions():
            self.app.expire_action(action_id, self.clock.now())

    @rule(approve=st.booleans())
    def staff_reviews_a_suggestion(self, approve: bool) -> None:
        for conv_id in list(self.app.conversation_ids):
            conversation = self.app.conversation(conv_id)
            for number, suggestion in conversation.suggestions.items():
                if suggestion.status.value != "waiting":
                    continue
                try:
                    if approve:
                        self.app.edit_and_send_suggestion(
                            conv_id, number, "A person will help.", "manager", self.clock.now()
                        )
                    else:
                        self.app.reject_suggestion(
                            conv_id, number, "manager", "no", self.clock.now()
                        )
                except InvariantError:
                    pass  # opted out: claw refuses to queue a text for them
                return

    @rule(fault=st.sampled_from(["none", "device offline", "sms 5xx", "sms refused", "door error"]))
    def vendors_misbehave(self, fault: str) -> None:
        if fault == "device offline":
            self.devices.offline.add("102")
        elif fault == "sms 5xx":
            self.messenger.failures.append(TransientEffectError("502 from OpenPhone"))
        elif fault == "sms refused":
            self.messenger.failures.append(PermanentEffectError("A2P not approved", code="0206400"))
        elif fault == "door error":
            self.doors.failures.append(PermanentEffectError("door controller offline"))
        else:
            self.devices.offline.clear()

    @rule()
    def dispatcher_runs_later(self) -> None:
        self.dispatcher_runs()

    def dispatcher_runs(self) -> None:
        before = self.app.recorder.max_notification_id() or 0
        asyncio.run(self.dispatcher.run_once())
        # Nothing else writes while the dispatcher runs: every new event is its own.
        for written in self.app.recorder.select_notifications(start=before + 1, limit=100_000):
            owner = self.app.repository.get(written.originator_id)
            if (
                isinstance(owner, Conversation | SetAsideSender)
                or written.originator_id in self.written_by_customers
            ):
                self.dispatcher_wrote_to.append(f"{written.topic} on {type(owner).__name__}")
        # Shown by --hypothesis-show-statistics: proof the harness reaches the deep paths.
        if self.devices.resets or self.doors.unlocked:
            event("an action executed")
        if self.messenger.sent:
            event("a text was sent")
        if self.stopped:
            event("dispatched under the emergency stop")
        if any(alert.title in APPROVAL_TITLES for alert in self.staff.alerts):
            event("staff were asked to approve an action")

    # Invariants ---------------------------------------------------------------------------

    @invariant()
    def no_violation_at_effect_time(self) -> None:
        assert not self.violations, self.violations

    @invariant()
    def the_dispatcher_never_writes_where_customers_write(self) -> None:
        assert not self.dispatcher_wrote_to, self.dispatcher_wrote_to

    @invariant()
    def actions_only_with_every_consent_and_in_time(self) -> None:
        started = 0
        for action_id in self.app.action_ids:
            action = self.app.pending_action(action_id)
            if action.started_at is None:
                assert action.status not in (ActionStatus.SUCCEEDED, ActionStatus.OUTCOME_UNKNOWN)
                continue
            started += 1
            assert action.confirmed or not action.requires_confirmation, action.id
            assert action.approved or not action.requires_approval, action.id
            assert action.started_at <= action.deadline, action.id
        # At most once: every vendor call belongs to exactly one started action.
        assert len(self.devices.resets) + len(self.doors.unlocked) <= started

    @invariant()
    def limits_reasons_and_same_facts_same_decision(self) -> None:
        # Incremental: each step judges only the decisions recorded since the last.
        per_conversation = self.per_conversation
        per_hour = self.per_hour
        settings_at = self.settings_at
        new = list(
            self.app.recorder.select_notifications(start=self.checked_up_to + 1, limit=100_000)
        )
        if new:
            self.checked_up_to = new[-1].id
        for notification in new:
            if ".Decided" not in notification.topic:
                continue
            recorded = self.app.mapper.to_domain_event(notification)
            decision: Decision = recorded.decision
            situation: Situation | None = recorded.situation
            assert isinstance(decision.reason, Reason)
            assert situation is not None
            version = decision.settings_version
            if version not in settings_at:
                settings_at[version] = self.app.repository.get(settings_id(), version=version)
            settings = settings_at[version].snapshot()
            assert decide(situation, settings) == decision
            event(f"decision {decision.kind.value}/{decision.reason.value}")
            if situation.trigger is not Trigger.STAFF_APPROVAL:
                # Every path a customer's text takes passes the same conversation rails.
                facts = situation.conversation
                looping = (
                    sum(1 for at in facts.recent_inbound if situation.now - at <= LOOP_WINDOW)
                    >= LOOP_MESSAGES
                )
                if facts.opted_out or facts.is_own_number or looping:
                    assert not decision.sends_text, (situation.trigger, decision)
            if not decision.sends_text or situation.trigger is Trigger.STAFF_APPROVAL:
                continue
            hour = situation.now.replace(minute=0, second=0, microsecond=0)
            assert per_hour[hour] < settings.globals.messages_per_hour, (hour, decision)
            per_hour[hour] += 1
            # A question about a request's details is part of the request (``slots.py``);
            # a holding reply answers nothing: neither uses the intent's replies.
            if (
                situation.trigger is Trigger.CUSTOMER_TEXT
                and decision.reason is not Reason.DETAILS_NEEDED
                and not is_holding_reply(decision)
            ):
                key = (recorded.originator_id, decision.intent)
                feature = settings.feature(decision.intent)
                assert feature is not None
                assert per_conversation[key] < feature.max_auto_replies, (key, decision)
                per_conversation[key] += 1

    @invariant()
    def approvals_and_opt_outs_are_honoured_once(self) -> None:
        """One approval alert per request for approval; an ignored approval never counts;
        one opt-out confirmation per opt-out. Incremental, like the limits above."""
        new = self.app.recorder.select_notifications(
            start=self.rails_checked_up_to + 1, limit=100_000
        )
        for notification in new:
            self.rails_checked_up_to = notification.id
            name = notification.topic.rsplit(".", 1)[-1]
            origin = notification.originator_id
            if name == "ApprovalRequested":
                owner = str(self.app.pending_action(origin).conversation_id)
                self.approvals_asked[owner] += 1
            elif name == "StaffApproved":
                self.approval_counts[origin] = True
            elif name == "StaffApprovalIgnored":
                self.approval_counts[origin] = False
            elif name == "ExecutionStarted":
                action = self.app.pending_action(origin)
                assert self.approval_counts.get(origin) or not action.requires_approval, origin
            elif name == "OptedOut":
                self.opt_outs[str(origin)] += 1
        for conversation, alerts in self.approval_alerts.items():
            assert alerts <= self.approvals_asked[conversation], conversation
        for customer in CUSTOMERS:
            confirmations = self.messenger.sent.count((customer, wording.opted_out()))
            key = str(conversation_id(VENUE_LINE, customer))
            assert confirmations <= self.opt_outs[key], (customer, confirmations)

    @invariant()
    def aggregates_rebuild_to_the_same_state(self) -> None:
        for aggregate_id, live in self.app.touched.items():
            rebuilt = self.app.repository.get(aggregate_id)
            assert _state(rebuilt) == _state(live), type(live).__name__
        self.app.touched.clear()


async def _no_sleep(_seconds: float) -> None:
    return None


TestClawHarness = ClawMachine.TestCase
# Many steps per example: the interesting failures need a request, a wait and a reply.
TestClawHarness.settings = settings(parent=settings(), stateful_step_count=60)
