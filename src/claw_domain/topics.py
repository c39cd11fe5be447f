"""Which intents are questions about a topic, and when a text about one is a problem instead.

The venue's answer for such an intent is a how-to ("enter the gift card code at
checkout"). Sent to a customer whose gift card did not apply, it reads as not
listening: a report that something went wrong with a payment, a booking, a login
or a card goes to staff (``Reason.PROBLEM_REPORT``), with the topic as the decision's
intent ("problem report about gift_card_redeem -> staff"). Intents that are already
about something wrong (a frozen simulator, a locked door, a lost item, a refund)
have answers written for problems and are not in this set.
"""

from __future__ import annotations

import re

from claw_domain.sentiment import reports_problem
from claw_domain.values import Intent

QUESTION_INTENTS: frozenset[Intent] = frozenset(
    {
        Intent.GIFT_CARD_PURCHASE,
        Intent.GIFT_CARD_REDEEM,
        Intent.HOURS,
        Intent.PRICING,
        Intent.MEMBERSHIP,
        Intent.BOOKING_NEW,
        Intent.BOOKING_CHANGE,
        Intent.BOOKING_APP,
        Intent.WIFI,
        Intent.CLUB_RENTAL,
        Intent.FOOD_DRINK,
        Intent.FACILITY,
        Intent.KIDS,
        Intent.DRESS_CODE,
        Intent.GAMEPLAY,
    }
)


# The customer held up on the way, not a thing of the venue's gone wrong: "stuck in
# traffic, gonna be 20 min late" asks to keep the booking, it reports no fault in it.
_HELD_UP_ON_THE_WAY = re.compile(
    r"\b(stuck|caught|held up|delayed|stopped)\s+(in|at|on|behind)\s+"
    r"(the\s+)?(traffic|work|the office|the bridge|a meeting|an accident|construction|"
    r"the highway|the \d+|\d+)\b",
    re.IGNORECASE,
)


def is_problem_report(intent: Intent, text: str) -> bool:
    """Whether a text classified as a question about a topic tells of a problem with it."""
    return intent in QUESTION_INTENTS and reports_problem(_HELD_UP_ON_THE_WAY.sub(" ", text))
