"""Conversations, not single texts: an intent waiting for details, and follow-ups.

A night-shift attendant who hears "the TrackMan is frozen" asks "which box?", and
reads the "3" that comes back as the answer to that question. claw does the same:

- **An open intent.** When the policy asks for a detail an action needs (the
  location, the box), the conversation records ``DetailsRequested`` with an
  ``OpenIntent``: the intent, what is known so far, what is missing, how often claw
  has asked, and until when the question stays open (the pending-action window).
  The customer's next text is read against it (``read_in_context``): "3", "box
  three" or "Dartmouth" complete it; a text that says nothing useful is asked about
  once more; a second miss goes to staff (``MAX_DETAILS_QUESTIONS``, in the policy).
- **A follow-up.** "and on Saturday?" right after an hours answer only makes sense
  against that answer: a short text that opens like a follow-up and names no topic
  of its own is read as the last answered intent, with the new text's details.

Reading a text in context happens once, before the decision, and is recorded
(``UnderstoodInContext``); the decision's ``Situation`` carries the result, so
replay and what-if judge it again without any model. Nothing here reads a clock:
``now`` and the windows are passed in.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime, timedelta

import attrs

from claw_domain.actions import action_spec
from claw_domain.follow_ups import (
    PRICED_TOPICS,
    asks_about_it,
    asks_about_the_remainder,
    asks_price_of_nothing_named,
    gives_time_and_party,
    only_gives_details,
    only_names_a_time_of_day,
    only_qualifies,
)
from claw_domain.lost_items import describes_lost_item
from claw_domain.topics import QUESTION_INTENTS
from claw_domain.values import (
    ActionKind,
    Classification,
    ClassificationSource,
    Entities,
    Intent,
    aware_datetime,
    unit_interval,
)

_GIFT_CARD_INTENTS = frozenset({Intent.GIFT_CARD_REDEEM, Intent.GIFT_CARD_PURCHASE})
# Claw asks for missing details at most this often for one open intent; then staff.
MAX_DETAILS_QUESTIONS = 2
# A reading at least this sure of another intent is a new topic, not an answer.
OWN_TOPIC_CONFIDENCE = 0.5
# A bare number is read as the box only in a short answer ("3", "it's 3"), never in a
# sentence where it could count people or minutes.
SHORT_ANSWER_WORDS = 5
# A follow-up is short: "and on Saturday?", "what about for kids?".
FOLLOW_UP_WORDS = 8


class Slot(enum.StrEnum):
    """A detail an action's target needs that a customer can say."""

    LOCATION = "location"
    BOX = "box"


@attrs.frozen
class OpenIntent:
    """An intent claw asked the customer to complete, and what it still lacks."""

    intent: Intent
    # The reading that opened it: a completed intent keeps its confidence and source.
    confidence: float = attrs.field(validator=unit_interval)
    source: ClassificationSource
    entities: Entities
    missing: tuple[Slot, ...]
    asked: int = attrs.field(validator=attrs.validators.ge(1))
    expires_at: datetime = attrs.field(validator=aware_datetime)

    def is_open(self, now: datetime) -> bool:
        return now < self.expires_at


@attrs.frozen
class AnsweredIntent:
    """The intent claw last answered from the venue's knowledge, for follow-ups."""

    intent: Intent
    confidence: float = attrs.field(validator=unit_interval)
    source: ClassificationSource
    entities: Entities
    answered_at: datetime = attrs.field(validator=aware_datetime)


class ContextUse(enum.StrEnum):
    """How the conversation changed the reading of a text."""

    DETAILS_GIVEN = "details_given"  # it answered claw's question, at least in part
    DETAILS_NOT_GIVEN = "details_not_given"  # it was about the open intent, and said nothing new
    FOLLOW_UP = "follow_up"  # it continued the last answered question


@attrs.frozen
class InContext:
    """A text's reading after the conversation is taken into account."""

    classification: Classification
    use: ContextUse
    intent: Intent  # the open or answered intent the text was read against


