"""Two readings of a customer's words, from one lexicon.

``detect_sentiment`` is the mood of any text: NEGATIVE sends the conversation to staff
(``Reason.NEGATIVE_SENTIMENT``), so it fires on frustration, not on a problem being
described. "trackman not working in bay 3" is how a reset is asked for and stays
NEUTRAL; "still not working" and "this is ridiculous" are NEGATIVE.

``reports_problem`` says whether a text tells of something that went wrong ("my gift
card did not apply", "payment failed") rather than asking how something works ("how
do I use my gift card"): a problem with a topic goes to staff, never to the topic's
FAQ. ``reads_as_praise`` says whether a text is praise with no fault and no question
in it ("the simulator works great today"): a mention of equipment is no fault report.

``recognise_feedback`` is the verdict on an automatic answer or action, read only from
the customer's next text: did it help? "not great" and "same problem" are NEGATIVE
there (the fix failed), where as a mood they would only be NEUTRAL. A frustrated text
with no outcome in it ("wtf") is no verdict: understanding reads it, and its mood
escalates it anyway.

Both read the same words below; where they answer differently, the tests name the
case and why (``tests/unit/test_sentiment.py``).
"""

from __future__ import annotations

import itertools

from claw_domain.acknowledgements import asks_something, celebrates, sounds_sarcastic
from claw_domain.device_faults import reports_device_fault
from claw_domain.replies import THUMBS_DOWN, THUMBS_UP, tokens
from claw_domain.unexpected_state import tells_of_unexpected_state
from claw_domain.values import Sentiment

PROFANITY = frozenset(
    {"fuck", "fucking", "fucked", "shit", "shitty", "damn", "wtf", "ffs", "bullshit", "crap"}
    | {"crappy"}
)
FRUSTRATION = frozenset(
    {
        "ridiculous",
        "unacceptable",
        "frustrated",
        "frustrating",
        "annoyed",
        "annoying",
        "terrible",
        "awful",
        "worst",
        "useless",
        "pathetic",
        "joke",
        "angry",
        "furious",
        "disappointed",
        "disappointing",
        "horrible",
        "seriously",
        "wasted",
        "waste",
    }
)
# "Still" and "again" almost always mean a problem came back, the moment staff most
# need to know: frustration as a mood, and a failed fix as a verdict.
PERSISTENCE = frozenset({"still", "again"})
# Except when "still" asks whether something is still allowed or possible: "running
# behind, still ok?", "can we still play the full hour": a request, no mood.
_STILL_POSSIBLE = frozenset(
    {
        "ok",
        "okay",
        "fine",
        "alright",
        "cool",
        "possible",
        "able",
        "allowed",
        "valid",
        "available",
        "make",
        "play",
        "come",
        "keep",
        "be",
        "go",
        "use",
        "book",
        "hold",
        "held",
        "fit",
        # "u still open?", "is the box still ours", "we still have it right?": a plan or
        # the hours asked about, not a problem come back.
        "open",
        "ours",
        "mine",
        "have",
        "got",
        "there",
        "here",
        "running",
        "serving",
        "doing",
        "taking",
        # "door still locked": a fault to fix, told plainly (its flow offers the unlock);
        # frustration says more ("STILL locked!!", "still locked, this is ridiculous").
        "locked",
        "shut",
    }
)
THANKS = frozenset({"thanks", "thank", "thx", "ty", "tysm", "cheers", "appreciate", "appreciated"})
PRAISE = frozenset(
    {
        "great",
        "awesome",
        "amazing",
        "brilliant",
        "excellent",
        "perfect",
        "fantastic",
        "legend",
        "lifesaver",
        "nice",
        "sweet",
        "good",
        "love",
        "loved",
        "perfectly",
        "enjoyed",
        "fun",
        "blast",
        "accurate",
        "smooth",
        "crisp",
        "impressed",
        "best",
    }
)
# Saying it worked: a verdict, but no mood ("is bay 2 working?" is a question).
SUCCESS = frozenset({"works", "working", "worked", "fixed", "sorted", "resolved"})
POSITIVE_SYMBOLS = frozenset(
    {THUMBS_UP, "\U0001f64f", "\U0001f64c", "\u2764", "\U0001f60a", "\U0001f389", "\u2705"}
)
NEGATORS = frozenset(
    {
        "not",
        "no",
        "never",
        "nothing",
        "nope",
        "doesnt",
        "didnt",
        "dont",
        "isnt",
        "wasnt",
        "wont",
        "cant",
        "cannot",
        "aint",
        "havent",
        "hasnt",
        "arent",
        "werent",
        "couldnt",
        "wouldnt",
    }
)
# How far back a negator reaches: "doesn't seem to be working" still negates.
NEGATION_WINDOW = 4
# What a negator turns into a complaint: "not working", "didn't help", "nothing happened".
OUTCOME = frozenset(
    {
        "work",
        "help",
        "helped",
        "helping",
        "change",
        "changed",
        "load",
        "loading",
        "loaded",
        "open",
        "opened",
        "opening",
        "happened",
        "happening",
        "better",
        "luck",
        "responding",
        "starting",
        "started",
        "restarted",
        "reset",
        "fix",
    }
    | SUCCESS
    | PRAISE
)
PROBLEM = frozenset(
    {
        "broken",
        "frozen",
        "froze",
        "freezing",
        "stuck",
        "crashed",
        "crashing",
        "black",
        "blank",
        "dead",
        "down",
        "lagging",
        "laggy",
        "same",
        "worse",
        "error",
        "issue",
        "issues",
        "problem",
        "problems",
        "offline",
        "glitching",
        "useless",
    }
)
# "Same problem", "same thing": the answer did not change anything.
_SAME_WHAT = frozenset({"problem", "issue", "thing", "error", "screen", "again"})
# Shouting: this many letters at least, nearly all capitals.
_SHOUTING_LETTERS = 12
_SHOUTING_SHARE = 0.8


