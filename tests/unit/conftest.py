"""Fixtures the story tests share (see tests/venue_stories.py)."""

from __future__ import annotations

import pytest

from claw_adapters.knowledge import load_venue_knowledge
from claw_adapters.knowledge.venue import VenueKnowledge
from claw_entrypoints.venue_evaluation import RecordingUnderstanding, venue_understanding


@pytest.fixture(scope="module")
def knowledge() -> VenueKnowledge:
    return load_venue_knowledge()


@pytest.fixture(scope="module")
def understanding(knowledge: VenueKnowledge) -> RecordingUnderstanding:
    # Trained once per module: every story reads texts with the same local stages.
    return venue_understanding(knowledge)