# What an understanding stage is told of the conversation: enough to read "3" or "and on
# Saturday?", bounded so a long conversation costs no more tokens than a short one.
CONTEXT_TURNS = 4
CONTEXT_TURN_CHARACTERS = 300
# An answer this recent is named to the LLM as what a follow-up may continue (a hint only:
# ``read_in_context`` applies the settings' pending window to the local reading).
CONTEXT_ANSWER_WINDOW = timedelta(minutes=30)


class Speaker(enum.StrEnum):
    CUSTOMER = "customer"
    CLAW = "claw"


@attrs.frozen
class Turn:
    speaker: Speaker
    text: str


@attrs.frozen
class ConversationContext:
    """The conversation before the text being read, for a stage that reads in context (the LLM)."""

    turns: tuple[Turn, ...] = ()
    # The intent claw asked details for, and which, while the question is open.
    waiting_for: Intent | None = None
    missing: tuple[Slot, ...] = ()
    # The intent claw last answered from the venue's knowledge.
    last_answered: Intent | None = None

    @property
    def is_empty(self) -> bool:
        return not self.turns and self.waiting_for is None and self.last_answered is None


def context_of(
    earlier_texts: list[str],
    claw_said: str | None,
    *,
    waiting: OpenIntent | None,
    answered: AnsweredIntent | None,
    now: datetime,
) -> ConversationContext:
    """The last turns (oldest first, each cut short) and what claw waits for or answered."""
    turns = [Turn(Speaker.CUSTOMER, text) for text in earlier_texts]
    if claw_said:
        turns.append(Turn(Speaker.CLAW, claw_said))
    kept = tuple(
        attrs.evolve(turn, text=turn.text[:CONTEXT_TURN_CHARACTERS])
        for turn in turns[-CONTEXT_TURNS:]
    )
    open_now = waiting is not None and waiting.is_open(now)
    recent = answered is not None and now - answered.answered_at <= CONTEXT_ANSWER_WINDOW
    return ConversationContext(
        turns=kept,
        waiting_for=waiting.intent if waiting is not None and open_now else None,
        missing=waiting.missing if waiting is not None and open_now else (),
        last_answered=answered.intent if answered is not None and recent else None,
    )


def answers_the_question(context: ConversationContext | None, text: str, said: Entities) -> bool:
    """A short text that gives a detail claw asked for: "3", "box two", "Dartmouth".

    The conversation reads it without a model (``read_in_context``), so the LLM stage
    need not be asked about it.
    """
    if context is None or context.waiting_for is None or len(text.split()) > SHORT_ANSWER_WORDS:
        return False
    gives_box = Slot.BOX in context.missing and (
        said.box is not None or box_in_answer(text) is not None
    )
    gives_location = Slot.LOCATION in context.missing and said.location is not None
    return gives_box or gives_location


def missing_details(
    kind: ActionKind, entities: Entities, location_known: bool, target_found: bool
) -> tuple[Slot, ...]:
    """What to ask for when an action's target is not found; () when the customer cannot help.

    A box is asked for again when the location is known but the box named there is
    not one of its boxes.
    """
    if target_found:
        return ()
    missing: list[Slot] = []
    if not location_known:
        missing.append(Slot.LOCATION)
    if "box" in action_spec(kind).target_fields and (entities.box is None or location_known):
        missing.append(Slot.BOX)
    return tuple(missing)


def open_intent(
    classification: Classification,
    missing: tuple[Slot, ...],
    asked: int,
    expires_at: datetime,
) -> OpenIntent:
    """The open intent recorded when claw asks for ``missing``."""
    return OpenIntent(
        intent=classification.intent,
        confidence=classification.confidence,
        source=classification.source,
        entities=classification.entities,
        missing=missing,
        asked=asked,
        expires_at=expires_at,
    )


def answered_intent(classification: Classification, at: datetime) -> AnsweredIntent:
    return AnsweredIntent(
        intent=classification.intent,
        confidence=classification.confidence,
        source=classification.source,
        entities=classification.entities,
        answered_at=at,
    )


