"""Phone numbers are masked in logs and staff alerts; claw's own ids are not."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from claw_domain.masking import mask_phone_numbers
from claw_entrypoints.logging import _mask_processor


def test_numbers_in_every_common_shape_keep_only_their_last_four_digits() -> None:
    for number in ("+19025551234", "902-555-1234", "(902) 555-1234", "902.555.1234"):
        masked = mask_phone_numbers(f"call me on {number} please")
        assert "1234" in masked
        assert "555" not in masked, masked


@given(st.uuids())
def test_a_conversation_id_in_a_log_line_stays_whole(conversation: UUID) -> None:
    # Operators grep the logs for the conversation id the console shows them.
    logged = _mask_processor(None, "info", {"conversation": str(conversation)})
    assert logged["conversation"] == str(conversation)


def test_a_digit_only_uuid_is_not_a_phone_number() -> None:
    reference = "12345678-1234-4234-8234-123456789012"
    assert mask_phone_numbers(f"conversation {reference}") == f"conversation {reference}"
