"""A conversation's timeline, read from the aggregates' own event streams.

Never from the projections, which may lag or be mid-rebuild: what came in,
what claw understood, what it decided and why, what it sent or did.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from claw_adapters.projections.events import (
    ALERT_OUTCOMES,
    DECISIONS,
    REPLY_OUTCOMES,
    SETTINGS_CHANGES,
    TEXT_OUTCOMES,
    RecordedEvent,
    mask_number,
)
from claw_adapters.projections.replies import follow_replies
from claw_domain import events as recorded_events
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.policy import Situation
from claw_domain.ports import was_dry_run
from claw_domain.settings import (
    settings_id,
)
from claw_domain.values import ClassificationSource, Entities, Intent, LlmUsage
from claw_service.application import ClawApplication
from claw_service.follower import LogFollower

_SCAN_BATCH = 1000


@attrs.frozen
class TimelineEntry:
    """One thing that happened, in the words an operator reads an incident in."""

    at: datetime  # domain time: when it happened, not when it was written
    event: str  # the event's class name, as staff read it
    summary: str
    conversation_id: UUID | None = None
    customer: str | None = None  # masked
    body: str | None = None  # the customer's text, or what claw sent or drafted
    decision: DecisionKind | None = None
    reason: Reason | None = None
    intent: Intent | None = None
    confidence: float | None = None
    source: ClassificationSource | None = None
    entities: Entities | None = None
    llm_usage: LlmUsage | None = None
    settings_version: int | None = None
    knowledge_version: int | None = None  # the published knowledge the decision read
    decision_number: int | None = None
    action_id: UUID | None = None
    actor: str | None = None
    detail: str | None = None
    # What what_if re-judges, and what routes the entry; left out of the JSON.
    recorded_decision: Decision | None = attrs.field(default=None, eq=False, repr=False)
    situation: Situation | None = attrs.field(default=None, eq=False, repr=False)
    event_class: type | None = attrs.field(default=None, eq=False, repr=False)
    # Which text a queued or sent entry is about, and whether a dry-run messenger took
    # it: the plain-words story marks the step whose text never went out.
    text_id: UUID | None = attrs.field(default=None, eq=False, repr=False)
    dry_run: bool = attrs.field(default=False, eq=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict without empty fields; ``at`` and ``event`` are always there."""
        skipped = ("recorded_decision", "situation", "event_class", "text_id", "dry_run")
        plain = attrs.asdict(self, recurse=True, filter=lambda a, _v: a.name not in skipped)
        return {name: _jsonable(value) for name, value in plain.items() if value is not None}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


# Reading the streams ---------------------------------------------------------------------


def timeline(
    app: ClawApplication,
    *,
    conversation_id: UUID | None = None,
    phone: str | None = None,
    since: datetime | None = None,
) -> list[TimelineEntry]:
    """Everything recorded about one conversation, one number's conversations, or since a time.

    With ``conversation_id`` or ``phone`` the conversation streams are read,
    with their pending actions and the settings changes made meanwhile;
    ``since`` alone reads the whole log from that time on. Given together,
    ``since`` narrows the others.
    """
    if conversation_id is not None:
        events = _conversation_events(app, [conversation_id])
    elif phone is not None:
        events = _conversation_events(app, _conversations_of(app, phone))
    elif since is not None:
        events = list(_scan(app))
    else:
        msg = "say which timeline: a conversation id, a phone number or a start time"
        raise ValueError(msg)
    entries = _entries(events)
    return [entry for entry in entries if since is None or entry.at >= since]


def _recorded(event: Any, position: int = 0) -> RecordedEvent | None:
    if type(event) not in recorded_events.EVERY_EVENT:
        return None
    return RecordedEvent(
        position=position,
        originator_id=event.originator_id,
        originator_version=event.originator_version,
        event=event,
    )


def _stream(app: ClawApplication, aggregate_id: UUID) -> list[RecordedEvent]:
    return [found for event in app.events.get(aggregate_id) if (found := _recorded(event))]


