"""Which short texts continue the question claw last answered, whatever a model reads in them.

An attendant who has just told a customer the opening hours reads "and on Sunday?"
as a question about Sunday's hours, and "how much per month?" after a word about
memberships as the membership's price. A statistical model reads each text alone:
"what about weekends?" after a price answer looks like an hours question to it, and
"how much per month" is a price question with no subject. Three kinds of text are
read against the last answer here (``slots.read_in_context`` applies them), each
because it names no subject of its own:

- **a qualifier only**: a continuation ("and", "what about") followed by nothing
  but when or for whom ("and on sundays?", "what about for juniors", "how about
  tomorrow morning");
- **a bare price question** after a topic that has a price of its own (a
  membership, club rental, a gift card, food): "how much per month", "what does it
  cost a year?". A price question that names what it prices ("how much is an hour")
  is a pricing question;
- **details only**: where it happened and nothing else ("box 2 at dartmouth", "bay
  4, bedford"), after an answer that may depend on where;
- **a question about it**: a short question whose only subject is a pronoun ("do
  they expire?", "is it refundable?", "does that include clubs?", "how long is it
  good for") and whose other words ask about a property of what was answered (how
  long it lasts, whether it is refunded, shared, renewed, what it includes, where
  and by whom it is used). A word of another subject ("is it open now?", "is it free
  to park?") keeps the text its own topic.
"""

from __future__ import annotations

import re

from claw_domain.replies import tokens
from claw_domain.values import Intent

_DAYS = frozenset(
    {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
    }
)
_TIMES = (
    _DAYS
    | {f"{day}s" for day in _DAYS}
    | {
        "weekend",
        "weekends",
        "weekday",
        "weekdays",
        "weeknight",
        "weeknights",
        "today",
        "tonight",
        "tomorrow",
        "tmrw",
        "tmr",
        "morning",
        "mornings",
        "afternoon",
        "afternoons",
        "evening",
        "evenings",
        "night",
        "nights",
        "late",
        "early",
        "noon",
        "midnight",
        "am",
        "pm",
        "holiday",
        "holidays",
        "christmas",
        "xmas",
        "easter",
        "stat",
        "statutory",
        "new",
        "years",
        "eve",
        "day",
        "days",
        "next",
        "this",
        "week",
        "summer",
        "winter",
    }
)
# Who the question is now about: a price or a rule for them.
_PARTIES = frozenset(
    {
        "kids",
        "kid",
        "children",
        "child",
        "juniors",
        "junior",
        "teens",
        "seniors",
        "senior",
        "students",
        "student",
        "adults",
        "adult",
        "members",
        "member",
        "nonmembers",
        "non",
        "groups",
        "group",
        "couples",
        "couple",
        "people",
        "persons",
        "guests",
        "friends",
        "family",
        "families",
        "two",
        "three",
        "four",
        "five",
        "six",
    }
)
# The words around a continuation that say nothing of a subject.
_FILLER = frozenset(
    {
        "and",
        "also",
        "plus",
        "but",
        "what",
        "whats",
        "about",
        "how",
        "same",
        "for",
        "is",
        "that",
        "does",
        "do",
        "even",
        "if",
        "on",
        "at",
        "in",
        "the",
        "a",
        "an",
        "ok",
        "okay",
        "cool",
        "thanks",
        "thx",
        "then",
        "too",
        "as",
        "well",
        "it",
        "its",
        "there",
        "any",
        "of",
        "us",
        "we",
        "i",
        "me",
        "my",
        "our",
        "during",
        "around",
        "after",
        "before",
        "by",
        "to",
        "with",
        "still",
        "or",
        "one",
        "ones",
        "please",
        "pls",
        "again",
        "like",
        "you",
        "u",
        "guys",
        "would",
        "be",
        "will",
        "are",
        "can",
        "different",
        "so",
    }
)
# What a bare price question is made of: "how much per month", "what does it cost a year".
_PRICE_WORDS = frozenset(
    {
        "how",
        "much",
        "price",
        "prices",
        "pricing",
        "priced",
        "cost",
        "costs",
        "costing",
        "rate",
        "rates",
        "fee",
        "fees",
        "charge",
        "pay",
        "per",
        "month",
        "months",
        "monthly",
        "year",
        "years",
        "yearly",
        "annual",
        "annually",
        "week",
        "weekly",
        "each",
        "total",
        "roughly",
        "approx",
        "dollars",
        "bucks",
        "they",
        "come",
        "amounts",
        "available",
        "options",
    }
)
# Topics with a price of their own: a bare price question after one asks about it.
PRICED_TOPICS = frozenset(
    {Intent.MEMBERSHIP, Intent.CLUB_RENTAL, Intent.GIFT_CARD_PURCHASE, Intent.FOOD_DRINK}
)
# Words around a place and a box that say nothing else: "we're in bay 4 at bedford".
_DETAIL_FILLER = frozenset(
    {
        "box",
        "bay",
        "sim",
        "simulator",
        "room",
        "number",
        "no",
        "num",
        "at",
        "in",
        "the",
        "its",
        "it",
        "s",
        "were",
        "we",
        "re",
        "im",
        "i",
        "am",
        "are",
        "is",
        "one",
        "location",
        "and",
        "ok",
        "okay",
        "sorry",
        "oh",
        "yes",
        "yeah",
        "yep",
    }
)
# A location's name is at most this many words ("north end", "bedford").
_LOCATION_WORDS = 2
_ASKING = frozenset({"where", "what", "when", "how", "why", "who", "which", "whats"})


