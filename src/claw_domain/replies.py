"""Deterministic reading of short customer replies: confirmations and opt-outs.

These decide things the language model must never decide: whether the customer
said yes to a hardware action and whether a number may be texted at all (whether an
automatic answer helped is ``claw_domain.sentiment``'s). Everything here is pure and
conservative: when a reply is not plainly one thing, the answer is ``None`` and a
human or a later stage looks.

Precedence for a caller holding a pending confirmation: check
:func:`recognise_subscription_keyword` first (or ``claw_domain.subscription``'s
``recognise_subscription``, which adds opt-outs in plain language). A bare "CANCEL"
is a carrier opt-out keyword as well as a decline, and the opt-out must win (the
number may not be texted again), although :func:`recognise_yes_no` also reads it as
``NO``.
"""

from __future__ import annotations

import enum
import re
import unicodedata

from claw_domain.values import YesNo

# Replies longer than this are sentences, not answers to "reply YES to confirm".
MAX_CONFIRMATION_WORDS = 8

# Apostrophes (straight, curly, backtick, acute) vanish so "don't" and "dont" are one token.
_APOSTROPHES = re.compile("['\u2019\u2018`\u00b4]")
_WORD = re.compile(r"[a-z0-9]+")

THUMBS_UP = "\U0001f44d"
THUMBS_DOWN = "\U0001f44e"
_YES_SYMBOLS = frozenset(
    {
        THUMBS_UP,
        "\u2705",  # white heavy check mark
        "\u2714",  # heavy check mark
        "\U0001f44c",  # OK hand
        "\U0001f197",  # squared OK
        "\U0001f64f",  # folded hands: "please"
    }
)
_NO_SYMBOLS = frozenset(
    {
        THUMBS_DOWN,
        "\u274c",  # cross mark
        "\u2716",  # heavy multiplication x
        "\U0001f6ab",  # no entry sign
    }
)


class SubscriptionKeyword(enum.StrEnum):
    """A carrier keyword that changes whether claw may text a number."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


# The whole message, with case, spaces, accents and punctuation ignored ("Stop all." ->
# "stopall", "Arrêt" -> "arret": the French keyword Canadian carriers honour).
_OPT_OUT_KEYWORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "end", "quit", "cancel", "optout", "revoke", "arret"}
)
# YES is deliberately absent: it is how customers confirm actions, and reading it as
# an opt-in would let a confirmation silently re-subscribe an opted-out number.
_OPT_IN_KEYWORDS = frozenset({"start", "unstop"})

# Single tokens that carry a yes on their own.
_YES_WORDS = frozenset(
    {
        "y",
        "ye",
        "ya",
        "yah",
        "yeah",
        "yea",
        "yeh",
        "yep",
        "yeap",
        "yup",
        "yas",
        "sure",
        "ok",
        "okay",
        "okey",
        "okie",
        "k",
        "kk",
        "confirm",
        "confirmed",
        "affirmative",
        "absolutely",
        "definitely",
        "correct",
        "certainly",
        "yessir",
        "alright",
        "aight",
    }
)
# Token sequences that carry a yes on their own.
_YES_PHRASES: tuple[tuple[str, ...], ...] = (
    ("go", "ahead"),
    ("do", "it"),
    ("please", "do"),
    ("sounds", "good"),
    ("that", "works"),
    ("of", "course"),
    ("for", "sure"),
    ("sure", "thing"),
    ("go", "for", "it"),
    ("lets", "do", "it"),
    ("please", "proceed"),
)
_NO_WORDS = frozenset(
    {
        "n",
        "no",
        "nope",
        "nah",
        "naw",
        "nay",
        "negative",
        "dont",
        "cancel",
        "nvm",
        "nevermind",
        "decline",
        "declined",
    }
)
_NO_PHRASES: tuple[tuple[str, ...], ...] = (
    ("do", "not"),
    ("never", "mind"),
    ("not", "now"),
    ("cancel", "that"),
    ("cancel", "it"),
    ("dont", "do", "it"),
    ("do", "not", "do", "it"),
    ("no", "need"),
    ("leave", "it"),
    ("forget", "it"),
    ("dont", "bother"),
)
# After a no, the reason it is no longer needed: "no its fine now", "nah all good".
# Only after a no: these words never make a yes, and declining is the safe reading.
_NO_LONGER_NEEDED = frozenset(
    {
        "its",
        "it",
        "is",
        "was",
        "all",
        "fine",
        "good",
        "ok",
        "okay",
        "now",
        "working",
        "works",
        "worked",
        "fixed",
        "sorted",
        "back",
        "again",
        "on",
        "we",
        "im",
        "are",
        "got",
        # "nah we're done for the night": the session is over, so the fix is not needed.
        "were",
        "done",
        "finished",
        "leaving",
        "anyway",
        "for",
        "the",
        "night",
        "tonight",
        "day",
        "heading",
        "going",
        "home",
        "out",
    }
)
# Words that may surround a yes or a no without changing it ("yes please", "no thanks").
_FILLER = frozenset(
    {
        "please",
        "pls",
        "plz",
        "thanks",
        "thank",
        "you",
        "thx",
        "ty",
        "cheers",
        "sir",
        "maam",
        "mate",
        "man",
        "bro",
        "dude",
        "buddy",
        "now",
        "thats",
        "that",
        "it",
        "great",
        "perfect",
        "fine",
        "good",
        "sorry",
        "oh",
        "um",
        "hi",
        "hey",
        "hello",
        "then",
        "lol",
    }
)


def _fold(text: str) -> str:
    """Case-fold and drop accents and apostrophes, keeping emoji as characters."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", stripped)


