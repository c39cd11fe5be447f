"""The cattrs mapper: every value and every event comes back equal, and validated.

Values go through the converter and JSON, the way they are stored; events go
through ``CattrsMapper`` itself, and the aggregates rebuilt from the read-back
events equal the live ones. A stored value that breaks an invariant refuses to load.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import attrs
import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, MapperDeserialisationError, StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from claw_adapters.persistence.mapper import CattrsMapper, make_event_converter
from claw_domain.budget import HourlyBudget, hour_start
from claw_domain.conversation import AlertOutcome, Conversation
from claw_domain.decisions import (
    ActionToOpen,
    AlertForStaff,
    Consent,
    Decision,
    DecisionKind,
    Reason,
    StaffApproval,
)
from claw_domain.outbox import (
    AlertContent,
    Cause,
    HoldReason,
    OutboundAlert,
    OutboundText,
    ReplyPurpose,
)
from claw_domain.pending_action import ActionStatus, PendingAction
from claw_domain.policy import (
    ConversationFacts,
    LastActionFacts,
    PendingActionFacts,
    Situation,
    Trigger,
    decide,
)
from claw_domain.ports import AlertSeverity
from claw_domain.settings import (
    AutomationSettings,
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
    InboundText,
    Intent,
    LlmUsage,
    Sentiment,
    YesNo,
)
from claw_domain.wording import Message, Template

VENUE_LINE = "+19025550000"
CUSTOMER = "+19025551111"

# Fixed offsets in whole minutes, as real zones have, not IANA zones: Python never
# calls two datetimes equal across zones when one falls in a DST fold, although they
# name the same instant.
zones = st.one_of(
    st.just(UTC),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2100, 1, 1), timezones=zones
)
words = st.text(max_size=40)
non_blank = st.text(min_size=1, max_size=40).filter(str.strip)
unit = st.floats(min_value=0.0, max_value=1.0)
counts = st.integers(min_value=0, max_value=10_000)

entities = st.builds(Entities, location=st.none() | words, box=st.none() | st.integers(min_value=1))
llm_usages = st.builds(
    LlmUsage,
    model=words,
    prompt_tokens=counts,
    completion_tokens=counts,
    cost_usd=st.floats(min_value=0.0, allow_nan=False),
    latency_ms=st.floats(min_value=0.0, allow_nan=False),
)
classifications = st.builds(
    Classification,
    intent=st.sampled_from(Intent),
    confidence=unit,
    source=st.sampled_from(ClassificationSource),
    entities=entities,
    sentiment=st.sampled_from(Sentiment),
    blacklisted_topic=st.none() | words,
    llm_usage=st.none() | llm_usages,
)
inbound_texts = st.builds(
    InboundText,
    message_id=words,
    venue_line=words,
    customer_number=words,
    body=words,
    sent_at=moments,
    correlation_id=words,
)
action_parameters = st.builds(
    ActionParameters,
    location=words,
    box=st.none() | st.integers(min_value=1, max_value=99),
    device_id=st.none() | words,
    door_id=st.none() | words,
    door_name=st.none() | words,
    unlock_seconds=st.none() | st.integers(min_value=1, max_value=600),
)
messages = st.builds(
    Message,
    template=st.sampled_from(Template),
    action=st.sampled_from(ActionKind),
    target=words,
    text=words,
)
actions_to_open = st.builds(
    ActionToOpen,
    kind=st.sampled_from(ActionKind),
    parameters=action_parameters,
    requires_confirmation=st.booleans(),
    requires_approval=st.booleans(),
    deadline=moments,
)
alerts_for_staff = st.builds(AlertForStaff, title=words, body=words, urgent=st.booleans())
decisions = st.builds(
    Decision,
    kind=st.sampled_from(DecisionKind),
    reason=st.sampled_from(Reason),
    intent=st.sampled_from(Intent),
    confidence=unit,
    settings_version=st.integers(min_value=1),
    action=st.none() | st.sampled_from(ActionKind),
    opens=st.none() | actions_to_open,
    consent=st.none() | st.sampled_from(Consent),
    staff_approval=st.none() | st.sampled_from(StaffApproval),
    message=st.none() | messages,
    alert=st.none() | alerts_for_staff,
)
last_actions = st.builds(
    LastActionFacts,
    kind=st.sampled_from(ActionKind),
    status=st.sampled_from(ActionStatus),
    started_at=st.none() | moments,
)
conversation_facts = st.builds(
    ConversationFacts,
    is_own_number=st.booleans(),
    opted_out=st.booleans(),
    staff_active_until=st.none() | moments,
    auto_replies_by_intent=st.dictionaries(st.sampled_from(Intent), counts),
    recent_inbound=st.lists(moments, max_size=5).map(tuple),
    consecutive_failures=counts,
    action_in_progress=st.booleans(),
    rapid_escalated_at=st.none() | moments,
    last_action=st.none() | last_actions,
)
pending_facts = st.builds(
    PendingActionFacts,
    kind=st.sampled_from(ActionKind),
    intent=st.sampled_from(Intent),
    deadline=moments,
    confirmation_needed=st.booleans(),
    approval_needed=st.booleans(),
    approval_requested=st.booleans(),
    parameters=st.none() | action_parameters,
)
situations = st.builds(
    Situation,
    trigger=st.sampled_from(Trigger),
    now=moments,
    conversation=conversation_facts,
    sent_this_hour=counts,
    classification=st.none() | classifications,
    confirmation_reply=st.none() | st.sampled_from(YesNo),
    pending=st.none() | pending_facts,
    prepared_answer=st.none() | words,
    action_target_known=st.booleans(),
    door_authorised=st.booleans(),
    target=st.none() | action_parameters,
    location_name=words,
    customer_number=words,
    text=words,
)
feature_settings = st.builds(
    FeatureSettings,
    mode=st.sampled_from(FeatureMode),
    confidence_threshold=unit,
    max_auto_replies=counts,
    requires_confirmation=st.booleans(),
    requires_approval=st.booleans(),
)
quiet_hours = st.builds(QuietHours, start=st.times(), end=st.times())
global_settings = st.builds(
    GlobalSettings,
    send_automatic_responses=st.booleans(),
    execute_actions=st.booleans(),
    messages_per_hour=counts,
    quiet_hours=st.none() | quiet_hours,
    timezone=st.sampled_from(["UTC", "America/Halifax", "Europe/London", "Asia/Kolkata"]),
    staff_backoff_minutes=counts,
    confirmation_timeout_minutes=st.integers(min_value=1, max_value=1440),
    door_unlock_seconds=st.integers(min_value=1, max_value=600),
)

VALUES: list[tuple[type[Any], st.SearchStrategy[Any]]] = [
    (Classification, classifications),
    (Entities, entities),
    (LlmUsage, llm_usages),
    (InboundText, inbound_texts),
    (Decision, decisions),
    (Situation, situations),
    (ActionParameters, action_parameters),
    (FeatureSettings, feature_settings),
    (GlobalSettings, global_settings),
    (QuietHours, quiet_hours),
]


# Values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value_type", "values"), VALUES, ids=[value_type.__name__ for value_type, _ in VALUES]
)
@given(data=st.data())
def test_every_value_survives_the_converter_and_json(
    value_type: type[Any], values: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    value = data.draw(values)
    converter = make_event_converter()

    stored = json.dumps(converter.unstructure(value, value_type))
    loaded = converter.structure(json.loads(stored), value_type)

    assert loaded == value


# Events -------------------------------------------------------------------------------


def _mapper() -> CattrsMapper:
    return CattrsMapper(transcoder=JSONTranscoder())


def _round_trips(aggregate: Aggregate) -> None:
    """Each event comes back equal, and replaying the read-back events rebuilds the aggregate."""
    mapper = _mapper()
    events = aggregate.collect_events()
    read_back = [mapper.to_domain_event(mapper.to_stored_event(e)) for e in events]
    assert read_back == events
    rebuilt: Any = None
    for event in read_back:
        rebuilt = event.mutate(rebuilt)
    assert _state(rebuilt) == _state(aggregate)


def _state(aggregate: Aggregate) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


@given(
    texts=st.lists(inbound_texts, min_size=1, max_size=4),
    classification=classifications,
    decision=decisions,
    situation=st.none() | situations,
    body=non_blank,
    at=moments,
    action_id=st.uuids(),
)
def test_conversation_events_round_trip(
    texts: list[InboundText],
    classification: Classification,
    decision: Decision,
    situation: Situation | None,
    body: str,
    at: datetime,
    action_id: UUID,
) -> None:
    conversation = Conversation(venue_line=VENUE_LINE, customer_number=CUSTOMER, at=at)
    for index, drawn in enumerate(texts):
        text = attrs.evolve(drawn, message_id=f"{index}:{drawn.message_id}", venue_line=VENUE_LINE)
        text = attrs.evolve(text, customer_number=CUSTOMER)
        if not conversation.is_duplicate(text):
            conversation.receive_text(text)
    conversation.record_classification(classification, body, 1, at)
    for kind in DecisionKind:
        conversation.record_decision(
            attrs.evolve(decision, kind=kind),
            at=at,
            through=1,
            pending_action_id=action_id,
            reply=body,
            situation=situation,
        )
    # Events of older databases, which nothing records any more: they still decode and replay.
    legacy = Conversation
    conversation.trigger_event(legacy.ReplySent, number=1, vendor_message_id="PN1", at=at)
    conversation.trigger_event(legacy.ReplyFailed, number=2, error=body, retryable=True, at=at)
    conversation.trigger_event(legacy.ReplyOutcomeUnknown, number=2, error=body, at=at)
    conversation.trigger_event(legacy.ReplyWithheld, number=3, reason=Reason.EMERGENCY_STOP, at=at)
    conversation.trigger_event(
        legacy.NoticeQueued, number=4, body=body, purpose=ReplyPurpose.ACTION_UPDATE, at=at
    )
    conversation.trigger_event(
        legacy.ActionResultNoted, action_id=action_id, succeeded=False, at=at
    )
    conversation.trigger_event(
        legacy.StaffAlertRecorded, subject=body, outcome=AlertOutcome.FAILED, detail=body, at=at
    )
    suggest = 1 + list(DecisionKind).index(DecisionKind.SUGGEST)
    conversation.edit_and_send_suggestion(suggest, body, "sam", at)
    escalate = 1 + list(DecisionKind).index(DecisionKind.ESCALATE)
    conversation.resolve_ticket(escalate, "sam", at)
    conversation.record_staff_text("PN-staff", at, timedelta(minutes=30))
    conversation.record_feedback(positive=False, at=at)
    conversation.release_awaiting(action_id, at)
    conversation.opt_out("STOP", at)
    conversation.opt_in("START", at)
    conversation.mark_processed(conversation.texts_received, at)

    _round_trips(conversation)


@given(
    parameters=action_parameters,
    kind=st.sampled_from(ActionKind),
    intent=st.sampled_from(Intent),
    requires_confirmation=st.booleans(),
    requires_approval=st.booleans(),
    at=moments,
    ending=st.sampled_from(["succeed", "fail", "unknown", "decline", "cancel", "expire"]),
    detail=words,
    conversation=st.uuids(),
)
def test_pending_action_events_round_trip(
    parameters: ActionParameters,
    kind: ActionKind,
    intent: Intent,
    requires_confirmation: bool,
    requires_approval: bool,
    at: datetime,
    ending: str,
    detail: str,
    conversation: UUID,
) -> None:
    action = PendingAction(
        conversation_id=conversation,
        decision_number=3,
        customer_number=CUSTOMER,
        kind=kind,
        intent=intent,
        parameters=parameters,
        requires_confirmation=requires_confirmation,
        requires_approval=requires_approval,
        deadline=at + timedelta(minutes=10),
        at=at,
    )
    if ending == "decline":
        action.decline(at)
    elif ending == "cancel":
        action.cancel("sam", detail, at)
    elif ending == "expire":
        action.expire(at + timedelta(minutes=11))
    else:
        action.confirm(at)
        action.approve("sam", at)
        action.start_execution(at)
        {"succeed": action.succeed, "fail": action.fail, "unknown": action.outcome_unknown}[ending](
            detail, at
        )

    _round_trips(action)


@given(
    features=st.dictionaries(st.sampled_from(Intent), feature_settings, max_size=4),
    initial=global_settings,
    changed=global_settings,
    intent=st.sampled_from(Intent),
    feature=feature_settings,
    reason=non_blank,
    at=moments,
)
def test_settings_events_round_trip(
    features: dict[Intent, FeatureSettings],
    initial: GlobalSettings,
    changed: GlobalSettings,
    intent: Intent,
    feature: FeatureSettings,
    reason: str,
    at: datetime,
) -> None:
    settings = AutomationSettings(features=features, global_settings=initial, actor="ann", at=at)
    if intent is Intent.DOOR_ACCESS:
        feature = attrs.evolve(feature, requires_confirmation=True)  # the rail refuses less
    settings.change_feature(intent, feature, "ann", at)
    settings.change_globals(changed, "ann", at)
    settings.engage_emergency_stop("ann", reason, at)
    settings.release_emergency_stop("ann", reason, at)

    _round_trips(settings)


@given(at=moments, spent=st.integers(min_value=0, max_value=5), conversation=st.uuids())
def test_hourly_budget_events_round_trip(at: datetime, spent: int, conversation: UUID) -> None:
    budget = HourlyBudget(hour=hour_start(at))
    for _ in range(spent):
        budget.spend(conversation, at)

    _round_trips(budget)


# Validators run on the way in ---------------------------------------------------------


def _stored_classification() -> StoredEvent:
    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    conversation = Conversation(venue_line=VENUE_LINE, customer_number=CUSTOMER, at=at)
    conversation.receive_text(InboundText("AC1", VENUE_LINE, CUSTOMER, "box 2 frozen", at))
    classification = Classification(
        Intent.TRACKMAN_RESET, 0.9, ClassificationSource.PATTERN, Entities("bedford", 2)
    )
    conversation.record_classification(classification, "box 2 frozen", 1, at)
    return _mapper().to_stored_event(conversation.collect_events()[-1])


def _edited(stored: StoredEvent, edit: Any) -> StoredEvent:
    state = json.loads(stored.state)
    edit(state)
    return StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=json.dumps(state).encode("utf8"),
    )


EDITS = {
    "confidence above one": lambda s: s["classification"].update(confidence=1.7),
    "box zero": lambda s: s["classification"]["entities"].update(box=0),
    "unknown intent": lambda s: s["classification"].update(intent="teleport"),
    "naive time": lambda s: s.update(at="2026-11-25T12:00:00"),
    "missing field": lambda s: s.pop("through"),
}


def test_an_unedited_stored_event_loads() -> None:
    event = _mapper().to_domain_event(_stored_classification())

    assert event.classification.confidence == 0.9


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_a_stored_event_breaking_an_invariant_refuses_to_load(edit: Any) -> None:
    stored = _edited(_stored_classification(), edit)

    with pytest.raises(MapperDeserialisationError) as refused:
        _mapper().to_domain_event(stored)

    assert stored.topic in str(refused.value)
    assert "TextClassified" in stored.topic


# Decisions recorded before a decision carried its reply, action and alert ------------------

# A DecidedToRespond as claw stored it before: the decision's reply was its text, the
# situation had no target, location, customer or last action, and "already in
# progress" was decided by the service (``action_in_progress``).
_OLD_ALREADY_IN_PROGRESS = {
    "number": 2,
    "decision": {
        "kind": "respond",
        "reason": "already_in_progress",
        "intent": "trackman_reset",
        "confidence": 0.95,
        "settings_version": 4,
        "reply": None,
        "action": "reset_simulator",
    },
    "through": 2,
    "pending_action_id": None,
    "reply": "That TrackMan is already restarting; give it a couple of minutes.",
    "situation": {
        "trigger": "customer_text",
        "now": "2026-11-25T12:00:00+00:00",
        "conversation": {
            "is_own_number": False,
            "opted_out": False,
            "staff_active_until": None,
            "auto_replies_by_intent": {"trackman_reset": 1},
            "recent_inbound": ["2026-11-25T11:59:00+00:00"],
            "consecutive_failures": 0,
            "action_in_progress": True,
            "rapid_escalated_at": None,
        },
        "sent_this_hour": 1,
        "classification": {
            "intent": "trackman_reset",
            "confidence": 0.95,
            "source": "pattern",
            "entities": {"location": "bedford", "box": 2},
            "sentiment": "neutral",
            "blacklisted_topic": None,
            "llm_usage": None,
        },
        "confirmation_reply": None,
        "pending": None,
        "prepared_answer": None,
        "action_target_known": True,
        "door_authorised": False,
    },
    "at": "2026-11-25T12:00:00+00:00",
    "timestamp": "2026-11-25T12:00:00+00:00",
}


def test_a_decision_recorded_in_the_old_shape_still_loads_and_is_judged_the_same() -> None:
    stored = StoredEvent(
        originator_id=UUID(int=1),
        originator_version=5,
        topic="claw_domain.conversation:Conversation.DecidedToRespond",
        state=json.dumps(_OLD_ALREADY_IN_PROGRESS).encode("utf8"),
    )

    event = _mapper().to_domain_event(stored)

    decision, situation = event.decision, event.situation
    assert (decision.kind, decision.reason) == (DecisionKind.RESPOND, Reason.ALREADY_IN_PROGRESS)
    assert (decision.message, decision.alert, decision.opens) == (None, None, None)
    assert event.reply == "That TrackMan is already restarting; give it a couple of minutes."
    assert situation.target is None
    assert situation.conversation.last_action is None
    # What-if judges it again from what was recorded, and the service's old verdict
    # (the action was in progress) still counts.
    settings = SettingsSnapshot(
        version=4,
        features={Intent.TRACKMAN_RESET: FeatureSettings(mode=FeatureMode.AUTO)},
        globals=GlobalSettings(),
    )
    again = decide(situation, settings)
    assert (again.kind, again.reason, again.action) == (
        decision.kind,
        decision.reason,
        decision.action,
    )
    assert again.reply == event.reply


@given(
    conversation=st.uuids(),
    body=non_blank,
    purpose=st.sampled_from(ReplyPurpose),
    at=moments,
    ending=st.sampled_from(["sent", "failed", "unknown", "withheld"]),
    reason=st.sampled_from(HoldReason),
    detail=words,
)
def test_outbound_text_events_round_trip(
    conversation: UUID,
    body: str,
    purpose: ReplyPurpose,
    at: datetime,
    ending: str,
    reason: HoldReason,
    detail: str,
) -> None:
    text = OutboundText.queue(
        conversation, Cause.decision(2), CUSTOMER, body, purpose, at, opted_out=False
    )
    text.record_failed(detail, retryable=True, at=at)
    if ending == "sent":
        text.record_sent("PN1", at)
    elif ending == "failed":
        text.record_failed(detail, retryable=False, at=at)
    elif ending == "unknown":
        text.record_outcome_unknown(detail, at)
    else:
        text.withhold(reason, at)

    _round_trips(text)


@given(
    conversation=st.uuids(),
    action=st.none() | st.uuids(),
    title=non_blank,
    body=words,
    severity=st.sampled_from(AlertSeverity),
    at=moments,
    ending=st.sampled_from(["delivered", "failed", "dropped"]),
    detail=words,
)
def test_outbound_alert_events_round_trip(
    conversation: UUID,
    action: UUID | None,
    title: str,
    body: str,
    severity: AlertSeverity,
    at: datetime,
    ending: str,
    detail: str,
) -> None:
    alert = OutboundAlert.raise_alert(
        conversation,
        Cause.approval(3),
        CUSTOMER,
        AlertContent(title, body, severity),
        at,
        action_id=action,
    )
    {"delivered": alert.record_delivered, "failed": alert.record_failed, "dropped": alert.drop}[
        ending
    ](detail, at)

    _round_trips(alert)
