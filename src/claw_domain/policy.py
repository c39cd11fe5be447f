"""The decision policy: one pure function from facts to exactly one decision.

Read top to bottom, it lists every reason claw can give, in the order the rails
apply, and then (``_what_claw_does_and_says``) what each decision does: the
pending action it opens, what the customer's answer does to one, the reply and the
staff alert. Nothing here reads a clock or calls out: the service layer gathers
the facts (including ``now``), records the decision as an event and applies it.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import attrs

from claw_domain import wording
from claw_domain.acknowledgements import asks_something, sounds_sarcastic
from claw_domain.actions import action_spec, describe_target
from claw_domain.decisions import (
    ActionToOpen,
    AlertForStaff,
    Consent,
    Decision,
    DecisionKind,
    Reason,
    StaffApproval,
)
from claw_domain.holding import holding_reply
from claw_domain.language import written_in_another_language
from claw_domain.missed_calls import missed_call_verdict
from claw_domain.pending_action import ActionStatus
from claw_domain.settings import FeatureMode, FeatureSettings, SettingsSnapshot
from claw_domain.slots import MAX_DETAILS_QUESTIONS, Slot
from claw_domain.topics import is_problem_report
from claw_domain.values import (
    ACTION_FOR_INTENT,
    ActionKind,
    ActionParameters,
    Classification,
    Intent,
    Sentiment,
    YesNo,
    aware_datetime,
)
from claw_domain.wording import Message, Template

# A customer who sends this many texts this fast is upset or stuck: staff should look.
RAPID_MESSAGES = 5
RAPID_WINDOW = timedelta(minutes=1)
# Beyond this, the "customer" is most likely another bot answering claw: stop talking.
LOOP_MESSAGES = 12
LOOP_WINDOW = timedelta(minutes=10)
# Two failures in a row (negative feedback, failed actions) and claw stops trying.
REPEATED_FAILURES = 2
# Staff hear about one burst of texts once: a burst raised this recently is not raised again.
RAPID_REALERT_AFTER = timedelta(minutes=10)


class Trigger(enum.StrEnum):
    """What asks for a decision."""

    CUSTOMER_TEXT = "customer_text"  # a new text to understand and answer
    CONFIRMATION_REPLY = "confirmation_reply"  # yes/no to a pending action
    STAFF_APPROVAL = "staff_approval"  # staff approved a pending action
    MISSED_CALL = "missed_call"  # a call on the venue line nobody answered


@attrs.frozen
class PendingActionFacts:
    kind: ActionKind
    intent: Intent
    deadline: datetime
    confirmation_needed: bool  # required and not yet given
    approval_needed: bool  # required and not yet given
    # Staff were already asked to approve it, and nothing about it has changed since.
    approval_requested: bool = False
    # Its target (absent from decisions recorded before it was gathered).
    parameters: ActionParameters | None = None


@attrs.frozen
class LastActionFacts:
    """The conversation's most recent action, for "already in progress"."""

    kind: ActionKind
    status: ActionStatus
    started_at: datetime | None = None


@attrs.frozen
class ConversationFacts:
    is_own_number: bool = False
    opted_out: bool = False
    staff_active_until: datetime | None = None
    auto_replies_by_intent: dict[Intent, int] = attrs.Factory(dict)
    recent_inbound: tuple[datetime, ...] = ()
    consecutive_failures: int = 0
    # Decided by the service before ``last_action`` was gathered; kept so that those
    # decisions are judged again as they were made.
    action_in_progress: bool = False
    # When claw last raised a burst of texts (rapid_messages) with staff.
    rapid_escalated_at: datetime | None = None
    last_action: LastActionFacts | None = None
    # When claw last told the customer staff would answer (claw_domain/holding.py).
    holding_reply_at: datetime | None = None
    # When claw last texted this caller about a missed call (claw_domain/missed_calls.py).
    missed_call_texted_at: datetime | None = None