def _is_symbol(ch: str) -> bool:
    return unicodedata.category(ch) in {"So", "Sk"} or ch in _YES_SYMBOLS | _NO_SYMBOLS


def tokens(text: str) -> list[str]:
    """Words (lower case, accents and apostrophes dropped) and emoji, in order."""
    folded = _fold(text)
    result: list[str] = []
    word: list[str] = []
    for ch in folded:
        if ch.isascii() and ch.isalnum():
            word.append(ch)
            continue
        if word:
            result.append("".join(word))
            word = []
        if _is_symbol(ch):
            result.append(ch)
    if word:
        result.append("".join(word))
    return result


# Emphatic spellings customers type ("yesss", "okkk", "noooo", "nopeee").
_EMPHATIC = (
    (re.compile(r"y+e+s+|y+a+s+"), "yes"),
    (re.compile(r"y+e+a+h+"), "yeah"),
    (re.compile(r"y+u+p+"), "yup"),
    (re.compile(r"y+e+p+"), "yep"),
    (re.compile(r"o+k+|o+k+a+y+"), "ok"),
    (re.compile(r"n+o+"), "no"),
    (re.compile(r"n+o+p+e+"), "nope"),
    (re.compile(r"n+a+h+"), "nah"),
)


def _canonical_word(token: str) -> str:
    """Map an emphatic spelling onto its plain word; other tokens pass through."""
    for pattern, plain in _EMPHATIC:
        if pattern.fullmatch(token):
            return plain
    return token


def _consume(
    words: list[str], start: int, singles: frozenset[str], phrases: tuple[tuple[str, ...], ...]
) -> int:
    """How many tokens at ``start`` form one yes (or no) unit; 0 when none does."""
    for phrase in sorted(phrases, key=len, reverse=True):
        if tuple(words[start : start + len(phrase)]) == phrase:
            return len(phrase)
    return 1 if words[start] in singles else 0


def recognise_yes_no(text: str) -> YesNo | None:
    """Read a reply to "reply YES to confirm" as yes, no, or neither.

    Every token must be a yes or no marker or harmless filler, at least one marker
    must be present, and all markers must agree. So "Yes please", "yep 👍" and
    "ok do it" are YES, "nope", "don't", "cancel that" and a no with the reason it is
    not needed any more ("no its fine now", "nah all good") are NO, and
    "yes but the other box", "no yes" or any longer sentence are None.
    """
    raw = tokens(text)
    if not raw or len(raw) > MAX_CONFIRMATION_WORDS:
        return None
    words = [_canonical_word(token) for token in raw]
    yes_words = _YES_WORDS | {"yes"} | _YES_SYMBOLS
    no_words = _NO_WORDS | _NO_SYMBOLS
    seen: set[YesNo] = set()
    index = 0
    while index < len(words):
        # Longest match first: "dont do it" is a no although "do it" alone is a yes.
        no_len = _consume(words, index, no_words, _NO_PHRASES)
        yes_len = _consume(words, index, yes_words, _YES_PHRASES)
        if no_len and no_len >= yes_len:
            seen.add(YesNo.NO)
            index += no_len
        elif yes_len:
            seen.add(YesNo.YES)
            index += yes_len
        elif words[index] in _FILLER or (seen == {YesNo.NO} and words[index] in _NO_LONGER_NEEDED):
            index += 1
        else:
            return None
    if len(seen) != 1:
        return None
    return seen.pop()


def _squashed(text: str) -> str:
    """The message with everything but ASCII letters and digits removed."""
    return "".join(ch for ch in _fold(text) if ch.isascii() and ch.isalnum())


def recognise_subscription_keyword(text: str) -> SubscriptionKeyword | None:
    """STOP, UNSUBSCRIBE, END, QUIT, CANCEL... opt out; START or UNSTOP opt back in.

    Only the whole message counts, ignoring case, spaces and punctuation, as the
    carriers define these keywords: "Stop!" opts out, "stop by later?" does not.
    """
    squashed = _squashed(text)
    if squashed in _OPT_OUT_KEYWORDS:
        return SubscriptionKeyword.OPT_OUT
    if squashed in _OPT_IN_KEYWORDS:
        return SubscriptionKeyword.OPT_IN
    return None