def _is_number(word: str) -> bool:
    return word.isdigit() or (
        word[:-2].isdigit() and word[-2:] in {"am", "pm", "st", "nd", "rd", "th"}
    )


def only_qualifies(text: str) -> bool:
    """Nothing but when or for whom after the opener: "and on sundays?", "what about for kids"."""
    words = tokens(text)
    allowed = _TIMES | _PARTIES | _FILLER
    meaningful = [word for word in words if word.isalnum()]
    return (
        bool(meaningful)
        and all(word in allowed or _is_number(word) for word in meaningful)
        and any(word in _TIMES or word in _PARTIES or _is_number(word) for word in meaningful)
    )


# Words around a time of day that ask nothing else: "like past midnight tho?",
# "even at 5am?", "what about really late".
_TIME_OF_DAY_FILLER = frozenset(
    {
        "like",
        "tho",
        "though",
        "really",
        "super",
        "very",
        "past",
        "after",
        "before",
        "until",
        "till",
        "til",
        "around",
        "or",
        "so",
        "say",
        "still",
        "open",
        "you",
        "yall",
        "ur",
        "u",
        "oclock",
        "hrs",
    }
)
_TIMES_OF_DAY = frozenset(
    {"late", "early", "midnight", "noon", "morning", "night", "am", "pm", "evening", "overnight"}
)


def only_names_a_time_of_day(text: str) -> bool:
    """Only a time of day, however it is padded: "like past midnight tho?", "even at 5am?".

    After an hours answer such a text asks whether the venue is open then.
    """
    words = [word for word in tokens(text) if word.isalnum()]
    allowed = _TIMES | _FILLER | _TIME_OF_DAY_FILLER
    return (
        bool(words)
        and len(words) <= 8
        and all(word in allowed or _is_number(word) for word in words)
        # A bare number ("3") may answer anything claw asked: a clock time needs its
        # am/pm or a word for the time of day.
        and any(word in _TIMES_OF_DAY or word[-2:] in {"am", "pm"} for word in words)
    )


# Who comes along, told after asking for a box: "just me and my brother", "3 of us".
_COMPANY = frozenset(
    {
        "me",
        "my",
        "i",
        "us",
        "we",
        "of",
        "just",
        "only",
        "and",
        "plus",
        "with",
        "people",
        "ppl",
        "guys",
        "players",
        "person",
        "persons",
        "golfers",
        "friend",
        "friends",
        "buddy",
        "buddies",
        "brother",
        "sister",
        "wife",
        "husband",
        "girlfriend",
        "boyfriend",
        "partner",
        "dad",
        "mom",
        "son",
        "daughter",
        "kid",
        "kids",
        "coworker",
        "myself",
        "maybe",
        "probably",
        "ish",
        "or",
        "so",
    }
)
# Words that say how many come, or that a time and a party are meant.
_PARTY_SAID = frozenset({"me", "us", "myself", "people", "ppl", "players", "guys", "golfers"})
_HOW_MANY = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "couple"})
_TIME_AND_PARTY_WORDS = 12