def _conversation_events(app: ClawApplication, ids: Iterable[UUID]) -> list[RecordedEvent]:
    events: list[RecordedEvent] = []
    for conversation in ids:
        stream = _stream(app, conversation)
        actions: dict[UUID, None] = {}
        for item in stream:
            for field in ("pending_action_id", "action_id"):
                action = getattr(item.event, field, None)
                if isinstance(action, UUID):
                    actions[action] = None
        for action in actions:
            stream += _stream(app, action)
        if stream:
            stream += _outbox_events(
                app, conversation, list(actions), seen={conversation, *actions}
            )
        events += stream
    if events:
        # Settings changed while these conversations went on explain their decisions.
        first = min(item.event.timestamp for item in events)
        last = max(item.event.timestamp for item in events)
        events += [
            item for item in _stream(app, settings_id()) if first <= item.event.timestamp <= last
        ]
    # Written order across streams: the library stamps every event as it is created.
    return sorted(events, key=lambda item: item.event.timestamp)


# The events that open what claw sends: each names the conversation it belongs to.
_OUTBOX_OPENERS = (recorded_events.TextQueued, recorded_events.AlertRaised)


def _outbox_events(
    app: ClawApplication, conversation: UUID, actions: list[UUID], seen: set[UUID]
) -> list[RecordedEvent]:
    """What claw sent in the conversation: each text and alert is its own aggregate.

    The customer's data keys list every stream of theirs; without data keys, the ids
    every cause could have given are the candidates. Either way the candidates are
    read in one query: reading each as a stream of its own cost most of a second for
    a 1,000-event conversation.
    """
    keys = getattr(app.mapper, "keys", None)
    subject = keys.subject_of_stream(conversation) if keys is not None else None
    if keys is None or subject is None:
        streams = app.outbox_streams(app.conversation(conversation), actions)
    else:
        streams = app.read_streams([id_ for id_ in keys.streams_of(subject) if id_ not in seen])
    found: list[RecordedEvent] = []
    for events in streams.values():
        opener = events[0]
        if (
            isinstance(opener, _OUTBOX_OPENERS)
            and getattr(opener, "conversation_id", None) == conversation
        ):
            found += [item for event in events if (item := _recorded(event))]
    return found


def _conversations_of(app: ClawApplication, phone: str) -> list[UUID]:
    follower = LogFollower(app, [recorded_events.ConversationStarted])
    found = []
    position = 0
    while True:
        batch = follower.read(position, _SCAN_BATCH)
        for started in batch.events:
            if started.event.customer_number == phone:
                found.append(started.originator_id)
        if batch.reached <= position:
            break
        position = batch.reached
    return found + [c for c in _sealed_conversations_of(app, phone) if c not in found]


def _sealed_conversations_of(app: ClawApplication, phone: str) -> list[UUID]:
    """A forgotten customer's conversations, found by the keyed hash of their number.

    Their ``ConversationStarted`` reads "[forgotten]", so the scan above misses them;
    the data keys still know which streams were theirs (never what they said).
    """
    keys = getattr(app.mapper, "keys", None)
    if keys is None:
        return []
    conversations = []
    for stream in keys.streams_of(keys.subject_of(phone)):
        first = app.events.get(stream, limit=1)
        if any(type(event) is recorded_events.ConversationStarted for event in first):
            conversations.append(stream)
    return conversations


def _scan(app: ClawApplication) -> Iterator[RecordedEvent]:
    follower = LogFollower(app, recorded_events.EVERY_EVENT)
    position = 0
    while True:
        batch = follower.read(position, _SCAN_BATCH)
        yield from batch.events
        if batch.reached <= position:
            return
        position = batch.reached


# From events to entries ----------------------------------------------------------------------


def _entries(events: Sequence[RecordedEvent]) -> list[TimelineEntry]:
    customers: dict[UUID, str] = {}  # conversation -> masked number
    # Pending actions and outbox items -> the conversation they belong to.
    belongs_to: dict[UUID, UUID] = {}
    outbox_words: dict[UUID, tuple[str, str]] = {}  # item -> (text or alert title, body)
    reply_books: dict[UUID, dict[str, Any]] = {}
    entries = []
    for item in events:
        recorded = item.event
        sent = None
        if item.originator_id in customers:
            sent = follow_replies(recorded, reply_books.setdefault(item.originator_id, {}))
        kind = item.event_class
        if kind is recorded_events.ConversationStarted:
            customers[item.originator_id] = mask_number(recorded.customer_number)
        if kind in _BELONGING:
            belongs_to[item.originator_id] = recorded.conversation_id
        if kind is recorded_events.TextQueued:
            outbox_words[item.originator_id] = (recorded.purpose.value, recorded.body)
        elif kind is recorded_events.AlertRaised:
            outbox_words[item.originator_id] = (recorded.title, recorded.body)
        if kind in SETTINGS_CHANGES:
            conversation = None
        elif item.originator_id in belongs_to:
            conversation = belongs_to[item.originator_id]
        else:
            conversation = item.originator_id
        entry = _entry(item)
        if kind is recorded_events.TextQueued or kind in TEXT_OUTCOMES:
            entry = attrs.evolve(entry, text_id=item.originator_id)
        if kind in REPLY_OUTCOMES:
            entry = attrs.evolve(entry, body=sent)
        elif kind in _OUTBOX_OUTCOMES:
            entry = _outbox_entry(entry, item, outbox_words.get(item.originator_id))
        entries.append(
            attrs.evolve(
                entry,
                conversation_id=conversation,
                customer=customers.get(conversation) if conversation else None,
                action_id=entry.action_id
                or (item.originator_id if kind in _ACTION_EVENTS else None),
            )
        )
    return entries