@attrs.frozen
class Situation:
    """Everything the policy looks at besides the settings, gathered before it is asked.

    Recorded with every decision, so incident review can judge it again under
    other settings without calling anything.
    """

    trigger: Trigger
    now: datetime = attrs.field(validator=aware_datetime)
    conversation: ConversationFacts
    sent_this_hour: int = 0
    classification: Classification | None = None
    confirmation_reply: YesNo | None = None
    pending: PendingActionFacts | None = None
    # An answer the knowledge base has for this intent and these entities.
    prepared_answer: str | None = None
    # Whether the action's target (box and device, or door) is known.
    action_target_known: bool = False
    # Whether the venue knows this number as allowed to have the action done there
    # (opening the location's door).
    door_authorised: bool = False
    # The action's target, resolved from the knowledge base (None when unknown).
    target: ActionParameters | None = None
    # The venue's name for the location of the target (new, or the pending action's).
    location_name: str = ""
    # Who wrote, and their latest text: what a staff alert tells staff.
    customer_number: str = ""
    text: str = ""
    # What claw must ask for before it can find the action's target (``slots.py``), and
    # how often it already asked about this intent in the open window.
    missing_details: tuple[Slot, ...] = ()
    details_asked: int = 0
    # The last question's details are all still missing: claw says it did not catch that.
    details_still_missing: bool = False
    # The knowledge version the answer and target above came from; the decision cites it.
    knowledge_version: int | None = None
    # The venue's own holding reply for this topic (None: claw's standard sentence).
    # Recorded here so replay and what-if say what was said without reading the knowledge.
    holding_reply: str | None = None


def decide(facts: Situation, settings: SettingsSnapshot) -> Decision:
    """Turn the facts and settings into exactly one decision with a machine-readable reason,
    and everything claw does and says because of it."""
    if facts.trigger is Trigger.STAFF_APPROVAL:
        decision = _on_staff_approval(facts, settings)
    elif facts.trigger is Trigger.CONFIRMATION_REPLY:
        decision = _on_confirmation_reply(facts, settings)
    elif facts.trigger is Trigger.MISSED_CALL:
        kind, reason = missed_call_verdict(facts, settings, _sending_blocked(facts, settings))
        decision = _decision(facts, settings, kind, reason)
        if kind in (DecisionKind.RESPOND, DecisionKind.SUGGEST):
            decision = attrs.evolve(decision, message=Message(Template.MISSED_CALL))
    else:
        decision = _on_customer_text(facts, settings)
    return _what_claw_does_and_says(decision, facts, settings)


def _decision(
    facts: Situation,
    settings: SettingsSnapshot,
    kind: DecisionKind,
    reason: Reason,
    *,
    action: ActionKind | None = None,
    reply: str | None = None,
    consent: Consent | None = None,
    staff_approval: StaffApproval | None = None,
) -> Decision:
    intent, confidence = topic_of(facts)
    return Decision(
        kind=kind,
        reason=reason,
        intent=intent,
        confidence=confidence,
        settings_version=settings.version,
        knowledge_version=facts.knowledge_version,
        action=action,
        consent=consent,
        staff_approval=staff_approval,
        # Claw's prepared answer, sent or suggested as it stands.
        message=Message(Template.KNOWLEDGE_ANSWER, text=reply) if reply is not None else None,
    )


def topic_of(facts: Situation) -> tuple[Intent, float]:
    """The intent a decision on these facts is about, and how sure claw is of it.

    The service asks it too, to read the topic's holding reply before deciding.
    """
    classification = facts.classification
    if facts.pending is not None and facts.trigger is not Trigger.CUSTOMER_TEXT:
        return facts.pending.intent, 1.0
    if classification is not None:
        return classification.intent, classification.confidence
    return Intent.OTHER, 0.0


def _sending_blocked(facts: Situation, settings: SettingsSnapshot) -> Reason | None:
    """The rails every automatic text passes, whatever caused it."""
    rails = settings.globals
    if settings.emergency_stop is not None:
        return Reason.EMERGENCY_STOP
    if not rails.send_automatic_responses:
        return Reason.AUTOMATIC_RESPONSES_DISABLED
    if facts.sent_this_hour >= rails.messages_per_hour:
        return Reason.HOURLY_LIMIT
    if rails.in_quiet_hours(facts.now):
        return Reason.QUIET_HOURS
    return None


# Why claw cannot open a door right now, when that means a person must: the stop is on,
# or it is night (quiet hours) and nobody reads the review queue.
_PERSON_NEEDED_AT_THE_DOOR = frozenset({Reason.EMERGENCY_STOP, Reason.QUIET_HOURS})


def _staff_active(facts: Situation) -> bool:
    until = facts.conversation.staff_active_until
    return until is not None and facts.now < until


