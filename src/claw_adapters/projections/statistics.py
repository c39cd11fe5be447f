"""Statistics per feature (intent), totals, and an hourly series for charts.

Documents: ``intent:<intent>`` (kind ``intent``) with counters and a latency
histogram; ``totals`` (kind ``totals``: texts received, conversations, reply
outcomes, decisions by kind and by reason); ``hour:<iso>`` (kind ``hour``) with
automatic / suggested / escalated decision counts; ``texts:<iso>`` (kind
``texts_hour``) with the texts received in that hour. Latencies go into fixed
buckets rather than a sample: a histogram stays small and, unlike a random
sample, rebuilds to exactly the same numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from claw_adapters.projections.base import (
    Fold,
    action_state_key,
    conversation_state_key,
    outbox_item,
    remember_outbox_item,
)
from claw_adapters.projections.events import (
    DECISIONS,
    RecordedEvent,
    iso,
    parse_iso,
    settles_text,
)
from claw_adapters.projections.store import (
    Document,
    Documents,
    ProjectionStore,
)
from claw_domain import events
from claw_domain.decisions import Decision, DecisionKind
from claw_domain.values import Classification, LlmUsage

STATISTICS = "statistics"

# Upper bounds, in seconds, of the receipt-to-reply latency buckets; the last is open.
LATENCY_BUCKETS: tuple[float, ...] = (
    1, 2, 3, 5, 8, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800, 3600, 7200,
)  # fmt: skip
# Texts remembered per conversation while waiting for a reply; a flood beyond it is not timed.
UNANSWERED_KEPT = 20

COUNTERS = (
    "received",
    "automatic_replies",
    "suggestions",
    "approved",
    "edited",
    "rejected",
    "confirmations_requested",
    "confirmed",
    "declined",
    "expired",
    "actions_succeeded",
    "actions_failed",
    "actions_unknown",
    "escalations",
    "ignored",
    "llm_calls",
    "prompt_tokens",
    "completion_tokens",
    "without_llm",
    "feedback_positive",
    "feedback_negative",
    "replies_timed",
    # An automatic answer a staff member's own text followed: read as a correction.
    "staff_corrections",
)
_DECISION_COUNTER = {
    DecisionKind.RESPOND: "automatic_replies",
    DecisionKind.SUGGEST: "suggestions",
    DecisionKind.ESCALATE: "escalations",
    DecisionKind.IGNORE: "ignored",
}
_ACTION_COUNTER: Mapping[type, str] = {
    events.CustomerConfirmed: "confirmed",
    events.CustomerDeclined: "declined",
    events.ActionExpired: "expired",
    events.ActionSucceeded: "actions_succeeded",
    events.ActionFailed: "actions_failed",
    events.ActionOutcomeUnknown: "actions_unknown",
}
_SUGGESTION_COUNTER: Mapping[type, str] = {
    events.SuggestionApproved: "approved",
    events.SuggestionEdited: "edited",
    events.SuggestionRevised: "edited",
    events.SuggestionRejected: "rejected",
}
# Outbox texts' outcomes, counted in the totals under the names replies always had.
_TEXT_COUNTER: Mapping[type, str] = {
    events.TextSent: "replies_sent",
    events.TextWithheld: "replies_withheld",
    events.TextFailed: "replies_failed",
}
_CLOSING = frozenset(
    {
        events.CustomerDeclined,
        events.ActionExpired,
        events.ActionSucceeded,
        events.ActionFailed,
        events.ActionOutcomeUnknown,
        events.StaffRejected,
        events.ActionCancelled,
    }
)


def _empty_feature(intent: str) -> Document:
    return {
        "kind": "intent",
        "intent": intent,
        **dict.fromkeys(COUNTERS, 0),
        "cost_usd": 0.0,
        "latency_buckets": [0] * (len(LATENCY_BUCKETS) + 1),
        # The same replies timed from when claw began reading (after the debounce wait).
        "work_latency_buckets": [0] * (len(LATENCY_BUCKETS) + 1),
    }


def bucket_of(seconds: float) -> int:
    for index, bound in enumerate(LATENCY_BUCKETS):
        if seconds <= bound:
            return index
    return len(LATENCY_BUCKETS)


def _conversation_started(_event: RecordedEvent, documents: Documents) -> None:
    _count_total(documents, "conversations")


def _action_requested(event: RecordedEvent, documents: Documents) -> None:
    recorded = event.event
    documents.put(action_state_key(event.originator_id), {"intent": recorded.intent.value})
    if recorded.requires_confirmation:
        _count(documents, event.at, recorded.intent.value, "confirmations_requested")


def _action(event: RecordedEvent, documents: Documents) -> None:
    key = action_state_key(event.originator_id)
    state = documents.get(key)
    if state is None:
        return
    counter = _ACTION_COUNTER.get(event.event_class)
    if counter is not None:
        _count(documents, event.at, state["intent"], counter)
    if event.event_class in _CLOSING:
        documents.delete(key)


# A conversation event's effect on the counters, given the conversation's private notes.
Count = Callable[[RecordedEvent, Document, Documents], None]


def _on_conversation(count: Count) -> Fold:
    def fold(event: RecordedEvent, documents: Documents) -> None:
        key = conversation_state_key(event.originator_id)
        state = documents.get(key) or {"unanswered": [], "drafts": {}, "intent": None}
        count(event, state, documents)
        documents.put(key, state)

    return fold


def _text_received(event: RecordedEvent, state: Document, documents: Documents) -> None:
    _count_total(documents, "texts_received")
    _count_texts_hour(documents, event.at)
    if len(state["unanswered"]) < UNANSWERED_KEPT:
        state["unanswered"].append(iso(event.event.text.sent_at))


def _text_classified(event: RecordedEvent, state: Document, documents: Documents) -> None:
    classification: Classification = event.event.classification
    _classified(documents, event.at, classification)
    # The debounce wait ended when claw began reading: the classification's time less
    # the language model's own time, when it was asked.
    usage = classification.llm_usage
    began = event.at - timedelta(milliseconds=usage.latency_ms if usage else 0.0)
    state["began_at"] = iso(began)


def _decided(event: RecordedEvent, state: Document, documents: Documents) -> None:
    recorded = event.event
    decision: Decision = recorded.decision
    state["intent"] = decision.intent.value
    _count_total(documents, "by_kind", decision.kind.value)
    _count_total(documents, "by_reason", decision.reason.value)
    counter = _DECISION_COUNTER.get(decision.kind)
    if counter is not None:
        _count(documents, event.at, decision.intent.value, counter)
    if decision.kind is DecisionKind.SUGGEST:
        state["drafts"][str(recorded.number)] = decision.intent.value
    state["last_automatic"] = (
        decision.intent.value if decision.kind is DecisionKind.RESPOND else None
    )
    if decision.kind in (DecisionKind.IGNORE, DecisionKind.ESCALATE):
        # No reply will answer these texts: timing them to a later reply would lie.
        state["unanswered"] = []
    _count_hour(documents, event.at, decision)


def _suggestion_drafted(event: RecordedEvent, state: Document, documents: Documents) -> None:
    recorded = event.event
    intent = state["drafts"].get(str(recorded.decision_number))
    if intent is not None:
        _llm_usage(documents, event.at, intent, recorded.usage)


def _suggestion_decided(event: RecordedEvent, state: Document, documents: Documents) -> None:
    intent = state["drafts"].pop(str(event.event.decision_number), None)
    if intent is not None:
        _count(documents, event.at, intent, _SUGGESTION_COUNTER[event.event_class])


def _reply_sent(event: RecordedEvent, state: Document, documents: Documents) -> None:
    _count_total(documents, "replies_sent")
    _time_reply(documents, state, event.event.at, event.at)


def _reply_withheld(_event: RecordedEvent, documents: Documents) -> None:
    _count_total(documents, "replies_withheld")


def _reply_failed(_event: RecordedEvent, documents: Documents) -> None:
    _count_total(documents, "replies_failed")


def _text_queued(event: RecordedEvent, documents: Documents) -> None:
    remember_outbox_item(event, documents)


def _text_outcome(event: RecordedEvent, documents: Documents) -> None:
    """An outbox text's outcome counts as its conversation's reply outcome did."""
    recorded = event.event
    item = outbox_item(documents, event.originator_id, settled=settles_text(recorded))
    _count_total(documents, _TEXT_COUNTER[event.event_class])
    if event.event_class is events.TextSent and item is not None:
        key = conversation_state_key(UUID(item["conversation_id"]))
        state = documents.get(key)
        if state is not None:
            _time_reply(documents, state, recorded.at, event.at)
            documents.put(key, state)


def _feedback(event: RecordedEvent, state: Document, documents: Documents) -> None:
    if state["intent"] is not None:
        counter = "feedback_positive" if event.event.positive else "feedback_negative"
        _count(documents, event.at, state["intent"], counter)
    # One verdict per automatic answer: a staff text after it is not a second one.
    state["last_automatic"] = None


def _staff_text(event: RecordedEvent, state: Document, documents: Documents) -> None:
    """Staff writing after an automatic answer, before any other decision, corrected it."""
    intent = state.get("last_automatic")
    if intent is not None:
        _count(documents, event.at, intent, "staff_corrections")
        state["last_automatic"] = None


def _time_reply(
    documents: Documents, state: Document, sent_at: datetime, recorded_at: datetime
) -> None:
    """Each text waiting for an answer is answered by the first reply after it."""
    if not state["unanswered"] or state["intent"] is None:
        return
    began = state.get("began_at")
    replied: list[int] = []
    worked: list[int] = []
    for received in state["unanswered"]:
        seconds = max(0.0, (sent_at - parse_iso(received)).total_seconds())
        replied.append(bucket_of(seconds))
        start = max(parse_iso(received), parse_iso(began)) if began else parse_iso(received)
        worked.append(bucket_of(max(0.0, (sent_at - start).total_seconds())))

    def timed(feature: Document) -> None:
        work = feature.setdefault("work_latency_buckets", [0] * (len(LATENCY_BUCKETS) + 1))
        for bucket in replied:
            feature["latency_buckets"][bucket] += 1
        for bucket in worked:
            work[bucket] += 1
        feature["replies_timed"] += len(replied)

    _change_feature(documents, recorded_at, state["intent"], timed)
    state["unanswered"] = []


class StatisticsProjection:
    name = STATISTICS
    folds: Mapping[type, Fold] = {
        events.TextReceived: _on_conversation(_text_received),
        events.TextClassified: _on_conversation(_text_classified),
        events.StaffTextSent: _on_conversation(_staff_text),
        **dict.fromkeys(DECISIONS, _on_conversation(_decided)),
        events.SuggestionDrafted: _on_conversation(_suggestion_drafted),
        **dict.fromkeys(_SUGGESTION_COUNTER, _on_conversation(_suggestion_decided)),
        events.ReplySent: _on_conversation(_reply_sent),
        events.ReplyWithheld: _reply_withheld,
        events.ReplyFailed: _reply_failed,
        events.TextQueued: _text_queued,
        **dict.fromkeys(_TEXT_COUNTER, _text_outcome),
        events.FeedbackReceived: _on_conversation(_feedback),
        events.ConversationStarted: _conversation_started,
        # Pending actions
        events.ActionRequested: _action_requested,
        **dict.fromkeys(_ACTION_COUNTER.keys() | _CLOSING, _action),
    }


def _change_feature(
    documents: Documents, at: datetime, intent: str, change: Callable[[Document], None]
) -> None:
    """``change`` applied to the feature's numbers over the whole log, and to its day's.

    The day is the UTC date of the event that made the change (``at``), and its
    document ``day:<date>:<intent>`` (kind ``feature_day``) is what the dashboard
    charts. Writing both as the change happens costs two dictionary updates; the
    earlier way, diffing a copy of the feature before and after every event, was
    most of what a rebuild spent on statistics.
    """
    feature_key = f"intent:{intent}"
    feature = documents.get(feature_key) or _empty_feature(intent)
    change(feature)
    documents.put(feature_key, feature)
    day = utc_day(at)
    day_key = f"day:{day}:{intent}"
    on_day = documents.get(day_key) or {**_empty_feature(intent), "kind": "feature_day", "day": day}
    change(on_day)
    documents.put(day_key, on_day)


@functools.lru_cache(maxsize=4096)
def utc_day(at: datetime) -> str:
    return at.astimezone(UTC).date().isoformat()


def _count_total(documents: Documents, counter: str, within: str | None = None) -> None:
    """One more in ``totals``: a plain counter, or ``within`` a counter keyed by name."""
    totals = documents.get("totals") or {"kind": "totals", "texts_received": 0}
    if within is None:
        totals[counter] = totals.get(counter, 0) + 1
    else:
        named: dict[str, int] = totals.setdefault(counter, {})
        named[within] = named.get(within, 0) + 1
    documents.put("totals", totals)


def _count_texts_hour(documents: Documents, at: datetime) -> None:
    hour = iso(at.astimezone(UTC).replace(minute=0, second=0, microsecond=0))
    key = f"texts:{hour}"
    point = documents.get(key) or {"kind": "texts_hour", "hour": hour, "received": 0}
    point["received"] += 1
    documents.put(key, point)


def _count(documents: Documents, at: datetime, intent: str, counter: str) -> None:
    def counted(feature: Document) -> None:
        feature[counter] += 1

    _change_feature(documents, at, intent, counted)


def _classified(documents: Documents, at: datetime, classification: Classification) -> None:
    intent = classification.intent.value
    usage = classification.llm_usage

    def classified(feature: Document) -> None:
        feature["received"] += 1
        if usage is None:
            feature["without_llm"] += 1

    _change_feature(documents, at, intent, classified)
    if usage is not None:
        _llm_usage(documents, at, intent, usage)


def _llm_usage(documents: Documents, at: datetime, intent: str, usage: LlmUsage) -> None:
    """A language-model call: to classify a text, or to draft a suggestion."""

    def used(feature: Document) -> None:
        feature["llm_calls"] += 1
        feature["prompt_tokens"] += usage.prompt_tokens
        feature["completion_tokens"] += usage.completion_tokens
        # Rounded so sums of floats rebuild to the same digits whatever the batch sizes.
        feature["cost_usd"] = round(feature["cost_usd"] + usage.cost_usd, 9)

    _change_feature(documents, at, intent, used)


def _count_hour(documents: Documents, at: datetime, decision: Decision) -> None:
    # An escalation is staff's even when claw sends the holding reply.
    if decision.kind is DecisionKind.ESCALATE:
        series = "escalated"
    elif decision.sends_text:
        series = "automatic"
    elif decision.kind is DecisionKind.SUGGEST:
        series = "suggested"
    else:
        return
    hour = iso(at.replace(minute=0, second=0, microsecond=0))
    key = f"hour:{hour}"
    point = documents.get(key) or {
        "kind": "hour",
        "hour": hour,
        "automatic": 0,
        "suggested": 0,
        "escalated": 0,
    }
    point[series] += 1
    documents.put(key, point)


# Reading -------------------------------------------------------------------------------------


@attrs.frozen
class FeatureStatistics:
    """One intent's numbers, with the derived shares and latency percentiles."""

    intent: str
    counters: dict[str, int]
    cost_usd: float
    share_without_llm: float | None
    latency_p50_seconds: float | None  # upper bound of the bucket holding the median
    latency_p95_seconds: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            **self.counters,
            "cost_usd": self.cost_usd,
            "share_without_llm": self.share_without_llm,
            "latency_p50_seconds": self.latency_p50_seconds,
            "latency_p95_seconds": self.latency_p95_seconds,
        }


