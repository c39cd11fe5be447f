"""The read side, against every backend: the store's contract, what the projections
show after a scripted day at the venue, and that a rebuild equals the live rows.

Every test runs on memory (the popo backend), SQLite (the same file as the
events) and PostgreSQL (the same schema as the events).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_adapters.persistence.database import parse_database_url
from claw_adapters.projections.backends import open_projection_store
from claw_adapters.projections.catalogue import all_projections
from claw_adapters.projections.statistics import read_statistics, read_totals
from claw_adapters.projections.store import (
    Commit,
    Document,
    PositionConflictError,
    ProjectionStore,
    SwapIn,
)
from claw_domain.identity import conversation_id
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import (
    Classification,
    ClassificationSource,
    Entities,
    InboundText,
    Intent,
    LlmUsage,
)
from claw_entrypoints.bootstrap import construct_application, effect_ports
from claw_service.application import TextToUnderstand
from claw_service.dispatcher import EffectDispatcher
from claw_service.projector import Projector, UnknownProjectionError
from claw_service.work import LogDerivedWork
from fakes.venue import InMemoryVenue

LINE = "+19025550000"
ANN, BOB, CAT = "+19025551111", "+19025552222", "+19025553333"
DEBOUNCE = 8.0

BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/claw.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[ProjectionStore]:
    opened = open_projection_store(parse_database_url(database_url))
    yield opened
    opened.close()


async def _no_sleep(_seconds: float) -> None:
    return None


class Venue:
    """A day at the venue: three customers, the memory ports, a clock moved by hand."""

    def __init__(self, url: str) -> None:
        self.clock = SettableClock()
        self.app = construct_application(url, InMemoryVenue(door_allowed={(ANN, "bedford")}))
        self.app.ensure_settings(
            {
                Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO),
                Intent.GIFT_CARD_PURCHASE: FeatureSettings(mode=FeatureMode.SUGGEST),
                Intent.TRACKMAN_RESET: FeatureSettings(
                    mode=FeatureMode.AUTO, requires_confirmation=True
                ),
                Intent.DOOR_ACCESS: FeatureSettings(
                    mode=FeatureMode.AUTO, requires_confirmation=True, requires_approval=True
                ),
            },
            GlobalSettings(),
            "owner",
            self.clock.now(),
        )
        self.messenger = MemoryMessenger()
        self.dispatcher = EffectDispatcher(
            self.app,
            effect_ports(self.messenger, MemoryDevices(), MemoryDoors(), MemoryStaff()),
            self.clock,
            sleep=_no_sleep,
        )
        self.count = 0

    def receive(self, customer: str, body: str) -> None:
        self.count += 1
        text = InboundText(f"AC{self.count}", LINE, customer, body, self.clock.now())
        self.app.receive_text(text, self.clock.now())

    def text(self, customer: str, body: str, understood: Classification | None = None) -> None:
        """The customer texts; after the debounce claw decides, then the dispatcher acts."""
        self.receive(customer, body)
        self.clock.advance(timedelta(seconds=10))
        conversation = conversation_id(LINE, customer)
        work = self.app.begin_processing(conversation, self.clock.now())
        if isinstance(work, TextToUnderstand):
            assert understood is not None, work.text
            self.app.decide_on_text(
                conversation, understood, work.text, work.through, self.clock.now()
            )
        self.clock.advance(timedelta(seconds=2))
        self.dispatch()

    def dispatch(self) -> None:
        asyncio.run(self.dispatcher.run_once())

    def steps(self) -> Iterator[str]:
        """The day, one step at a time, so a test can catch up between steps."""
        now = self.clock.now
        self.text(ANN, "what are your hours", HOURS)
        yield "hours answered"
        self.text(ANN, "thanks that worked")
        yield "positive feedback"
        self.text(BOB, "can i buy a gift card", GIFT_CARD_BY_LLM)
        yield "gift card suggested"
        self.app.approve_suggestion(conversation_id(LINE, BOB), 1, "manager", now())
        self.dispatch()
        yield "suggestion approved"
        self.text(BOB, "trackman frozen box 2", RESET_BOX_2)
        yield "reset asked"
        self.text(BOB, "yes")
        yield "reset confirmed and done"
        self.text(CAT, "asdf qwerty", NONSENSE)
        yield "escalated"
        self.app.resolve_ticket(conversation_id(LINE, CAT), 1, "manager", now())
        yield "ticket resolved"
        self.text(ANN, "let me in the door", DOOR)
        self.text(ANN, "yes")
        yield "door waits for staff approval"
        self.clock.advance(timedelta(hours=1))
        self.app.change_feature(
            Intent.HOURS, FeatureSettings(mode=FeatureMode.SUGGEST), "owner", now()
        )
        self.app.engage_emergency_stop("owner", "fire drill", now())
        self.app.release_emergency_stop("owner", "drill over", now())
        yield "settings changed"
        self.receive(CAT, "hello?")
        yield "a text waits for its debounce"

    def play(self) -> None:
        for _step in self.steps():
            pass


HOURS = Classification(Intent.HOURS, 0.97, ClassificationSource.PATTERN)
GIFT_CARD_BY_LLM = Classification(
    Intent.GIFT_CARD_PURCHASE,
    0.91,
    ClassificationSource.LLM,
    llm_usage=LlmUsage("gpt-test", prompt_tokens=120, completion_tokens=8, cost_usd=0.0004),
)
RESET_BOX_2 = Classification(
    Intent.TRACKMAN_RESET, 0.95, ClassificationSource.PATTERN, Entities("bedford", 2)
)
NONSENSE = Classification(Intent.OTHER, 0.0, ClassificationSource.FALLBACK)
DOOR = Classification(Intent.DOOR_ACCESS, 0.93, ClassificationSource.PATTERN, Entities("bedford"))


@pytest.fixture
def venue(database_url: str) -> Iterator[Venue]:
    opened = Venue(database_url)
    yield opened
    opened.app.close()


def everything(store: ProjectionStore, names: list[str]) -> dict[str, Any]:
    return {
        name: ([(row.key, row.document) for row in store.rows(name)], store.position(name))
        for name in names
    }


# The store's contract ---------------------------------------------------------------------------


def test_commit_get_and_rows(store: ProjectionStore) -> None:
    store.commit(
        "things",
        {
            "a": {"kind": "x", "n": 3, "flag": True, "at": "2026-01-02"},
            "b": {"kind": "y", "n": 1, "flag": False, "at": None},
            "c": {"kind": "x", "n": 2, "flag": 1, "at": "2026-01-01"},
            "~private": {"kind": "x", "n": 0},
        },
        expected=0,
        position=7,
    )
    assert store.position("things") == 7
    assert store.get("things", "a") == {"kind": "x", "n": 3, "flag": True, "at": "2026-01-02"}
    assert store.get("things", "~private") == {"kind": "x", "n": 0}
    assert store.get("things", "zzz") is None
    assert [row.key for row in store.rows("things")] == ["a", "b", "c"]
    assert [row.key for row in store.rows("things", where={"kind": "x"})] == ["a", "c"]
    assert [row.key for row in store.rows("things", where={"flag": True})] == ["a"]
    assert [row.key for row in store.rows("things", where={"at": None})] == ["b"]
    assert [row.key for row in store.rows("things", order_by="n")] == ["b", "c", "a"]
    assert [row.key for row in store.rows("things", order_by="n", descending=True)] == [
        "a",
        "c",
        "b",
    ]
    # Missing and null values sort last both ways.
    assert [row.key for row in store.rows("things", order_by="at")] == ["c", "a", "b"]
    assert [row.key for row in store.rows("things", order_by="at", descending=True)] == [
        "a",
        "c",
        "b",
    ]
    assert [row.key for row in store.rows("things", order_by="n", limit=2)] == ["b", "c"]
    assert store.rows("nothing") == []


def test_commit_refuses_a_moved_position(store: ProjectionStore) -> None:
    store.commit("things", {"a": {"n": 1}}, expected=0, position=5)
    with pytest.raises(PositionConflictError):
        store.commit("things", {"a": {"n": 2}}, expected=0, position=6)
    assert store.get("things", "a") == {"n": 1}
    assert store.position("things") == 5


def test_a_failure_mid_batch_leaves_rows_and_position_unchanged(store: ProjectionStore) -> None:
    store.commit("things", {"a": {"n": 1}}, expected=0, position=5)
    # "a" and "b" are written before "c" fails to encode: all three must roll back.
    bad_batch: dict[str, Document | None] = {
        "a": {"n": 2},
        "b": {"n": 3},
        "c": {"n": float("nan")},
    }
    with pytest.raises(ValueError, match="JSON"):
        store.commit("things", bad_batch, expected=5, position=9)
    assert store.position("things") == 5
    assert store.get("things", "a") == {"n": 1}
    assert store.get("things", "b") is None


def test_a_rebuilt_projection_swaps_in_with_its_last_batch_in_one_write(
    store: ProjectionStore,
) -> None:
    store.commit("live", {"old": {"n": 0}}, expected=0, position=9)
    store.commit("live~new", {"a": {"n": 1}, "b": {"n": 2}}, expected=0, position=5)
    last = Commit("live~new", {"a": {"n": 9}, "b": None, "c": {"n": 3}}, expected=5, position=10)

    with pytest.raises(PositionConflictError):
        store.swap_in([SwapIn("live", "live~new", attrs.evolve(last, expected=4))])
    store.swap_in([SwapIn("live", "live~new", last)])

    # The last batch wins over an earlier batch's row of the same key.
    assert [(row.key, row.document) for row in store.rows("live")] == [
        ("a", {"n": 9}),
        ("c", {"n": 3}),
    ]
    assert store.position("live") == 10
    assert (store.rows("live~new"), store.position("live~new")) == ([], 0)


def test_documents_round_trip_whatever_characters_they_hold(store: ProjectionStore) -> None:
    # PostgreSQL writes through COPY, whose text format gives tabs, newlines and
    # backslashes a meaning of their own: a customer's text may hold any of them.
    awkward = "tab\there\nnew line \\N back\\slash \r é 👍 \x01 end\\"
    documents: dict[str, Document | None] = {
        "key\twith\\tab": {"text": awkward, "list": [awkward, None, 1.5]},
        "plain": {"text": "\\."},
    }
    store.commit("things", documents, expected=0, position=1)
    store.commit("things", {"plain": {"text": awkward}}, expected=1, position=2)

    assert store.get("things", "key\twith\\tab") == documents["key\twith\\tab"]
    assert store.get("things", "plain") == {"text": awkward}
    assert [row.key for row in store.rows("things")] == ["key\twith\\tab", "plain"]


def test_several_projections_commit_in_one_transaction_or_none(store: ProjectionStore) -> None:
    store.commit("one", {"a": {"n": 1}}, expected=0, position=1)
    both = [
        Commit("one", {"a": {"n": 2}}, expected=1, position=2),
        Commit("two", {"b": {"n": 1}}, expected=7, position=2),  # two is at 0, not 7
    ]
    with pytest.raises(PositionConflictError):
        store.commit_all(both)
    assert store.get("one", "a") == {"n": 1}  # nothing written
    store.commit_all([both[0], attrs.evolve(both[1], expected=0)])
    assert (store.get("one", "a"), store.get("two", "b")) == ({"n": 2}, {"n": 1})
    assert (store.position("one"), store.position("two")) == (2, 2)


def test_drop_and_replace(store: ProjectionStore) -> None:
    store.commit("live", {"old": {"n": 1}}, expected=0, position=3)
    store.commit("shadow", {"new": {"n": 2}}, expected=0, position=9)
    store.replace("live", "shadow")
    assert [row.key for row in store.rows("live")] == ["new"]
    assert store.position("live") == 9
    assert store.position("shadow") == 0
    assert store.rows("shadow") == []
    store.drop("live")
    assert store.rows("live") == []
    assert store.position("live") == 0


def test_field_names_are_checked(store: ProjectionStore) -> None:
    with pytest.raises(ValueError, match="field name"):
        store.rows("things", where={"a') OR 1=1 --": 1})


# Projections over a scripted day -----------------------------------------------------------------


def test_projections_show_the_day(venue: Venue, store: ProjectionStore) -> None:
    venue.play()
    projector = Projector(venue.app, store, all_projections())
    assert projector.catch_up_fully(limit=7) > 0
    assert projector.catch_up() == 0
    assert projector.lag() == 0

    audit = [row.document for row in store.rows("audit")]
    decisions = [row for row in audit if row["category"] == "decision" and row["decision"]]
    assert [(row["decision"], row["reason"]) for row in decisions] == [
        ("respond", "answered_from_knowledge"),
        ("ignore", "acknowledgement"),
        ("suggest", "suggest_mode"),
        ("request_confirmation", "confirmation_required"),
        ("execute", "customer_confirmed"),
        ("escalate", "unknown_intent"),
        ("request_confirmation", "confirmation_required"),
        ("request_confirmation", "approval_required"),
    ]
    hours = decisions[0]
    assert hours["customer"] == "+*******1111"
    assert hours["source"] == "pattern"
    assert hours["settings_version"] == 1
    assert hours["reply"] == "We're open 24/7."
    assert decisions[2]["source"] == "llm"
    sent = [row["reply"] for row in audit if row["event"] == "TextSent"]
    assert sent == [body for _to, body in venue.messenger.sent]
    events = [row["event"] for row in audit]
    for expected in ("ExecutionStarted", "ActionSucceeded", "AlertDelivered", "TicketResolved"):
        assert expected in events
    stop = next(row for row in audit if row["event"] == "EmergencyStopEngaged")
    assert (stop["actor"], stop["detail"], stop["category"]) == ("owner", "fire drill", "settings")
    assert all("1111" not in (row["customer"] or "")[:-4] for row in audit)

    report = read_statistics(store)
    by_intent = {feature.intent: feature for feature in report.features}
    assert report.texts_received == 9
    hours_stats = by_intent["hours"]
    assert hours_stats.counters["automatic_replies"] == 1
    assert hours_stats.counters["feedback_positive"] == 1
    assert hours_stats.latency_p50_seconds == 15.0  # replied 12 seconds after the text
    gift = by_intent["gift_card_purchase"]
    assert (gift.counters["suggestions"], gift.counters["approved"]) == (1, 1)
    assert (gift.counters["llm_calls"], gift.counters["prompt_tokens"]) == (1, 120)
    assert gift.cost_usd == pytest.approx(0.0004)
    assert gift.share_without_llm == 0.0
    reset = by_intent["trackman_reset"]
    assert reset.counters["confirmations_requested"] == 1
    assert reset.counters["confirmed"] == 1
    assert reset.counters["actions_succeeded"] == 1
    assert by_intent["other"].counters["escalations"] == 1
    assert report.overall.share_without_llm == pytest.approx(5 / 6)
    assert [(p.automatic, p.suggested, p.escalated) for p in report.hours] == [(5, 1, 1)]
    totals = read_totals(store)
    assert (totals.texts_received, totals.conversations) == (9, 3)
    assert totals.by_kind == {
        "respond": 1,
        "ignore": 1,
        "suggest": 1,
        "request_confirmation": 3,
        "execute": 1,
        "escalate": 1,
    }
    assert totals.by_reason["confirmation_required"] == 2
    assert totals.replies_sent == len(venue.messenger.sent)
    assert sorted(totals.texts_per_hour.values()) == [1, 8]  # Cat's last text an hour later

    assert store.rows("review_queue") == []  # suggested, then approved
    [action] = [row.document for row in store.rows("pending_actions")]
    assert action["kind"] == "unlock_door"
    assert action["target"] == "bedford front door"
    assert (action["needs_confirmation"], action["needs_approval"]) == (False, True)
    assert action["status"] == "awaiting"
    [ticket] = [row.document for row in store.rows("tickets")]
    assert (ticket["status"], ticket["resolved_by"]) == ("resolved", "manager")
    assert ticket["text"] == "asdf qwerty"  # what the customer said, for staff to read

    conversations = {row.document["customer"]: row.document for row in store.rows("conversations")}
    assert set(conversations) == {"+*******1111", "+*******2222", "+*******3333"}
    assert conversations["+*******3333"]["unprocessed"] == 1
    assert conversations["+*******2222"]["last_decision"] == "execute"
    assert conversations["+*******1111"]["unprocessed"] == 0
    assert conversations["+*******3333"]["last_text"] == "hello?"
    assert [conversations[c]["decisions"] for c in sorted(conversations)] == [4, 3, 1]


def test_the_timers_list_debounced_texts_and_deadlines(venue: Venue) -> None:
    venue.play()
    work = LogDerivedWork(venue.app, debounce_seconds=DEBOUNCE)
    work.catch_up()
    now = venue.clock.now()
    door_deadline = now - timedelta(hours=1) + timedelta(minutes=10)
    # The door action's deadline passed during the hour.
    [expired] = work.due_actions(now)
    deadline = venue.app.pending_action(expired).deadline
    assert abs(deadline - door_deadline) < timedelta(minutes=1)
    # Cat's last text is due one debounce after claw recorded it, not before.
    cat = conversation_id(LINE, CAT)
    recorded_at = list(venue.app.events.get(cat))[-1].timestamp
    assert work.due_conversations(recorded_at + timedelta(seconds=DEBOUNCE - 1)) == []
    assert work.due_conversations(recorded_at + timedelta(seconds=DEBOUNCE)) == [cat]

    # The worker does both; the work goes once the log says so.
    venue.app.expire_action(expired, now)
    due = recorded_at + timedelta(seconds=DEBOUNCE)
    understood = venue.app.begin_processing(cat, due)
    assert isinstance(understood, TextToUnderstand)
    venue.app.decide_on_text(cat, NONSENSE, understood.text, understood.through, due)
    work.catch_up()
    assert work.due_actions(now) == []
    assert work.due_conversations(due + timedelta(days=1)) == []


# Rebuilding -------------------------------------------------------------------------------------


def test_rebuild_equals_live(venue: Venue, store: ProjectionStore) -> None:
    projector = Projector(venue.app, store, all_projections())
    for _step in venue.steps():
        projector.catch_up(limit=3)  # live: small batches, interleaved with the day
    projector.catch_up_fully(limit=3)
    live = everything(store, projector.names)

    seen: list[tuple[int, int]] = []
    report = projector.rebuild(progress=lambda done, last: seen.append((done, last)))

    assert everything(store, projector.names) == live
    last = venue.app.recorder.max_notification_id()
    assert report.events == last
    assert report.events_per_second > 0
    assert seen[-1] == (last, last)
    assert set(report.projections) == set(projector.names)


def test_rebuild_of_one_projection_leaves_the_others(venue: Venue, store: ProjectionStore) -> None:
    venue.play()
    projector = Projector(venue.app, store, all_projections())
    projector.catch_up_fully()
    live = everything(store, projector.names)
    store.commit("tickets", {"junk": {"n": 1}}, expected=store.position("tickets"), position=1)

    report = projector.rebuild("tickets")

    assert report.projections == ("tickets",)
    assert everything(store, projector.names) == live
    with pytest.raises(UnknownProjectionError, match="no projection named 'ticket'"):
        projector.rebuild("ticket")
