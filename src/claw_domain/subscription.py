"""Whether a text asks claw to stop texting the number, or to start again.

Two sources, both honoured: the carrier keywords as the whole message (STOP,
STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, ARRET, ... in any case, with any
punctuation: see :func:`claw_domain.replies.recognise_subscription_keyword`), and
a clear request in the customer's own words ("please stop texting me", "remove me
from your list"). Words like "stop", "cancel" and "end" are everyday venue talk
("the ball won't stop spinning", "can I cancel my booking?"), so a request counts
only when a stop word is bound to texting itself, or stands with nothing but
politeness around it. When in doubt the answer is no opt-out: staff still see the
text, and the carrier's own keyword handling still applies.
"""

from __future__ import annotations

from collections.abc import Sequence

from claw_domain.replies import SubscriptionKeyword, recognise_subscription_keyword, tokens

# Verbs that ask for something to end: "stop texting", "quit messaging me".
_STOP_VERBS = frozenset({"stop", "quit", "cease", "arret", "arrete", "arretez"})
# What claw does that a customer can ask it to stop doing.
_CONTACTING = frozenset(
    {
        "texting",
        "txting",
        "messaging",
        "msging",
        "contacting",
        "spamming",
        "smsing",
        "sending",
    }
)
# Texts as things: "stop these texts", "no more messages". Plural or unambiguous only:
# "stop the text" may be about words on a simulator screen.
_TEXTS = frozenset(
    {"texts", "txts", "messages", "msgs", "sms", "spam", "notifications", "reminders"}
)
# Words that may stand between the stop verb and the texts: "stop sending me these texts".
_BETWEEN = frozenset(
    {"the", "these", "this", "those", "all", "your", "ur", "with", "sending", "me", "us", "any"}
)
# Contact verbs after a "don't": "don't text me", "do not message this number".
_CONTACT_VERBS = frozenset({"text", "txt", "message", "msg", "contact", "sms", "spam"})
# What follows "don't text": the customer, the number, or time ("again", "anymore").
_CONTACT_OBJECTS = frozenset({"me", "us", "this", "my", "again", "anymore", "ever", "any"})
# Where a customer asks to be removed from: "remove me from your list".
_LISTS = frozenset(
    {"list", "lists", "texts", "messages", "contacts", "contact", "system", "database", "sms"}
)
_DETERMINERS = frozenset({"the", "your", "ur", "this", "that", "my", "these", "all"})
# Politeness and emphasis that may surround a bare "stop" without changing it.
_POLITE = frozenset(
    {
        "please",
        "pls",
        "plz",
        "now",
        "thanks",
        "thank",
        "thx",
        "ty",
        "it",
        "just",
        "ok",
        "okay",
        "sorry",
        "right",
        "immediately",
        "asap",
        "seriously",
        "already",
        "omg",
    }
)
_UNSUBSCRIBE = frozenset({"unsubscribe", "unsub", "optout", "stopall"})
# Other subscriptions a customer may want to leave: not claw's texts.
_OTHER_SUBSCRIPTIONS = frozenset(
    {
        "membership",
        "member",
        "booking",
        "bookings",
        "reservation",
        "league",
        "plan",
        "renewal",
        "email",
        "emails",
        "newsletter",
    }
)


def _words(text: str) -> list[str]:
    """Word tokens only: emoji and symbols say nothing about texting."""
    return [token for token in tokens(text) if token.isascii() and token.isalnum()]


def _stop_bound_to_texting(words: Sequence[str]) -> bool:
    """ "stop texting me", "stop sending me these texts", "quit with the messages"."""
    for index, word in enumerate(words):
        if word not in _STOP_VERBS:
            continue
        rest = words[index + 1 :]
        if rest and rest[0] in _CONTACTING - {"sending"}:
            return True
        skipped = 0
        while skipped < len(rest) and skipped < 3 and rest[skipped] in _BETWEEN:
            skipped += 1
        if skipped < len(rest) and rest[skipped] in _TEXTS:
            return True
        if rest[:2] == ["sending", "me"] and all(word in _POLITE for word in rest[2:]):
            return True  # "stop sending me", "stop sending me please"; not "... the code"
    return False


def _negated_contact(words: Sequence[str]) -> bool:
    """ "don't text me", "do not message this number", "never text me again"."""
    for index, word in enumerate(words):
        if word not in _CONTACT_VERBS or index == 0:
            continue
        before = words[max(0, index - 2) : index]
        negated = before[-1:] in (["dont"], ["never"]) or before == ["do", "not"]
        if not negated:
            continue
        after = words[index + 1 : index + 2]
        if not after or after[0] in _CONTACT_OBJECTS:
            return True
    return False


def _no_more_texts(words: Sequence[str]) -> bool:
    return any(
        words[index : index + 2] == ["no", "more"] and words[index + 2] in _TEXTS
        for index in range(len(words) - 2)
    )


def _remove_me(words: Sequence[str]) -> bool:
    """ "remove me from your list", "take me off the list", "delete my number"."""
    for index, word in enumerate(words):
        rest = list(words[index + 1 :])
        if word in {"remove", "delete", "take"} and rest[:2] in (
            ["my", "number"],
            ["this", "number"],
        ):
            return True
        if word not in {"remove", "delete", "take"} or rest[:1] != ["me"]:
            continue
        tail = [w for w in rest[1:] if w not in _POLITE]
        if not tail:
            return True  # "remove me", "take me off please"
        if tail[0] in {"from", "off"}:
            target = [w for w in tail[1:] if w not in _DETERMINERS]
            if not target or target[0] in _LISTS:
                return True
    return False


def _unsubscribe(words: Sequence[str]) -> bool:
    """ "unsubscribe me please", "how do I opt out?", unless it is about a membership."""
    asked = any(word in _UNSUBSCRIBE for word in words) or any(
        words[index : index + 2] == ["opt", "out"]
        or words[index : index + 3] == ["opt", "me", "out"]
        for index in range(len(words))
    )
    if not asked:
        return False
    about_texts = any(word in _TEXTS or word in _CONTACTING for word in words)
    return about_texts or not any(word in _OTHER_SUBSCRIPTIONS for word in words)


def _bare_stop(words: Sequence[str]) -> bool:
    """ "please stop", "STOP STOP STOP", "stop it now": a stop word and politeness only."""
    return any(word in _STOP_VERBS for word in words) and all(
        word in _STOP_VERBS or word in _POLITE for word in words
    )


def recognise_opt_out_request(text: str) -> bool:
    """Whether the text, in the customer's own words, clearly asks claw to stop texting."""
    words = _words(text)
    if not words:
        return False
    return (
        _bare_stop(words)
        or _stop_bound_to_texting(words)
        or _negated_contact(words)
        or _no_more_texts(words)
        or _remove_me(words)
        or _unsubscribe(words)
    )


def recognise_subscription(text: str, *, opted_out: bool) -> SubscriptionKeyword | None:
    """Opt out, opt back in, or neither, for a number that is (or is not) opted out.

    A carrier keyword decides first (a lone CANCEL opts out even while an action
    awaits the customer's yes: carriers treat it so, and may already have blocked
    further texts). A bare YES opts an opted-out number back in, as carriers allow;
    for a number that is not opted out it is a confirmation, never a keyword.
    """
    keyword = recognise_subscription_keyword(text)
    if keyword is not None:
        return keyword
    if opted_out and _words(text) == ["yes"]:
        return SubscriptionKeyword.OPT_IN
    if recognise_opt_out_request(text):
        return SubscriptionKeyword.OPT_OUT
    return None
