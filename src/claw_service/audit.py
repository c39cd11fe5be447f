"""Incident review: a conversation's timeline, and its decisions judged again.

The timeline reads the aggregates' own event streams (never the projections,
which may lag or be mid-rebuild): what came in, what claw understood, what it
decided and why, what it sent or did. ``what_if`` hands each recorded
decision's facts to the pure policy under other settings; nothing is called,
so it is safe to run against production.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, time
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import yaml
from eventsourcing.utils import get_topic

from claw_adapters.projections.events import (
    DECISION_EVENTS,
    SETTINGS_EVENTS,
    EventName,
    RecordedEvent,
    event_name_of,
    mask_number,
)
from claw_domain.conversation import Conversation
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.errors import ConfigurationError
from claw_domain.policy import Situation, decide
from claw_domain.settings import (
    FeatureSettings,
    GlobalSettings,
    QuietHours,
    SettingsSnapshot,
    settings_id,
)
from claw_domain.values import ClassificationSource, Entities, Intent, LlmUsage
from claw_service.application import ClawApplication

_SCAN_BATCH = 1000


@attrs.frozen
class TimelineEntry:
    """One thing that happened, in the words an operator reads an incident in."""

    at: datetime  # domain time: when it happened, not when it was written
    event: EventName
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
    decision_number: int | None = None
    action_id: UUID | None = None
    actor: str | None = None
    detail: str | None = None
    # What what_if re-judges; left out of the JSON (the fields above say it).
    recorded_decision: Decision | None = attrs.field(default=None, eq=False, repr=False)
    situation: Situation | None = attrs.field(default=None, eq=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict without empty fields; ``at`` and ``event`` are always there."""
        skipped = ("recorded_decision", "situation")
        plain = attrs.asdict(self, recurse=True, filter=lambda a, _v: a.name not in skipped)
        return {name: _jsonable(value) for name, value in plain.items() if value is not None}


@attrs.frozen
class Difference:
    """A recorded decision that other settings would have changed."""

    at: datetime
    conversation_id: UUID | None
    decision_number: int | None
    was: Decision
    would_be: Decision

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "conversation_id": str(self.conversation_id) if self.conversation_id else None,
            "decision_number": self.decision_number,
            "intent": self.was.intent.value,
            "was": {"decision": self.was.kind.value, "reason": self.was.reason.value},
            "would_be": {
                "decision": self.would_be.kind.value,
                "reason": self.would_be.reason.value,
            },
        }


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
    name = event_name_of(type(event).__qualname__)
    if name is None:
        return None
    return RecordedEvent(
        position=position,
        name=name,
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


def _conversations_of(app: ClawApplication, phone: str) -> list[UUID]:
    topic = f"{get_topic(Conversation)}.{EventName.CONVERSATION_STARTED.value}"
    found = []
    start = 1
    while notifications := app.recorder.select_notifications(
        start=start, limit=_SCAN_BATCH, topics=[topic]
    ):
        for notification in notifications:
            started: Any = app.mapper.to_domain_event(notification)
            if started.customer_number == phone:
                found.append(started.originator_id)
        start = notifications[-1].id + 1
    return found


def _scan(app: ClawApplication) -> Iterator[RecordedEvent]:
    start = 1
    while notifications := app.recorder.select_notifications(start=start, limit=_SCAN_BATCH):
        for notification in notifications:
            name = event_name_of(notification.topic)
            if name is not None:
                event = app.mapper.to_domain_event(notification)
                yield RecordedEvent(
                    notification.id,
                    name,
                    event.originator_id,
                    notification.originator_version,
                    event,
                )
        start = notifications[-1].id + 1


# From events to entries ----------------------------------------------------------------------


def _entries(events: Sequence[RecordedEvent]) -> list[TimelineEntry]:
    customers: dict[UUID, str] = {}  # conversation -> masked number
    action_conversation: dict[UUID, UUID] = {}
    entries = []
    for item in events:
        recorded = item.event
        if item.name is EventName.CONVERSATION_STARTED:
            customers[item.originator_id] = mask_number(recorded.customer_number)
        if item.name is EventName.ACTION_REQUESTED:
            action_conversation[item.originator_id] = recorded.conversation_id
        if item.name in SETTINGS_EVENTS:
            conversation = None
        elif item.originator_id in action_conversation:
            conversation = action_conversation[item.originator_id]
        else:
            conversation = item.originator_id
        entry = _entry(item)
        entries.append(
            attrs.evolve(
                entry,
                conversation_id=conversation,
                customer=customers.get(conversation) if conversation else None,
                action_id=entry.action_id
                or (item.originator_id if item.originator_id in action_conversation else None),
            )
        )
    return entries


_PLAIN_SUMMARIES = {
    EventName.CONVERSATION_STARTED: "conversation started",
    EventName.OPTED_OUT: "customer opted out",
    EventName.OPTED_IN: "customer opted back in",
    EventName.TEXTS_PROCESSED: "texts handled without a decision",
    EventName.CUSTOMER_CONFIRMED: "customer confirmed the action",
    EventName.CUSTOMER_DECLINED: "customer declined the action",
    EventName.ACTION_EXPIRED: "action expired: no answer before the deadline",
    EventName.EXECUTION_STARTED: "action started",
    EventName.AWAITED_ACTION_CLOSED: "claw stopped waiting for the customer's answer",
    EventName.SETTINGS_INITIALISED: "settings initialised",
}


def _entry(item: RecordedEvent) -> TimelineEntry:
    recorded = item.event
    name = item.name
    base = TimelineEntry(
        at=item.at,
        event=name,
        summary=_PLAIN_SUMMARIES.get(name, name.value),
        actor=getattr(recorded, "actor", None),
    )
    if name in DECISION_EVENTS:
        return _decision_entry(base, recorded)
    if name is EventName.TEXT_RECEIVED:
        return attrs.evolve(base, summary="customer texted", body=recorded.text.body)
    if name is EventName.TEXT_CLASSIFIED:
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
    if name is EventName.SUGGESTION_DRAFTED:
        return attrs.evolve(
            base,
            summary=f"suggestion {recorded.decision_number} drafted by {recorded.usage.model}",
            body=recorded.draft,
            llm_usage=recorded.usage,
            decision_number=recorded.decision_number,
        )
    if name in (EventName.NOTICE_QUEUED, EventName.SUGGESTION_EDITED):
        body = getattr(recorded, "body", None) or getattr(recorded, "text", None)
        return attrs.evolve(base, summary=f"{name.value}: text queued", body=body)
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
        decision_number=recorded.number,
        action_id=recorded.pending_action_id,
        recorded_decision=decision,
        situation=situation,
    )


