"""The harness the story tests of issue #13 share: a customer's texts replayed through
a fresh in-memory claw built with the demo venue, and the decision on the last text.

The `knowledge` and `understanding` fixtures that feed `decide` live in
tests/unit/conftest.py, so that each story module trains the local stages once.
"""

from __future__ import annotations

import asyncio

from claw_adapters.knowledge.venue import VenueKnowledge
from claw_domain.decisions import Decision, DecisionKind
from claw_entrypoints.venue_evaluation import RecordingUnderstanding, replay_conversation

# Decisions that text the customer or act on claw's own.
AUTOMATIC = frozenset({DecisionKind.RESPOND, DecisionKind.EXECUTE})

# Members of the demo venue: one with door access at both locations, one at Dartmouth only.
MEMBER_AT_BOTH = "+19025550123"
MEMBER_AT_DARTMOUTH = "+19025550124"


def decide(
    knowledge: VenueKnowledge,
    understanding: RecordingUnderstanding,
    *texts: str,
    sender: str | None = None,
) -> Decision:
    """The decision on the last of `texts`, sent by `sender` or, without one, a stranger."""
    replaying = (
        replay_conversation(texts, knowledge, understanding)
        if sender is None
        else replay_conversation(texts, knowledge, understanding, sender)
    )
    replayed = asyncio.run(replaying)
    assert replayed.decision is not None
    return replayed.decision
