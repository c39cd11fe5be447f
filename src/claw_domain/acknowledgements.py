"""Whether a text that sounds like thanks or praise is only that.

claw ignores an acknowledgement ("thanks, see you saturday"): nothing to answer. That
is safe only when the whole text is one. Two kinds sound like one and are not:

- **Sarcasm**: "thanks for nothing", "great job /s", "wow so helpful" are complaints,
  the moment a person is most needed; read as thanks they were ignored.
- **Praise beside a complaint about being served**: "great so i texted 3 times and
  got a robot", "awesome customer service, nobody replied", "love waiting an hour":
  the praise word is the complaint's sarcasm, whichever comes first. Praise with a
  complaint that ended well ("waited 10 min but all sorted, thanks") is thanks.
- **A question with a pleasant word in it**: "r u open good friday or closed" holds
  "good" and was ignored as praise. A text that asks something (a question mark, a
  question opener, "r u"/"are you", alternatives joined by "or") is never only
  thanks.

One more kind is praise though it does not sound like it: a customer celebrating a
shot or a round ("finally broke 90!!!", "hole in one lol", "blaming the trackman. 10
stars tho"). The exclamation marks are joy, not shouting, and a device named in
jest is no fault (``celebrates`` here; ``sentiment.py`` keeps a real fault a fault).

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
# Words of praise or thanks that sarcasm borrows.
_PRAISE = re.compile(
    r"\b(great|awesome|amazing|fantastic|perfect|wonderful|brilliant|excellent|lovely|love|"
    r"loving|nice|stellar|incredible|outstanding|superb|helpful|thanks|thank you|thx|"
    r"top notch|10/10|(5|five) stars)\b",
    re.IGNORECASE,
)
# A complaint about being served: a robot for an answer, nobody answering, the waiting.
_SERVICE_COMPLAINT = re.compile(
    r"|".join(
        (
            r"\b(got|get|getting|talking to|talk to|reached|stuck with|just|only|answered by)"
            r" (a |an |the |some )?(robot|bot|machine|auto ?reply|autoreply|computer)\b",
            r"\b(another|more|just an?|only an?) (automated|auto|canned|robot|bot|generic|copy"
            r" paste[d]?) (reply|response|message|answer|text)",
            r"\b(texted|messaged|called|emailed|asked|tried|rang|wrote)\b(\W+\w+){0,3}?\W+"
            r"(\d+|two|three|four|five|six|several|multiple|many|a bunch of|so many) times\b",
            r"\b(texted|messaged|called|emailed|asked|rang) (you )?(twice|again and again)\b",
            r"\b(no|zero|still no|never (got|had) (a|any)|without (a|any)) (reply|replies|"
            r"response|answer|call ?back|help|one answering)\b",
            r"\b(nobody|no one|noone)\b(\W+\w+){0,2}?\W+(answers|answered|replies|replied|"
            r"responds|responded|helps|helped|picks up|picked up|got back|gets back|called back)\b",
            # Waiting done, not planned: "i'll wait 10 minutes and try again" is no complaint.
            r"\b(waited|been waiting|still waiting)\b(\W+\w+){0,2}?\W+(\d+|an?|two|three|"
            r"forty|thirty|twenty|fifteen|ten) ?(min|mins|minutes|hours?|hrs?|days?)\b",
            r"\bwaiting\b.{0,20}\bfor (a |an |any )?(reply|response|answer|someone|anyone|help|"
            r"staff)\b",
            r"\bstill waiting\b|\b(been |being |got |get )ignored\b|\bignored (me|us)\b"
            r"|\bleft on read\b",
            r"\blov(e|ing) (waiting|being (ignored|on hold|left)|(the )?(silence|runaround)|"
            r"(getting|talking to) (a |the )?(robot|bot))\b",
        )
    ),
    re.IGNORECASE,
)
# A complaint that was put right: "waited 10 min but all sorted, thanks" is thanks.
_PUT_RIGHT = re.compile(
    r"\b(but|and|now)\b(\W+\w+){0,2}?\W+(good|fine|sorted|resolved|fixed|ok|okay|worked|"
    r"working)\b|\bno (worries|problem|big deal)\b",
    re.IGNORECASE,
)
# A shot or a round celebrated, or a rating given with a wink.
_CELEBRATION = re.compile(
    r"|".join(
        (
            r"\b(broke|beat|cracked|shot|shoot|shooting|under) (\d{2,3}|par|bogey golf)\b",
            r"\b(broke|beat|smashed|set) (my|a) (pb|personal best|record|best|high score)\b",
            r"\bhole[- ]?in[- ]?(one|1)\b|\b(an? |my first )(eagle|albatross|birdie|ace)\b",
            r"\b(eagle|birdie|albatross)d?\b.{0,12}\b(on|at)\b (\w+ )?\d{1,2}\b",
            r"\b(best|greatest|lowest|longest) (round|score|game|drive|shot|night|time|day|"
            r"session|swing)\b.{0,25}\b(ever|of my life|of the year|yet|in years)\b",
            r"\b(personal best|new pb|new record|career (round|best|low)|lifetime best)\b",
            r"\bstill counts\b",
            # "10 stars tho", "11/10", "5 stars anyway": a rating above what a fault gets
            r"\b([4-9]|1\d|\d{3,}|ten|five|a million) ?(stars|/ ?10|out of 10)\b",
            r"\bblam(e|ed|ing) (it on |that on )?(the |my )?(sim|simulator|trackman|projector|"
            r"screen|machine|clubs?|wind|putter|driver|grip|beer|beers)\b.{0,40}"
            r"\b(lol|lmao|haha\w*|tho|though|anyway|jk|still|stars|/10)\b",
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
    if _SARCASM.search(text) is not None:
        return True
    if _SERVICE_COMPLAINT.search(text) is None or _PRAISE.search(text) is None:
        return False
    return _PUT_RIGHT.search(text) is None


def celebrates(text: str) -> bool:
    """A shot, a round or the evening celebrated ("finally broke 90!!!", "10 stars tho").

    Only the phrasing: whether a fault is told beside it is ``sentiment.py``'s to say.
    """
    return _CELEBRATION.search(text) is not None


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
