"""The safety topics every venue has, whatever its file lists.

A venue's ``blacklist`` names the topics claw must hand to staff; a text on one
is escalated before any rail that only holds claw back (opted out, rapid texting,
the emergency stop), and the alert is urgent. Medical emergencies were in no
venue's list: "someone collapsed" went to staff as an ordinary question, and from
a customer who had once texted STOP it went nowhere. These words are therefore
built in; a venue adds words and topics, never removes these.

Phrases, not single words, where a word alone is golf ("stroke", "shot", "drive").
Hazards to people or the building are built in the same way: a burning smell,
smoke from a device, sparks, melting, bare wires, water coming through the ceiling
or onto the mats, loose on the floor or running under a door, a toilet or sink
overflowing, broken glass, someone hurt. An overflowing garbage can is a mess for
staff, not a hazard: only water and what a toilet spills count. "the projector is making a burning
smell" got a suggestion about equipment; a fault claw may only answer with a
how-to must never swallow a fire. "smoke" and "smoking" alone are no hazard: "can
I smoke outside?", "is smoking allowed on the patio" and "that drive was a smoke
show" are questions and golf talk, so only smoke that comes from somewhere, fills
something or is smelt counts, and "smoking" only after a device or "is/started".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product

# What customers name when a device in a box fails dangerously ("the projector is smoking").
_DEVICES = (
    "projector",
    "computer",
    "pc",
    "tv",
    "screen",
    "monitor",
    "outlet",
    "plug",
    "socket",
    "power bar",
    "power strip",
    "cable",
    "cord",
    "wire",
    "wires",
    "trackman",
    "sim",
    "simulator",
    "heater",
    "speaker",
    "light",
    "lights",
    "fan",
    "unit",
    "machine",
)
# "the heater in box 3 is smoking": where the device is sits between it and the smoke.
_PLACES = ("box", "bay", "room", "sim", "simulator", "suite")
_PLACE_NUMBERS = tuple(str(number) for number in range(1, 13))
_BURNT = ("burning", "burnt", "burned")
_BURNT_THINGS = ("smell", "smells", "odor", "odour", "plastic", "rubber", "wire", "wires")


def _device_phrases(states: Sequence[str]) -> tuple[str, ...]:
    """ "projector smoking", "projector is smoking", "projectors smoking" (apostrophe dropped)."""
    phrases: list[str] = []
    for device, state in product(_DEVICES, states):
        phrases += [f"{device} {state}", f"{device} is {state}", f"{device}s {state}"]
        phrases += [f"{device} started {state}", f"{device} keeps {state}"]
    return tuple(phrases)


_SMOKE_OR_FIRE: tuple[str, ...] = (
    *(f"{burnt} {thing}" for burnt, thing in product(_BURNT, _BURNT_THINGS)),
    *(
        f"{smell} {how}{burnt}"
        for smell, how, burnt in product(
            ("smell", "smells", "smelled", "smelling", "smelt"),
            ("", "like ", "like something ", "of ", "of something ", "something "),
            _BURNT,
        )
    ),
    "something burning",
    "is burning",
    "its burning",
    "something is burning",
    "somethings burning",
    "something burnt",
    "electrical smell",
    "electric smell",
    "smells electrical",
    "smell electrical",
    "smells like electrical",
    "smoke coming",
    "smoke is coming",
    "smoke from",
    "smoke out of",
    "smoke pouring",
    "smoke everywhere",
    "full of smoke",
    "filling with smoke",
    "theres smoke",
    "there is smoke",
    "see smoke",
    "seeing smoke",
    "smell smoke",
    "smells like smoke",
    "smelled like smoke",
    "its smoking",
    "it is smoking",
    "started smoking",
    "starting to smoke",
    *_device_phrases(("smoking", "sparking", "melting", "melted")),
    *(
        f"{place} {number} {state}"
        for place, number, state in product(
            _PLACES,
            _PLACE_NUMBERS,
            ("is smoking", "started smoking", "keeps smoking", "is sparking", "is melting"),
        )
    ),
    "sparks",
    "sparking",
    "sparked",
    "is melting",
    "its melting",
    "started melting",
    "melted plastic",
    "melting plastic",
    "plastic melting",
    "exposed wire",
    "exposed wires",
    "wires exposed",
    "wire exposed",
    "bare wire",
    "bare wires",
    "live wire",
    "live wires",
    "wires hanging",
    "wire hanging",
    "wires sticking out",
    "wire sticking out",
    "frayed cable",
    "frayed cord",
    "frayed wire",
    "electric shock",
    "electrical shock",
    "got shocked",
    "got a shock",
    "shocked me",
    "electrocuted",
)
_WATER: tuple[str, ...] = (
    *(
        f"{water} {verb}"
        for water, verb in product(
            ("water", "water is"),
            (
                "leaking",
                "dripping",
                "pouring",
                "coming through",
                "coming in",
                "coming down",
                "coming from the ceiling",
                "all over",
                "on the floor",
                "on the mat",
                "everywhere",
            ),
        )
    ),
    "leaking water",
    "dripping water",
    *(
        f"{what} {verb}"
        for what, verb in product(
            ("ceiling", "ceiling is", "roof", "roof is", "pipe", "pipe is", "pipes"),
            ("leaking", "dripping", "burst"),
        )
    ),
    "burst pipe",
    "pipes burst",
    "broken pipe",
    "water main",
    # Water loose on the floor, wherever it is heading.
    *(
        f"{water} {where}"
        for water, where in product(
            ("water", "water is", "waters"),
            (
                "going under",
                "coming under",
                "running under",
                "under the door",
                "going into",
                "running into",
                "spreading",
                "seeping",
                "gushing",
                "spraying",
                "spilling",
                "in the hallway",
                "in the hall",
                "into the hallway",
                "into the hall",
                "all over the floor",
            ),
        )
    ),
    "water on the floor",
    "standing water",
    # A toilet or sink overflowing or backed up: water and sewage, not a mess.
    *(
        f"{fixture} {state}"
        for fixture, state in product(
            ("toilet", "toilets", "sink", "sinks", "urinal", "urinals"),
            (
                "overflowing",
                "is overflowing",
                "are overflowing",
                "overflowed",
                "has overflowed",
                "overflows",
                "flooding",
                "is flooding",
                "backed up",
                "is backed up",
                "backing up",
                "leaking",
                "is leaking",
                "spraying",
                "wont stop running",
            ),
        )
    ),
    *(f"overflowing {fixture}" for fixture in ("toilet", "toilets", "sink", "urinal")),
    "sewage",
    "leak in the ceiling",
    "leak in the roof",
    "leaking from the ceiling",
    "dripping from the ceiling",
    "leaking through the ceiling",
    "dripping onto",
    "leaking onto",
    "dripping on the",
    "leaking on the",
    "theres a leak",
    "there is a leak",
    "its leaking",
    "flood",
    "flooding",
    "flooded",
    "puddle",
    "mat is soaked",
    "mat is soaking",
    "mat is wet",
    "sprinklers",
    "sprinkler went off",
    "sprinklers went off",
)
_REFLEXIVE = ("himself", "herself", "themselves", "themself", "myself", "yourself")
_WHOSE = ("his", "her", "my", "their", "your")
# "hurt my wrist" is an injury, "hurt my score" and "cut my booking short" are not.
_BODY = (
    "head",
    "face",
    "eye",
    "nose",
    "lip",
    "back",
    "neck",
    "shoulder",
    "arm",
    "elbow",
    "wrist",
    "hand",
    "finger",
    "thumb",
    "hip",
    "leg",
    "knee",
    "ankle",
    "foot",
    "toe",
)
_INJURY: tuple[str, ...] = (
    "bleeding",
    "injured",
    "injury",
    "got hurt",
    "is hurt",
    "hes hurt",
    "shes hurt",
    "badly hurt",
    "really hurt",
    *(f"hurt {who}" for who in _REFLEXIVE),
    *(f"cut {who}" for who in _REFLEXIVE),
    *(
        f"{verb} {whose} {part}"
        for verb, whose, part in product(("hurt", "cut", "smashed", "broke"), _WHOSE, _BODY)
    ),
    *(
        f"hit {whose} {part}"
        for whose, part in product(_WHOSE, ("head", "face", "eye", "nose", "mouth"))
    ),
    *(f"hit in the {part}" for part in ("head", "face", "eye")),
    *(f"hit by {what}" for what in ("a ball", "the ball", "a club", "the club")),
    *(f"hit with {what}" for what in ("a ball", "the ball", "a club", "the club")),
    *(
        f"broken {part}"
        for part in ("arm", "wrist", "nose", "finger", "hand", "ankle", "leg", "tooth", "teeth")
    ),
    "sprained",
    "twisted his ankle",
    "twisted her ankle",
    "twisted my ankle",
    "concussion",
    "knocked out",
    "first aid",
    "stitches",
    # First aid asked for, or a wound told: "got any bandaids", "a nasty cut on his hand".
    "bandaid",
    "bandaids",
    "band aid",
    "band aids",
    "bandage",
    "bandages",
    "gash",
    *(f"{size} cut" for size in ("nasty", "bad", "deep", "big", "huge")),
    *(f"cut on {whose} {part}" for whose, part in product(_WHOSE, _BODY)),
    *(
        f"{verb} by {what}"
        for verb, what in product(
            ("clipped", "struck", "smacked", "whacked"),
            ("a ball", "the ball", "a club", "the club", "his club", "her club", "my club"),
        )
    ),
    *(f"sliced {whose} {part}" for whose, part in product(_WHOSE, _BODY)),
    "slipped and fell",
    "tripped and fell",
    "fell and hit",
    "fell down the stairs",
)
# Glass broken by someone ("smashed the glass on the door"), said broken ("the door
# glass is smashed") or lying about ("glass all over the entrance"). "Cracked" is
# left out: "can we crack the door" opens it a little.
_GLASS_THINGS = ("glass", "window", "windows", "glass door", "door glass", "front window")
_BREAKING = ("smashed", "shattered", "broke", "broken", "busted", "smashed in", "kicked in")
_BROKEN_GLASS: tuple[str, ...] = (
    "broken glass",
    "glass broke",
    "glass everywhere",
    "shattered",
    "broke a glass",
    "broke a window",
    "window broke",
    "broken window",
    "glass all over",
    "glass is all over",
    "glass on the floor",
    "glass on the ground",
    "shards",
    "pieces of glass",
    *(
        f"{verb} {determiner} {thing}"
        for verb, determiner, thing in product(
            ("smashed", "shattered", "broke", "busted", "smashed in", "kicked in"),
            ("the", "a", "our", "your", "their"),
            _GLASS_THINGS,
        )
    ),
    # A door is broken glass only when smashed: "the front door is broken" is a door fault.
    *(
        f"{verb} {determiner} {door}"
        for verb, determiner, door in product(
            ("smashed", "shattered", "smashed in", "kicked in"),
            ("the", "a", "our", "your", "their"),
            ("door", "front door", "door window"),
        )
    ),
    *(
        f"{thing} {linking}{verb}"
        for thing, linking, verb in product(
            _GLASS_THINGS,
            ("", "is ", "was ", "got ", "has been ", "have been ", "are ", "been "),
            _BREAKING,
        )
    ),
    *(
        f"{verb} {thing}"
        for verb, thing in product(("smashed", "shattered", "busted"), _GLASS_THINGS)
    ),
)

SAFETY_TOPICS: Mapping[str, tuple[str, ...]] = {
    "medical": (
        "collapsed",
        "unconscious",
        "unresponsive",
        "passed out",
        "fainted",
        "not breathing",
        "isnt breathing",
        "isn't breathing",
        "cant breathe",
        "can't breathe",
        "stopped breathing",
        "heart attack",
        "seizure",
        "choking",
        "overdose",
        "allergic reaction",
        "cpr",
        "paramedic",
        "paramedics",
        "ambulance",
        "medical emergency",
    ),
    "emergency": (
        "emergency",
        "911",
        "fire",
        "smell gas",
        "smells like gas",
        "gas leak",
        "gas smell",
        "carbon monoxide",
    ),
    "smoke_or_fire": _SMOKE_OR_FIRE,
    "water_leak": _WATER,
    "injury": _INJURY,
    "broken_glass": _BROKEN_GLASS,
}


def with_safety_topics(blacklist: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The venue's topics, then the built-in ones; a topic in both gets both lists."""
    merged = {topic: list(words) for topic, words in blacklist.items()}
    for topic, words in SAFETY_TOPICS.items():
        known = merged.setdefault(topic, [])
        known += [word for word in words if word not in known]
    return merged
