"""Whether a text that sounds like thanks or praise is only that.

claw ignores an acknowledgement ("thanks, see you saturday"): nothing to answer. That
is safe only when the whole text is one. Two kinds sound like one and are not:

- **Sarcasm**: "thanks for nothing", "great job /s", "wow so helpful" are complaints,
  the moment a person is most needed; read as thanks they were ignored.
- **A question with a pleasant word in it**: "r u open good friday or closed" holds
  "good" and was ignored as praise. A text that asks something (a question mark, a
  question opener, "r u"/"are you", alternatives joined by "or") is never only
  thanks.

The readings are phrasings, not any one text's words.
"""

from __future__ import annotations

import re

from claw_domain.replies import tokens

_SARCASM = re.compile(
    r"|".join(
        (
            # "thanks for nothing", "thanks a lot for nothing", "thank you so much for no help"
            r"\b(thanks?|thx|ty)( you)?( a lot| a bunch| a ton| so much| very much)?"
            r"( guys| again)? for (nothing|nada|no help|not helping|(not )?(wasting|ignoring)"
            r"|the runaround)\b",
            r"\bappreciate (nothing|the silence|being ignored)\b",
            # the ironic marker
            r"(^|\s)/s\b",
            # "wow so helpful", "wow, really useful", "real helpful guys"
            r"\bwow\W+(\w+\W+)?(so|very|really|super|such a|such|real)\W+"
            r"(helpful|useful|great|fast|quick|amazing|responsive|efficient|big help)\b",
            r"\b(real|such a|very|so|super|really) (helpful|useful|big help)\W+"
            r"(not|lol|smh|lmao)\b",
            r"\b(great|nice|awesome|fantastic|amazing|good|stellar) (job|work|service|help)\b"
            r".{0,60}\b(not|nobody|no one|ignored)\b",
            # an eye roll or a facepalm beside the thanks
            "[\U0001f644\U0001f926\U0001f612]",
        )
    ),
    re.IGNORECASE,
)
# Words that open a question and nothing else ("is", "can", "will" also open
# "is working now", "can confirm", "will do": those need their subject, below).
_QUESTION_OPENERS = frozenset(
    {"how", "what", "whats", "when", "where", "which", "why", "who", "are", "r", "does"}
)
_ASKS = re.compile(
    # "is the door open", "can we book", "do you have": a verb before its subject
    r"^\W*(is|are|r|do|does|can|could|will|would)\W+(u|you|ya|yall|we|i|there|it|the|this"
    r"|that|your|ur)\b"
    # "r u", "are you", "do you", "can we" anywhere after the thanks
    r"|\b(r|are)\W+(u|you|ya|yall)\b"
    r"|\b(do|can|could|would)\W+(u|you|ya|yall|we|i)\b"
    r"|\b(u|you) guys (open|closed)\b"
    # alternatives offered for the venue to choose between: "open or closed"
    r"|\w\s+or\s+\w",
    re.IGNORECASE,
)


def sounds_sarcastic(text: str) -> bool:
    """Thanks or praise said to mean the opposite: a complaint for staff."""
    return _SARCASM.search(text) is not None


def asks_something(text: str) -> bool:
    """A question, with or without its question mark ("r u open good friday or closed")."""
    words = tokens(text)
    if "?" in text:
        return True
    if words and words[0] in _QUESTION_OPENERS and words[1:2] not in (["a"], ["an"]):
        # ("what a fix, thanks" exclaims.)
        return True
    return _ASKS.search(text) is not None


def only_acknowledges(text: str) -> bool:
    """Whether a text read as thanks or praise may be ignored: neither sarcasm nor a question."""
    return not sounds_sarcastic(text) and not asks_something(text)
