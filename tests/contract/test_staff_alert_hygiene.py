"""Staff alerts carry sanitised text: masked numbers, no control codes, no live links."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from claw_adapters.staff import sms_text
from claw_adapters.staff.notifier import slack_text
from claw_adapters.staff.sanitise import LINK_REMOVED, MAX_ALERT_TEXT, sanitised
from claw_domain.ports import AlertSeverity, StaffAlert

CUSTOMER = "+19025551234"
HOSTILE = (
    f"Customer {CUSTOMER} needs a person (handoff, intent other): "
    "let me in \x1b[31mNOW\x1b[0m\u202e gnp.exe\u200b see https://evil.example/pay?x=1 "
    "or www.evil.example <!channel> <https://evil.example|your bank> "
    "call me on (902) 555-9876\x07"
)
ALERT = StaffAlert(
    title="Customer needs staff",
    body=HOSTILE,
    conversation_id="conv-1",
    severity=AlertSeverity.URGENT,
)


def _full_numbers(text: str) -> list[str]:
    return [n for n in re.findall(r"\d[\d\- ().]{6,}\d", text) if "*" not in n]


def test_an_sms_alert_masks_numbers_drops_control_codes_and_links() -> None:
    text = sms_text(ALERT)

    assert CUSTOMER not in text
    assert "+*******1234" in text
    assert "5559876" not in re.sub(r"\D", "", text)
    assert not any(ord(c) < 32 and c != "\n" for c in text)
    assert "\u202e" not in text
    assert "\u200b" not in text
    assert "evil.example" not in text
    assert LINK_REMOVED in text
    assert "let me in NOW" in text


def test_a_slack_alert_is_sanitised_and_its_markup_inert() -> None:
    text = slack_text(ALERT)

    assert CUSTOMER not in text
    assert "evil.example" not in text
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert "\x1b" not in text


def test_a_long_customer_text_is_trimmed() -> None:
    alert = StaffAlert(title="Customer needs staff", body="word " * 1000)

    assert len(sanitised(alert.body)) <= MAX_ALERT_TEXT
    assert len(sms_text(alert)) < MAX_ALERT_TEXT + 100


@given(st.text())
def test_no_text_leaves_a_control_code_or_a_full_number(body: str) -> None:
    clean = sanitised(body)

    assert not any(ord(c) < 32 and c != "\n" for c in clean)
    assert len(clean) <= MAX_ALERT_TEXT
    assert sanitised(clean) == clean


@given(st.uuids())
def test_the_conversation_reference_survives_whole(conversation: object) -> None:
    # Staff find the conversation by this id; digits inside it are not a phone number.
    alert = StaffAlert(
        title="Customer needs staff",
        body="call me on 902-555-1234",
        conversation_id=str(conversation),
    )
    assert str(conversation) in sms_text(alert)
    assert str(conversation) in slack_text(alert)
    assert "555-1234" not in sms_text(alert)


def test_a_digit_only_conversation_reference_is_not_masked() -> None:
    reference = "12345678-1234-4234-8234-123456789012"
    alert = StaffAlert(title="t", body="b", conversation_id=reference)
    assert reference in sms_text(alert)
    assert reference in slack_text(alert)