def _outbox_entry(
    entry: TimelineEntry, item: RecordedEvent, words: tuple[str, str] | None
) -> TimelineEntry:
    """What became of a text or an alert, told with the words it was created with."""
    recorded = item.event
    kind = item.event_class
    label, body = words or ("", None)
    outcome = {
        recorded_events.TextSent: "text sent",
        recorded_events.TextFailed: "text failed ("
        + ("will retry" if getattr(recorded, "retryable", False) else "gave up")
        + ")",
        recorded_events.TextOutcomeUnknown: "text's outcome unknown",
        recorded_events.TextWithheld: f"text withheld: {getattr(recorded, 'reason', '')}",
        recorded_events.AlertDelivered: f"staff alert '{label}': sent",
        recorded_events.AlertFailed: f"staff alert '{label}': failed",
        recorded_events.AlertDropped: f"staff alert '{label}': dropped",
    }[kind]
    dry_run = _taken_by_dry_run(item)
    if dry_run:
        outcome = "text not sent (dry run)"
    if kind in TEXT_OUTCOMES and label:
        outcome = f"{label} {outcome}"
    return attrs.evolve(entry, summary=outcome, body=body, dry_run=dry_run)


# Dry run (issue #12, item 2) -----------------------------------------------------------------
def _taken_by_dry_run(item: RecordedEvent) -> bool:
    """A text a dry-run messenger took was recorded, never sent: the timeline must not say sent."""
    return item.event_class is recorded_events.TextSent and was_dry_run(
        getattr(item.event, "vendor_message_id", None)
    )


_OUTBOX_OUTCOMES = frozenset(TEXT_OUTCOMES + ALERT_OUTCOMES)
# Events of a pending action: their entries name the action.
_ACTION_EVENTS = frozenset(
    {
        recorded_events.ActionRequested,
        recorded_events.CustomerConfirmed,
        recorded_events.CustomerDeclined,
        recorded_events.StaffApproved,
        recorded_events.ApprovalRequested,
        recorded_events.StaffApprovalIgnored,
        recorded_events.StaffRejected,
        recorded_events.ActionCancelled,
        recorded_events.ActionExpired,
        recorded_events.ExecutionStarted,
        recorded_events.ActionSucceeded,
        recorded_events.ActionFailed,
        recorded_events.ActionOutcomeUnknown,
    }
)
# Aggregates created for a conversation: a pending action, a text or an alert.
_BELONGING = frozenset(
    {recorded_events.ActionRequested, recorded_events.TextQueued, recorded_events.AlertRaised}
)


_PLAIN_SUMMARIES: dict[type, str] = {
    recorded_events.ConversationStarted: "conversation started",
    recorded_events.CallMissed: "customer called; nobody answered",
    recorded_events.OptedOut: "customer opted out",
    recorded_events.OptedIn: "customer opted back in",
    recorded_events.TextsProcessed: "texts handled without a decision",
    recorded_events.CustomerConfirmed: "customer confirmed the action",
    recorded_events.CustomerDeclined: "customer declined the action",
    recorded_events.ActionExpired: "action expired: no answer before the deadline",
    recorded_events.ExecutionStarted: "action started",
    recorded_events.AwaitedActionClosed: "claw stopped waiting for the customer's answer",
    recorded_events.SettingsInitialised: "settings initialised",
}


