"""The decision policy, one reason at a time: given facts, exactly this decision."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import attrs
import pytest

from claw_domain.decisions import (
    ActionToOpen,
    AlertForStaff,
    Consent,
    DecisionKind,
    Reason,
    StaffApproval,
)
from claw_domain.pending_action import ActionStatus
from claw_domain.policy import (
    ConversationFacts,
    LastActionFacts,
    PendingActionFacts,
    Situation,
    Trigger,
    decide,
)
from claw_domain.settings import (
    EmergencyStop,
    FeatureMode,
    FeatureSettings,
    GlobalSettings,
    QuietHours,
    SettingsSnapshot,
)
from claw_domain.values import (
    ActionKind,
    ActionParameters,
    Classification,
    ClassificationSource,
    Entities,
    Intent,
    Sentiment,
    YesNo,
)
from claw_domain.wording import Message, Template

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

SETTINGS = SettingsSnapshot(
    version=7,
    features={
        Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO),
        Intent.PRICING: FeatureSettings(mode=FeatureMode.SUGGEST),
        Intent.MEMBERSHIP: FeatureSettings(mode=FeatureMode.SHADOW),
        Intent.REFUND_COMPLAINT: FeatureSettings(mode=FeatureMode.OFF),
        Intent.TRACKMAN_RESET: FeatureSettings(mode=FeatureMode.AUTO, requires_confirmation=True),
        Intent.DOOR_ACCESS: FeatureSettings(
            mode=FeatureMode.AUTO, requires_confirmation=True, requires_approval=True
        ),
    },
    globals=GlobalSettings(messages_per_hour=10),
)


def text_about(intent: Intent, confidence: float = 0.95, **changes: object) -> Situation:
    classification = Classification(
        intent=intent,
        confidence=confidence,
        source=ClassificationSource.LOCAL_MODEL,
        entities=Entities(location="bedford", box=2),
    )
    situation = Situation(
        trigger=Trigger.CUSTOMER_TEXT,
        now=NOW,
        conversation=ConversationFacts(),
        classification=classification,
        prepared_answer="We're open 24/7." if intent is Intent.HOURS else None,
        action_target_known=True,
        door_authorised=True,
    )
    return attrs.evolve(situation, **changes)


def with_globals(**changes: object) -> SettingsSnapshot:
    return attrs.evolve(SETTINGS, globals=attrs.evolve(SETTINGS.globals, **changes))


def test_a_known_question_is_answered_from_knowledge() -> None:
    decision = decide(text_about(Intent.HOURS), SETTINGS)
    assert decision.kind is DecisionKind.RESPOND
    assert decision.reason is Reason.ANSWERED_FROM_KNOWLEDGE
    assert decision.reply == "We're open 24/7."
    assert decision.settings_version == 7


@pytest.mark.parametrize(
    ("situation", "settings", "kind", "reason"),
    [
        (
            text_about(Intent.HOURS, conversation=ConversationFacts(is_own_number=True)),
            SETTINGS,
            DecisionKind.IGNORE,
            Reason.OWN_NUMBER,
        ),
        (
            text_about(Intent.HOURS, conversation=ConversationFacts(opted_out=True)),
            SETTINGS,
            DecisionKind.IGNORE,
            Reason.OPTED_OUT,
        ),
        (
            text_about(Intent.HOURS),
            attrs.evolve(SETTINGS, emergency_stop=EmergencyStop("ops", "storm", NOW)),
            DecisionKind.SUGGEST,
            Reason.EMERGENCY_STOP,
        ),
        (
            text_about(
                Intent.HOURS,
                conversation=ConversationFacts(staff_active_until=NOW + timedelta(minutes=5)),
            ),
            SETTINGS,
            DecisionKind.IGNORE,
            Reason.STAFF_ACTIVE,
        ),
        (
            text_about(
                Intent.HOURS,
                conversation=ConversationFacts(
                    recent_inbound=tuple(NOW - timedelta(seconds=s) for s in range(5))
                ),
            ),
            SETTINGS,
            DecisionKind.ESCALATE,
            Reason.RAPID_MESSAGES,
        ),
        (
            text_about(
                Intent.HOURS,
                conversation=ConversationFacts(
                    recent_inbound=tuple(NOW - timedelta(seconds=20 * s) for s in range(12))
                ),
            ),
            SETTINGS,
            DecisionKind.IGNORE,
            Reason.CONVERSATION_LOOP,
        ),
        (text_about(Intent.OTHER), SETTINGS, DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT),
        (
            text_about(Intent.REFUND_COMPLAINT),
            SETTINGS,
            DecisionKind.ESCALATE,
            Reason.FEATURE_OFF,
        ),
        (text_about(Intent.WIFI), SETTINGS, DecisionKind.ESCALATE, Reason.FEATURE_OFF),
        (text_about(Intent.MEMBERSHIP), SETTINGS, DecisionKind.IGNORE, Reason.SHADOW_MODE),
        (text_about(Intent.PRICING), SETTINGS, DecisionKind.SUGGEST, Reason.SUGGEST_MODE),
        (
            text_about(Intent.HOURS, confidence=0.5),
            SETTINGS,
            DecisionKind.SUGGEST,
            Reason.LOW_CONFIDENCE,
        ),
        (
            text_about(Intent.HOURS),
            with_globals(send_automatic_responses=False),
            DecisionKind.SUGGEST,
            Reason.AUTOMATIC_RESPONSES_DISABLED,
        ),
        (
            text_about(Intent.HOURS, sent_this_hour=10),
            SETTINGS,
            DecisionKind.SUGGEST,
            Reason.HOURLY_LIMIT,
        ),
        (
            text_about(Intent.HOURS),
            with_globals(quiet_hours=QuietHours(start=time(14), end=time(16))),
            DecisionKind.SUGGEST,
            Reason.QUIET_HOURS,
        ),
        (
            text_about(
                Intent.HOURS,
                conversation=ConversationFacts(auto_replies_by_intent={Intent.HOURS: 3}),
            ),
            SETTINGS,
            DecisionKind.SUGGEST,
            Reason.REPLY_LIMIT,
        ),
        (
            text_about(Intent.HOURS, prepared_answer=None),
            SETTINGS,
            DecisionKind.SUGGEST,
            Reason.NO_ANSWER_AVAILABLE,
        ),
        (
            text_about(Intent.TRACKMAN_RESET),
            SETTINGS,
            DecisionKind.REQUEST_CONFIRMATION,
            Reason.CONFIRMATION_REQUIRED,
        ),
        (
            text_about(Intent.TRACKMAN_RESET, action_target_known=False),
            SETTINGS,
            DecisionKind.RESPOND,
            Reason.DETAILS_NEEDED,
        ),
        (
            text_about(
                Intent.TRACKMAN_RESET, conversation=ConversationFacts(action_in_progress=True)
            ),
            SETTINGS,
            DecisionKind.RESPOND,
            Reason.ALREADY_IN_PROGRESS,
        ),
        (
            text_about(Intent.TRACKMAN_RESET),
            with_globals(execute_actions=False),
            DecisionKind.SUGGEST,
            Reason.ACTIONS_DISABLED,
        ),
        (
            text_about(Intent.DOOR_ACCESS, door_authorised=False),
            SETTINGS,
            DecisionKind.ESCALATE,
            Reason.DOOR_NOT_AUTHORISED,
        ),
        (
            text_about(Intent.DOOR_ACCESS),
            SETTINGS,
            DecisionKind.REQUEST_CONFIRMATION,
            Reason.CONFIRMATION_REQUIRED,
        ),
        (
            text_about(Intent.HOURS, classification=None),
            SETTINGS,
            DecisionKind.ESCALATE,
            Reason.UNKNOWN_INTENT,
        ),
        (
            text_about(Intent.FEEDBACK_POSITIVE),
            SETTINGS,
            DecisionKind.IGNORE,
            Reason.ACKNOWLEDGEMENT,
        ),
        (
            text_about(Intent.FEEDBACK_NEGATIVE),
            SETTINGS,
            DecisionKind.ESCALATE,
            Reason.REPEATED_FAILURE,
        ),
        (
            text_about(Intent.HOURS, conversation=ConversationFacts(consecutive_failures=2)),
            SETTINGS,
            DecisionKind.ESCALATE,
            Reason.REPEATED_FAILURE,
        ),
    ],
)
def test_each_rail_gives_its_reason(
    situation: Situation, settings: SettingsSnapshot, kind: DecisionKind, reason: Reason
) -> None:
    decision = decide(situation, settings)
    assert (decision.kind, decision.reason) == (kind, reason)


def test_blacklisted_topics_and_negative_sentiment_go_to_staff() -> None:
    classification = Classification(
        intent=Intent.HOURS,
        confidence=0.99,
        source=ClassificationSource.PATTERN,
        blacklisted_topic="injury",
    )
    decision = decide(text_about(Intent.HOURS, classification=classification), SETTINGS)
    assert (decision.kind, decision.reason) == (DecisionKind.ESCALATE, Reason.BLACKLISTED_TOPIC)

    angry = attrs.evolve(classification, blacklisted_topic=None, sentiment=Sentiment.NEGATIVE)
    decision = decide(text_about(Intent.HOURS, classification=angry), SETTINGS)
    assert (decision.kind, decision.reason) == (DecisionKind.ESCALATE, Reason.NEGATIVE_SENTIMENT)


def test_reset_without_confirmation_executes_directly() -> None:
    settings = attrs.evolve(
        SETTINGS,
        features={Intent.TRACKMAN_RESET: FeatureSettings(mode=FeatureMode.AUTO)},
    )
    decision = decide(text_about(Intent.TRACKMAN_RESET), settings)
    assert (decision.kind, decision.reason) == (DecisionKind.EXECUTE, Reason.NO_CONFIRMATION_NEEDED)
    assert decision.action is ActionKind.RESET_SIMULATOR


def confirmation_reply(
    answer: YesNo, approval_needed: bool = False, **changes: object
) -> Situation:
    situation = Situation(
        trigger=Trigger.CONFIRMATION_REPLY,
        now=NOW,
        conversation=ConversationFacts(),
        confirmation_reply=answer,
        pending=PendingActionFacts(
            kind=ActionKind.UNLOCK_DOOR if approval_needed else ActionKind.RESET_SIMULATOR,
            intent=Intent.DOOR_ACCESS if approval_needed else Intent.TRACKMAN_RESET,
            deadline=NOW + timedelta(minutes=5),
            confirmation_needed=True,
            approval_needed=approval_needed,
        ),
    )
    return attrs.evolve(situation, **changes)


def test_yes_executes_no_declines_and_door_waits_for_staff() -> None:
    yes = decide(confirmation_reply(YesNo.YES), SETTINGS)
    assert (yes.kind, yes.reason) == (DecisionKind.EXECUTE, Reason.CUSTOMER_CONFIRMED)
    no = decide(confirmation_reply(YesNo.NO), SETTINGS)
    assert (no.kind, no.reason) == (DecisionKind.RESPOND, Reason.CUSTOMER_DECLINED)
    door = decide(confirmation_reply(YesNo.YES, approval_needed=True), SETTINGS)
    assert (door.kind, door.reason) == (
        DecisionKind.REQUEST_CONFIRMATION,
        Reason.APPROVAL_REQUIRED,
    )


def test_a_late_yes_does_not_execute() -> None:
    late = confirmation_reply(YesNo.YES, now=NOW + timedelta(minutes=6))
    decision = decide(late, SETTINGS)
    assert (decision.kind, decision.reason) == (DecisionKind.IGNORE, Reason.DEADLINE_PASSED)


def test_staff_approval_executes_only_when_the_customer_has_confirmed() -> None:
    approval = Situation(
        trigger=Trigger.STAFF_APPROVAL,
        now=NOW,
        conversation=ConversationFacts(),
        pending=PendingActionFacts(
            kind=ActionKind.UNLOCK_DOOR,
            intent=Intent.DOOR_ACCESS,
            deadline=NOW + timedelta(minutes=5),
            confirmation_needed=False,
            approval_needed=False,
        ),
    )
    assert decide(approval, SETTINGS).kind is DecisionKind.EXECUTE
    assert decide(approval, SETTINGS).reason is Reason.APPROVED_BY_STAFF
    waiting = attrs.evolve(
        approval, pending=attrs.evolve(approval.pending, confirmation_needed=True)
    )
    assert decide(waiting, SETTINGS).reason is Reason.AWAITING_CONFIRMATION
    stopped = attrs.evolve(SETTINGS, emergency_stop=EmergencyStop("ops", "drill", NOW))
    assert decide(approval, stopped).kind is DecisionKind.IGNORE


def test_quiet_hours_wrap_past_midnight_in_the_venue_time_zone() -> None:
    overnight = with_globals(
        quiet_hours=QuietHours(start=time(23), end=time(6)), timezone="America/Halifax"
    )
    at_one_am_halifax = text_about(Intent.HOURS, now=datetime(2026, 11, 25, 5, 0, tzinfo=UTC))
    assert decide(at_one_am_halifax, overnight).reason is Reason.QUIET_HOURS
    at_noon_halifax = text_about(Intent.HOURS, now=datetime(2026, 11, 25, 16, 0, tzinfo=UTC))
    assert decide(at_noon_halifax, overnight).reason is Reason.ANSWERED_FROM_KNOWLEDGE


def test_a_door_request_without_a_location_asks_where_before_judging_who() -> None:
    unknown_place = text_about(Intent.DOOR_ACCESS, action_target_known=False, door_authorised=False)
    decision = decide(unknown_place, SETTINGS)
    assert (decision.kind, decision.reason) == (DecisionKind.RESPOND, Reason.DETAILS_NEEDED)


# What a decision does and says: the policy alone answers it -----------------------------

CUSTOMER = "+19025551111"
BOX_2 = ActionParameters(location="bedford", box=2, device_id="102")
FRONT_DOOR = ActionParameters(location="bedford", door_id="door-1", door_name="front door")


def about_a_target(intent: Intent, target: ActionParameters, **changes: object) -> Situation:
    return text_about(
        intent,
        target=target,
        location_name="Bedford",
        customer_number=CUSTOMER,
        text="let me in please",
        **changes,
    )


def test_an_answer_carries_the_prepared_text_and_nothing_else() -> None:
    decision = decide(text_about(Intent.HOURS), SETTINGS)

    assert decision.message == Message(Template.KNOWLEDGE_ANSWER, text="We're open 24/7.")
    assert (decision.opens, decision.consent, decision.alert) == (None, None, None)


def test_a_reset_opens_its_action_and_asks_the_customer_to_confirm() -> None:
    decision = decide(about_a_target(Intent.TRACKMAN_RESET, BOX_2), SETTINGS)

    assert decision.opens == ActionToOpen(
        kind=ActionKind.RESET_SIMULATOR,
        parameters=BOX_2,
        requires_confirmation=True,
        requires_approval=False,
        deadline=NOW + SETTINGS.globals.confirmation_timeout,
    )
    assert decision.reply == (
        "I can restart the TrackMan in Bedford box 2 for you. "
        "Reply YES to go ahead or NO to cancel."
    )
    assert decision.alert is None


def test_a_door_opened_for_a_set_time_and_staff_asked_to_approve_it() -> None:
    settings = attrs.evolve(
        with_globals(door_unlock_seconds=45),
        features={
            Intent.DOOR_ACCESS: FeatureSettings(mode=FeatureMode.AUTO, requires_approval=True)
        },
    )
    decision = decide(about_a_target(Intent.DOOR_ACCESS, FRONT_DOOR), settings)

    assert (decision.kind, decision.reason) == (
        DecisionKind.REQUEST_CONFIRMATION,
        Reason.APPROVAL_REQUIRED,
    )
    assert decision.opens is not None
    assert decision.opens.parameters == attrs.evolve(FRONT_DOOR, unlock_seconds=45)
    assert decision.reply == (
        "Thanks! A staff member needs to approve opening the front door at Bedford; "
        "I'll text you shortly."
    )
    deadline = NOW + settings.globals.confirmation_timeout
    assert decision.alert == AlertForStaff(
        title="Door approval needed",
        body=(
            f"{CUSTOMER} asks to open the front door at Bedford. Approve or cancel "
            f"in the claw console before {deadline:%H:%M} UTC."
        ),
        urgent=True,
    )


def test_an_approval_alert_is_titled_after_its_action() -> None:
    settings = attrs.evolve(
        SETTINGS,
        features={
            Intent.TRACKMAN_RESET: FeatureSettings(mode=FeatureMode.AUTO, requires_approval=True)
        },
    )
    decision = decide(about_a_target(Intent.TRACKMAN_RESET, BOX_2), settings)

    assert decision.alert is not None
    assert decision.alert.title == "Simulator reset approval needed"
    assert decision.alert.body.startswith(f"{CUSTOMER} asks to restart the TrackMan in Bedford")


def test_an_unknown_target_opens_nothing_and_asks_where() -> None:
    decision = decide(
        text_about(Intent.TRACKMAN_RESET, action_target_known=False, target=None), SETTINGS
    )

    assert decision.opens is None
    assert decision.reply == "Which location and box are you in? (e.g. 'Bedford box 2')"


def test_an_answer_to_a_pending_action_says_what_it_does_to_it() -> None:
    door = attrs.evolve(
        confirmation_reply(YesNo.YES, approval_needed=True),
        location_name="Bedford",
        customer_number=CUSTOMER,
    )
    door = attrs.evolve(door, pending=attrs.evolve(door.pending, parameters=FRONT_DOOR))
    yes = decide(door, SETTINGS)
    no = decide(attrs.evolve(door, confirmation_reply=YesNo.NO), SETTINGS)

    assert (yes.consent, yes.opens) == (Consent.CONFIRMED, None)
    assert yes.reply is not None
    assert yes.reply.startswith("Thanks! A staff member needs to approve opening the front door")
    assert yes.alert is not None
    assert yes.alert.title == "Door approval needed"
    assert f"before {NOW + timedelta(minutes=5):%H:%M} UTC" in yes.alert.body
    assert (no.consent, no.reply, no.alert) == (
        Consent.DECLINED,
        "No problem, I won't do anything. Text us if you need help.",
        None,
    )
    assert decide(confirmation_reply(YesNo.YES), SETTINGS).consent is Consent.CONFIRMED


def test_a_yes_at_the_door_under_the_stop_is_kept_and_handed_to_staff() -> None:
    stopped = attrs.evolve(SETTINGS, emergency_stop=EmergencyStop("ops", "drill", NOW))
    door = attrs.evolve(
        confirmation_reply(YesNo.YES, approval_needed=True), customer_number=CUSTOMER, text="yes"
    )

    decision = decide(door, stopped)

    assert (decision.kind, decision.reason) == (DecisionKind.ESCALATE, Reason.EMERGENCY_STOP)
    assert decision.consent is Consent.CONFIRMED
    assert decision.alert == AlertForStaff(
        title="Customer needs staff",
        body=f"Customer {CUSTOMER} needs a person (emergency_stop, intent door_access): yes",
        urgent=True,
    )


def test_an_escalation_tells_staff_who_why_and_what_they_wrote() -> None:
    unknown = text_about(
        Intent.OTHER, customer_number=CUSTOMER, text="x" * 400, prepared_answer=None
    )

    decision = decide(unknown, SETTINGS)

    assert decision.alert == AlertForStaff(
        title="Customer needs staff",
        body=f"Customer {CUSTOMER} needs a person (unknown_intent, intent other): {'x' * 300}",
        urgent=False,
    )
    # The customer hears that a person will answer (claw_domain/holding.py).
    assert decision.message == Message(Template.HOLDING_REPLY)


def test_a_staff_approval_not_acted_on_says_whether_it_is_kept() -> None:
    approval = Situation(
        trigger=Trigger.STAFF_APPROVAL,
        now=NOW,
        conversation=ConversationFacts(),
        pending=PendingActionFacts(
            kind=ActionKind.UNLOCK_DOOR,
            intent=Intent.DOOR_ACCESS,
            deadline=NOW + timedelta(minutes=5),
            confirmation_needed=True,
            approval_needed=False,
        ),
    )
    stopped = attrs.evolve(SETTINGS, emergency_stop=EmergencyStop("ops", "drill", NOW))
    confirmed = attrs.evolve(
        approval, pending=attrs.evolve(approval.pending, confirmation_needed=False)
    )

    assert decide(approval, SETTINGS).staff_approval is StaffApproval.KEPT_UNTIL_CONFIRMED
    assert decide(approval, stopped).staff_approval is StaffApproval.SET_ASIDE
    assert decide(confirmed, with_globals(execute_actions=False)).staff_approval is (
        StaffApproval.SET_ASIDE
    )
    opted_out = attrs.evolve(confirmed, conversation=ConversationFacts(opted_out=True))
    assert decide(opted_out, SETTINGS).staff_approval is StaffApproval.SET_ASIDE
    assert decide(confirmed, SETTINGS).staff_approval is None


@pytest.mark.parametrize(
    ("kind", "status", "started_ago", "in_progress"),
    [
        (ActionKind.RESET_SIMULATOR, ActionStatus.SUCCEEDED, timedelta(minutes=2), True),
        (ActionKind.RESET_SIMULATOR, ActionStatus.SUCCEEDED, timedelta(minutes=4), False),
        (ActionKind.RESET_SIMULATOR, ActionStatus.FAILED, timedelta(minutes=1), False),
        (ActionKind.RESET_SIMULATOR, ActionStatus.EXECUTING, timedelta(minutes=9), True),
        (ActionKind.UNLOCK_DOOR, ActionStatus.READY, timedelta(0), True),
        (ActionKind.UNLOCK_DOOR, ActionStatus.SUCCEEDED, timedelta(seconds=10), False),
    ],
)
def test_the_last_action_is_in_progress_while_running_and_through_its_cooldown(
    kind: ActionKind, status: ActionStatus, started_ago: timedelta, in_progress: bool
) -> None:
    last = LastActionFacts(kind=kind, status=status, started_at=NOW - started_ago)
    situation = about_a_target(
        Intent.TRACKMAN_RESET, BOX_2, conversation=ConversationFacts(last_action=last)
    )

    decision = decide(situation, SETTINGS)

    assert (decision.reason is Reason.ALREADY_IN_PROGRESS) is in_progress
    if in_progress:
        assert decision.reply == "That TrackMan is already restarting; give it a couple of minutes."
