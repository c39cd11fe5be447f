"""What the console reads: queues, timelines and statistics, as JSON-ready documents.

``ConsoleQueries`` is the seam: this module's ``LogReadModel`` follows the
event log itself (new notifications since the last look, decoded once) and
keeps the touched conversations and pending actions loaded. The projections
in ``claw_adapters.projections`` can replace it behind the same protocol
once the composition root runs a projector; the console does not change.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from claw_domain.conversation import Conversation, SuggestionStatus
from claw_domain.decisions import Decision
from claw_domain.pending_action import PendingAction
from claw_domain.values import ActionKind
from claw_entrypoints.web.reasons import explain
from claw_service.application import ClawApplication

Document = dict[str, Any]
_PAGE = 1000
_CHART_HOURS = 24
_CONVERSATION = get_topic(Conversation) + "."
_ACTION = get_topic(PendingAction) + "."
_AUTOMATIC = frozenset({"respond", "request_confirmation", "execute"})


class ConsoleQueries(Protocol):
    def review_queue(self) -> list[Document]: ...
    def pending_actions(self) -> list[Document]: ...
    def tickets(self, *, include_resolved: bool) -> list[Document]: ...
    def conversations(self) -> list[Document]: ...
    def timeline(self, conversation: UUID) -> Document | None: ...
    def statistics(self, now: datetime) -> Document: ...
    def position(self) -> int: ...


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def mask(number: str) -> str:
    """The last four digits only: staff recognise a customer without the list leaking numbers."""
    digits = "".join(char for char in number if char.isdigit())
    return f"\u2026{digits[-4:]}" if len(digits) > 4 else number


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


def _event_name(topic: str) -> str:
    return topic.rsplit(".", 1)[-1]


def _recorded_at(recorded: Any) -> datetime:
    timestamp: datetime = recorded.timestamp
    return timestamp


def _event_time(recorded: Any) -> datetime:
    at = getattr(recorded, "at", None)
    if isinstance(at, datetime):
        return at
    sent_at = getattr(getattr(recorded, "text", None), "sent_at", None)
    if isinstance(sent_at, datetime):
        return sent_at
    timestamp: datetime = recorded.timestamp
    return timestamp


class _Statistics:
    """Counters folded from the log as it is read; never from a clock."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()
        self.intents: dict[str, Counter[str]] = defaultdict(Counter)
        self.actions: Counter[str] = Counter()
        self.hourly: dict[datetime, Counter[str]] = defaultdict(Counter)
        self.llm_cost_usd = 0.0

    def fold(self, name: str, recorded: Any) -> None:
        hour = _event_time(recorded).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        if name == "TextReceived":
            self.counts["texts_received"] += 1
            self.hourly[hour]["received"] += 1
        elif name.startswith("DecidedTo"):
            decision: Decision = recorded.decision
            self.kinds[decision.kind.value] += 1
            self.reasons[decision.reason.value] += 1
            self.intents[decision.intent.value]["total"] += 1
            automatic = decision.kind.value in _AUTOMATIC
            self.intents[decision.intent.value]["automatic" if automatic else "staff"] += 1
            self.hourly[hour]["automatic" if automatic else "staff"] += 1
        elif name == "TextClassified":
            self.sources[recorded.classification.source.value] += 1
            usage = recorded.classification.llm_usage
            if usage is not None:
                self.llm_cost_usd += usage.cost_usd
        elif name in ("ReplySent", "ReplyWithheld", "ReplyFailed"):
            self.counts[
                {"ReplySent": "replies_sent", "ReplyWithheld": "replies_withheld"}.get(
                    name, "replies_failed"
                )
            ] += 1
        elif name in (
            "ActionSucceeded",
            "ActionFailed",
            "ActionOutcomeUnknown",
            "ActionExpired",
            "ActionCancelled",
            "StaffRejected",
            "CustomerDeclined",
        ):
            self.actions[name] += 1

    def document(self, now: datetime) -> Document:
        decided = sum(self.kinds.values())
        automatic = sum(self.kinds[kind] for kind in _AUTOMATIC)
        top = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        hours = [top - timedelta(hours=back) for back in range(_CHART_HOURS - 1, -1, -1)]
        return {
            "texts_received": self.counts["texts_received"],
            "replies_sent": self.counts["replies_sent"],
            "replies_withheld": self.counts["replies_withheld"],
            "replies_failed": self.counts["replies_failed"],
            "decisions": decided,
            "automation_rate": automatic / decided if decided else 0.0,
            "by_kind": dict(self.kinds),
            "by_reason": dict(self.reasons.most_common()),
            "by_source": dict(self.sources),
            "by_intent": {intent: dict(c) for intent, c in sorted(self.intents.items())},
            "actions": dict(self.actions),
            "llm_cost_usd": round(self.llm_cost_usd, 6),
            "hourly": [
                {
                    "hour": iso(hour),
                    "received": self.hourly[hour]["received"] if hour in self.hourly else 0,
                    "automatic": self.hourly[hour]["automatic"] if hour in self.hourly else 0,
                    "staff": self.hourly[hour]["staff"] if hour in self.hourly else 0,
                }
                for hour in hours
            ],
        }