def _conversation_rails(facts: Situation, settings: SettingsSnapshot) -> Decision | None:
    """The rails every text from a customer passes, whatever it turns out to be.

    A bare "yes" to a pending action passes them exactly like a new question: a
    flood of yeses is a flood. Safety topics go to staff before any rail that
    would only hold claw back (opted out, rapid texting): claw stops *talking* to
    a customer, never stops telling staff about an injury or a fire.
    """
    conversation = facts.conversation
    classification = facts.classification
    if conversation.is_own_number:
        return _decision(facts, settings, DecisionKind.IGNORE, Reason.OWN_NUMBER)
    if _count_within(conversation.recent_inbound, facts.now, LOOP_WINDOW) >= LOOP_MESSAGES:
        return _decision(facts, settings, DecisionKind.IGNORE, Reason.CONVERSATION_LOOP)
    if classification is not None and classification.blacklisted_topic is not None:
        return _decision(facts, settings, DecisionKind.ESCALATE, Reason.BLACKLISTED_TOPIC)
    if conversation.opted_out:
        return _decision(facts, settings, DecisionKind.IGNORE, Reason.OPTED_OUT)
    if _staff_active(facts):
        return _decision(facts, settings, DecisionKind.IGNORE, Reason.STAFF_ACTIVE)
    if _count_within(conversation.recent_inbound, facts.now, RAPID_WINDOW) >= RAPID_MESSAGES:
        raised = conversation.rapid_escalated_at
        if raised is not None and facts.now - raised < RAPID_REALERT_AFTER:
            # Staff already have this burst: one alert per burst, not one per text.
            return _decision(facts, settings, DecisionKind.IGNORE, Reason.RAPID_MESSAGES)
        return _decision(facts, settings, DecisionKind.ESCALATE, Reason.RAPID_MESSAGES)
    return None


def _on_staff_approval(facts: Situation, settings: SettingsSnapshot) -> Decision:
    pending = facts.pending
    if pending is None:
        return _decision(facts, settings, DecisionKind.IGNORE, Reason.DEADLINE_PASSED)
    # An approval not acted on for these reasons is taken back (SET_ASIDE): kept, it
    # would let a later yes run the action with nobody approving it again.
    set_aside = StaffApproval.SET_ASIDE
    if settings.emergency_stop is not None:
        return _decision(
            facts,
            settings,
            DecisionKind.IGNORE,
            Reason.EMERGENCY_STOP,
            action=pending.kind,
            staff_approval=set_aside,
        )
    if facts.conversation.opted_out:
        return _decision(
            facts,
            settings,
            DecisionKind.IGNORE,
            Reason.OPTED_OUT,
            action=pending.kind,
            staff_approval=set_aside,
        )
    if facts.now > pending.deadline:
        return _decision(
            facts, settings, DecisionKind.IGNORE, Reason.DEADLINE_PASSED, action=pending.kind
        )
    if pending.confirmation_needed:
        # Approval first, customer later: the approval waits for the customer's yes.
        return _decision(
            facts,
            settings,
            DecisionKind.IGNORE,
            Reason.AWAITING_CONFIRMATION,
            action=pending.kind,
            staff_approval=StaffApproval.KEPT_UNTIL_CONFIRMED,
        )
    if not settings.globals.execute_actions:
        return _decision(
            facts,
            settings,
            DecisionKind.SUGGEST,
            Reason.ACTIONS_DISABLED,
            action=pending.kind,
            staff_approval=set_aside,
        )
    return _decision(
        facts, settings, DecisionKind.EXECUTE, Reason.APPROVED_BY_STAFF, action=pending.kind
    )


