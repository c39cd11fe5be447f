"""The safety topics every venue has, whatever its file lists.

A venue's ``blacklist`` names the topics claw must hand to staff; a text on one
is escalated before any rail that only holds claw back (opted out, rapid texting,
the emergency stop), and the alert is urgent. Medical emergencies were in no
venue's list: "someone collapsed" went to staff as an ordinary question, and from
a customer who had once texted STOP it went nowhere. These words are therefore
built in; a venue adds words and topics, never removes these.

Phrases, not single words, where a word alone is golf ("stroke", "shot", "drive").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
}


def with_safety_topics(blacklist: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The venue's topics, then the built-in ones; a topic in both gets both lists."""
    merged = {topic: list(words) for topic, words in blacklist.items()}
    for topic, words in SAFETY_TOPICS.items():
        known = merged.setdefault(topic, [])
        known += [word for word in words if word not in known]
    return merged
