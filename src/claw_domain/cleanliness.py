"""Whether a text complains that the venue was left dirty or without supplies.

"no toilet paper in the bathroom" and "the bathroom is gross" name the bathroom, so
a model reads them as a facility question and the venue's answer says where the
washroom is. They are complaints about the venue: a person should hear them and
send someone. An overflowing garbage can belongs here too; it is a mess, not a
hazard (water on the floor is one: ``understanding/safety.py``).
"""

from __future__ import annotations

import re

_PLACES = (
    r"(bathroom|bathrooms|washroom|washrooms|restroom|restrooms|toilet|toilets|stall|box|bay"
    r"|floor|floors|place|room|table|tables|couch|mat|mats|seats?|lounge|lobby|kitchen)"
)
_DIRTY = (
    r"(gross|dirty|filthy|disgusting|nasty|messy|a mess|a disaster|sticky|smelly|stinky"
    r"|grimy|unclean|rank|vile)"
)
_SUPPLIES = (
    r"(toilet paper|tp|paper towels?|hand towels?|soap|hand soap|sanitizer|sanitiser|napkins"
    r"|toilet roll|loo roll)"
)
_MESS = re.compile(
    r"|".join(
        (
            rf"\b(no|out of|ran out of|run out of|zero|not any|wasnt any|wasn't any|isnt any"
            rf"|isn't any) (more )?{_SUPPLIES}\b",
            rf"\b{_PLACES}\b( (in|at|of|by) [\w ]{{0,12}}?)? (is|was|were|are|looked|looks|smelled"
            rf"|smells)? ?(so |really |very "
            rf"|super |pretty |absolutely |kinda |totally )?{_DIRTY}\b",
            rf"\b{_DIRTY} {_PLACES}\b",
            r"\b(garbage|trash|rubbish|bins?|garbage cans?|trash cans?|recycling)"
            r" (is |was |were |are )?(overflowing|overflowed|full|spilling)\b",
            r"\b(overflowing|full) (garbage|trash|bins?|garbage cans?|trash cans?)\b",
            r"\b(left|leaving) (a |their |such a )?(mess|garbage|trash|cans|bottles|food)\b"
            r".{0,30}\b(everywhere|all over|behind)\b",
            r"\b(hasnt|hasn't|wasnt|wasn't|not|never) been cleaned\b",
        )
    ),
    re.IGNORECASE,
)


def complains_of_mess(text: str) -> bool:
    """Dirt, missing supplies or overflowing garbage, told as what the customer found."""
    return _MESS.search(text) is not None