def _on_confirmation_reply(facts: Situation, settings: SettingsSnapshot) -> Decision:
    pending = facts.pending
    if pending is None or facts.confirmation_reply is None:
        return _on_customer_text(facts, settings)
    railed = _conversation_rails(facts, settings)
    if railed is not None:
        return attrs.evolve(railed, action=pending.kind)
    if facts.now > pending.deadline:
        return _decision(
            facts, settings, DecisionKind.IGNORE, Reason.DEADLINE_PASSED, action=pending.kind
        )
    if (
        facts.confirmation_reply is YesNo.YES
        and not pending.confirmation_needed
        and pending.approval_needed
        and pending.approval_requested
    ):
        # Said yes again while staff decide: they were asked once, the customer told once.
        return _decision(
            facts, settings, DecisionKind.IGNORE, Reason.AWAITING_APPROVAL, action=pending.kind
        )
    blocked = _sending_blocked(facts, settings)
    if blocked is not None:
        if (
            action_spec(pending.kind).person_waiting
            and blocked in _PERSON_NEEDED_AT_THE_DOOR
            and facts.confirmation_reply is YesNo.YES
            and pending.confirmation_needed
        ):
            # Waiting at the door while claw may not open it: a person must. Once only:
            # the yes is recorded with this decision, so a repeated yes is not raised again.
            # The yes is kept as consent; the action still waits for staff to approve it.
            return _decision(
                facts,
                settings,
                DecisionKind.ESCALATE,
                blocked,
                action=pending.kind,
                consent=Consent.CONFIRMED if pending.approval_needed else None,
            )
        return _decision(facts, settings, DecisionKind.SUGGEST, blocked, action=pending.kind)
    if facts.confirmation_reply is YesNo.NO:
        return _decision(
            facts,
            settings,
            DecisionKind.RESPOND,
            Reason.CUSTOMER_DECLINED,
            action=pending.kind,
            consent=Consent.DECLINED,
        )
    if not settings.globals.execute_actions:
        return _decision(
            facts, settings, DecisionKind.SUGGEST, Reason.ACTIONS_DISABLED, action=pending.kind
        )
    if pending.approval_needed:
        return _decision(
            facts,
            settings,
            DecisionKind.REQUEST_CONFIRMATION,
            Reason.APPROVAL_REQUIRED,
            action=pending.kind,
            consent=Consent.CONFIRMED,
        )
    return _decision(
        facts,
        settings,
        DecisionKind.EXECUTE,
        Reason.CUSTOMER_CONFIRMED,
        action=pending.kind,
        consent=Consent.CONFIRMED,
    )


def _count_within(times: tuple[datetime, ...], now: datetime, window: timedelta) -> int:
    return sum(1 for at in times if now - window <= at <= now)


