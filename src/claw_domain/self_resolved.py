"""A problem that went away on its own while claw was asking about it.

After claw offers to restart a frozen TrackMan (or asks which box it is in), the
customer may answer that it no longer matters: "nvm it came back on its own", "all
good now it restarted", "never mind fixed itself", "its working again". That is
the same answer as "no its fine now", a decline of the offer, although it holds no
"no": the reply says the problem resolved itself, so nothing should be restarted
and nobody needs to look.

Read conservatively: a short statement with a phrase of recovery and no sign that
the problem is still there ("still frozen", "it restarted but the screen is
black", "is it working again?"). A text that is not plainly this is left to the
other readings.
"""

from __future__ import annotations

from claw_domain.replies import tokens

# Longer texts tell more than that the problem went away.
_MAX_WORDS = 14

# Word sequences that say the thing works again, whoever or whatever fixed it.
_RECOVERED: tuple[tuple[str, ...], ...] = tuple(
    tuple(phrase.split())
    for phrase in (
        "came back",
        "come back",
        "comes back",
        "back on",
        "back up",
        "back to normal",
        "working again",
        "works again",
        "working now",
        "works now",
        "working fine",
        "working ok",
        "working okay",
        "is working",
        "started working",
        "starts working",
        "start working",
        "fixed itself",
        "fixed it self",
        "fixed it",
        "sorted itself",
        "sorted it",
        "resolved itself",
        "sorted now",
        "fixed now",
        "restarted",
        "rebooted",
        "reset itself",
        "turned back on",
        "unfroze",
        "unfrozen",
        "not frozen anymore",
        "not frozen any more",
        "no longer frozen",
        "fine now",
        "good now",
        "ok now",
        "okay now",
        "all good",
        "all set",
        "figured it out",
        "got it working",
        "got it going",
        "picking up",
        "reading again",
        "tracking again",
    )
)
# Signs that the problem is still there or the text asks about it.
_STILL_A_PROBLEM = frozenset(
    {
        "not",
        "isnt",
        "arent",
        "wasnt",
        "doesnt",
        "didnt",
        "wont",
        "cant",
        "cannot",
        "still",
        "stopped",
        "froze",
        "freezes",
        "freezing",
        "crashed",
        "broke",
        "broken",
        "died",
        "dead",
        "black",
        "blank",
        "but",
        "nothing",
        "same",
        "help",
        "error",
    }
)
# "not frozen anymore" says it is fine although it holds "not" and "frozen".
_NEGATED_FAULT = (("not", "frozen"), ("no", "longer", "frozen"))


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(words[start : start + size]) == phrase for start in range(len(words)))


def says_resolved_itself(text: str) -> bool:
    """Whether a short reply says the problem is gone: "nvm it came back on its own"."""
    if "?" in text:
        return False
    words = tokens(text)
    if not words or len(words) > _MAX_WORDS:
        return False
    if not any(_contains(words, phrase) for phrase in _RECOVERED):
        return False
    # Drop the phrases that deny a fault before looking for signs of one.
    checked = list(words)
    for phrase in _NEGATED_FAULT:
        for start in range(len(checked) - len(phrase) + 1):
            if tuple(checked[start : start + len(phrase)]) == phrase:
                checked[start : start + len(phrase)] = [""] * len(phrase)
    return not any(word in _STILL_A_PROBLEM for word in checked)
