"""The identity rule for inbound texts, and the once-an-hour alert for a malformed sender."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from claw_adapters.openphone.webhooks import normalise_phone
from claw_domain.senders import Lines, SetAsideReason, set_aside_reason
from claw_domain.set_aside import SetAsideSender

LINE, SECOND_LINE = "+19025550100", "+19025550101"
STAFF = "+19025558888"
LINES = Lines.of([LINE, SECOND_LINE], [STAFF])
NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sender", "line", "reason"),
    [
        ("+19025551234", LINE, None),
        ("+19025551234", SECOND_LINE, None),
        ("+19025551234", "+19025559999", SetAsideReason.NOT_OUR_LINE),
        ("not-a-number", "+19025559999", SetAsideReason.NOT_OUR_LINE),  # nobody alerted
        (SECOND_LINE, LINE, SetAsideReason.OWN_NUMBER),
        (LINE, LINE, SetAsideReason.OWN_NUMBER),
        (STAFF, LINE, SetAsideReason.STAFF_NUMBER),
        ("not-a-number", LINE, SetAsideReason.MALFORMED_SENDER),
        ("19025551234", LINE, SetAsideReason.MALFORMED_SENDER),  # no country code guessed
        ("+1", LINE, SetAsideReason.MALFORMED_SENDER),
        ("+1902555123412345", LINE, SetAsideReason.MALFORMED_SENDER),
        ("+1 902 555 1234", LINE, SetAsideReason.MALFORMED_SENDER),  # the adapter normalises
        ("", LINE, SetAsideReason.MALFORMED_SENDER),
    ],
)
def test_who_is_a_customer(sender: str, line: str, reason: SetAsideReason | None) -> None:
    assert set_aside_reason(sender, line, LINES) is reason


def test_a_malformed_sender_alerts_staff_at_most_once_an_hour() -> None:
    sender = SetAsideSender.start(uuid4(), "**", NOON)
    malformed = SetAsideReason.MALFORMED_SENDER

    alerts = [
        sender.set_aside("m1", LINE, malformed, NOON).alert_staff,
        sender.set_aside("m2", LINE, malformed, NOON + timedelta(minutes=59)).alert_staff,
        sender.set_aside("m3", LINE, malformed, NOON + timedelta(minutes=60)).alert_staff,
        sender.set_aside("m4", LINE, malformed, NOON + timedelta(minutes=61)).alert_staff,
    ]

    assert alerts == [True, False, True, False]


def test_other_reasons_never_alert_and_a_retried_message_is_a_duplicate() -> None:
    sender = SetAsideSender.start(uuid4(), "+*******8888", NOON)

    first = sender.set_aside("m1", LINE, SetAsideReason.STAFF_NUMBER, NOON)
    again = sender.set_aside("m1", LINE, SetAsideReason.STAFF_NUMBER, NOON)

    assert (first.duplicate, first.alert_staff) == (False, False)
    assert (again.duplicate, again.alert_staff) == (True, False)
    assert sender.texts == 1


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("+1 (902) 555-1234", "+19025551234"),
        ("+1.902.555.1234", "+19025551234"),
        ("+19025551234", "+19025551234"),
        ("(902) 555-1234", "(902) 555-1234"),  # no country code is guessed: set aside
        ("not-a-number", "not-a-number"),
        ("PN123abc", "PN123abc"),
    ],
)
def test_the_webhook_removes_only_formatting_from_numbers(raw: str, normalised: str) -> None:
    assert normalise_phone(raw) == normalised