def _on_customer_text(facts: Situation, settings: SettingsSnapshot) -> Decision:
    conversation = facts.conversation
    classification = facts.classification
    railed = _conversation_rails(facts, settings)
    if railed is not None:
        return railed
    # The emergency stop is not checked here: it halts what claw sends and does (the
    # sending rails below), never a hand-over to staff.
    if classification is None or classification.intent is Intent.OTHER:
        return _decision(facts, settings, DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT)
    if written_in_another_language(facts.text):
        # Understood or not, the answer would be in English: a person replies (the
        # intent stays, so staff see what it is about).
        return _decision(facts, settings, DecisionKind.ESCALATE, Reason.OTHER_LANGUAGE)
    if classification.intent is Intent.FEEDBACK_POSITIVE:
        # Ignored only when the whole text is thanks: "thanks for nothing" is a
        # complaint, and "r u open good friday or closed" a question with "good" in it.
        if sounds_sarcastic(facts.text):
            return _decision(facts, settings, DecisionKind.ESCALATE, Reason.NEGATIVE_SENTIMENT)
        if asks_something(facts.text):
            return _decision(facts, settings, DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT)
        return _decision(facts, settings, DecisionKind.IGNORE, Reason.ACKNOWLEDGEMENT)
    if classification.intent is Intent.FEEDBACK_NEGATIVE:
        return _decision(facts, settings, DecisionKind.ESCALATE, Reason.REPEATED_FAILURE)
    if classification.sentiment is Sentiment.NEGATIVE:
        return _decision(facts, settings, DecisionKind.ESCALATE, Reason.NEGATIVE_SENTIMENT)
    if conversation.consecutive_failures >= REPEATED_FAILURES:
        return _decision(facts, settings, DecisionKind.ESCALATE, Reason.REPEATED_FAILURE)
    if is_problem_report(classification.intent, facts.text):
        # "My gift card did not apply" is no how-to question: the FAQ would not listen.
        return _decision(facts, settings, DecisionKind.ESCALATE, Reason.PROBLEM_REPORT)

    feature = settings.feature(classification.intent)
    if feature is None or feature.mode is FeatureMode.OFF:
        return _decision(facts, settings, DecisionKind.ESCALATE, Reason.FEATURE_OFF)
    action = ACTION_FOR_INTENT.get(classification.intent)
    if feature.mode is FeatureMode.SHADOW:
        return _decision(facts, settings, DecisionKind.IGNORE, Reason.SHADOW_MODE, action=action)
    if classification.confidence < feature.confidence_threshold:
        return _decision(
            facts,
            settings,
            DecisionKind.SUGGEST,
            Reason.LOW_CONFIDENCE,
            reply=facts.prepared_answer,
            action=action,
        )
    if feature.mode is FeatureMode.SUGGEST:
        return _decision(
            facts,
            settings,
            DecisionKind.SUGGEST,
            Reason.SUGGEST_MODE,
            reply=facts.prepared_answer,
            action=action,
        )

    blocked = _sending_blocked(facts, settings)
    if blocked is not None:
        if (
            action is not None
            and action_spec(action).person_waiting
            and blocked in _PERSON_NEEDED_AT_THE_DOOR
        ):
            # Someone may be locked out while claw may not act: a person must let them in.
            return _decision(facts, settings, DecisionKind.ESCALATE, blocked, action=action)
        return _decision(
            facts,
            settings,
            DecisionKind.SUGGEST,
            blocked,
            reply=facts.prepared_answer,
            action=action,
        )
    replies_so_far = conversation.auto_replies_by_intent.get(classification.intent, 0)
    if replies_so_far >= feature.max_auto_replies:
        return _decision(
            facts,
            settings,
            DecisionKind.SUGGEST,
            Reason.REPLY_LIMIT,
            reply=facts.prepared_answer,
            action=action,
        )

    if action is None:
        if facts.prepared_answer is None:
            return _decision(facts, settings, DecisionKind.SUGGEST, Reason.NO_ANSWER_AVAILABLE)
        return _decision(
            facts,
            settings,
            DecisionKind.RESPOND,
            Reason.ANSWERED_FROM_KNOWLEDGE,
            reply=facts.prepared_answer,
        )

    if not settings.globals.execute_actions:
        return _decision(
            facts, settings, DecisionKind.SUGGEST, Reason.ACTIONS_DISABLED, action=action
        )
    if not facts.action_target_known:
        # "Which box?" or "which location?" first: who may open a door depends on where.
        # Asked at most twice; a customer who still cannot say needs a person.
        if facts.details_asked >= MAX_DETAILS_QUESTIONS:
            return _decision(
                facts, settings, DecisionKind.ESCALATE, Reason.DETAILS_NOT_GIVEN, action=action
            )
        return _decision(
            facts, settings, DecisionKind.RESPOND, Reason.DETAILS_NEEDED, action=action
        )
    if action_spec(action).needs_authorisation and not facts.door_authorised:
        return _decision(
            facts, settings, DecisionKind.ESCALATE, Reason.DOOR_NOT_AUTHORISED, action=action
        )
    if _action_in_progress(facts):
        return _decision(
            facts, settings, DecisionKind.RESPOND, Reason.ALREADY_IN_PROGRESS, action=action
        )
    if feature.requires_confirmation:
        return _decision(
            facts,
            settings,
            DecisionKind.REQUEST_CONFIRMATION,
            Reason.CONFIRMATION_REQUIRED,
            action=action,
        )
    if feature.requires_approval:
        return _decision(
            facts,
            settings,
            DecisionKind.REQUEST_CONFIRMATION,
            Reason.APPROVAL_REQUIRED,
            action=action,
        )
    return _decision(
        facts, settings, DecisionKind.EXECUTE, Reason.NO_CONFIRMATION_NEEDED, action=action
    )


def _action_in_progress(facts: Situation) -> bool:
    """The conversation's last action is still running, or finished too recently to redo."""
    conversation = facts.conversation
    last = conversation.last_action
    if conversation.action_in_progress:
        return True
    if last is None:
        return False
    if last.status in (ActionStatus.EXECUTING, ActionStatus.READY):
        return True
    return (
        last.status is ActionStatus.SUCCEEDED
        and last.started_at is not None
        and facts.now - last.started_at < action_spec(last.kind).cooldown
    )


# What each decision does and says ------------------------------------------------------------


def _what_claw_does_and_says(
    decision: Decision, facts: Situation, settings: SettingsSnapshot
) -> Decision:
    """The decision with the action it opens, its reply and its staff alert."""
    opens = _action_to_open(decision, facts, settings)
    target = _target_described(decision, facts)
    message = (
        _message(decision, facts, opens, target)
        or decision.message
        or holding_reply(
            decision, facts, settings, sending_blocked=_sending_blocked(facts, settings)
        )
    )
    alert = _alert(decision, facts, opens, target)
    return attrs.evolve(decision, opens=opens, message=message, alert=alert)