class LogReadModel:
    """The console's read side, caught up from the notification log on every query."""

    def __init__(self, app: ClawApplication) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._position = 0
        self._conversations: dict[UUID, Conversation] = {}
        self._actions: dict[UUID, PendingAction] = {}
        self._stats = _Statistics()
        self._last_text: dict[UUID, str] = {}
        self._decision_text: dict[tuple[UUID, int], str] = {}

    def position(self) -> int:
        with self._lock:
            self._catch_up()
            return self._position

    def _catch_up(self) -> None:
        touched_conversations: set[UUID] = set()
        touched_actions: set[UUID] = set()
        while True:
            page = self.app.recorder.select_notifications(start=self._position + 1, limit=_PAGE)
            for notification in page:
                topic = notification.topic
                originator = _uuid(notification.originator_id)
                if topic.startswith(_CONVERSATION):
                    touched_conversations.add(originator)
                elif topic.startswith(_ACTION):
                    touched_actions.add(originator)
                else:
                    continue
                recorded = self.app.mapper.to_domain_event(notification)
                name = _event_name(topic)
                self._stats.fold(name, recorded)
                self._remember_text(originator, name, recorded)
            if page:
                self._position = page[-1].id
            if len(page) < _PAGE:
                break
        for found in touched_conversations:
            self._conversations[found] = self.app.conversation(found)
        for found in touched_actions:
            self._actions[found] = self.app.pending_action(found)

    def _remember_text(self, conversation: UUID, name: str, recorded: Any) -> None:
        # Decisions do not carry the text they were about; the classification
        # just before them does, so the reviewer sees what the customer said.
        if name == "TextClassified":
            self._last_text[conversation] = recorded.text
        elif name.startswith("DecidedTo") and conversation in self._last_text:
            self._decision_text[(conversation, recorded.number)] = self._last_text[conversation]

    def _text_of(self, conv: Conversation, number: int) -> str:
        found = self._decision_text.get((conv.id, number))
        if found is not None:
            return found
        return conv.inbound[-1].body if conv.inbound else ""

    def _caught_up(self) -> tuple[list[Conversation], list[PendingAction]]:
        with self._lock:
            self._catch_up()
            return list(self._conversations.values()), list(self._actions.values())

    # Queues ----------------------------------------------------------------------

    def review_queue(self) -> list[Document]:
        conversations, _ = self._caught_up()
        rows = []
        for conv in conversations:
            for number, suggestion in conv.suggestions.items():
                if suggestion.status is not SuggestionStatus.WAITING:
                    continue
                decision = conv.decisions[number - 1]
                rows.append(
                    {
                        "conversation_id": str(conv.id),
                        "number": number,
                        "customer": mask(conv.customer_number),
                        "text": self._text_of(conv, number),
                        "draft": suggestion.draft,
                        "intent": suggestion.intent.value,
                        "reason": suggestion.reason.value,
                        "reason_text": explain(suggestion.reason),
                        "confidence": decision.confidence,
                        "opted_out": conv.opted_out,
                    }
                )
        return rows

    def pending_actions(self) -> list[Document]:
        _, actions = self._caught_up()
        open_actions = sorted((a for a in actions if a.is_open), key=lambda a: a.deadline)
        return [self._action_document(action) for action in open_actions]

    def _action_document(self, action: PendingAction) -> Document:
        return {
            "action_id": str(action.id),
            "conversation_id": str(action.conversation_id),
            "customer": mask(action.customer_number),
            "kind": action.kind.value,
            "is_door": action.kind is ActionKind.UNLOCK_DOOR,
            "target": self.app.describe(action),
            "status": action.status.value,
            "requested_at": iso(action.requested_at),
            "deadline": iso(action.deadline),
            "needs_confirmation": action.confirmation_needed,
            "needs_approval": action.approval_needed,
            "approved_by": action.approved_by,
        }

    def tickets(self, *, include_resolved: bool) -> list[Document]:
        conversations, _ = self._caught_up()
        rows = [
            {
                "conversation_id": str(conv.id),
                "number": number,
                "customer": mask(conv.customer_number),
                "reason": ticket.reason.value,
                "reason_text": explain(ticket.reason),
                "summary": ticket.summary,
                "text": self._text_of(conv, number),
                "opened_at": iso(ticket.opened_at),
                "resolved_at": iso(ticket.resolved_at),
                "resolved_by": ticket.resolved_by,
            }
            for conv in conversations
            for number, ticket in conv.tickets.items()
            if include_resolved or ticket.resolved_at is None
        ]
        return sorted(rows, key=lambda row: str(row["opened_at"]), reverse=True)

    def conversations(self) -> list[Document]:
        conversations, _ = self._caught_up()
        rows = []
        for conv in conversations:
            last = conv.inbound[-1] if conv.inbound else None
            rows.append(
                {
                    "conversation_id": str(conv.id),
                    "customer": mask(conv.customer_number),
                    "last_text": last.body if last else "",
                    "last_at": iso(last.sent_at if last else conv.modified_on),
                    "decisions": len(conv.decisions),
                    "last_decision": conv.decisions[-1].kind.value if conv.decisions else None,
                    "opted_out": conv.opted_out,
                }
            )
        return sorted(rows, key=lambda row: str(row["last_at"]), reverse=True)

    # Timeline ------------------------------------------------------------------------

    def timeline(self, conversation: UUID) -> Document | None:
        try:
            conv = self.app.conversation(conversation)
        except (AggregateNotFoundError, TypeError):
            return None
        # Ordered by when each event was recorded (a text's own time can be earlier
        # than the conversation it started); shown with its domain time.
        entries: list[tuple[datetime, int, datetime, Document]] = []
        store = self.app.repository.event_store
        for order, recorded in enumerate(store.get(conv.id)):
            entry = _conversation_entry(conv, recorded)
            entries.append((_recorded_at(recorded), order, _event_time(recorded), entry))
        for action_id in conv.action_ids:
            for order, recorded in enumerate(store.get(action_id)):
                entry = _action_entry(recorded)
                entries.append((_recorded_at(recorded), order, _event_time(recorded), entry))
        entries.sort(key=lambda item: (item[0], item[1]))
        return {
            "conversation_id": str(conv.id),
            "customer": mask(conv.customer_number),
            "opted_out": conv.opted_out,
            "staff_active_until": iso(conv.staff_active_until),
            "entries": [{"at": iso(at), **entry} for _recorded, _order, at, entry in entries],
        }

    def statistics(self, now: datetime) -> Document:
        conversations, actions = self._caught_up()
        with self._lock:
            document = self._stats.document(now)
        document["conversations"] = len(conversations)
        document["open_actions"] = sum(1 for action in actions if action.is_open)
        return document


