"""The venue's own holding reply for a situation's topic, read before claw decides.

The policy never reads the knowledge: the words are put on the ``Situation`` here, so
they are recorded with the decision and replay and what-if say what was said then.
"""

from __future__ import annotations

import attrs

from claw_domain.policy import Situation, topic_of
from claw_domain.ports import KnowsHoldingReplies


def with_holding_reply(situation: Situation, venue: object) -> Situation:
    """``situation`` with the venue's holding reply for its topic (None: claw's own words)."""
    if not isinstance(venue, KnowsHoldingReplies):
        return situation
    intent, _confidence = topic_of(situation)
    return attrs.evolve(situation, holding_reply=venue.holding_reply(intent))
