"""What the console reads: queues, timelines and statistics, as JSON-ready documents.

``ConsoleQueries`` is the seam; ``ProjectionQueries`` answers it from the stored
projections that ``claw serve``'s projector keeps level with the log (review
queue, pending actions, tickets, conversations, statistics), and a
conversation's timeline from its own event streams
(``claw_service.audit.timeline``). It holds no per-conversation state: memory
stays flat however many conversations the server has seen.

Fresh after a change: every query first brings the projections level with the
log (a cheap check when they already are), so a command's effect shows in the
next read, whether or not the worker's projector has got there yet.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

import structlog

from claw_adapters.projections.conversations import CONVERSATIONS
from claw_adapters.projections.events import iso
from claw_adapters.projections.pending_actions import PENDING_ACTIONS
from claw_adapters.projections.staff_queues import REVIEW_QUEUE, TICKETS
from claw_adapters.projections.statistics import read_dashboard, read_statistics, read_totals
from claw_adapters.projections.store import Document, ProjectionStore
from claw_domain import events
from claw_domain.actions import action_spec
from claw_domain.decisions import DecisionKind, Reason
from claw_domain.privacy import FORGOTTEN
from claw_domain.values import ActionKind
from claw_entrypoints.web.reasons import explain
from claw_service.application import ClawApplication
from claw_service.audit.story import StoryLine, story
from claw_service.audit.timeline import TimelineEntry, timeline
from claw_service.projector import Projector

log = structlog.get_logger("claw.console")

_CHART_HOURS = 24
UNKNOWN_CUSTOMER = "(number unknown)"
# The longest lists the console is sent: the newest first, older ones stay in the store.
CONVERSATIONS_SHOWN = 200
TICKETS_SHOWN = 500
# Skipped events listed on every page (the newest; the store keeps them all).
SKIPPED_SHOWN = 20
_AUTOMATIC = frozenset(
    {DecisionKind.RESPOND, DecisionKind.REQUEST_CONFIRMATION, DecisionKind.EXECUTE}
)
_CUSTOMER_EVENTS = frozenset(
    {
        events.TextReceived,
        events.OptedOut,
        events.OptedIn,
        events.FeedbackReceived,
        events.CustomerConfirmed,
        events.CustomerDeclined,
    }
)
_VENDOR_EVENTS = frozenset({events.ReplyFailed, events.ReplyOutcomeUnknown})


class ConsoleQueries(Protocol):
    def review_queue(self) -> list[Document]: ...
    def pending_actions(self) -> list[Document]: ...
    def tickets(self, *, include_resolved: bool) -> list[Document]: ...
    def conversations(self) -> list[Document]: ...
    def timeline(self, conversation: UUID) -> Document | None: ...
    def statistics(self, now: datetime) -> Document: ...
    def position(self) -> int: ...
    def skipped_events(self) -> list[Document]: ...


def short_customer(masked: str | None) -> str:
    """The last four digits only (``…0123``): staff recognise a customer, the list leaks nothing.

    A forgotten customer reads as ``[forgotten]``, never as nothing: the console's
    link to their conversation is that text, and an empty link cannot be seen or tapped.
    """
    if masked == FORGOTTEN:
        return FORGOTTEN
    digits = "".join(char for char in masked or "" if char.isdigit())
    return f"\u2026{digits[-4:]}" if digits else UNKNOWN_CUSTOMER


def reason_text(reason: str | None) -> str | None:
    if reason is None:
        return None
    try:
        return explain(Reason(reason))
    except ValueError:
        return reason.replace("_", " ")  # a reason this version no longer names


class ProjectionQueries:
    """The console's read side over the projector's store; nothing kept per conversation."""

    def __init__(
        self,
        projector: Projector,
        app: ClawApplication,
        *,
        conversations_shown: int = CONVERSATIONS_SHOWN,
        tickets_shown: int = TICKETS_SHOWN,
    ) -> None:
        self.projector = projector
        self.app = app
        self.conversations_shown = conversations_shown
        self.tickets_shown = tickets_shown
        self._lock = threading.Lock()
        self._reached = 0  # the log position the projections were last seen level with

    def _fresh(self) -> ProjectionStore:
        """The store, after bringing the projections level with the log if they lag."""
        with self._lock:
            latest = self.app.recorder.max_notification_id() or 0
            if latest > self._reached:
                try:
                    self.projector.catch_up_fully()
                except Exception:  # serve the rows there are; the worker retries
                    log.exception("console_catch_up_failed")
                else:
                    positions = self.projector.positions().values()
                    self._reached = min(positions, default=latest)
        return self.projector.store

    def position(self) -> int:
        self._fresh()
        return self._reached

    def skipped_events(self, limit: int = SKIPPED_SHOWN) -> list[Document]:
        """Events a projection could not fold and skipped, latest first (never a text)."""
        self._fresh()
        return [
            {
                "projection": failure.projection,
                "position": failure.position,
                "event": failure.event,
                "reason": failure.reason,
                "at": failure.at.isoformat(),
                "reported": failure.reported.value,
            }
            for failure in self.projector.failures.recorded(limit)
        ]

    # Queues ----------------------------------------------------------------------

    def review_queue(self) -> list[Document]:
        store = self._fresh()
        return [
            {
                "conversation_id": row["conversation_id"],
                "number": row["number"],
                "customer": short_customer(row["customer"]),
                "text": row.get("text") or "",
                "draft": row["draft"],
                "drafted_by": row.get("drafted_by"),
                "intent": row["intent"],
                "reason": row["reason"],
                "reason_text": reason_text(row["reason"]),
                "confidence": row["confidence"],
                "action": row.get("action"),
                "at": row["at"],
            }
            for row in (found.document for found in store.rows(REVIEW_QUEUE, order_by="at"))
        ]

    def pending_actions(self) -> list[Document]:
        store = self._fresh()
        return [
            {
                "action_id": row["action_id"],
                "conversation_id": row["conversation_id"],
                "customer": short_customer(row["customer"]),
                "kind": row["kind"],
                "intent": row["intent"],
                # The console offers the approval to admins only (it says "door").
                "is_door": action_spec(ActionKind(row["kind"])).approval_needs_admin,
                "target": row["target"],
                "status": row["status"],
                "requested_at": row["requested_at"],
                "deadline": row["deadline"],
                "needs_confirmation": row["needs_confirmation"],
                "needs_approval": row["needs_approval"],
                "approved_by": row["approved_by"],
                # Why an approval given did not count (the stop, an opt-out): approve again.
                "approval_ignored": row.get("approval_ignored"),
            }
            for row in (
                found.document for found in store.rows(PENDING_ACTIONS, order_by="deadline")
            )
        ]

    def tickets(self, *, include_resolved: bool) -> list[Document]:
        store = self._fresh()
        found = store.rows(
            TICKETS,
            where=None if include_resolved else {"status": "open"},
            order_by="opened_at",
            descending=True,
            limit=self.tickets_shown,
        )
        return [
            {
                "conversation_id": row["conversation_id"],
                "number": row["number"],
                "customer": short_customer(row["customer"]),
                "status": row["status"],
                "reason": row["reason"],
                "reason_text": reason_text(row["reason"]),
                "intent": row["intent"],
                "summary": row["summary"],
                "text": row.get("text") or "",
                "opened_at": row["opened_at"],
                "resolved_at": row["resolved_at"],
                "resolved_by": row["resolved_by"],
            }
            for row in (item.document for item in found)
        ]

    def conversations(self) -> list[Document]:
        store = self._fresh()
        found = store.rows(
            CONVERSATIONS,
            order_by="last_message_at",
            descending=True,
            limit=self.conversations_shown,
        )
        return [
            {
                "conversation_id": row["conversation_id"],
                "customer": short_customer(row["customer"]),
                "last_text": row.get("last_text") or "",
                "last_at": row["last_message_at"] or row["started_at"],
                "decisions": row.get("decisions", 0),
                "last_decision": row["last_decision"],
                "last_reason": row["last_reason"],
                "opted_out": row["opted_out"],
                "unprocessed": row["unprocessed"],
                "staff_active_until": row["staff_active_until"],
            }
            for row in (item.document for item in found)
        ]

    # Timeline ------------------------------------------------------------------------

    def timeline(self, conversation: UUID) -> Document | None:
        row = self._fresh().get(CONVERSATIONS, str(conversation))
        if row is None:
            return None  # no such conversation (or an id of something else)
        entries = timeline(self.app, conversation_id=conversation)
        return {
            "conversation_id": str(conversation),
            "customer": short_customer(row["customer"]),
            "opted_out": row["opted_out"],
            "staff_active_until": row["staff_active_until"],
            # The steps in plain words and the venue's time; the entries are every event.
            "story": [
                _story_line(line) for line in story(entries, self.app.settings().globals.timezone)
            ],
            "entries": [_timeline_entry(entry) for entry in entries],
        }

    # Statistics ----------------------------------------------------------------------

    def statistics(self, now: datetime) -> Document:
        store = self._fresh()
        report = read_statistics(store, hours=_CHART_HOURS)
        totals = read_totals(store, hours=_CHART_HOURS)
        decided = sum(totals.by_kind.values())
        automatic = sum(n for kind, n in totals.by_kind.items() if kind in _AUTOMATIC)
        decisions_by_hour = {point.hour: point for point in report.hours}
        top = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        hourly = []
        for back in range(_CHART_HOURS - 1, -1, -1):
            hour = top - timedelta(hours=back)
            point = decisions_by_hour.get(hour)
            hourly.append(
                {
                    "hour": iso(hour),
                    "received": totals.texts_per_hour.get(hour, 0),
                    "automatic": point.automatic if point else 0,
                    "staff": point.suggested + point.escalated if point else 0,
                }
            )
        counters = report.overall.counters
        return {
            "texts_received": totals.texts_received,
            "conversations": totals.conversations,
            "replies_sent": totals.replies_sent,
            "replies_withheld": totals.replies_withheld,
            "replies_failed": totals.replies_failed,
            "decisions": decided,
            "automation_rate": automatic / decided if decided else 0.0,
            "by_kind": totals.by_kind,
            "by_reason": totals.by_reason,
            "by_intent": {
                feature.intent: _finite(feature.to_json())
                for feature in sorted(report.features, key=lambda f: f.intent)
            },
            "actions": {
                "succeeded": counters["actions_succeeded"],
                "failed": counters["actions_failed"],
                "unknown": counters["actions_unknown"],
                "expired": counters["expired"],
                "declined": counters["declined"],
            },
            "open_actions": len(store.rows(PENDING_ACTIONS)),
            "llm_cost_usd": round(report.overall.cost_usd, 6),
            "hourly": hourly,
            # The owner's numbers per feature and per day (the console's Dashboard page).
            "dashboard": read_dashboard(store),
        }


def _finite(document: Document) -> Document:
    """JSON has no infinity (a latency past the last bucket): such a number becomes null."""
    return {
        key: None if isinstance(value, float) and not math.isfinite(value) else value
        for key, value in document.items()
    }


def _story_line(line: StoryLine) -> Document:
    document = line.to_json()
    if line.reason is not None:
        document["reason_text"] = explain(line.reason)
    return document


def _timeline_entry(entry: TimelineEntry) -> Document:
    document = entry.to_json()
    if entry.customer is not None:
        document["customer"] = short_customer(entry.customer)
    reason = entry.reason
    if reason is None and entry.event_class is events.ReplyWithheld and entry.detail:
        try:
            reason = Reason(entry.detail)
        except ValueError:
            reason = None
    if reason is not None:
        document["reason"] = reason.value
        document["reason_text"] = explain(reason)
    if entry.body is not None:
        document["reply"] = entry.body
    if entry.event_class in _CUSTOMER_EVENTS:
        document["who"] = "customer"
    elif entry.event_class in _VENDOR_EVENTS:
        document["who"] = "vendor"
    elif entry.actor is not None or entry.event_class is events.StaffTextSent:
        document["who"] = "staff"
    else:
        document["who"] = "claw"
    return document


def open_counts(queries: ConsoleQueries) -> dict[str, int]:
    return {
        "review_queue": len(queries.review_queue()),
        "pending_actions": len(queries.pending_actions()),
        "tickets": len(queries.tickets(include_resolved=False)),
    }


__all__ = ["ConsoleQueries", "ProjectionQueries", "open_counts", "reason_text", "short_customer"]