def _entry(kind: str, summary: str, **extra: Any) -> Document:
    return {"event": kind, "summary": summary, **extra}


def _conversation_entry(conv: Conversation, recorded: Any) -> Document:
    name = type(recorded).__name__
    if name == "TextReceived":
        return _entry(name, recorded.text.body, who="customer")
    if name == "TextClassified":
        c = recorded.classification
        where = ", ".join(
            part
            for part in (
                c.entities.location and f"location {c.entities.location}",
                c.entities.box and f"box {c.entities.box}",
            )
            if part
        )
        cost = f", LLM ${c.llm_usage.cost_usd:.4f}" if c.llm_usage else ""
        return _entry(
            name,
            f"understood {c.intent.value} ({c.confidence:.2f} by {c.source.value}"
            f"{', ' + where if where else ''}{cost})",
            who="claw",
        )
    if name.startswith("DecidedTo"):
        d: Decision = recorded.decision
        return _entry(
            name,
            f"decided to {d.kind.value.replace('_', ' ')} ({d.intent.value}, "
            f"confidence {d.confidence:.2f}, settings v{d.settings_version})",
            who="claw",
            decision=d.kind.value,
            reason=d.reason.value,
            reason_text=explain(d.reason),
            reply=recorded.reply,
        )
    if name == "ReplySent":
        reply = conv.replies.get(recorded.number)
        return _entry(name, reply.body if reply else f"reply {recorded.number}", who="claw")
    if name == "ReplyWithheld":
        return _entry(
            name,
            f"reply {recorded.number} withheld",
            who="claw",
            reason=recorded.reason.value,
            reason_text=explain(recorded.reason),
        )
    if name in ("ReplyFailed", "ReplyOutcomeUnknown"):
        return _entry(name, f"reply {recorded.number}: {recorded.error}", who="vendor")
    if name == "NoticeQueued":
        return _entry(name, f"queued: {recorded.body}", who="claw")
    if name in ("SuggestionApproved", "SuggestionRejected", "SuggestionEdited"):
        verb = {"SuggestionApproved": "approved", "SuggestionRejected": "rejected"}.get(
            name, "edited and sent"
        )
        detail = getattr(recorded, "text", None) or getattr(recorded, "reason", "")
        return _entry(
            name,
            f"suggestion {recorded.decision_number} {verb}" + (f": {detail}" if detail else ""),
            who="staff",
            actor=recorded.actor,
        )
    if name == "TicketResolved":
        return _entry(
            name, f"ticket {recorded.decision_number} resolved", who="staff", actor=recorded.actor
        )
    if name == "StaffTextSent":
        return _entry(
            name,
            f"staff texted by hand; claw pauses until {iso(recorded.paused_until)}",
            who="staff",
        )
    if name == "StaffAlertRecorded":
        return _entry(name, f"staff alert {recorded.subject}: {recorded.outcome.value}", who="claw")
    if name == "OptedOut":
        return _entry(name, f"opted out ({recorded.keyword})", who="customer")
    if name == "OptedIn":
        return _entry(name, f"opted back in ({recorded.keyword})", who="customer")
    if name == "FeedbackReceived":
        return _entry(
            name, "positive feedback" if recorded.positive else "negative feedback", who="customer"
        )
    return _entry(name, _spaced(name), who="claw")


def _action_entry(recorded: Any) -> Document:
    name = type(recorded).__name__
    actor = getattr(recorded, "actor", None)
    extra: Document = {"actor": actor} if actor else {}
    if name == "ActionRequested":
        return _entry(
            name,
            f"{recorded.kind.value.replace('_', ' ')} requested, deadline {iso(recorded.deadline)}",
            who="claw",
        )
    detail = (
        getattr(recorded, "reason", None)
        or getattr(recorded, "detail", None)
        or getattr(recorded, "error", None)
    )
    summary = _spaced(name) + (f": {detail}" if detail else "")
    return _entry(name, summary, who="staff" if actor else "claw", **extra)


def _spaced(name: str) -> str:
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()


def open_counts(queries: ConsoleQueries) -> dict[str, int]:
    return {
        "review_queue": len(queries.review_queue()),
        "pending_actions": len(queries.pending_actions()),
        "tickets": len(queries.tickets(include_resolved=False)),
    }


__all__ = ["ConsoleQueries", "LogReadModel", "mask", "open_counts"]