def gives_time_and_party(text: str, place: str | None = None) -> bool:
    """A time and who comes, and nothing else: "like 5:30, just me and my brother".

    After claw was asked for a box ("anything free tonight?") such a text says when and
    for how many: the booking asked about, not a new question. The place the text names
    (``place``, as the entity reader found it) may stand beside them: "around 3, 4 of
    us, dartmouth".
    """
    place_words = set(tokens(place)) if place else set()
    words = [word for word in tokens(text) if word.isalnum() and word not in place_words]
    allowed = _TIMES | _FILLER | _TIME_OF_DAY_FILLER | _COMPANY | _HOW_MANY
    return (
        bool(words)
        and len(words) <= _TIME_AND_PARTY_WORDS
        and all(word in allowed or _is_number(word) or _is_clock_word(word) for word in words)
        and any(_is_number(word) or _is_clock_word(word) for word in words)
        and any(word in _PARTY_SAID for word in words)
    )


def _is_clock_word(word: str) -> bool:
    """ "8ish": a time written as one word ("7pm" is a number already)."""
    return word.endswith("ish") and word[:-3].isdigit()


_REMAINDER = re.compile(
    r"\b(what'?s|whats|what is|what'?s been) left\b|\bleft ?over\b|\bthe rest\b|"
    r"\bremain(ing|der)\b|\b(the|my|its|it'?s) balance\b|\bunused\b"
)


def asks_about_the_remainder(text: str) -> bool:
    """What is left on something: "can i use whats left over next time?".

    After a gift-card answer it asks about that card's balance, whatever else it names.
    """
    return _REMAINDER.search(text.lower()) is not None


def asks_price_of_nothing_named(text: str) -> bool:
    """A price question with no subject: "how much per month?", "what does it cost a year"."""
    words = [word for word in tokens(text) if word.isalnum()]
    allowed = _PRICE_WORDS | _FILLER | _TIMES | _PARTIES
    return bool(words) and all(word in allowed or _is_number(word) for word in words)


def only_gives_details(text: str, location_named: bool, box_named: bool, words_limit: int) -> bool:
    """Where, and nothing else: "box 2 at dartmouth", "bay 4, bedford", "dartmouth".

    The location's own words cannot be listed here (they are the venue's), so a text
    that names a location may hold a location's few words besides the filler; a text
    that asks something ("where is dartmouth") is no answer.
    """
    if not (location_named or box_named):
        return False
    words = [word for word in tokens(text) if word.isalnum()]
    if len(words) > words_limit or any(word in _ASKING for word in words):
        return False
    left = [word for word in words if word not in _DETAIL_FILLER and not _is_number(word)]
    return len(left) <= (_LOCATION_WORDS if location_named else 0)