def _persists(words: list[str], index: int) -> bool:
    """Whether the word at ``index`` says a problem lasts ("still frozen", "again")."""
    if words[index] not in PERSISTENCE:
        return False
    following = words[index + 1 : index + 3]
    if words[index] != "still" or not following:
        return True
    # "is our booking still on for 7": a plan, not a screen left on.
    return not (following[0] in _STILL_POSSIBLE or following == ["on", "for"])


def detect_sentiment(text: str) -> Sentiment:
    """The mood of a text. Frustration outweighs politeness ("thanks but this is ridiculous").

    Emphasis ("!!!", capitals) counts as frustration even around thanks: a mood read
    wrongly as NEGATIVE costs a staff look, read wrongly as calm it costs a customer.
    """
    words = tokens(text)
    if any(word in PROFANITY or word in FRUSTRATION for word in words):
        return Sentiment.NEGATIVE
    if _celebrates(text, words):
        # "finally broke 90!!! still counts": joy, however many exclamation marks.
        return Sentiment.POSITIVE
    if any(_persists(words, index) for index in range(len(words))):
        return Sentiment.NEGATIVE
    if sounds_sarcastic(text):
        # "thanks a lot for nothing": the thanks is the complaint.
        return Sentiment.NEGATIVE
    if _emphatic(text):
        return Sentiment.NEGATIVE
    if _complains(words):
        # A problem described plainly is a request, not a mood: no escalation for it.
        return Sentiment.NEUTRAL
    if any(_pleased(words, index) for index in range(len(words))):
        return Sentiment.POSITIVE
    return Sentiment.NEUTRAL


# A text opening with these asks something, even without a question mark.
_ASKING_WORDS = frozenset({"how", "what", "whats", "when", "where", "which", "why", "who"})