@attrs.frozen
class HourlyPoint:
    hour: datetime
    automatic: int
    suggested: int
    escalated: int


@attrs.frozen
class StatisticsReport:
    texts_received: int
    features: list[FeatureStatistics]
    overall: FeatureStatistics
    hours: list[HourlyPoint]


def percentile(buckets: Sequence[int], fraction: float) -> float | None:
    """The bucket bound below which ``fraction`` of the timed replies fall (inf past the last)."""
    total = sum(buckets)
    if total == 0:
        return None
    running = 0
    for index, count in enumerate(buckets):
        running += count
        if running >= fraction * total:
            return float(LATENCY_BUCKETS[index]) if index < len(LATENCY_BUCKETS) else float("inf")
    return float("inf")


def _summarise(document: Document) -> FeatureStatistics:
    buckets: list[int] = document["latency_buckets"]
    received = document["received"]
    return FeatureStatistics(
        intent=document["intent"],
        counters={name: int(document.get(name, 0)) for name in COUNTERS},
        cost_usd=float(document["cost_usd"]),
        share_without_llm=document["without_llm"] / received if received else None,
        latency_p50_seconds=percentile(buckets, 0.5),
        latency_p95_seconds=percentile(buckets, 0.95),
    )


def read_statistics(store: ProjectionStore, hours: int = 48) -> StatisticsReport:
    """The statistics as the console and ``claw stats`` show them: per intent and overall."""
    features = [row.document for row in store.rows(STATISTICS, where={"kind": "intent"})]
    overall = _empty_feature("all")
    for document in features:
        for name in (*COUNTERS, "cost_usd"):
            overall[name] += document.get(name, 0)
        overall["latency_buckets"] = [
            a + b
            for a, b in zip(overall["latency_buckets"], document["latency_buckets"], strict=True)
        ]
    overall["cost_usd"] = round(overall["cost_usd"], 9)
    totals = store.get(STATISTICS, "totals") or {"texts_received": 0}
    points = store.rows(
        STATISTICS, where={"kind": "hour"}, order_by="hour", descending=True, limit=hours
    )
    return StatisticsReport(
        texts_received=int(totals["texts_received"]),
        features=[_summarise(document) for document in features],
        overall=_summarise(overall),
        hours=[
            HourlyPoint(
                hour=parse_iso(row.document["hour"]),
                automatic=row.document["automatic"],
                suggested=row.document["suggested"],
                escalated=row.document["escalated"],
            )
            for row in reversed(points)
        ],
    )