def _action_to_open(
    decision: Decision, facts: Situation, settings: SettingsSnapshot
) -> ActionToOpen | None:
    """A new pending action, when the decision acts on a customer's text about a known target."""
    if (
        decision.kind not in (DecisionKind.REQUEST_CONFIRMATION, DecisionKind.EXECUTE)
        or facts.pending is not None
        or decision.action is None
        or facts.target is None
    ):
        return None
    feature = settings.feature(decision.intent) or FeatureSettings()
    parameters = facts.target
    if action_spec(decision.action).timed_by_settings:
        parameters = attrs.evolve(parameters, unlock_seconds=settings.globals.door_unlock_seconds)
    return ActionToOpen(
        kind=decision.action,
        parameters=parameters,
        requires_confirmation=feature.requires_confirmation,
        requires_approval=feature.requires_approval,
        deadline=facts.now + settings.globals.confirmation_timeout,
    )


def _target_described(decision: Decision, facts: Situation) -> str | None:
    """The decision's action target in the customer's words, when it is known."""
    pending = facts.pending
    parameters = pending.parameters if pending is not None else facts.target
    kind = pending.kind if pending is not None else decision.action
    if kind is None or parameters is None:
        return None
    return describe_target(kind, parameters, facts.location_name)


def _message(
    decision: Decision, facts: Situation, opens: ActionToOpen | None, target: str | None
) -> Message | None:
    """The reply about an action; a prepared answer is already on the decision."""
    action = decision.action
    if decision.kind is DecisionKind.RESPOND:
        if decision.reason is Reason.CUSTOMER_DECLINED:
            return Message(Template.CUSTOMER_DECLINED, action=action)
        if action is not None and decision.reason is Reason.DETAILS_NEEDED:
            again = facts.details_still_missing
            template = Template.DETAILS_NEEDED_AGAIN if again else Template.DETAILS_NEEDED
            return Message(template, action=action, missing=facts.missing_details)
        if action is not None and decision.reason is Reason.ALREADY_IN_PROGRESS:
            return Message(Template.ALREADY_IN_PROGRESS, action=action)
        return None
    if decision.kind is not DecisionKind.REQUEST_CONFIRMATION or target is None:
        return None
    if opens is not None:
        still_to_confirm = opens.requires_confirmation
    elif facts.pending is not None:
        still_to_confirm = (
            facts.pending.confirmation_needed and decision.consent is not Consent.CONFIRMED
        )
    else:
        return None
    template = Template.CONFIRMATION_REQUEST if still_to_confirm else Template.AWAITING_APPROVAL
    return Message(template, action=action, target=target)


def _alert(
    decision: Decision, facts: Situation, opens: ActionToOpen | None, target: str | None
) -> AlertForStaff | None:
    """What staff are told: a customer who needs a person, or an action to approve."""
    if decision.kind is DecisionKind.ESCALATE:
        return needs_a_person_alert(decision, facts.customer_number, facts.text)
    if decision.kind is DecisionKind.SUGGEST and decision.reason is not Reason.EMERGENCY_STOP:
        # Under the stop every text becomes a suggestion and the stop bar says so already.
        return review_item_alert(decision, facts.customer_number, facts.text)
    if not decision.asks_staff_to_approve or decision.action is None or target is None:
        return None
    deadline = opens.deadline if opens is not None else None
    if deadline is None and facts.pending is not None:
        deadline = facts.pending.deadline
    if deadline is None:
        return None
    return approval_alert(decision.action, facts.customer_number, target, deadline)


def needs_a_person_alert(
    decision: Decision, customer_number: str, latest_text: str
) -> AlertForStaff:
    """The alert an escalation raises: who, why, what they last wrote; urgent when it must be."""
    return AlertForStaff(
        title=wording.NEEDS_STAFF_TITLE,
        body=wording.needs_a_person(
            customer_number, decision.reason.value, decision.intent, latest_text
        ),
        urgent=decision.staff_alert_is_urgent,
    )


def review_item_alert(decision: Decision, customer_number: str, latest_text: str) -> AlertForStaff:
    """A new item in the review queue: not urgent, so it is batched and waits out quiet hours."""
    return AlertForStaff(
        title=wording.REVIEW_ITEM_TITLE,
        body=wording.review_item(customer_number, decision.intent, latest_text),
        urgent=False,
    )


def approval_alert(
    kind: ActionKind, customer_number: str, target: str, deadline: datetime
) -> AlertForStaff:
    """The urgent alert that asks staff to approve an action before its deadline."""
    return AlertForStaff(
        title=wording.approval_title(kind),
        body=wording.approval_request(kind, customer_number, target, deadline),
        urgent=True,
    )