def _summary(item: RecordedEvent, default: str) -> str:
    recorded = item.event
    name = item.name
    if name is EventName.REPLY_SENT:
        return f"reply {recorded.number} sent"
    if name is EventName.REPLY_FAILED:
        retry = "will retry" if recorded.retryable else "gave up"
        return f"reply {recorded.number} failed ({retry})"
    if name is EventName.REPLY_WITHHELD:
        return f"reply {recorded.number} withheld: {recorded.reason.value}"
    if name is EventName.STAFF_ALERT_RECORDED:
        return f"staff alert '{recorded.subject}': {recorded.outcome.value}"
    if name is EventName.ACTION_REQUESTED:
        return f"{recorded.kind.value} requested, deadline {recorded.deadline.isoformat()}"
    if name is EventName.STAFF_TEXT_SENT:
        return f"staff texted by hand; claw paused until {recorded.paused_until.isoformat()}"
    if name is EventName.FEEDBACK_RECEIVED:
        return f"customer feedback: {'positive' if recorded.positive else 'negative'}"
    if name is EventName.FEATURE_SETTINGS_CHANGED:
        return f"{recorded.intent.value} set to {recorded.settings.mode.value}"
    return default


def _detail(recorded: Any) -> str | None:
    for field in ("detail", "error", "reason", "keyword"):
        value = getattr(recorded, field, None)
        if isinstance(value, str) and value:
            return value
    return None


# Judging again -----------------------------------------------------------------------------


def what_if(
    app: ClawApplication,
    subject: Sequence[TimelineEntry] | UUID,
    other_settings: SettingsSnapshot,
) -> list[Difference]:
    """The recorded decisions that ``other_settings`` would have made differently.

    Compared on kind, reason and action; decisions recorded without their
    situation (none are, today) cannot be judged again and are left out.
    """
    entries = timeline(app, conversation_id=subject) if isinstance(subject, UUID) else subject
    differences = []
    for entry in entries:
        was, situation = entry.recorded_decision, entry.situation
        if was is None or situation is None:
            continue
        would_be = decide(situation, other_settings)
        if (would_be.kind, would_be.reason, would_be.action) != (was.kind, was.reason, was.action):
            differences.append(
                Difference(
                    at=entry.at,
                    conversation_id=entry.conversation_id,
                    decision_number=entry.decision_number,
                    was=was,
                    would_be=would_be,
                )
            )
    return differences


# Other settings from a file --------------------------------------------------------------------


class SettingsFileError(ConfigurationError):
    """A what-if settings file that cannot be read; the message names the field."""


def load_settings_file(path: Path, base: SettingsSnapshot) -> SettingsSnapshot:
    """Read ``{features: {intent: {...}}, globals: {...}}`` (YAML or JSON) over ``base``.

    Whatever the file leaves out keeps ``base``'s value. The emergency stop is
    an operating state, not a setting: it is off unless the file says
    ``emergency_stop: true``.
    """
    try:
        text = path.read_text(encoding="utf8")
    except OSError as error:
        msg = f"{path}: cannot read the settings file ({error.strerror})"
        raise SettingsFileError(msg) from error
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        msg = f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {first_line}"
        raise SettingsFileError(msg) from error
    return settings_from_mapping(data, base, origin=str(path))


