"""claw's use cases, end to end in memory: a customer texts, claw decides, the dispatcher acts.

Each test is one story at one venue: the application on ``eventsourcing.popo``,
the in-memory venue, the memory ports, and a clock the story moves by hand.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_domain import wording
from claw_domain.conversation import Conversation
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.errors import OutcomeUnknownError, PermanentEffectError, TransientEffectError
from claw_domain.identity import conversation_id
from claw_domain.outbox import OutboundText, ReplyPurpose, ReplyStatus
from claw_domain.pending_action import ActionStatus, PendingAction
from claw_domain.ports import AlertSeverity
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import (
    ActionKind,
    ActionParameters,
    Classification,
    ClassificationSource,
    Entities,
    InboundText,
    Intent,
)
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application, effect_ports
from claw_service.application import Outcome, TextToUnderstand
from claw_service.dispatcher import REPLY_ATTEMPTS, EffectDispatcher
from fakes.venue import InMemoryVenue

VENUE_LINE = "+19025550000"
CUSTOMER = "+19025551111"
MEMBER = "+19025552222"  # known to the venue: may have the Bedford door opened

HOURS = Classification(Intent.HOURS, 0.97, ClassificationSource.PATTERN)
RESET_BOX_2 = Classification(
    Intent.TRACKMAN_RESET, 0.95, ClassificationSource.PATTERN, Entities("bedford", 2)
)
OPEN_THE_DOOR = Classification(
    Intent.DOOR_ACCESS, 0.93, ClassificationSource.PATTERN, Entities("bedford")
)
FEATURES = {
    Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO),
    Intent.TRACKMAN_RESET: FeatureSettings(mode=FeatureMode.AUTO, requires_confirmation=True),
    Intent.DOOR_ACCESS: FeatureSettings(
        mode=FeatureMode.AUTO, requires_confirmation=True, requires_approval=True
    ),
}


class Venue:
    """One venue running claw, with fakes that remember what they were asked to do."""

    def __init__(self) -> None:
        self.clock = SettableClock()
        self.app = construct_application(
            MEMORY_DATABASE_URL, InMemoryVenue(door_allowed={(MEMBER, "bedford")})
        )
        self.app.ensure_settings(FEATURES, GlobalSettings(), "owner", self.clock.now())
        self.messenger = MemoryMessenger()
        self.devices = MemoryDevices()
        self.doors = MemoryDoors()
        self.staff = MemoryStaff()
        self.dispatcher = EffectDispatcher(
            self.app,
            effect_ports(self.messenger, self.devices, self.doors, self.staff),
            self.clock,
            sleep=_no_sleep,
        )
        self.count = 0

    # What happens ---------------------------------------------------------------------

    def customer_texts(
        self, body: str, meaning: Classification | None = None, customer: str = CUSTOMER
    ) -> Decision | None:
        """A text arrives and claw decides on it; ``meaning`` stands in for understanding."""
        self.count += 1
        self.clock.advance(timedelta(seconds=20))
        text = InboundText(f"AC{self.count}", VENUE_LINE, customer, body, self.clock.now())
        self.app.receive_text(text, self.clock.now())
        conversation = conversation_id(VENUE_LINE, customer)
        work = self.app.begin_processing(conversation, self.clock.now())
        if isinstance(work, TextToUnderstand):
            assert meaning is not None, f"the story must say what {work.text!r} means"
            work = self.app.decide_on_text(
                conversation, meaning, work.text, work.through, self.clock.now()
            )
        assert isinstance(work, Outcome)
        return work.decision

    def claw_dispatches(self) -> None:
        for _ in range(10):
            if asyncio.run(self.dispatcher.run_once()) == 0:
                return
        pytest.fail("the dispatcher never caught up")

    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    # What we look at ------------------------------------------------------------------

    def conversation(self, customer: str = CUSTOMER) -> Conversation:
        return self.app.conversation(conversation_id(VENUE_LINE, customer))

    def action(self, customer: str = CUSTOMER) -> PendingAction:
        return self.app.pending_action(self._last_action(customer))

    def action_id(self, customer: str = CUSTOMER) -> UUID:
        return self._last_action(customer)

    def _last_action(self, customer: str) -> UUID:
        action = self.conversation(customer).last_action_id
        assert action is not None, "the conversation opened no action"
        return action

    def texts(self, customer: str = CUSTOMER) -> list[OutboundText]:
        """What claw queued for the customer, oldest first, as the outbox recorded it."""
        return self.app.texts_of(self.conversation(customer))

    def texts_to(self, customer: str = CUSTOMER) -> list[str]:
        return [body for to, body in self.messenger.sent if to == customer]

    def staff_alerts(self) -> list[str]:
        return [alert.title for alert in self.staff.alerts]


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def venue() -> Venue:
    return Venue()


# Answers ---------------------------------------------------------------------------------


def test_claw_answers_the_hours(venue: Venue) -> None:
    decision = venue.customer_texts("what are your hours?", HOURS)
    venue.claw_dispatches()

    assert decision is not None
    assert (decision.kind, decision.reason) == (
        DecisionKind.RESPOND,
        Reason.ANSWERED_FROM_KNOWLEDGE,
    )
    assert venue.texts_to() == ["We're open 24/7."]
    [reply] = venue.texts()
    assert (reply.status, reply.vendor_message_id) == (ReplyStatus.SENT, "dry-1")


# Actions ---------------------------------------------------------------------------------


def test_a_reset_is_confirmed_with_yes_then_carried_out(venue: Venue) -> None:
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.claw_dispatches()

    assert venue.texts_to() == [
        "I can restart the TrackMan in Bedford box 2 for you. "
        "Reply YES to go ahead or NO to cancel."
    ]
    assert venue.devices.resets == []

    decision = venue.customer_texts("Yes please")
    venue.claw_dispatches()

    assert decision is not None
    assert (decision.kind, decision.reason) == (DecisionKind.EXECUTE, Reason.CUSTOMER_CONFIRMED)
    assert venue.devices.resets == ["102"]
    assert venue.texts_to()[-1].startswith("Restarting the TrackMan in Bedford box 2 now")
    assert venue.action().status is ActionStatus.SUCCEEDED


def test_a_no_declines_the_reset(venue: Venue) -> None:
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.customer_texts("no")
    venue.claw_dispatches()

    assert venue.devices.resets == []
    assert venue.action().status is ActionStatus.DECLINED
    assert venue.texts_to()[-1] == "No problem, I won't do anything. Text us if you need help."


def test_a_door_unlock_waits_for_staff_approval(venue: Venue) -> None:
    venue.customer_texts("let me in please", OPEN_THE_DOOR, customer=MEMBER)
    venue.customer_texts("yes", customer=MEMBER)
    venue.claw_dispatches()

    assert venue.doors.unlocked == []
    assert venue.texts_to(MEMBER)[-1].startswith("Thanks! A staff member needs to approve")
    [approval] = venue.staff.alerts
    assert (approval.title, approval.severity) == ("Door approval needed", AlertSeverity.URGENT)
    assert venue.action(MEMBER).status is ActionStatus.AWAITING

    outcome = venue.app.approve_action(venue.action_id(MEMBER), "sam", venue.clock.now())
    venue.claw_dispatches()

    assert outcome.decision is not None
    assert outcome.decision.reason is Reason.APPROVED_BY_STAFF
    assert venue.doors.unlocked == [("door-bedford-front", 10)]
    assert venue.texts_to(MEMBER)[-1] == "Unlocking the front door at Bedford now."


def test_a_stranger_asking_for_the_door_is_handed_to_staff(venue: Venue) -> None:
    decision = venue.customer_texts("let me in please", OPEN_THE_DOOR)
    venue.claw_dispatches()

    assert decision is not None
    assert decision.reason is Reason.DOOR_NOT_AUTHORISED
    assert venue.doors.unlocked == []
    assert venue.texts_to() == ["Thanks, a staff member will text you back shortly."]
    assert venue.staff_alerts() == ["Customer needs staff"]


def test_a_reset_staff_must_approve_is_asked_for_under_its_own_title(venue: Venue) -> None:
    venue.app.change_feature(
        Intent.TRACKMAN_RESET,
        FeatureSettings(mode=FeatureMode.AUTO, requires_approval=True),
        "owner",
        venue.clock.now(),
    )
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.claw_dispatches()

    [approval] = venue.staff.alerts
    assert (approval.title, approval.severity) == (
        "Simulator reset approval needed",
        AlertSeverity.URGENT,
    )
    assert approval.body.startswith(f"{CUSTOMER} asks to restart the TrackMan in Bedford box 2.")
    assert venue.texts_to() == [
        "Thanks! A staff member needs to approve restarting the TrackMan in Bedford box 2; "
        "I'll text you shortly."
    ]
    assert venue.action().approval_requested


class _VenueWithoutDeviceIds(InMemoryVenue):
    """A venue file that names the box but not its PC."""

    def action_parameters(self, kind: ActionKind, entities: Entities) -> ActionParameters | None:
        return ActionParameters(location="bedford", box=entities.box)


def test_a_target_without_what_its_action_needs_is_asked_for_not_acted_on(venue: Venue) -> None:
    venue.app.venue = _VenueWithoutDeviceIds()

    decision = venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.claw_dispatches()

    assert decision is not None
    assert (decision.kind, decision.reason) == (DecisionKind.RESPOND, Reason.DETAILS_NEEDED)
    assert venue.conversation().recent_action_ids == []
    assert venue.texts_to() == ["Which location and box are you in? (e.g. 'Bedford box 2')"]


def test_an_expired_confirmation_tells_the_customer(venue: Venue) -> None:
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.claw_dispatches()
    venue.time_passes(11)

    venue.app.expire_action(venue.action_id(), venue.clock.now())
    venue.claw_dispatches()

    assert venue.action().status is ActionStatus.EXPIRED
    assert (
        venue.texts_to()[-1] == "Your restart request timed out. Text again if you still need it."
    )
    assert venue.conversation().awaiting_action is None
    assert venue.devices.resets == []


# Rails -----------------------------------------------------------------------------------


def test_stop_opts_out_and_nothing_more_is_sent(venue: Venue) -> None:
    venue.customer_texts("what are your hours?", HOURS)
    venue.customer_texts("STOP")
    later = venue.customer_texts("what are your hours?!", HOURS)
    venue.claw_dispatches()

    assert venue.conversation().opted_out
    assert later is not None
    assert (later.kind, later.reason) == (DecisionKind.IGNORE, Reason.OPTED_OUT)
    # The queued answer is withheld; the opt-out's own confirmation is the one text sent.
    assert venue.texts_to() == [wording.opted_out()]
    assert [r.status for r in venue.texts()] == [
        ReplyStatus.WITHHELD,
        ReplyStatus.SENT,
    ]


def test_staff_texting_by_hand_pauses_claw(venue: Venue) -> None:
    venue.app.record_outbound_text(
        VENUE_LINE, CUSTOMER, "PN-staff", "Hi, Sam here. How can I help?", venue.clock.now()
    )

    paused = venue.customer_texts("what are your hours?", HOURS)
    venue.time_passes(61)
    resumed = venue.customer_texts("and are you open now?", HOURS)
    venue.claw_dispatches()

    assert paused is not None
    assert (paused.kind, paused.reason) == (DecisionKind.IGNORE, Reason.STAFF_ACTIVE)
    assert resumed is not None
    assert resumed.kind is DecisionKind.RESPOND
    assert venue.texts_to() == ["We're open 24/7."]


def test_claws_own_text_seen_on_the_line_does_not_pause_it(venue: Venue) -> None:
    venue.customer_texts("what are your hours?", HOURS)
    venue.claw_dispatches()

    venue.app.record_outbound_text(
        VENUE_LINE, CUSTOMER, "dry-1", "We're open 24/7.", venue.clock.now()
    )

    assert not venue.conversation().staff_active(venue.clock.now())


def test_the_emergency_stop_withholds_queued_replies_at_dispatch(venue: Venue) -> None:
    venue.customer_texts("what are your hours?", HOURS)
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())

    venue.claw_dispatches()

    assert venue.messenger.sent == []
    assert [r.status for r in venue.texts()] == [ReplyStatus.WITHHELD]


def test_the_emergency_stop_holds_back_a_confirmed_action(venue: Venue) -> None:
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.claw_dispatches()
    venue.customer_texts("yes")
    venue.app.engage_emergency_stop("owner", "bot misbehaving", venue.clock.now())

    venue.claw_dispatches()

    assert venue.devices.resets == []
    assert venue.action().status is ActionStatus.CANCELLED
    assert len(venue.messenger.sent) == 1  # only the confirmation request, before the stop


# When the vendors misbehave --------------------------------------------------------------


def test_an_offline_simulator_gets_the_offline_notice_and_a_staff_alert(venue: Venue) -> None:
    venue.devices.offline.add("102")
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.customer_texts("yes")

    venue.claw_dispatches()

    assert venue.devices.resets == []
    assert venue.action().status is ActionStatus.FAILED
    assert venue.texts_to()[-1] == (
        "The TrackMan in Bedford box 2 looks offline, so I can't restart it. "
        "Staff have been alerted."
    )
    assert venue.staff_alerts() == ["Simulator PC offline"]


def test_a_crash_mid_action_records_an_unknown_outcome_and_never_repeats_it(venue: Venue) -> None:
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.customer_texts("yes")
    # The dispatcher saved ExecutionStarted, then the process died before the outcome.
    action = venue.action()
    action.start_execution(venue.clock.now())
    venue.app.save(action)

    venue.claw_dispatches()

    assert venue.devices.resets == []
    assert venue.action().status is ActionStatus.OUTCOME_UNKNOWN
    assert venue.texts_to()[-1].startswith("I couldn't confirm whether the TrackMan")
    [alert] = [a for a in venue.staff.alerts if a.title == "Action outcome unknown"]
    assert alert.severity is AlertSeverity.URGENT


def test_a_vendor_timeout_mid_reset_is_an_unknown_outcome(venue: Venue) -> None:
    venue.devices.failures.append(OutcomeUnknownError("NinjaOne timed out"))
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.customer_texts("yes")

    venue.claw_dispatches()

    assert venue.action().status is ActionStatus.OUTCOME_UNKNOWN
    assert "Action outcome unknown" in venue.staff_alerts()


def test_a_5xx_from_the_messenger_is_retried_then_sent(venue: Venue) -> None:
    venue.messenger.failures.append(TransientEffectError("502 from OpenPhone"))

    venue.customer_texts("what are your hours?", HOURS)
    venue.claw_dispatches()

    assert venue.texts_to() == ["We're open 24/7."]
    [reply] = venue.texts()
    assert (reply.status, reply.attempts) == (ReplyStatus.SENT, 2)
    assert venue.staff.alerts == []


def test_a_messenger_that_keeps_failing_gives_up_and_alerts_staff(venue: Venue) -> None:
    venue.messenger.failures.extend(
        TransientEffectError("502 from OpenPhone") for _ in range(REPLY_ATTEMPTS)
    )

    venue.customer_texts("what are your hours?", HOURS)
    venue.claw_dispatches()

    assert venue.messenger.sent == []
    [reply] = venue.texts()
    assert (reply.status, reply.attempts) == (ReplyStatus.FAILED, REPLY_ATTEMPTS)
    assert venue.staff_alerts() == ["A reply could not be sent"]


def test_a_permanent_refusal_alerts_staff(venue: Venue) -> None:
    venue.messenger.failures.append(PermanentEffectError("A2P not approved", code="0206400"))

    venue.customer_texts("what are your hours?", HOURS)
    venue.claw_dispatches()

    assert venue.messenger.sent == []
    [reply] = venue.texts()
    assert (reply.status, reply.attempts) == (ReplyStatus.FAILED, 1)
    assert venue.staff_alerts() == ["A reply was refused"]


# Other writers meanwhile -----------------------------------------------------------------


def test_a_text_arriving_while_a_reply_is_in_flight_does_not_repeat_it(venue: Venue) -> None:
    venue.customer_texts("what are your hours?", HOURS)

    def customer_texts_again_meanwhile(_to: str, _body: str) -> None:
        venue.messenger.before_send = None
        venue.app.receive_text(
            InboundText("AC-meanwhile", VENUE_LINE, CUSTOMER, "thanks!", venue.clock.now()),
            venue.clock.now(),
        )

    venue.messenger.before_send = customer_texts_again_meanwhile
    venue.claw_dispatches()

    assert venue.texts_to() == ["We're open 24/7."]
    assert venue.texts()[0].status is ReplyStatus.SENT
    assert [t.body for t in venue.conversation().inbound][-1] == "thanks!"


def test_a_text_arriving_while_staff_are_alerted_does_not_repeat_the_alert(venue: Venue) -> None:
    venue.customer_texts("let me in please", OPEN_THE_DOOR)  # a stranger: staff must look

    def customer_texts_again_meanwhile(_alert: object) -> None:
        venue.staff.before_alert = None
        venue.app.receive_text(
            InboundText("AC-meanwhile", VENUE_LINE, CUSTOMER, "hello??", venue.clock.now()),
            venue.clock.now(),
        )

    venue.staff.before_alert = customer_texts_again_meanwhile
    venue.claw_dispatches()

    assert venue.staff_alerts() == ["Customer needs staff"]
    assert len(venue.app.alerts_of(venue.conversation())) == 1


# What claw sent, and what follows from it ---------------------------------------------------


def test_claws_own_action_update_seen_on_the_line_does_not_pause_it(venue: Venue) -> None:
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.customer_texts("yes")
    venue.claw_dispatches()
    [_question, starting] = venue.texts()
    assert starting.purpose is ReplyPurpose.ACTION_UPDATE
    assert starting.vendor_message_id is not None

    # The "restarting" text is keyed by its action: found by its vendor id.
    venue.app.record_outbound_text(
        VENUE_LINE, CUSTOMER, starting.vendor_message_id, starting.body, venue.clock.now()
    )

    assert not venue.conversation().staff_active(venue.clock.now())


def test_claws_own_text_seen_before_its_send_returns_does_not_pause_it(venue: Venue) -> None:
    venue.customer_texts("what are your hours?", HOURS)  # queued, not sent yet

    venue.app.record_outbound_text(
        VENUE_LINE, CUSTOMER, "PN-not-yet-known", "We're open 24/7.", venue.clock.now()
    )

    assert not venue.conversation().staff_active(venue.clock.now())


def test_two_failed_resets_hand_the_third_request_to_staff(venue: Venue) -> None:
    for _attempt in range(2):
        venue.devices.failures.append(PermanentEffectError("script runner offline"))
        venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
        venue.customer_texts("yes")
        venue.claw_dispatches()
        venue.time_passes(5)

    third = venue.customer_texts("trackman frozen box 2", RESET_BOX_2)

    # Counted from the actions' own outcomes: the dispatcher wrote nothing to the conversation.
    assert venue.app.consecutive_failures(venue.conversation().id) == 2
    assert third is not None
    assert (third.kind, third.reason) == (DecisionKind.ESCALATE, Reason.REPEATED_FAILURE)