# The thing just answered about, named by a pronoun: "do they expire?", "is that per person".
_PRONOUNS = frozenset(
    {
        "it",
        "its",
        "they",
        "them",
        "theyre",
        "that",
        "thats",
        "this",
        "those",
        "these",
        "one",
        "ones",
    }
)
# What a customer asks of a thing offered: how long it lasts, whether it comes back, who
# and where may use it, whether it renews, what it is worth. No topic's own words.
_PROPERTIES = frozenset(
    {
        "expire",
        "expires",
        "expired",
        "expiry",
        "expiration",
        "run",
        "runs",
        "out",
        "last",
        "lasts",
        "long",
        "good",
        "valid",
        "ever",
        "never",
        "refundable",
        "refund",
        "refunded",
        "returnable",
        "return",
        "transferable",
        "transfer",
        "shareable",
        "share",
        "shared",
        "split",
        "use",
        "used",
        "usable",
        "online",
        "anywhere",
        "everywhere",
        "both",
        "all",
        "every",
        "location",
        "locations",
        "place",
        "places",
        "renew",
        "renews",
        "renewal",
        "automatic",
        "automatically",
        "auto",
        "cancel",
        "cancelled",
        "pause",
        "worth",
        "included",
        "include",
        "includes",
        "including",
        "need",
        "have",
        "has",
        "get",
        "any",
        "it",
        "really",
        "work",
        "works",
        "count",
        "apply",
        "reload",
        "reloadable",
        "top",
        "up",
        "more",
        "than",
        "once",
        "time",
        "anytime",
        "else",
        # How and where it is paid for or used: "can i pay for it in person tho",
        # "can i bring a guest on my hours", "is that for the whole box or each person".
        "pay",
        "paying",
        "paid",
        "buy",
        "bought",
        "cash",
        "debit",
        "credit",
        "card",
        "person",
        "desk",
        "front",
        "counter",
        "store",
        "tho",
        "though",
        "bring",
        "guest",
        "hours",
        "whole",
        "box",
        "bay",
        "each",
        "per",
        "individual",
        "head",
        "just",
    }
)
# Words after which anything is what the thing includes: "does that include clubs?".
_INCLUDES = frozenset({"include", "includes", "included", "including", "cover", "covers", "with"})
# Who would use it: "can he use it at both places?", "can my wife use them?".
_PEOPLE = frozenset(
    {
        "he",
        "she",
        "him",
        "her",
        "his",
        "someone",
        "somebody",
        "anyone",
        "anybody",
        "person",
        "dad",
        "mom",
        "mum",
        "brother",
        "sister",
        "friend",
        "wife",
        "husband",
        "son",
        "daughter",
        "partner",
        "boyfriend",
        "girlfriend",
        "they",
    }
)
_QUESTION_OPENERS = frozenset(
    {
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "can",
        "could",
        "will",
        "would",
        "should",
        "how",
        "what",
        "whats",
        "when",
        "where",
        "which",
        "any",
        "has",
        "have",
    }
)
# "ok so do they expire": the words before a question that change nothing.
_LEAD_INS = frozenset({"and", "but", "so", "ok", "okay", "oh", "also", "cool", "great", "thanks"})
# Openers that carry the subject over without naming it: "and can i bring a guest".
_CARRY_OVER = frozenset({"and", "also", "plus"})
# A question about it is short: "how long is it good for", "can i pay for it in person tho".
_QUESTION_WORDS = 10


def asks_about_it(text: str, *, priced: bool, location_named: bool = False) -> bool:
    """A short question about a property of the thing just answered, named by a pronoun.

    "do they expire?", "can i use it online?", "does that include clubs?", "how long
    is it good for". "is it open now?" asks about something of its own ("open"), so
    does "is it free to park?". ``priced``: the answered topic has a price of its own,
    so "do they cost extra" asks its price. A question opening with "and" leaves the
    subject out altogether ("and can i bring a guest on my hours"). ``location_named``:
    the text names one of the venue's locations, whose own words (at most two) are
    allowed ("can i pay for it at dartmouth").
    """
    words = [word for word in tokens(text) if word.isalnum()]
    carried_over = bool(words) and words[0] in _CARRY_OVER
    while words and words[0] in _LEAD_INS:
        words = words[1:]
    if not words or len(words) > _QUESTION_WORDS:
        return False
    asking = text.rstrip().endswith("?") or words[0] in _QUESTION_OPENERS
    if not asking or not (carried_over or any(word in _PRONOUNS for word in words)):
        return False
    unlisted_allowed = _LOCATION_WORDS if location_named else 0
    allowed = _PRONOUNS | _PROPERTIES | _INCLUDES | _PEOPLE | _QUESTION_OPENERS | _FILLER | _TIMES
    allowed |= _PARTIES
    if priced:
        allowed |= _PRICE_WORDS | {"extra", "free", "tax", "taxes"}
    for index, word in enumerate(words):
        included = any(earlier in _INCLUDES for earlier in words[max(0, index - 3) : index])
        if not (word in allowed or _is_number(word) or included):
            if unlisted_allowed == 0:
                return False
            unlisted_allowed -= 1
    return True
