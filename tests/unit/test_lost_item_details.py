"""After a lost-item answer, a reply describing the thing and where it was continues it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from claw_domain.lost_items import describes_lost_item
from claw_domain.slots import AnsweredIntent, ContextUse, read_in_context
from claw_domain.values import Classification, ClassificationSource, Entities, Intent

AT = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)

DESCRIPTIONS = [
    ("bay 3 bedford, grey nike hoodie", Entities("bedford", 3)),
    ("it was a black wallet, box 1", Entities(box=1)),
    ("navy north face jacket. dartmouth box 4", Entities("dartmouth", 4)),
    ("white ray bans in a brown case", Entities()),
    ("my titleist putter with a red headcover, bay 2", Entities(box=2)),
    ("silver apple watch i think box 3", Entities(box=3)),
    ("set of keys with a blue lanyard, bedford", Entities("bedford")),
]


@pytest.mark.parametrize(("text", "entities"), DESCRIPTIONS)
@pytest.mark.parametrize("model_read", [Intent.OTHER, Intent.CLUB_RENTAL, Intent.EQUIPMENT])
def test_a_description_of_the_lost_thing_and_where_continues_the_lost_item(
    text: str, entities: Entities, model_read: Intent
) -> None:
    # A model reads the words alone: about nothing, or a putter as club rental.
    said = Classification(model_read, 0.9, ClassificationSource.LOCAL_MODEL, entities=entities)
    answered = AnsweredIntent(Intent.LOST_ITEM, 0.9, ClassificationSource.PATTERN, Entities(), AT)

    read = read_in_context(
        said, text, waiting=None, answered=answered, now=AT + timedelta(minutes=2),
        follow_up_window=timedelta(minutes=10),
    )  # fmt: skip

    assert read is not None
    assert (read.use, read.classification.intent) == (ContextUse.FOLLOW_UP, Intent.LOST_ITEM)
    assert read.classification.entities == entities


@pytest.mark.parametrize(
    "text",
    [
        "where is the bedford location?",
        "the trackman in box 2 is frozen",
        "can I book box 3 for tomorrow",
        "door is locked at dartmouth",
        "ok thanks",
        "what time do you close",
    ],
)
def test_a_question_or_a_fault_after_a_lost_item_answer_is_no_description(text: str) -> None:
    assert not describes_lost_item(text)


def test_a_description_after_another_topic_is_not_read_as_a_lost_item() -> None:
    said = Classification(Intent.OTHER, 0.4, ClassificationSource.LOCAL_MODEL)
    answered = AnsweredIntent(Intent.HOURS, 0.9, ClassificationSource.PATTERN, Entities(), AT)

    read = read_in_context(
        said, "grey nike hoodie", waiting=None, answered=answered,
        now=AT + timedelta(minutes=2), follow_up_window=timedelta(minutes=10),
    )  # fmt: skip

    assert read is None
