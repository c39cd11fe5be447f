"""A fault reported on a device of the bay, and the flow that deals with it.

Customers name whatever they see ("the projector keeps flickering", "ipad went
black", "speaker has no sound", "ball feeder is stuck") and describe the fault in
their own words. A model trained on a few examples per intent reads "projector"
as the equipment question it saw "the projector is blurry" in, and "speaker" as
the facility question about music. Both readings answer a fault with an FAQ. Here
the fault is read in two parts, each from a list of its own kind rather than from
any one example:

- **a device of the bay**, grouped by the flow claw has for it: the simulator
  (TrackMan, projector, screen, sensor, PC, iPad or tablet, software) has a
  restart; the side screen (TV, monitor) has its how-to; a door has its unlock; the
  Wi-Fi is a topic whose answer (the password) mends nothing, so a fault on it is a
  problem for staff; everything else (mat, ball feeder, lights, air conditioning,
  speaker, remote...) is equipment, which staff look after;
- **a fault phrasing**: something that keeps happening ("keeps flickering",
  "keeps cutting out"), a state ("is flickering", "is dead", "is down", "is
  stuck"), a change ("went black", "died"), a refusal ("won't turn on", "not
  working") or an absence ("no sound", "no signal").

The device nearest the fault is the one at fault ("love the projector but the AC
keeps cutting out" is the AC). Faults in the past tense ("the AC wasn't working")
are left to the rest of the reading: after a visit they are complaints.
"""

from __future__ import annotations

import re

from claw_domain.values import Intent

# One alternative per device kind; the group's name says the flow. Longer names come
# first, so "side screen" is the side screen and not the simulator's screen.
_DEVICES = re.compile(
    r"\b(?:"
    r"(?P<side>(?:side|second|small|little|stats?|extra|other|wall) "
    r"(?:screen|monitor|tv|display)s?|tvs?|televisions?|monitors?)|"
    # "the gas station next door" is a neighbour, not a door.
    r"(?P<door>(?<!next )doors?|locks?|keypads?|entrance|buzzer)|"
    r"(?P<wifi>wi ?fi|wireless|internet)|"
    r"(?P<simulator>track ?man|simulators?|sims?|projectors?|screens?|displays?|images?|"
    r"sensors?|launch monitors?|cameras?|pcs?|computers?|software|ipads?|tablets?|"
    r"touch ?screens?|games?|system|radar)|"
    r"(?P<equipment>(?:hitting )?mats?|tees?|ball (?:feeder|dispenser|tray|return|machine)s?|"
    r"feeder|dispenser|lights?|lamps?|bulbs?|ac|a c|air ?con\w*|heat(?:er|ing)?|fans?|"
    r"speakers?|sound ?system|sound|audio|stereo|bluetooth|remotes?|keyboard|mouse|"
    r"nets?|outlets?|plugs?|chargers?|fridge|thermostat)"
    r")\b"
)
_FLOW_OF_GROUP = {
    "side": Intent.SIDE_SCREEN,
    "door": Intent.DOOR_ACCESS,
    "wifi": Intent.WIFI,
    "simulator": Intent.TRACKMAN_RESET,
    "equipment": Intent.EQUIPMENT,
}
_FAULTY_STATE = (
    r"(?:flicker\w*|flash\w*|blink\w*|strobing|glitch\w*|lag\w*|freez\w*|frozen|froze|"
    r"crash\w*|jamm?\w*|buzz\w*|beep\w*|stuck|dead|died|dying|broken|busted|fried|"
    r"lock(?:s|ed|ing)? up|"
    r"disconnect\w*|cut(?:s|ting)? (?:out|off)|drop(?:s|ping|ped)? (?:out|off)|"
    r"shut(?:s|ting)? (?:off|down)|turn(?:s|ing|ed)? (?:itself )?off|restart(?:s|ing)|"
    r"reboot(?:s|ing)|black|dark|blank|fuzzy|static|distorted|garbled|on the fritz|"
    # A crash shown rather than named: "a blue screen with white text", "an error message".
    r"blue ?screen\w*|(?:went|turned|turns|goes|gone) blue|errors?(?: message| code)?s?|"
    r"(?:back|out) to (?:the )?desktop|"
    # A door that takes the code and stays shut: "stays locked", "wont budge".
    r"(?:stays?|stayed|staying|still|remains?) (?:locked|shut|closed)|(?:wont|doesnt|didnt) budge)"
)
_FAULT = re.compile(
    # It keeps happening: "keeps flickering", "keeps cutting out", "kept dropping".
    r"\bkeeps? (?:on )?\w+ing\b|"
    # A faulty state or a change: "is flickering", "went black", "died", "is down".
    rf"\b{_FAULTY_STATE}\b|"
    r"\b(?:is|are|its|went|gone|goes|going) (?:\w+ )?(?:down|off|out|dead|silent|quiet|"
    r"crazy|haywire)\b|\b(?:isnt|is not|arent|are not) on\b|"
    # A refusal: "won't turn on", "not working", "stopped working", "can't get it to load".
    r"\b(?:wont|will not|isnt|is not|arent|are not|doesnt|does not|dont|do not|not|stopped|"
    r"quit|cant get (?:it|them|the \w+) to) (?:\w+ )?(?:work\w*|turn\w* on|come on|start\w*|"
    r"load\w*|connect\w*|respond\w*|power\w* on|charg\w*|switch\w* on|stay on|open\w*|unlock\w*|"
    r"read\w*|track\w*|register\w*|detect\w*|pick\w* up)\b|"
    # An absence: "no sound", "no signal", "nothing on the screen".
    r"\bnot (?:actually |really )?(?:unlock\w*|open\w*)\b|\bnothing happens\b|"
    r"\bno (?:sound|audio|picture|image|signal|power|display|connection|internet|volume|"
    r"lights?|balls? (?:coming|come) out)\b"
)
# A picture that is there but in the wrong place ("half the picture is on the wall",
# "the image is crooked"): the projector wants aligning by staff, a restart mends
# nothing.
_MISALIGNED = re.compile(
    r"\b(?:misalign\w*|out of (?:alignment|line)|crooked|tilted|askew|skew(?:ed)?|"
    r"off ?cent(?:er|re)d?|not cent(?:er|re)d|shifted|(?:not|doesnt|dont) (?:line|lined|lining) up|"
    r"(?:way|too far|a bit|slightly|all the way) off|off the screen|hang\w* off|"
    r"spills? (?:onto|over)|"
    r"(?:on|onto) the (?:wall|walls|ceiling|floor))\b"
)
# Faults only a door has, whichever device (a keypad's light) is named nearer them.
_DOOR_FAULT = re.compile(r"unlock|budge|locked|\bopen|\bshut\b|closed|nothing happens")
_PICTURE = re.compile(r"\b(?:projector|picture|image|projection)s?\b")
# Mended since: "it was stuck but it's working now", "the screen got fixed", "no more
# flickering".
_RESOLVED = re.compile(
    r"\b(?:working|works|worked) (?:again|now|fine|great|well|perfectly)\b|"
    r"\b(?:is|was|got|been|all|its) (?:fixed|sorted|resolved|good now)\b|\bback (?:on|up)\b|"
    r"\bno (?:more|longer)\b|\bany ?more\b"
)
# "was flickering the whole time", "kept cutting out": told after the visit, a complaint.
_IN_THE_PAST = re.compile(r"\b(?:was|were|wasnt|werent|had|kept|had been)(?: \w+)? $")
# The words before a device that make it a place: "next to the mat", "on the screen".
_AFTER_PREPOSITION = re.compile(
    r"\b(?:to|on|in|by|beside|near|under|behind|from|of|at|with|above|below|over|into|onto)"
    r"(?: (?:the|a|an|our|my|this|that|your))? $"
)


