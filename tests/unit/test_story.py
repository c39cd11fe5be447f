"""The timeline in plain words: one line per step, in the venue's time zone."""

from __future__ import annotations

from test_application import MEMBER, OPEN_THE_DOOR, RESET_BOX_2, VENUE_LINE, Venue

from claw_domain.identity import conversation_id
from claw_service.audit.story import story
from claw_service.audit.timeline import timeline

HALIFAX = "America/Halifax"


def _told(venue: Venue, customer: str) -> list[tuple[str, str]]:
    entries = timeline(venue.app, conversation_id=conversation_id(VENUE_LINE, customer))
    return [(line.who, line.text) for line in story(entries, HALIFAX)]


def test_a_reset_reads_as_four_steps() -> None:
    venue = Venue()
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.claw_dispatches()
    venue.customer_texts("Yes please")
    venue.claw_dispatches()

    assert _told(venue, "+19025551111") == [
        ("customer", "Customer asked to restart the TrackMan in Bedford box 2"),
        ("claw", "claw asked them to confirm"),
        ("customer", "They said yes"),
        ("claw", "The TrackMan in Bedford box 2 restarted"),
    ]


def test_a_door_opening_reads_in_about_five_lines_not_twenty() -> None:
    venue = Venue()
    venue.customer_texts("let me in please", OPEN_THE_DOOR, customer=MEMBER)
    venue.customer_texts("yes", customer=MEMBER)
    venue.claw_dispatches()
    venue.app.approve_action(venue.action_id(MEMBER), "ada", venue.clock.now())
    venue.claw_dispatches()

    entries = timeline(venue.app, conversation_id=conversation_id(VENUE_LINE, MEMBER))
    lines = story(entries, HALIFAX)

    assert len(entries) >= 15  # what the full timeline records
    assert [(line.who, line.text) for line in lines] == [
        ("customer", "Customer asked to unlock the front door at Bedford"),
        ("claw", "claw asked them to confirm"),
        ("customer", "They said yes"),
        ("claw", "claw asked staff to approve"),
        ("staff", "ada approved"),
        ("claw", "The front door at Bedford unlocked"),
    ]
    assert lines[0].quote == "let me in please"
    # The venue's time, never UTC, and no event class names anywhere.
    assert all(line.at.utcoffset() == lines[0].at.utcoffset() for line in lines)
    assert str(lines[0].at.tzinfo) == HALIFAX
    json_lines = [line.to_json() for line in lines]
    assert json_lines[0]["at"].endswith(("-04:00", "-03:00"))
    assert not any(
        name in str(json_lines) for name in ("Decided", "TextQueued", "ActionSucceeded", "_")
    )


def test_an_escalation_says_staff_have_it_and_the_customer_was_told() -> None:
    venue = Venue()
    venue.customer_texts("let me in please", OPEN_THE_DOOR)  # a stranger at the door
    venue.claw_dispatches()

    assert _told(venue, "+19025551111") == [
        ("customer", "Customer asked to unlock the front door at Bedford"),
        (
            "claw",
            "claw handed it to staff (this number may not open that door) "
            "and told them a staff member will text back",
        ),
    ]