def _entry(item: RecordedEvent) -> TimelineEntry:
    recorded = item.event
    kind = item.event_class
    base = TimelineEntry(
        at=item.at,
        event=item.name,
        summary=_PLAIN_SUMMARIES.get(kind, item.name),
        actor=getattr(recorded, "actor", None),
        event_class=kind,
    )
    if kind in DECISIONS:
        return _decision_entry(base, recorded)
    if kind is recorded_events.TextReceived:
        return attrs.evolve(base, summary="customer texted", body=recorded.text.body)
    if kind is recorded_events.TextClassified:
        found = recorded.classification
        usage = " via the LLM" if found.llm_usage else ""
        return attrs.evolve(
            base,
            summary=f"understood as {found.intent.value} ({found.confidence:.2f}, "
            f"{found.source.value}{usage})",
            body=recorded.text,
            intent=found.intent,
            confidence=found.confidence,
            source=found.source,
            entities=found.entities,
            llm_usage=found.llm_usage,
        )
    if kind is recorded_events.SuggestionDrafted:
        return attrs.evolve(
            base,
            summary=f"suggestion {recorded.decision_number} drafted by {recorded.usage.model}",
            body=recorded.draft,
            llm_usage=recorded.usage,
            decision_number=recorded.decision_number,
        )
    if kind is recorded_events.TextQueued:
        return attrs.evolve(
            base, summary=f"{recorded.purpose.value} text queued", body=recorded.body
        )
    if kind is recorded_events.AlertRaised:
        return attrs.evolve(
            base,
            summary=f"staff alert '{recorded.title}' raised ({recorded.severity.value})",
            body=recorded.body,
        )
    if kind in (
        recorded_events.NoticeQueued,
        recorded_events.SuggestionEdited,
        recorded_events.SuggestionRevised,
    ):
        body = getattr(recorded, "body", None) or getattr(recorded, "text", None)
        return attrs.evolve(base, summary=f"{item.name}: text queued", body=body)
    return attrs.evolve(base, summary=_summary(item, base.summary), detail=_detail(recorded))


def _decision_entry(base: TimelineEntry, recorded: Any) -> TimelineEntry:
    decision: Decision = recorded.decision
    situation: Situation | None = recorded.situation
    classification = situation.classification if situation is not None else None
    return attrs.evolve(
        base,
        summary=f"decided to {decision.kind.value}: {decision.reason.value}",
        body=recorded.reply if recorded.reply is not None else decision.reply,
        decision=decision.kind,
        reason=decision.reason,
        intent=decision.intent,
        confidence=decision.confidence,
        source=classification.source if classification else None,
        entities=classification.entities if classification else None,
        settings_version=decision.settings_version,
        knowledge_version=decision.knowledge_version,
        decision_number=recorded.number,
        action_id=recorded.pending_action_id,
        recorded_decision=decision,
        situation=situation,
    )


def _summary(item: RecordedEvent, default: str) -> str:
    recorded = item.event
    kind = item.event_class
    if kind is recorded_events.ReplySent:
        return f"reply {recorded.number} sent"
    if kind is recorded_events.ReplyFailed:
        retry = "will retry" if recorded.retryable else "gave up"
        return f"reply {recorded.number} failed ({retry})"
    if kind is recorded_events.ReplyWithheld:
        return f"reply {recorded.number} withheld: {recorded.reason.value}"
    if kind is recorded_events.CustomerForgotten:
        return f"customer's personal data forgotten by {recorded.actor}"
    if kind is recorded_events.StaffAlertRecorded:
        return f"staff alert '{recorded.subject}': {recorded.outcome.value}"
    if kind is recorded_events.ActionRequested:
        return f"{recorded.kind.value} requested, deadline {recorded.deadline.isoformat()}"
    if kind is recorded_events.StaffTextSent:
        return f"staff texted by hand; claw paused until {recorded.paused_until.isoformat()}"
    if kind is recorded_events.DetailsRequested:
        waiting = recorded.waiting
        wanted = " and ".join(slot.value for slot in waiting.missing) or "target"
        return f"claw asked for the {wanted} of {waiting.intent.value} (question {waiting.asked})"
    if kind is recorded_events.UnderstoodInContext:
        return f"read as {recorded.use.value} for {recorded.about.value}"
    if kind is recorded_events.FeedbackReceived:
        return f"customer feedback: {'positive' if recorded.positive else 'negative'}"
    if kind is recorded_events.FeatureSettingsChanged:
        return f"{recorded.intent.value} set to {recorded.settings.mode.value}"
    return default


def _detail(recorded: Any) -> str | None:
    for field in ("detail", "error", "reason", "keyword"):
        value = getattr(recorded, field, None)
        if isinstance(value, str) and value:
            return value
    return None