@attrs.frozen
class Totals:
    """Counts over the whole log: what the console's statistics page leads with."""

    texts_received: int
    conversations: int
    replies_sent: int
    replies_withheld: int
    replies_failed: int
    by_kind: dict[str, int]
    by_reason: dict[str, int]
    texts_per_hour: dict[datetime, int]  # only the hours asked for that had texts


def read_totals(store: ProjectionStore, hours: int = 48) -> Totals:
    """The totals, with the texts received in each of the latest ``hours`` hours that had any."""
    totals = store.get(STATISTICS, "totals") or {}
    points = store.rows(
        STATISTICS, where={"kind": "texts_hour"}, order_by="hour", descending=True, limit=hours
    )
    by_reason: dict[str, int] = totals.get("by_reason", {})
    return Totals(
        texts_received=int(totals.get("texts_received", 0)),
        conversations=int(totals.get("conversations", 0)),
        replies_sent=int(totals.get("replies_sent", 0)),
        replies_withheld=int(totals.get("replies_withheld", 0)),
        replies_failed=int(totals.get("replies_failed", 0)),
        by_kind=dict(totals.get("by_kind", {})),
        by_reason=dict(sorted(by_reason.items(), key=lambda item: (-item[1], item[0]))),
        texts_per_hour={
            parse_iso(row.document["hour"]): int(row.document["received"]) for row in points
        },
    )