def _normalised(text: str) -> str:
    """Lower case, apostrophes and slashes dropped ("won't" -> "wont", "a/c" -> "a c")."""
    lowered = text.lower().replace("\u2019", "").replace("'", "").replace("/", " ")
    lowered = lowered.replace("-", " ")
    return " ".join(lowered.split())


def device_fault_flow(text: str) -> Intent | None:
    """The flow for a device of the bay the text reports a fault on, or None.

    "projector keeps flickering" is the simulator's restart (TRACKMAN_RESET), "the TV
    keeps cutting out" the side screen, "speaker has no sound" EQUIPMENT, "wifi keeps
    dropping" WIFI (a problem with it, for staff). "does the projector show 4k" names
    no fault, "it keeps freezing" no device: None.
    """
    said = _normalised(text)
    if _PICTURE.search(said) and _MISALIGNED.search(said):
        return Intent.EQUIPMENT
    faults = [
        match.span()
        for match in _FAULT.finditer(said)
        if not _IN_THE_PAST.search(said[: match.start()])
    ]
    if not faults or _RESOLVED.search(said):
        return None
    devices = [
        match
        for match in _DEVICES.finditer(said)
        # "no picture" is a fault, not a device
        if not any(start <= match.start() and match.end() <= end for start, end in faults)
    ]
    # "the little tv next to the mat is glitching": a device after a preposition says
    # where the one at fault is, unless no other device is named.
    subjects = [match for match in devices if not _AFTER_PREPOSITION.search(said[: match.start()])]
    candidates = subjects or devices
    if not candidates:
        return None
    # Each fault is the nearest device's; faults on devices with different flows ("the
    # door won't open and the wifi is down") are two problems, left to the other readings.
    flows = set()
    door_named = any(match.lastgroup == "door" for match in devices)
    for start, end in faults:
        if door_named and _DOOR_FAULT.search(said[start:end]):
            # "the green light comes on but it wont unlock": only a door unlocks.
            flows.add(Intent.DOOR_ACCESS)
            continue
        nearest = min(
            candidates, key=lambda match: max(start - match.end(), match.start() - end, 0)
        )
        if nearest.lastgroup is not None:
            flows.add(_FLOW_OF_GROUP[nearest.lastgroup])
    return flows.pop() if len(flows) == 1 else None


def reports_device_fault(text: str) -> bool:
    """Whether the text reports a fault on a device of the bay (``device_fault_flow``)."""
    return device_fault_flow(text) is not None