def recognise_feedback(text: str) -> Sentiment | None:
    """Whether a reply to an automatic answer says it helped, it did not, or neither.

    A complaint outweighs thanks ("thanks but it's still frozen" is NEGATIVE), so
    a failed fix is never counted as a success. Returns None when the reply carries
    no clear verdict: a new question, or a new problem ("good morning, bay 3 is frozen").
    """
    words = tokens(text)
    if not words:
        return None
    if THUMBS_DOWN in words or words == ["still"] or sounds_sarcastic(text):
        return Sentiment.NEGATIVE
    if any(a == "same" and b in _SAME_WHAT for a, b in itertools.pairwise(words)):
        return Sentiment.NEGATIVE
    persistent = any(word in PERSISTENCE for word in words)
    for index, word in enumerate(words):
        if word in OUTCOME and _negated(words, index):
            return Sentiment.NEGATIVE
        if persistent and (word in PROBLEM or word in NEGATORS):
            return Sentiment.NEGATIVE
    if any(word in PROBLEM for word in words) or text.rstrip().endswith("?"):
        return None
    if words[0] in _ASKING_WORDS and words[1:2] not in (["a"], ["an"]):
        # "how long is it good for": a question without its question mark, not a verdict
        # ("what a fix, thanks" is one).
        return None
    if asks_something(text):
        # "thanks! r u open sunday or just saturday": the thanks comes with a question.
        return None
    pleased = any(
        _pleased(words, index) or (words[index] in SUCCESS and not _negated(words, index))
        for index in range(len(words))
    )
    return Sentiment.POSITIVE if pleased else None


def _negated(words: list[str], index: int) -> bool:
    window = words[max(0, index - NEGATION_WINDOW) : index]
    return any(previous in NEGATORS for previous in window)


def _pleased(words: list[str], index: int) -> bool:
    """Thanks or praise not negated: "no thanks" and "not great" please nobody."""
    word = words[index]
    if word in POSITIVE_SYMBOLS:
        return True
    return (word in THANKS or word in PRAISE) and not _negated(words, index)


def _complains(words: list[str]) -> bool:
    """A failure said plainly: "not working", "didn't help", a problem word."""
    return any(
        word in PROBLEM or (word in OUTCOME and _negated(words, index))
        for index, word in enumerate(words)
    )


# A rating no celebration gives: "trackman froze, 0 stars" is a fault report.
_LOW_RATINGS = frozenset({"0", "zero", "1", "one", "no", "2", "two", "minus"})


def _celebrates(text: str, words: list[str]) -> bool:
    """A shot or a round celebrated, with no fault, low rating or question beside it."""
    if not celebrates(text) or asks_something(text) or sounds_sarcastic(text):
        return False
    if any(
        word in _LOW_RATINGS and following in {"star", "stars"}
        for word, following in itertools.pairwise(words)
    ):
        return False
    if any(
        word in NEGATORS and (word, following) not in _JOKING_NEGATIONS
        for word, following in itertools.pairwise([*words, ""])
    ):
        # "best round ever and the score didnt save!!!": something did not work.
        return False
    return not (_complains(words) or reports_problem(text))


# Negations golfers joke with: "the sim doesnt lie", "no joke", "not bad for a lefty".
_JOKING_NEGATIONS = frozenset(
    {
        ("doesnt", "lie"),
        ("dont", "lie"),
        ("no", "joke"),
        ("no", "cap"),
        ("not", "bad"),
        ("not", "gonna"),
        ("never", "thought"),
        ("no", "way"),
    }
)


