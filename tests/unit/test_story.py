"""The timeline in plain words: one line per step, in the venue's time zone."""

from __future__ import annotations

import attrs
from test_application import HOURS, MEMBER, OPEN_THE_DOOR, RESET_BOX_2, VENUE_LINE, Venue

from claw_adapters.fakes.memory import MemoryMessenger
from claw_domain.identity import conversation_id
from claw_domain.ports import SentText
from claw_domain.settings import FeatureMode, FeatureSettings
from claw_domain.values import Intent
from claw_entrypoints.bootstrap import effect_ports
from claw_service.audit.story import story
from claw_service.audit.timeline import timeline
from claw_service.dispatcher import EffectDispatcher

HALIFAX = "America/Halifax"
# The Venue's messenger is the dry-run one: what claw texted was recorded, never sent.
NOT_SENT = " (dry run: not sent)"


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
        ("claw", "claw asked them to confirm" + NOT_SENT),
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
        ("claw", "claw asked them to confirm" + NOT_SENT),
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
            "and told them a staff member will text back" + NOT_SENT,
        ),
    ]


@attrs.define
class VendorMessenger(MemoryMessenger):
    """A messenger whose receipts are a real vendor's: the texts went out."""

    async def send_text(self, *, to: str, body: str) -> SentText:
        await super().send_text(to=to, body=body)
        return SentText(vendor_message_id=f"AC{self.sent_count}", status="sent")


async def _no_sleep(_seconds: float) -> None:
    return None


def test_texts_a_real_messenger_sent_carry_no_dry_run_mark() -> None:
    venue = Venue()
    venue.dispatcher = EffectDispatcher(
        venue.app,
        effect_ports(VendorMessenger(), venue.devices, venue.doors, venue.staff),
        venue.clock,
        sleep=_no_sleep,
    )
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    venue.claw_dispatches()

    assert _told(venue, "+19025551111") == [
        ("customer", "Customer asked to restart the TrackMan in Bedford box 2"),
        ("claw", "claw asked them to confirm"),
    ]


def test_a_text_not_yet_sent_is_not_marked_until_the_dry_run_takes_it() -> None:
    venue = Venue()
    venue.customer_texts("trackman frozen box 2", RESET_BOX_2)
    waiting = _told(venue, "+19025551111")
    venue.claw_dispatches()

    assert waiting[-1] == ("claw", "claw asked them to confirm")
    assert _told(venue, "+19025551111")[-1] == ("claw", "claw asked them to confirm" + NOT_SENT)


def test_a_draft_staff_approved_under_a_dry_run_does_not_say_it_was_sent() -> None:
    venue = Venue()
    suggest = FeatureSettings(mode=FeatureMode.SUGGEST)
    venue.app.change_feature(Intent.HOURS, suggest, "owner", venue.clock.now())
    venue.customer_texts("when do you close?", HOURS)
    venue.app.approve_suggestion(venue.conversation().id, 1, "ada", venue.clock.now())
    venue.claw_dispatches()

    assert _told(venue, "+19025551111")[-2:] == [
        ("claw", "claw drafted a reply for staff to review"),
        ("staff", "ada approved claw's draft" + NOT_SENT),
    ]


def test_a_draft_staff_changed_under_a_dry_run_does_not_say_it_was_sent() -> None:
    venue = Venue()
    suggest = FeatureSettings(mode=FeatureMode.SUGGEST)
    venue.app.change_feature(Intent.HOURS, suggest, "owner", venue.clock.now())
    venue.customer_texts("when do you close?", HOURS)
    conversation = venue.conversation().id
    venue.app.approve_suggestion(conversation, 1, "ada", venue.clock.now(), shown="Open 24/7.")
    venue.claw_dispatches()

    assert _told(venue, "+19025551111")[-1] == ("staff", "ada changed claw's draft" + NOT_SENT)
