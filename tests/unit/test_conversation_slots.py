"""Stories of conversations, not single texts: claw asks for a missing detail and goes on.

Each story runs claw in memory with the deterministic understanding stages (patterns,
no model), so "3" reads as nothing at all until the conversation gives it meaning.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_adapters.understanding.patterns import PatternClassifier
from claw_adapters.understanding.pipeline import UnderstandingPipeline
from claw_domain import events
from claw_domain.conversation import Conversation
from claw_domain.conversation_snapshot import ConversationSnapshot
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.identity import conversation_id
from claw_domain.policy import decide
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.slots import (
    CONTEXT_TURN_CHARACTERS,
    CONTEXT_TURNS,
    AnsweredIntent,
    ContextUse,
    ConversationContext,
    OpenIntent,
    Slot,
    Speaker,
    Turn,
    answers_the_question,
    box_in_answer,
    context_of,
    is_follow_up,
    read_in_context,
)
from claw_domain.values import (
    Classification,
    ClassificationSource,
    Entities,
    InboundText,
    Intent,
)
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application, effect_ports
from claw_service.application import Outcome, TextToUnderstand
from claw_service.audit.timeline import timeline
from claw_service.audit.what_if import what_if
from claw_service.dispatcher import EffectDispatcher
from fakes.venue import InMemoryVenue

LINE = "+19025550000"
CUSTOMER = "+19025551111"
MEMBER = "+19025552222"
FEATURES = {
    Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO),
    Intent.PRICING: FeatureSettings(mode=FeatureMode.AUTO),
    Intent.TRACKMAN_RESET: FeatureSettings(
        mode=FeatureMode.AUTO, requires_confirmation=True, max_auto_replies=2
    ),
    Intent.DOOR_ACCESS: FeatureSettings(mode=FeatureMode.AUTO, requires_confirmation=True),
}
WHICH_BOX = "Which box are you in? (the number, e.g. 2)"


async def _no_sleep(_seconds: float) -> None:
    return None


class Venue:
    """One venue with claw, understanding texts with its deterministic stages only."""

    def __init__(self, venue: InMemoryVenue) -> None:
        self.clock = SettableClock()
        self.app = construct_application(MEMORY_DATABASE_URL, venue)
        self.app.ensure_settings(FEATURES, GlobalSettings(), "owner", self.clock.now())
        self.understanding = UnderstandingPipeline(
            PatternClassifier(locations={key: [name] for key, name in venue.locations.items()})
        )
        self.messenger = MemoryMessenger()
        self.devices = MemoryDevices()
        self.doors = MemoryDoors()
        self.staff = MemoryStaff()
        self.dispatcher = EffectDispatcher(
            self.app,
            effect_ports(self.messenger, self.devices, self.doors, self.staff),
            self.clock,
            sleep=_no_sleep,
        )
        self.count = 0

    def customer_texts(self, body: str, customer: str = CUSTOMER) -> Decision:
        self.count += 1
        self.clock.advance(timedelta(seconds=30))
        text = InboundText(f"AC{self.count}", LINE, customer, body, self.clock.now())
        self.app.receive_text(text, self.clock.now())
        conversation = conversation_id(LINE, customer)
        work = self.app.begin_processing(conversation, self.clock.now())
        if isinstance(work, TextToUnderstand):
            understood = asyncio.run(self.understanding.understand(work.text))
            work = self.app.decide_on_text(
                conversation, understood.classification, work.text, work.through, self.clock.now()
            )
        assert isinstance(work, Outcome)
        assert work.decision is not None
        self.claw_dispatches()
        return work.decision

    def claw_dispatches(self) -> None:
        for _ in range(10):
            if asyncio.run(self.dispatcher.run_once()) == 0:
                return
        pytest.fail("the dispatcher never caught up")

    def conversation(self, customer: str = CUSTOMER) -> Conversation:
        return self.app.conversation(conversation_id(LINE, customer))

    def last_text_to(self, customer: str = CUSTOMER) -> str:
        return [body for to, body in self.messenger.sent if to == customer][-1]

    def recorded(self, kind: type, customer: str = CUSTOMER) -> list[object]:
        stream = self.app.events.get(conversation_id(LINE, customer))
        return [event for event in stream if isinstance(event, kind)]


@pytest.fixture
def venue() -> Venue:
    """Bedford alone, with three boxes: only the box can be missing."""
    return Venue(
        InMemoryVenue(devices={("bedford", 1): "101", ("bedford", 2): "102", ("bedford", 3): "103"})
    )


def _outcome(decision: Decision) -> tuple[DecisionKind, Reason]:
    return decision.kind, decision.reason


def test_a_frozen_trackman_without_a_box_is_asked_about_and_the_answer_3_leads_to_a_reset(
    venue: Venue,
) -> None:
    asked = venue.customer_texts("TrackMan frozen")

    assert _outcome(asked) == (DecisionKind.RESPOND, Reason.DETAILS_NEEDED)
    assert venue.last_text_to() == WHICH_BOX
    waiting = venue.conversation().open_intent
    assert waiting is not None
    assert (waiting.intent, waiting.missing, waiting.asked) == (
        Intent.TRACKMAN_RESET,
        (Slot.BOX,),
        1,
    )

    confirm = venue.customer_texts("3")

    assert _outcome(confirm) == (DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED)
    assert venue.last_text_to() == (
        "I can restart the TrackMan in Bedford box 3 for you. "
        "Reply YES to go ahead or NO to cancel."
    )
    assert venue.devices.resets == []  # nothing runs before the customer says yes
    assert venue.conversation().open_intent is None
    [in_context] = venue.recorded(events.UnderstoodInContext)
    assert in_context.use is ContextUse.DETAILS_GIVEN  # type: ignore[attr-defined]
    assert in_context.classification.entities.box == 3  # type: ignore[attr-defined]

    done = venue.customer_texts("yes")

    assert _outcome(done) == (DecisionKind.EXECUTE, Reason.CUSTOMER_CONFIRMED)
    assert venue.devices.resets == ["103"]


def test_box_three_in_words_is_the_box(venue: Venue) -> None:
    venue.customer_texts("the trackman is frozen")

    confirm = venue.customer_texts("box three")

    assert _outcome(confirm) == (DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED)
    assert confirm.opens is not None
    assert confirm.opens.parameters.device_id == "103"


def test_an_unhelpful_answer_is_asked_about_once_more_and_a_second_goes_to_staff(
    venue: Venue,
) -> None:
    venue.customer_texts("TrackMan frozen")

    again = venue.customer_texts("the one by the window")

    assert _outcome(again) == (DecisionKind.RESPOND, Reason.DETAILS_NEEDED)
    assert venue.last_text_to() == f"Sorry, I didn't catch that. {WHICH_BOX}"
    waiting = venue.conversation().open_intent
    assert waiting is not None
    assert waiting.asked == 2

    handed_over = venue.customer_texts("the one near the bar")

    assert _outcome(handed_over) == (DecisionKind.ESCALATE, Reason.DETAILS_NOT_GIVEN)
    assert handed_over.intent is Intent.TRACKMAN_RESET
    [alert] = venue.staff.alerts
    assert "details_not_given" in alert.body
    assert venue.conversation().open_intent is None
    assert venue.devices.resets == []
    uses = [e.use for e in venue.recorded(events.UnderstoodInContext)]  # type: ignore[attr-defined]
    assert uses == [ContextUse.DETAILS_NOT_GIVEN, ContextUse.DETAILS_NOT_GIVEN]


def test_the_questions_leave_room_for_the_confirmation_within_the_reply_limit(
    venue: Venue,
) -> None:
    venue.customer_texts("TrackMan frozen")
    venue.customer_texts("the one by the window")

    confirm = venue.customer_texts("oh it's 2")

    # Two questions and the confirmation request, with max_auto_replies=2 for resets.
    assert _outcome(confirm) == (DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED)


def test_it_works_now_after_the_question_ends_it_without_staff(venue: Venue) -> None:
    venue.customer_texts("TrackMan frozen")

    fine = venue.customer_texts("nvm it works now, thanks")

    assert _outcome(fine) == (DecisionKind.IGNORE, Reason.ACKNOWLEDGEMENT)
    assert venue.conversation().open_intent is None
    assert venue.staff.alerts == []


def test_an_answer_after_the_question_expired_stands_alone(venue: Venue) -> None:
    venue.customer_texts("TrackMan frozen")
    venue.clock.advance(timedelta(minutes=11))  # the pending window is 10 minutes

    late = venue.customer_texts("3")

    assert _outcome(late) == (DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT)
    assert venue.recorded(events.UnderstoodInContext) == []


def test_a_new_question_while_claw_waits_is_answered_and_the_wait_ends(venue: Venue) -> None:
    venue.customer_texts("TrackMan frozen")

    hours = venue.customer_texts("what are your hours?")

    assert _outcome(hours) == (DecisionKind.RESPOND, Reason.ANSWERED_FROM_KNOWLEDGE)
    assert venue.conversation().open_intent is None
    assert _outcome(venue.customer_texts("3")) == (DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT)


def test_and_on_saturday_after_an_hours_answer_is_an_hours_question(venue: Venue) -> None:
    venue.customer_texts("what are your hours?")

    follow_up = venue.customer_texts("and on Saturday?")

    assert _outcome(follow_up) == (DecisionKind.RESPOND, Reason.ANSWERED_FROM_KNOWLEDGE)
    assert follow_up.intent is Intent.HOURS
    assert venue.last_text_to() == "We're open 24/7."
    [in_context] = venue.recorded(events.UnderstoodInContext)
    assert in_context.use is ContextUse.FOLLOW_UP  # type: ignore[attr-defined]


def test_what_about_for_kids_after_a_price_answer_is_a_price_question() -> None:
    prices = "A box is $50/hour before 5pm, $60 after. Juniors under 16 play for half."
    venue = Venue(InMemoryVenue(answers={Intent.PRICING: prices}))
    venue.customer_texts("how much is it per hour?")

    follow_up = venue.customer_texts("what about for kids?")

    assert _outcome(follow_up) == (DecisionKind.RESPOND, Reason.ANSWERED_FROM_KNOWLEDGE)
    assert follow_up.intent is Intent.PRICING
    assert venue.last_text_to() == prices


def test_a_follow_up_to_a_suggested_answer_continues_that_question_not_another() -> None:
    venue = Venue(
        InMemoryVenue(
            answers={Intent.PRICING: "A box is $50/hour.", Intent.HOURS: "We are open 24/7."}
        )
    )
    venue.app.change_feature(
        Intent.PRICING, FeatureSettings(mode=FeatureMode.SUGGEST), "owner", venue.clock.now()
    )
    asked = venue.customer_texts("how much is it per hour?")
    assert _outcome(asked) == (DecisionKind.SUGGEST, Reason.SUGGEST_MODE)

    follow_up = venue.customer_texts("what about on weekends?")

    # Staff answer the price question; the hours answer would be a wrong automatic reply.
    assert follow_up.intent is Intent.PRICING
    assert _outcome(follow_up) == (DecisionKind.SUGGEST, Reason.SUGGEST_MODE)
    assert venue.messenger.sent == []


def test_and_on_saturday_out_of_the_blue_or_long_after_goes_to_staff(venue: Venue) -> None:
    assert _outcome(venue.customer_texts("and on Saturday?")) == (
        DecisionKind.ESCALATE,
        Reason.UNKNOWN_INTENT,
    )
    venue.customer_texts("what are your hours?", customer=MEMBER)
    venue.clock.advance(timedelta(hours=2))

    late = venue.customer_texts("and on Saturday?", customer=MEMBER)

    assert _outcome(late) == (DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT)


def test_a_door_problem_at_a_venue_with_several_locations_asks_where() -> None:
    venue = Venue(
        InMemoryVenue(
            locations={"bedford": "Bedford", "dartmouth": "Dartmouth"},
            doors={"bedford": "door-b", "dartmouth": "door-d"},
            door_allowed={(MEMBER, "dartmouth")},
        )
    )

    asked = venue.customer_texts("I am locked out", customer=MEMBER)

    assert _outcome(asked) == (DecisionKind.RESPOND, Reason.DETAILS_NEEDED)
    assert venue.last_text_to(MEMBER) == "Which location are you at?"

    confirm = venue.customer_texts("dartmouth", customer=MEMBER)

    assert _outcome(confirm) == (DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED)
    assert venue.last_text_to(MEMBER).startswith("I can unlock the front door at Dartmouth")
    assert venue.doors.unlocked == []


def test_a_reset_at_a_venue_with_several_locations_asks_for_both_then_for_what_is_left() -> None:
    venue = Venue(
        InMemoryVenue(
            locations={"bedford": "Bedford", "dartmouth": "Dartmouth"},
            devices={("bedford", 1): "101", ("dartmouth", 3): "203"},
        )
    )
    venue.customer_texts("TrackMan frozen")
    assert venue.last_text_to() == "Which location and box are you in? (e.g. 'Bedford box 2')"

    venue.customer_texts("box 3")
    assert venue.last_text_to() == "Which location are you at?"

    confirm = venue.customer_texts("Dartmouth")

    assert _outcome(confirm) == (DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED)
    assert confirm.opens is not None
    assert confirm.opens.parameters.device_id == "203"


def test_the_open_intent_survives_a_snapshot_and_replay_and_what_if_judges_it_again(
    venue: Venue,
) -> None:
    venue.customer_texts("TrackMan frozen")
    conversation = venue.conversation()
    snapshot = ConversationSnapshot.take(conversation)
    assert snapshot.mutate(None).open_intent == conversation.open_intent
    venue.customer_texts("the one by the window")
    venue.customer_texts("the one near the bar")

    entries = [
        e
        for e in timeline(venue.app, conversation_id=conversation_id(LINE, CUSTOMER))
        if e.situation
    ]
    # Every recorded situation gives the recorded decision again, without any model.
    for entry in entries:
        assert entry.situation is not None
        assert entry.recorded_decision is not None
        again = decide(entry.situation, venue.app.settings())
        assert (again.kind, again.reason) == (
            entry.recorded_decision.kind,
            entry.recorded_decision.reason,
        )
    summaries = [
        e.summary for e in timeline(venue.app, conversation_id=conversation_id(LINE, CUSTOMER))
    ]
    assert "claw asked for the box of trackman_reset (question 1)" in summaries
    assert "read as details_not_given for trackman_reset" in summaries
    # With actions off, the unanswered questions would have been suggestions instead.
    stopped = attrs.evolve(
        venue.app.settings(),
        globals=attrs.evolve(venue.app.settings().globals, execute_actions=False),
    )
    differences = what_if(venue.app, conversation_id(LINE, CUSTOMER), stopped)
    assert {d.would_be.reason for d in differences} == {Reason.ACTIONS_DISABLED}
    assert len(differences) == 3


# The reading itself, without the application ----------------------------------------------


AT = datetime(2026, 5, 2, 21, 0, tzinfo=UTC)
NOTHING = Classification(Intent.OTHER, 0.0, ClassificationSource.FALLBACK)
WAITING = OpenIntent(
    intent=Intent.TRACKMAN_RESET,
    confidence=0.9,
    source=ClassificationSource.PATTERN,
    entities=Entities(location="bedford"),
    missing=(Slot.BOX,),
    asked=1,
    expires_at=AT + timedelta(minutes=10),
)


@pytest.mark.parametrize(
    ("text", "box"),
    [
        ("3", 3),
        ("box three", 3),
        ("Bay #2", 2),
        ("its 4", 4),
        ("the 2nd one", 2),
        ("third", 3),
        ("we are in number 1 i think", 1),
        ("the one by the window", None),
        ("2 or 3", None),
        ("we booked for 7:30 and there are 4 of us here tonight", None),
        ("0", None),
    ],
)
def test_a_box_is_read_from_an_answer_and_only_where_it_is_clear(
    text: str, box: int | None
) -> None:
    assert box_in_answer(text) == box


@pytest.mark.parametrize(
    ("text", "follows"),
    [
        ("and on Saturday?", True),
        ("what about for kids?", True),
        ("ok and sundays", True),
        ("How about at Dartmouth", True),
        ("hours?", False),
        ("and then my friend said the trackman froze and we could not play for an hour", False),
        ("", False),
    ],
)
def test_a_follow_up_opens_like_a_continuation_and_is_short(text: str, follows: bool) -> None:
    assert is_follow_up(text) is follows


def test_a_confident_reading_of_another_topic_is_a_new_question_not_an_answer() -> None:
    hours = Classification(Intent.HOURS, 0.93, ClassificationSource.PATTERN)

    assert read_in_context(
        hours, "what are your hours", waiting=WAITING, answered=None, now=AT,
        follow_up_window=timedelta(minutes=10),
    ) is None  # fmt: skip


def test_an_answer_keeps_its_own_sentiment_and_safety_topic() -> None:
    alarming = attrs.evolve(NOTHING, blacklisted_topic="injury")

    read = read_in_context(
        alarming, "box 2, and my friend is bleeding", waiting=WAITING, answered=None, now=AT,
        follow_up_window=timedelta(minutes=10),
    )  # fmt: skip

    assert read is not None
    assert read.classification.blacklisted_topic == "injury"
    assert read.classification.entities == Entities(location="bedford", box=2)


def test_a_follow_up_takes_the_new_location_over_the_answered_one() -> None:
    answered = AnsweredIntent(
        Intent.HOURS, 0.93, ClassificationSource.PATTERN, Entities("bedford"), AT
    )
    said = attrs.evolve(NOTHING, entities=Entities(location="dartmouth"))

    read = read_in_context(
        said, "and at dartmouth?", waiting=None, answered=answered, now=AT + timedelta(minutes=1),
        follow_up_window=timedelta(minutes=10),
    )  # fmt: skip

    assert read is not None
    assert (read.use, read.classification.intent) == (ContextUse.FOLLOW_UP, Intent.HOURS)
    assert read.classification.entities.location == "dartmouth"


def test_the_text_to_understand_carries_the_last_turns_and_what_claw_waits_for(
    venue: Venue,
) -> None:
    venue.customer_texts("TrackMan frozen")
    venue.count += 1
    text = InboundText("AC-next", LINE, CUSTOMER, "the far one", venue.clock.now())
    venue.app.receive_text(text, venue.clock.now())

    work = venue.app.begin_processing(conversation_id(LINE, CUSTOMER), venue.clock.now())

    assert isinstance(work, TextToUnderstand)
    assert work.context == ConversationContext(
        turns=(Turn(Speaker.CUSTOMER, "TrackMan frozen"), Turn(Speaker.CLAW, WHICH_BOX)),
        waiting_for=Intent.TRACKMAN_RESET,
        missing=(Slot.BOX,),
    )


def test_the_context_keeps_the_last_few_turns_each_cut_short() -> None:
    texts = [f"text {n} " + "x" * 400 for n in range(10)]

    context = context_of(texts, "claw's reply", waiting=None, answered=None, now=AT)

    assert len(context.turns) == CONTEXT_TURNS
    assert context.turns[-1] == Turn(Speaker.CLAW, "claw's reply")
    assert all(len(turn.text) <= CONTEXT_TURN_CHARACTERS for turn in context.turns)
    assert context.turns[0].text.startswith("text 7 ")


@pytest.mark.parametrize(
    ("text", "said", "answers"),
    [
        ("3", Entities(), True),
        ("box two", Entities(box=2), True),
        ("dartmouth", Entities(location="dartmouth"), False),  # only the box is missing
        ("the far one, next to the exit", Entities(), False),
        ("3 and also can I get a refund for last week", Entities(), False),
    ],
)
def test_only_a_short_answer_giving_a_missing_detail_skips_the_model(
    text: str, said: Entities, answers: bool
) -> None:
    context = ConversationContext(waiting_for=Intent.TRACKMAN_RESET, missing=(Slot.BOX,))

    assert answers_the_question(context, text, said) is answers
    assert answers_the_question(ConversationContext(), text, said) is False


# Follow-ups that name no subject of their own (``follow_ups.py``) ------------------------


def _answered(intent: Intent, entities: Entities | None = None) -> AnsweredIntent:
    return AnsweredIntent(intent, 0.9, ClassificationSource.PATTERN, entities or Entities(), AT)


def _read_after(answered: AnsweredIntent, said: Classification, text: str) -> Intent | None:
    read = read_in_context(
        said, text, waiting=None, answered=answered, now=AT + timedelta(minutes=1),
        follow_up_window=timedelta(minutes=10),
    )  # fmt: skip
    return None if read is None else read.classification.intent


@pytest.mark.parametrize(
    ("answered", "text", "model_read"),
    [
        (Intent.PRICING, "and on sundays?", Intent.HOURS),
        (Intent.PRICING, "what about weekday mornings", Intent.HOURS),
        (Intent.PRICING, "how about tonight after 9pm?", Intent.HOURS),
        (Intent.HOURS, "and for juniors?", Intent.KIDS),
        (Intent.MEMBERSHIP, "what about for students", Intent.PRICING),
        (Intent.BOOKING_NEW, "ok and tomorrow evening?", Intent.HOURS),
    ],
)
def test_a_continuation_that_only_adds_when_or_for_whom_continues_the_answer(
    answered: Intent, text: str, model_read: Intent
) -> None:
    # The model is sure of another topic; the words say only when or for whom.
    said = Classification(model_read, 0.93, ClassificationSource.LOCAL_MODEL)

    assert _read_after(_answered(answered), said, text) is answered


@pytest.mark.parametrize(
    ("text", "own_topic"),
    [
        ("and do you sell food?", Intent.FOOD_DRINK),
        ("what about parking", Intent.FACILITY),
        ("also can I get a gift card", Intent.GIFT_CARD_PURCHASE),
    ],
)
def test_a_continuation_naming_its_own_subject_is_a_new_question(
    text: str, own_topic: Intent
) -> None:
    said = Classification(own_topic, 0.9, ClassificationSource.PATTERN)

    assert _read_after(_answered(Intent.HOURS), said, text) is None


@pytest.mark.parametrize(
    ("answered", "text"),
    [
        (Intent.MEMBERSHIP, "how much per month"),
        (Intent.MEMBERSHIP, "what does it cost a year?"),
        (Intent.MEMBERSHIP, "monthly price?"),
        (Intent.CLUB_RENTAL, "how much is that"),
        (Intent.GIFT_CARD_PURCHASE, "what prices do they come in"),
    ],
)
def test_a_price_question_without_a_subject_asks_the_price_of_the_answered_topic(
    answered: Intent, text: str
) -> None:
    said = Classification(Intent.PRICING, 0.9, ClassificationSource.PATTERN)

    assert _read_after(_answered(answered), said, text) is answered


@pytest.mark.parametrize(
    ("answered", "text"),
    [
        # It names what it prices: a price question of its own.
        (Intent.MEMBERSHIP, "how much is an hour in a bay"),
        # Opening hours have no price: "how much" after them is a price question.
        (Intent.HOURS, "how much?"),
    ],
)
def test_a_price_question_with_its_own_subject_or_after_a_priceless_topic_stands_alone(
    answered: Intent, text: str
) -> None:
    said = Classification(Intent.PRICING, 0.9, ClassificationSource.PATTERN)

    assert _read_after(_answered(answered), said, text) is None


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("box 2 at dartmouth", Entities("dartmouth", 2)),
        ("bay 4, bedford", Entities("bedford", 4)),
        ("we're in sim 3", Entities(box=3)),
        ("Dartmouth location", Entities("dartmouth")),
    ],
)
def test_a_text_that_only_says_where_fills_the_answered_intent(
    text: str, entities: Entities
) -> None:
    said = attrs.evolve(NOTHING, entities=entities)

    read = read_in_context(
        said, text, waiting=None, answered=_answered(Intent.SIDE_SCREEN), now=AT,
        follow_up_window=timedelta(minutes=10),
    )  # fmt: skip

    assert read is not None
    assert (read.use, read.classification.intent) == (ContextUse.FOLLOW_UP, Intent.SIDE_SCREEN)
    assert read.classification.entities == entities


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("where is dartmouth exactly", Entities("dartmouth")),
        ("my friend left his jacket in box 2 at dartmouth", Entities("dartmouth", 2)),
        ("3", Entities()),
    ],
)
def test_a_text_that_asks_or_tells_more_than_where_is_not_a_detail(
    text: str, entities: Entities
) -> None:
    said = attrs.evolve(NOTHING, entities=entities)

    assert _read_after(_answered(Intent.SIDE_SCREEN), said, text) is None


@pytest.mark.parametrize(
    "text", ["hmm not sure tbh", "no idea which one we're in", "dunno, the one in the corner"]
)
def test_a_reply_saying_the_customer_does_not_know_stays_with_the_question(text: str) -> None:
    # A model may read the doubt as a complaint; it answers claw's question with nothing.
    doubt = Classification(Intent.FEEDBACK_NEGATIVE, 0.64, ClassificationSource.LOCAL_MODEL)

    read = read_in_context(
        doubt, text, waiting=WAITING, answered=None, now=AT,
        follow_up_window=timedelta(minutes=10),
    )  # fmt: skip

    assert read is not None
    assert (read.use, read.intent) == (ContextUse.DETAILS_NOT_GIVEN, Intent.TRACKMAN_RESET)


# Questions whose only subject is a pronoun ("do they expire?") ---------------------------


@pytest.mark.parametrize(
    ("answered", "text", "model_read"),
    [
        (Intent.GIFT_CARD_PURCHASE, "do they ever expire", Intent.OTHER),
        (Intent.GIFT_CARD_PURCHASE, "ok and can my dad use it online?", Intent.OTHER),
        (Intent.GIFT_CARD_PURCHASE, "are they refundable", Intent.REFUND_COMPLAINT),
        (Intent.GIFT_CARD_REDEEM, "does it work at every location?", Intent.DOOR_ACCESS),
        (Intent.MEMBERSHIP, "does it renew automatically", Intent.OTHER),
        (Intent.MEMBERSHIP, "can i pause it?", Intent.BOOKING_CHANGE),
        (Intent.PRICING, "does that cover balls and tees", Intent.EQUIPMENT),
        (Intent.CLUB_RENTAL, "do those cost extra", Intent.PRICING),
        (Intent.HOURS, "is that on holidays too?", Intent.OTHER),
    ],
)
def test_a_question_about_it_continues_the_answered_topic(
    answered: Intent, text: str, model_read: Intent
) -> None:
    said = Classification(model_read, 0.92, ClassificationSource.LOCAL_MODEL)

    assert _read_after(_answered(answered), said, text) is answered


@pytest.mark.parametrize(
    ("text", "own_topic"),
    [
        ("is it open now?", Intent.HOURS),
        ("is it free to park there", Intent.FACILITY),
        ("do they sell beer?", Intent.FOOD_DRINK),
        ("what's the wifi password for it", Intent.WIFI),
    ],
)
def test_a_pronoun_question_with_a_subject_of_its_own_keeps_its_topic(
    text: str, own_topic: Intent
) -> None:
    said = Classification(own_topic, 0.93, ClassificationSource.PATTERN)

    assert _read_after(_answered(Intent.GIFT_CARD_PURCHASE), said, text) is None


def test_a_question_about_it_does_not_continue_a_fault_or_an_old_answer() -> None:
    late = read_in_context(
        NOTHING, "do they expire?", waiting=None,
        answered=_answered(Intent.GIFT_CARD_PURCHASE), now=AT + timedelta(minutes=11),
        follow_up_window=timedelta(minutes=10),
    )  # fmt: skip

    assert late is None  # the follow-up window is over
    # A fault's answer has no properties to ask about: "is it fixed?" is no FAQ question.
    assert _read_after(_answered(Intent.TRACKMAN_RESET), NOTHING, "is it fixed yet?") is None
    # A price after a topic with no price of its own is a price question, not a follow-up.
    assert _read_after(_answered(Intent.HOURS), NOTHING, "how much is it?") is None