def read_in_context(
    classification: Classification,
    text: str,
    *,
    waiting: OpenIntent | None,
    answered: AnsweredIntent | None,
    now: datetime,
    follow_up_window: timedelta,
) -> InContext | None:
    """The text read against the open intent or the last answer; None when it stands alone."""
    if waiting is not None and waiting.is_open(now):
        if _names_another_topic(classification, waiting.intent) and not says_not_known(text):
            return None  # a new question: the open one is dropped with the next decision
        return _against_open_intent(classification, text, waiting)
    if (
        answered is not None
        and now - answered.answered_at <= follow_up_window
        and _continues(classification, text, answered.intent)
    ):
        entities = _merged(answered.entities, classification.entities)
        return InContext(
            classification=attrs.evolve(
                classification,
                intent=answered.intent,
                confidence=answered.confidence,
                source=answered.source,
                entities=entities,
            ),
            use=ContextUse.FOLLOW_UP,
            intent=answered.intent,
        )
    return None


def _continues(classification: Classification, text: str, answered: Intent) -> bool:
    """Whether a text continues the answered question (``follow_ups.py``).

    A continuation naming no topic of its own does; so does one that adds only when
    or for whom, whatever a model reads into those words ("what about weekends?"
    after a price answer is no hours question); a question about a property of what
    was answered, named by a pronoun ("do they expire?"); a price question with no subject
    after a topic that has a price; and a text that only says where, when nothing
    else was understood in it; after a lost-item answer, a description of the thing.
    """
    if is_follow_up(text) and (
        not _names_another_topic(classification, answered) or only_qualifies(text)
    ):
        return True
    if answered is Intent.HOURS and only_names_a_time_of_day(text):
        # "like past midnight tho?" after the hours: whether it is open then.
        return True
    if answered is Intent.BOOKING_NEW and gives_time_and_party(
        text, classification.entities.location
    ):
        # "like 5:30, just me and my brother" after asking for a box: when and for whom.
        return True
    if answered in _GIFT_CARD_INTENTS and asks_about_the_remainder(text):
        # "can i use whats left over next time?" after a gift-card answer: its balance.
        return True
    if answered in QUESTION_INTENTS and asks_about_it(
        text,
        priced=answered in PRICED_TOPICS or answered is Intent.PRICING,
        location_named=classification.entities.location is not None,
    ):
        # "do they expire?" after a gift-card answer, whatever "expire" reads as alone.
        return True
    if classification.intent is Intent.PRICING and answered in PRICED_TOPICS:
        return asks_price_of_nothing_named(text)
    if answered is Intent.LOST_ITEM and describes_lost_item(text):
        # "box 2 dartmouth, black oakleys": what claw asked for, whatever a model reads
        # into a putter or a jacket (lost_items.py).
        return True
    said = classification.entities
    return (
        classification.intent is Intent.OTHER
        and classification.confidence < OWN_TOPIC_CONFIDENCE
        and only_gives_details(
            text, said.location is not None, said.box is not None, FOLLOW_UP_WORDS
        )
    )


def _names_another_topic(classification: Classification, intent: Intent) -> bool:
    return (
        classification.intent not in (Intent.OTHER, intent)
        and classification.confidence >= OWN_TOPIC_CONFIDENCE
    )


def _against_open_intent(
    classification: Classification, text: str, waiting: OpenIntent
) -> InContext:
    said = classification.entities
    if said.box is None and Slot.BOX in waiting.missing:
        said = attrs.evolve(said, box=box_in_answer(text))
    entities = _merged(waiting.entities, said)
    gained = any(
        getattr(entities, slot.value) is not None
        and getattr(entities, slot.value) != getattr(waiting.entities, slot.value)
        for slot in waiting.missing
    )
    confidence = waiting.confidence
    if classification.intent is waiting.intent:
        confidence = max(confidence, classification.confidence)
    return InContext(
        # Sentiment, safety topics and LLM cost stay the new text's own.
        classification=attrs.evolve(
            classification,
            intent=waiting.intent,
            confidence=confidence,
            source=waiting.source,
            entities=entities,
        ),
        use=ContextUse.DETAILS_GIVEN if gained else ContextUse.DETAILS_NOT_GIVEN,
        intent=waiting.intent,
    )