def _emphatic(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    shouting = (
        len(letters) >= _SHOUTING_LETTERS
        and sum(ch.isupper() for ch in letters) / len(letters) > _SHOUTING_SHARE
    )
    return shouting or "!!!" in text or "?!" in text


# What a negator turns into a report that something went wrong with a payment, a
# booking, a login or a card: "did not apply", "won't let me log in", "didn't go through".
_WENT_WRONG = frozenset(
    {
        "apply",
        "applied",
        "applying",
        "accept",
        "accepted",
        "accepting",
        "take",
        "took",
        "taking",
        "go",
        "went",
        "going",
        "let",
        "log",
        "login",
        "sign",
        "show",
        "showing",
        "showed",
        "scan",
        "scanning",
        "recognise",
        "recognize",
        "recognised",
        "recognized",
        "deducted",
        "come",
        "came",
        # "the verification code never comes", "not getting the text".
        "comes",
        "coming",
        "getting",
        "gets",
        "arrive",
        "arrived",
        "receive",
        "received",
        "get",
        "got",
        "track",
        "tracking",
        "register",
        "registering",
        "read",
        "reading",
        "pick",
        "picking",
        "connect",
        "connecting",
        "turn",
        "turning",
    }
    | OUTCOME
)
# Words that alone say it went wrong ("code invalid", "card declined", "payment failed").
_WRONG = frozenset(
    {
        "invalid",
        "declined",
        "rejected",
        "failed",
        "fails",
        "failing",
        "error",
        "errors",
        "broken",
        "glitch",
        "glitched",
        "bug",
        "problem",
        "issue",
        "crashed",
        "crashing",
        "crashes",
        "frozen",
        "froze",
        "freezing",
        "stuck",
        "glitching",
        "offline",
        "lagging",
    }
)
_QUESTION_OPENERS = frozenset(
    {"how", "can", "could", "do", "does", "is", "are", "what", "when", "where", "will", "which"}
)


def reports_problem(text: str) -> bool:
    """Whether the text tells of something that went wrong, not how to do something.

    "my gift card did not apply", "the app won't let me log in", "payment failed"
    are reports; "how do I use my gift card" and "do gift cards expire" are not. So is
    a card, balance, booking or login in a state the customer did not expect ("my
    voucher shows $0 but I never used it": ``unexpected_state.py``), and so is a fault
    on a device of the bay ("the wifi keeps cutting out": ``device_faults.py``).
    """
    words = tokens(text)
    for index, word in enumerate(words):
        if word in _WRONG:
            return True
        if word in _WENT_WRONG and _negated(words, index) and not _wished_against(words, index):
            return True
    return tells_of_unexpected_state(text) or reports_device_fault(text)


# "dont want to get cut off", "we don't need to get in early": a worry or a wish about
# what might happen, asked before it does, not something that went wrong.
_WISHES = frozenset({"want", "wanna", "need", "mean", "mind", "plan", "intend", "hope"})


def _wished_against(words: list[str], index: int) -> bool:
    """Whether the negation before ``index`` negates a wish, not the outcome."""
    start = max(0, index - NEGATION_WINDOW)
    negators = [position for position in range(start, index) if words[position] in NEGATORS]
    # The nearest negator decides: "dont want to not get in" still fails to get in.
    return bool(negators) and words[negators[-1] + 1] in _WISHES


def reads_as_praise(text: str) -> bool:
    """Praise or thanks with no fault and no question in it: nothing to answer or fix.

    "the simulator works great today" mentions equipment and is no fault report;
    "love it! are you open Sunday?" is a question, "great, but the screen froze" a fault.
    """
    words = tokens(text)
    if not words or "?" in text or words[0] in _QUESTION_OPENERS or asks_something(text):
        return False
    if _complains(words) or reports_problem(text):
        return False
    if any(word in _QUESTION_OPENERS for word in words[1:]) and any(
        word in {"you", "i", "we"} for word in words
    ):
        # "awesome spot, do you have lefty clubs": a question without its question mark.
        return False
    return detect_sentiment(text) is Sentiment.POSITIVE


# Asking for a fix is a fault report even without saying what broke ("reboot it please").
_FIX_REQUESTS = frozenset({"reset", "restart", "reboot", "fix", "repair", "replace"})


def asks_without_fault(text: str) -> bool:
    """A question that names no fault: "how does the simulator track the ball?".

    A statistical model that reads a fault into it (equipment words are in every
    fault example) is not to be believed: nothing is broken, nothing to restart.
    """
    words = tokens(text)
    if not words:
        return False
    asking = "?" in text or words[0] in _QUESTION_OPENERS
    if not asking:
        return False
    faulty = (
        reports_problem(text) or _complains(words) or any(word in _FIX_REQUESTS for word in words)
    )
    return not faulty
