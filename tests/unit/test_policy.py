"""The decision policy, one reason at a time: given facts, exactly this decision."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import attrs
import pytest

from claw_domain.decisions import DecisionKind, Reason
from claw_domain.policy import (
    ConversationFacts,
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
    Classification,
    ClassificationSource,
    Entities,
    Intent,
    Sentiment,
    YesNo,
)

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
