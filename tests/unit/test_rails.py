"""The rails every path passes: floods of yeses, emergencies under the stop, opt-outs, approvals.

Stories at one venue in memory (the ``Venue`` of ``test_application``): a customer
texts, claw decides, the dispatcher acts, and the fakes remember what was sent.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from test_application import (
    CUSTOMER,
    HOURS,
    MEMBER,
    OPEN_THE_DOOR,
    RESET_BOX_2,
    VENUE_LINE,
    Venue,
)

from claw_adapters.projections.catalogue import all_projections
from claw_adapters.projections.memory import MemoryProjectionStore
from claw_adapters.projections.pending_actions import PENDING_ACTIONS
from claw_domain import wording
from claw_domain.budget import HourlyBudget, hour_start
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.errors import InvariantError
from claw_domain.identity import conversation_id
from claw_domain.outbox import ReplyPurpose, ReplyStatus
from claw_domain.pending_action import ActionStatus
from claw_domain.policy import (
    ConversationFacts,
    PendingActionFacts,
    Situation,
    Trigger,
    decide,
)
from claw_domain.ports import AlertSeverity
from claw_domain.settings import QuietHours
from claw_domain.values import (
    ActionKind,
    Classification,
    ClassificationSource,
    Entities,
    InboundText,
    Intent,
    YesNo,
)
from claw_service.application import Outcome, TextToUnderstand
from claw_service.projector import Projector

THIRTY_YESES = [
    "yes",
    "Yes please",
    "yeah",
    "yep",
    "yup",
    "ok",
    "okay",
    "sure",
    "Y",
    "YES!",
    "yes!!",
    "go ahead",
    "sure thing",
    "ok do it",
    "\U0001f44d",
    "yes pls",
    "definitely",
    "absolutely",
    "of course",
    "yes go ahead",
    "confirm",
    "confirmed",
    "alright",
    "for sure",
    "sounds good",
    "that works",
    "please do",
    "lets do it",
    "do it",
    "yesss",
]
FIRE = Classification(
    Intent.OTHER,
    0.9,
    ClassificationSource.PATTERN,
    Entities("bedford", 2),
    blacklisted_topic="emergency",
)
UNKNOWN_REQUEST = Classification(Intent.OTHER, 0.9, ClassificationSource.PATTERN)
APPROVAL_ALERT = "Door approval needed"


@pytest.fixture
def venue() -> Venue:
    return Venue()


def text_after(
    venue: Venue,
    body: str,
    gap: timedelta,
    meaning: Classification | None = None,
    customer: str = CUSTOMER,
) -> Decision | None:
    """Like ``Venue.customer_texts``, with the pause before the text chosen by the story."""
    venue.count += 1
    venue.clock.advance(gap)
    text = InboundText(f"AC{venue.count}", VENUE_LINE, customer, body, venue.clock.now())
    venue.app.receive_text(text, venue.clock.now())
    conversation = conversation_id(VENUE_LINE, customer)
    work = venue.app.begin_processing(conversation, venue.clock.now())
    if isinstance(work, TextToUnderstand):
        assert meaning is not None, f"the story must say what {work.text!r} means"
        work = venue.app.decide_on_text(
            conversation, meaning, work.text, work.through, venue.clock.now()
        )
    assert isinstance(work, Outcome)
    return work.decision


def approval_alerts(venue: Venue) -> int:
    return sum(1 for alert in venue.staff.alerts if alert.title == APPROVAL_ALERT)


def spent_this_hour(venue: Venue) -> int:
    budget = venue.app._find(HourlyBudget.create_id(hour_start(venue.clock.now())), HourlyBudget)
    return 0 if budget is None else budget.spent


# 1. The confirmation path passes the same rails -------------------------------------------


@pytest.mark.parametrize(
    ("gap", "alerts_expected"),
    [
        # One text every 20 s: never rapid; the loop rail silences the flood after 12.
        (timedelta(seconds=20), ["Door approval needed"]),
        # One a second: rapid after five, raised with staff once, then the loop rail.
        (timedelta(seconds=1), ["Door approval needed", "Customer needs staff"]),
    ],
)
def test_thirty_yeses_to_a_door_send_two_texts_and_raise_one_approval_alert(
    venue: Venue, gap: timedelta, alerts_expected: list[str]
) -> None:
    venue.customer_texts("let me in please", OPEN_THE_DOOR, customer=MEMBER)
    venue.claw_dispatches()

    for yes in THIRTY_YESES:
        text_after(venue, yes, gap, customer=MEMBER)
        venue.claw_dispatches()

    assert len(venue.texts_to(MEMBER)) == 2  # the YES/NO question, then "staff must approve"
    assert [alert.title for alert in venue.staff.alerts] == alerts_expected
    assert venue.doors.unlocked == []
    assert venue.action(MEMBER).status is ActionStatus.AWAITING
    assert spent_this_hour(venue) == 2

    # The venue's hourly allowance is still there for everybody else.
    other = venue.customer_texts("what are your hours?", HOURS)
    venue.claw_dispatches()
    assert other is not None
    assert other.reason is Reason.ANSWERED_FROM_KNOWLEDGE
    assert venue.texts_to() == ["We're open 24/7."]


def test_a_repeated_yes_while_staff_decide_is_recorded_and_sends_nothing(venue: Venue) -> None:
    venue.customer_texts("let me in please", OPEN_THE_DOOR, customer=MEMBER)
    venue.customer_texts("yes", customer=MEMBER)
    again = venue.customer_texts("yes!!", customer=MEMBER)
    venue.claw_dispatches()

    assert again is not None
    assert (again.kind, again.reason) == (DecisionKind.IGNORE, Reason.AWAITING_APPROVAL)
    assert approval_alerts(venue) == 1

    # Staff approve: the one approval opens the door once.
    venue.app.approve_action(venue.action_id(MEMBER), "sam", venue.clock.now())
    venue.claw_dispatches()
    assert venue.doors.unlocked == [("door-bedford-front", 10)]


def _reply(**changes: object) -> Situation:
    situation = Situation(
        trigger=Trigger.CONFIRMATION_REPLY,
        now=NOW,
        conversation=ConversationFacts(),
        confirmation_reply=YesNo.YES,
        pending=PendingActionFacts(
            kind=ActionKind.UNLOCK_DOOR,
            intent=Intent.DOOR_ACCESS,
            deadline=NOW + timedelta(minutes=5),
            confirmation_needed=True,
            approval_needed=True,
        ),
    )
    return attrs.evolve(situation, **changes)


NOW = Venue().clock.now()


@pytest.mark.parametrize(
    ("conversation", "kind", "reason"),
    [
        (ConversationFacts(is_own_number=True), DecisionKind.IGNORE, Reason.OWN_NUMBER),
        (ConversationFacts(opted_out=True), DecisionKind.IGNORE, Reason.OPTED_OUT),
        (
            ConversationFacts(
                recent_inbound=tuple(NOW - timedelta(seconds=40 * s) for s in range(12))
            ),
            DecisionKind.IGNORE,
            Reason.CONVERSATION_LOOP,
        ),
        (
            ConversationFacts(staff_active_until=NOW + timedelta(minutes=5)),
            DecisionKind.IGNORE,
            Reason.STAFF_ACTIVE,
        ),
        (
            ConversationFacts(recent_inbound=tuple(NOW - timedelta(seconds=s) for s in range(5))),
            DecisionKind.ESCALATE,
            Reason.RAPID_MESSAGES,
        ),
    ],
)
def test_a_confirmation_reply_passes_the_conversation_rails(
    conversation: ConversationFacts, kind: DecisionKind, reason: Reason
) -> None:
    settings = Venue().app.settings()
    decision = decide(_reply(conversation=conversation), settings)
    assert (decision.kind, decision.reason) == (kind, reason)


def test_a_confirmation_reply_at_the_hourly_limit_sends_nothing() -> None:
    settings = Venue().app.settings()
    decision = decide(_reply(sent_this_hour=settings.globals.messages_per_hour), settings)
    assert (decision.kind, decision.reason) == (DecisionKind.SUGGEST, Reason.HOURLY_LIMIT)


# 2. The emergency stop never silences staff -----------------------------------------------


def test_a_fire_during_the_stop_reaches_staff_and_says_the_stop_is_on(venue: Venue) -> None:
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())

    decision = venue.customer_texts("there is smoke and a fire in box 2, someone is injured", FIRE)
    venue.claw_dispatches()

    assert decision is not None
    assert decision.kind is DecisionKind.ESCALATE
    [alert] = venue.staff.alerts
    assert alert.title == "Customer needs staff"
    assert alert.severity is AlertSeverity.URGENT
    assert "emergency stop" in alert.body.lower()
    assert "fire in box 2" in alert.body
    assert venue.messenger.sent == []


def test_a_door_request_during_the_stop_goes_to_staff_and_nothing_opens(venue: Venue) -> None:
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())

    decision = venue.customer_texts("let me in please", OPEN_THE_DOOR, customer=MEMBER)
    venue.claw_dispatches()

    assert decision is not None
    assert (decision.kind, decision.reason) == (DecisionKind.ESCALATE, Reason.EMERGENCY_STOP)
    assert venue.doors.unlocked == []
    assert venue.messenger.sent == []
    [alert] = venue.staff.alerts
    assert alert.severity is AlertSeverity.URGENT  # someone may be locked out
    assert "emergency stop" in alert.body.lower()


def test_a_yes_at_the_door_during_the_stop_goes_to_staff_once_and_counts_later(
    venue: Venue,
) -> None:
    venue.customer_texts("let me in please", OPEN_THE_DOOR, customer=MEMBER)
    venue.claw_dispatches()
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())

    first = venue.customer_texts("yes", customer=MEMBER)
    again = venue.customer_texts("yes!!", customer=MEMBER)
    venue.claw_dispatches()

    assert first is not None
    assert (first.kind, first.reason) == (DecisionKind.ESCALATE, Reason.EMERGENCY_STOP)
    assert again is not None
    assert again.kind is DecisionKind.SUGGEST
    assert [alert.title for alert in venue.staff.alerts] == ["Customer needs staff"]
    assert venue.doors.unlocked == []
    assert venue.action(MEMBER).confirmed

    # Once the stop is lifted, staff approve and the customer's own yes still counts.
    venue.app.release_emergency_stop("owner", "fixed", venue.clock.now())
    venue.app.approve_action(venue.action_id(MEMBER), "sam", venue.clock.now())
    venue.claw_dispatches()
    assert venue.doors.unlocked == [("door-bedford-front", 10)]


def test_a_door_request_in_quiet_hours_goes_to_staff() -> None:
    settings = Venue().app.settings()
    night = attrs.evolve(
        settings,
        globals=attrs.evolve(
            settings.globals,
            quiet_hours=QuietHours(NOW.time(), NOW.time().replace(hour=NOW.hour + 1)),
        ),
    )
    door = Situation(
        trigger=Trigger.CUSTOMER_TEXT,
        now=NOW,
        conversation=ConversationFacts(),
        classification=OPEN_THE_DOOR,
        action_target_known=True,
        door_authorised=True,
    )
    decision = decide(door, night)
    assert (decision.kind, decision.reason) == (DecisionKind.ESCALATE, Reason.QUIET_HOURS)
    question = attrs.evolve(door, classification=HOURS, prepared_answer="We're open 24/7.")
    assert decide(question, night).kind is DecisionKind.SUGGEST


def test_a_customer_who_needs_a_person_for_a_question_is_not_urgent(venue: Venue) -> None:
    venue.customer_texts("I want to talk to a manager about my invoice", UNKNOWN_REQUEST)
    venue.claw_dispatches()

    [alert] = venue.staff.alerts
    assert alert.severity is AlertSeverity.INFO


def test_a_plain_question_during_the_stop_is_only_suggested(venue: Venue) -> None:
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())

    decision = venue.customer_texts("what are your hours?", HOURS)
    venue.claw_dispatches()

    assert decision is not None
    assert (decision.kind, decision.reason) == (DecisionKind.SUGGEST, Reason.EMERGENCY_STOP)
    assert venue.staff.alerts == []
    assert venue.messenger.sent == []


def test_the_dispatchers_last_check_lets_staff_alerts_through_and_nothing_else(
    venue: Venue,
) -> None:
    # Decided before the stop, dispatched after it: an escalation, a reply and a reset.
    venue.customer_texts("there is smoke and a fire in box 2", FIRE)
    venue.customer_texts("what are your hours?", HOURS, customer=MEMBER)
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2, customer="+19025553333")
    venue.customer_texts("yes", customer="+19025553333")
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())

    venue.claw_dispatches()

    assert [alert.title for alert in venue.staff.alerts] == ["Customer needs staff"]
    assert "emergency stop" in venue.staff.alerts[0].body.lower()
    assert venue.messenger.sent == []
    assert venue.devices.resets == []
    assert venue.action("+19025553333").status is ActionStatus.CANCELLED
    assert [r.status for r in venue.texts(MEMBER)] == [ReplyStatus.WITHHELD]


def test_without_the_stop_alerts_do_not_mention_it(venue: Venue) -> None:
    venue.customer_texts("there is smoke and a fire in box 2", FIRE)
    venue.claw_dispatches()

    [alert] = venue.staff.alerts
    assert "emergency stop" not in alert.body.lower()


# 3. Opt-outs in plain language, confirmed once -------------------------------------------


@pytest.mark.parametrize(
    "phrase",
    ["please stop texting me", "Stop texting me", "Arrêt", "STOP!!", "unsubscribe me please"],
)
def test_an_opt_out_is_confirmed_once_and_then_nothing_is_sent(venue: Venue, phrase: str) -> None:
    venue.customer_texts("what are your hours?", HOURS)
    venue.claw_dispatches()

    decision = venue.customer_texts(phrase)
    venue.claw_dispatches()
    venue.customer_texts("STOP")
    venue.customer_texts("what are your hours??", HOURS)
    venue.customer_texts("stop texting me!!!")
    venue.claw_dispatches()

    assert decision is not None
    assert (decision.kind, decision.reason) == (DecisionKind.IGNORE, Reason.OPTED_OUT)
    assert venue.conversation().opted_out
    assert venue.texts_to() == ["We're open 24/7.", wording.opted_out()]


@pytest.mark.parametrize(
    "phrase",
    ["what time do you stop serving?", "the ball won't stop spinning", "can I cancel my booking?"],
)
def test_a_sentence_with_stop_or_cancel_inside_is_answered_as_usual(
    venue: Venue, phrase: str
) -> None:
    decision = venue.customer_texts(phrase, HOURS)
    venue.claw_dispatches()

    assert not venue.conversation().opted_out
    assert decision is not None
    assert decision.kind is DecisionKind.RESPOND


def test_start_and_a_bare_yes_opt_back_in(venue: Venue) -> None:
    venue.customer_texts("please stop texting me")
    venue.claw_dispatches()
    venue.customer_texts("START")
    assert not venue.conversation().opted_out

    venue.customer_texts("don't text me anymore")
    venue.claw_dispatches()
    venue.customer_texts("Yes")
    assert not venue.conversation().opted_out

    answered = venue.customer_texts("what are your hours?", HOURS)
    venue.claw_dispatches()
    assert answered is not None
    assert answered.kind is DecisionKind.RESPOND
    # One confirmation per opt-out, and the answer once texting is allowed again.
    assert venue.texts_to() == [wording.opted_out(), wording.opted_out(), "We're open 24/7."]


def test_a_lone_cancel_while_a_reset_awaits_its_yes_opts_out(venue: Venue) -> None:
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    decision = venue.customer_texts("CANCEL")
    venue.claw_dispatches()

    assert decision is not None
    assert decision.reason is Reason.OPTED_OUT
    assert venue.devices.resets == []
    assert venue.conversation().awaiting_action is None
    assert venue.texts_to()[-1] == wording.opted_out()


def test_cancel_that_while_a_reset_awaits_its_yes_declines_it(venue: Venue) -> None:
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    decision = venue.customer_texts("cancel that")
    venue.claw_dispatches()

    assert decision is not None
    assert decision.reason is Reason.CUSTOMER_DECLINED
    assert not venue.conversation().opted_out
    assert venue.action().status is ActionStatus.DECLINED


def test_the_opt_out_confirmation_waits_for_nobody_under_the_stop(venue: Venue) -> None:
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())
    venue.customer_texts("STOP")
    venue.claw_dispatches()

    assert venue.conversation().opted_out
    assert venue.messenger.sent == []  # the stop halts every text claw sends itself
    [reply] = venue.texts()
    assert (reply.purpose, reply.status) == (
        ReplyPurpose.OPT_OUT_CONFIRMATION,
        ReplyStatus.WITHHELD,
    )


# 4. An ignored approval is recorded and undone ---------------------------------------------


def _door_awaiting_approval(venue: Venue) -> None:
    venue.customer_texts("let me in please", OPEN_THE_DOOR, customer=MEMBER)
    venue.customer_texts("yes", customer=MEMBER)
    venue.claw_dispatches()
    assert venue.action(MEMBER).status is ActionStatus.AWAITING


def _event_names(venue: Venue) -> list[str]:
    return [type(e).__name__ for e in venue.app.repository.event_store.get(venue.action_id(MEMBER))]


def test_an_approval_during_the_stop_is_recorded_ignored_and_opens_nothing_later(
    venue: Venue,
) -> None:
    _door_awaiting_approval(venue)
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())

    ignored = venue.app.approve_action(venue.action_id(MEMBER), "sam", venue.clock.now())
    venue.claw_dispatches()

    assert ignored.decision is not None
    assert (ignored.decision.kind, ignored.decision.reason) == (
        DecisionKind.IGNORE,
        Reason.EMERGENCY_STOP,
    )
    action = venue.action(MEMBER)
    assert action.status is ActionStatus.AWAITING
    assert action.approval_needed
    assert action.confirmed  # the customer's yes still stands
    assert _event_names(venue)[-1] == "StaffApprovalIgnored"

    venue.app.release_emergency_stop("owner", "fixed", venue.clock.now())
    venue.customer_texts("yes??", customer=MEMBER)
    venue.claw_dispatches()
    assert venue.doors.unlocked == []  # the customer's yes alone never opens it

    opened = venue.app.approve_action(venue.action_id(MEMBER), "sam", venue.clock.now())
    venue.claw_dispatches()
    assert opened.decision is not None
    assert opened.decision.reason is Reason.APPROVED_BY_STAFF
    assert venue.doors.unlocked == [("door-bedford-front", 10)]


def test_an_approval_ignored_for_the_stop_cannot_be_repeated_past_the_deadline(
    venue: Venue,
) -> None:
    _door_awaiting_approval(venue)
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())
    venue.app.approve_action(venue.action_id(MEMBER), "sam", venue.clock.now())
    venue.app.release_emergency_stop("owner", "fixed", venue.clock.now())
    venue.time_passes(11)

    with pytest.raises(InvariantError, match="deadline"):
        venue.app.approve_action(venue.action_id(MEMBER), "sam", venue.clock.now())
    venue.app.expire_action(venue.action_id(MEMBER), venue.clock.now())
    venue.claw_dispatches()

    assert venue.doors.unlocked == []
    assert venue.action(MEMBER).status is ActionStatus.EXPIRED


def test_an_approval_after_the_customer_opted_out_is_ignored(venue: Venue) -> None:
    _door_awaiting_approval(venue)
    venue.customer_texts("stop texting me", customer=MEMBER)

    ignored = venue.app.approve_action(venue.action_id(MEMBER), "sam", venue.clock.now())
    venue.claw_dispatches()

    assert ignored.decision is not None
    assert ignored.decision.reason is Reason.OPTED_OUT
    assert venue.action(MEMBER).status is ActionStatus.AWAITING
    assert venue.doors.unlocked == []


def test_an_approval_while_actions_are_disabled_does_not_count_once_they_are_back(
    venue: Venue,
) -> None:
    _door_awaiting_approval(venue)
    rails = venue.app.settings().globals
    venue.app.change_globals(attrs.evolve(rails, execute_actions=False), "owner", venue.clock.now())
    held = venue.app.approve_action(venue.action_id(MEMBER), "sam", venue.clock.now())
    venue.app.change_globals(rails, "owner", venue.clock.now())

    venue.customer_texts("yes", customer=MEMBER)
    venue.claw_dispatches()

    assert held.decision is not None
    assert held.decision.reason is Reason.ACTIONS_DISABLED
    assert venue.action(MEMBER).status is ActionStatus.AWAITING
    assert venue.doors.unlocked == []


def test_the_console_shows_an_ignored_approval_as_awaiting_approval(venue: Venue) -> None:
    store = MemoryProjectionStore()
    projector = Projector(venue.app, store, all_projections())
    _door_awaiting_approval(venue)
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())
    venue.app.approve_action(venue.action_id(MEMBER), "sam", venue.clock.now())

    projector.catch_up_fully()

    row = store.get(PENDING_ACTIONS, str(venue.action_id(MEMBER)))
    assert row is not None
    assert (row["status"], row["needs_approval"], row["approved_by"]) == ("awaiting", True, None)
    assert row["approval_ignored"] == "emergency_stop"
    audit = [r.document for r in store.rows("audit")]
    assert any(
        d["event"] == "StaffApprovalIgnored" and d["detail"] == "emergency_stop" for d in audit
    )