def settings_from_mapping(
    data: object, base: SettingsSnapshot, *, origin: str = "settings"
) -> SettingsSnapshot:
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        msg = f"{origin}: expected a mapping with 'features' and 'globals'"
        raise SettingsFileError(msg)
    unknown = set(data) - {"features", "globals", "emergency_stop"}
    if unknown:
        msg = f"{origin}: unknown section {sorted(unknown)[0]!r}; use features and globals"
        raise SettingsFileError(msg)
    features = dict(base.features)
    raw_features = _mapping(data.get("features"), f"{origin}: features")
    for raw_intent, raw_feature in raw_features.items():
        try:
            intent = Intent(raw_intent)
        except ValueError:
            msg = f"{origin}: features.{raw_intent}: unknown intent; use one of {_choices(Intent)}"
            raise SettingsFileError(msg) from None
        where = f"{origin}: features.{raw_intent}"
        features[intent] = _evolve(
            features.get(intent) or FeatureSettings(), _mapping(raw_feature, where), where
        )
    where = f"{origin}: globals"
    global_settings = _evolve(base.globals, _mapping(data.get("globals"), where), where)
    stop = data.get("emergency_stop", False)
    if not isinstance(stop, bool):
        msg = f"{origin}: emergency_stop: expected true or false, got {stop!r}"
        raise SettingsFileError(msg)
    return SettingsSnapshot(
        version=base.version,
        features=features,
        globals=global_settings,
        emergency_stop=base.emergency_stop if stop else None,
    )


def _choices(enum_type: Iterable[Any]) -> str:
    return ", ".join(member.value for member in enum_type)


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        msg = f"{where}: expected a mapping of names to values"
        raise SettingsFileError(msg)
    return value


TSettings = typing.TypeVar("TSettings", FeatureSettings, GlobalSettings)


def _evolve(current: TSettings, changes: Mapping[str, object], where: str) -> TSettings:
    kind = type(current)
    hints = typing.get_type_hints(kind)
    known = [field.name for field in attrs.fields(kind)]
    values: dict[str, Any] = {}
    for name, raw in changes.items():
        if name not in hints:
            msg = f"{where}.{name}: unknown setting; use {', '.join(known)}"
            raise SettingsFileError(msg)
        values[name] = _coerce(raw, hints[name], f"{where}.{name}")
    try:
        return attrs.evolve(current, **values)
    except (ValueError, TypeError) as error:
        msg = f"{where}: {error}"
        raise SettingsFileError(msg) from error


def _coerce(raw: object, wanted: Any, where: str) -> object:
    """Strictly: "yes" is not a boolean and 0.9 is not an integer, whatever YAML allows."""
    args = typing.get_args(wanted)
    if isinstance(wanted, types.UnionType) and type(None) in args:
        if raw is None:
            return None
        wanted = next(arg for arg in args if arg is not type(None))
    if wanted is QuietHours:
        window = _mapping(raw, where)
        if set(window) != {"start", "end"}:
            msg = f"{where}: expected start and end, e.g. {{start: '22:00', end: '07:00'}}"
            raise SettingsFileError(msg)
        return QuietHours(
            start=_clock_time(window["start"], f"{where}.start"),
            end=_clock_time(window["end"], f"{where}.end"),
        )
    if isinstance(wanted, type) and issubclass(wanted, str) and wanted is not str:
        try:
            return wanted(raw)
        except ValueError:
            msg = f"{where}: {raw!r} is not one of {_choices(typing.cast(Any, wanted))}"
            raise SettingsFileError(msg) from None
    accepted: dict[Any, tuple[type, ...]] = {bool: (bool,), int: (int,), float: (int, float)}
    if wanted is str:
        accepted[str] = (str,)
    ok = isinstance(raw, accepted.get(wanted, (object,)))
    if not ok or (wanted is not bool and isinstance(raw, bool)):
        msg = f"{where}: expected {getattr(wanted, '__name__', wanted)}, got {raw!r}"
        raise SettingsFileError(msg)
    return float(typing.cast(float, raw)) if wanted is float else raw


def _clock_time(raw: object, where: str) -> time:
    # YAML 1.1 reads an unquoted 22:00 as the base-60 integer 1320 (minutes).
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < 24 * 60:
        return time(raw // 60, raw % 60)
    if isinstance(raw, str):
        try:
            return time.fromisoformat(raw)
        except ValueError:
            pass
    msg = f"{where}: expected a time of day such as '22:00', got {raw!r}"
    raise SettingsFileError(msg)