# The owner's dashboard: each feature's numbers per day ---------------------------------------
#
# Every change to a feature's ``intent:<intent>`` document is made to its day's
# ``day:<date>:<intent>`` document too (``_change_feature``). Days are UTC dates.

_SUMMED = (*COUNTERS, "cost_usd")
_BUCKETED = ("latency_buckets", "work_latency_buckets")


@attrs.frozen
class FeatureDay:
    """One feature's numbers on one day, as the dashboard charts them."""

    day: str
    statistics: FeatureStatistics


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# JSON has no infinity: a percentile past the last bucket reads as one second more.
PAST_LAST_BUCKET = LATENCY_BUCKETS[-1] + 1


def _seconds(value: float | None) -> float | None:
    return None if value is None else min(value, float(PAST_LAST_BUCKET))


def dashboard_numbers(feature: FeatureStatistics, work_buckets: Sequence[int]) -> dict[str, Any]:
    """The owner's numbers for one feature (or all), each defined on the dashboard page."""
    c = feature.counters
    answered = c["automatic_replies"]
    reviewed = c["approved"] + c["edited"] + c["rejected"]
    return {
        "response_p50_seconds": _seconds(feature.latency_p50_seconds),
        "response_p95_seconds": _seconds(feature.latency_p95_seconds),
        "work_p50_seconds": _seconds(percentile(work_buckets, 0.5)),
        "work_p95_seconds": _seconds(percentile(work_buckets, 0.95)),
        "answer_accuracy": None
        if not answered
        else max(0.0, 1 - (c["feedback_negative"] + c["staff_corrections"]) / answered),
        "suggestions_approved_unedited": _share(c["approved"], reviewed),
        "llm_avoided": feature.share_without_llm,
        "llm_calls": c["llm_calls"],
        "llm_cost_usd": feature.cost_usd,
        "feedback_positive": c["feedback_positive"],
        "feedback_negative": c["feedback_negative"],
        "answered_automatically": answered,
        "suggested": c["suggestions"],
        "escalated": c["escalations"],
        "texts": c["received"],
    }