def _merged(known: Entities, said: Entities) -> Entities:
    """What was known, with what the new text says taking precedence."""
    return Entities(
        location=said.location if said.location is not None else known.location,
        box=said.box if said.box is not None else known.box,
    )


# Reading a box number in an answer to "Which box are you in?" ------------------------------

# "not sure", "no idea", "dunno": an answer to claw's question that gives nothing, however
# a model reads the doubt in it (as a complaint, say).
_NOT_KNOWN = re.compile(
    r"\b(?:not sure|unsure|no idea|no clue|dunno|idk|don'?t know|do not know|"
    r"can'?t (?:remember|tell|see)|forgot|forget)\b",
    re.IGNORECASE,
)


def says_not_known(text: str) -> bool:
    """A short reply saying the customer does not know: "uh not sure", "no idea which"."""
    return len(text.split()) <= FOLLOW_UP_WORDS and _NOT_KNOWN.search(text) is not None


# Box numbers customers spell out; the pattern stage reads the same words.
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_BOX_WORDS = r"(?:box|bay|sim|simulator|room|suite|number|no\.?|#)"
_NUMBER = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
_NAMED_BOX = re.compile(rf"{_BOX_WORDS}\s*#?\s*{_NUMBER}\b", re.IGNORECASE)
_BARE_NUMBER = re.compile(rf"(?<![\d:$.,]){_NUMBER}(?:st|nd|rd|th)?\b(?![:.,]?\d)", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINAL_WORDS) + r")\b", re.IGNORECASE)


def _number(raw: str) -> int:
    lowered = raw.lower()
    return NUMBER_WORDS[lowered] if lowered in NUMBER_WORDS else int(lowered)


# "the one by the window": after these, "one" is a pronoun, not a box number.
_ONE_AS_PRONOUN = re.compile(
    r"\b(?:the|that|this|which|a|any|other|same|\w+(?:st|nd|rd|th))\s+one\b", re.IGNORECASE
)


def _bare_numbers(text: str) -> set[int]:
    numbers = set()
    pronouns = {match.end() for match in _ONE_AS_PRONOUN.finditer(text)}
    for match in _BARE_NUMBER.finditer(text):
        if match.group(1).lower() == "one" and match.end(1) in pronouns:
            continue
        numbers.add(_number(match.group(1)))
    return numbers


def box_in_answer(text: str) -> int | None:
    """The box a reply to "Which box are you in?" names: "3", "box three", "the 2nd one".

    A number next to a box word counts anywhere; a bare number or ordinal only in a
    short answer. Several different numbers name no box.
    """
    named = {_number(match.group(1)) for match in _NAMED_BOX.finditer(text)}
    if not named and len(text.split()) <= SHORT_ANSWER_WORDS:
        named = _bare_numbers(text)
        named |= {_ORDINAL_WORDS[match.group(1).lower()] for match in _ORDINAL.finditer(text)}
    named.discard(0)
    return named.pop() if len(named) == 1 else None


# Recognising a follow-up -------------------------------------------------------------------

_FOLLOW_UP = re.compile(
    r"^(?:ok(?:ay)?[,!.]?\s+|cool[,!.]?\s+|thanks?[,!.]?\s+)?"
    r"(?:and|also|plus|but|what about|how about|same for|is that|does that|even|"
    r"what if|on|for|at|in)\b",
    re.IGNORECASE,
)


def is_follow_up(text: str) -> bool:
    """A short text that opens like a continuation: "and on Saturday?", "what about kids?"."""
    stripped = text.strip()
    return (
        bool(stripped)
        and len(stripped.split()) <= FOLLOW_UP_WORDS
        and _FOLLOW_UP.match(stripped) is not None
    )