def _numbers_of(document: Document) -> dict[str, Any]:
    buckets = document.get("work_latency_buckets") or [0] * (len(LATENCY_BUCKETS) + 1)
    return dashboard_numbers(_summarise(document), buckets)


def _sum_features(documents: Sequence[Document], intent: str) -> Document:
    total = _empty_feature(intent)
    for document in documents:
        for name in _SUMMED:
            total[name] += document.get(name, 0)
        for name in _BUCKETED:
            total[name] = [
                a + b
                for a, b in zip(
                    total[name], document.get(name) or [0] * len(total[name]), strict=True
                )
            ]
    total["cost_usd"] = round(total["cost_usd"], 9)
    return total


def read_dashboard(store: ProjectionStore, *, days: int = 30) -> dict[str, Any]:
    """Per feature and overall: the numbers over the whole log, and per day for the charts."""
    features = [row.document for row in store.rows(STATISTICS, where={"kind": "intent"})]
    day_rows = [row.document for row in store.rows(STATISTICS, where={"kind": "feature_day"})]
    shown_days = sorted({row["day"] for row in day_rows})[-days:]
    per_day: dict[str, dict[str, Document]] = {}
    for row in day_rows:
        if row["day"] in shown_days:
            per_day.setdefault(row["intent"], {})[row["day"]] = row

    def series(by_day: Mapping[str, Document]) -> list[dict[str, Any]]:
        return [{"day": day, **_numbers_of(by_day[day])} for day in shown_days if day in by_day]

    overall_by_day = {
        day: _sum_features([rows[day] for rows in per_day.values() if day in rows], "all")
        for day in shown_days
    }
    return {
        "days": shown_days,
        "overall": {
            "numbers": _numbers_of(_sum_features(features, "all")),
            "days": series(overall_by_day),
        },
        "features": {
            document["intent"]: {
                "numbers": _numbers_of(document),
                "days": series(per_day.get(document["intent"], {})),
            }
            for document in sorted(features, key=lambda d: d["intent"])
        },
    }
