"""Text hygiene: what claw keeps of a text, whatever characters it came with."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from claw_adapters.fakes.openphone import message_received
from claw_adapters.openphone import PayloadGeneration, WebhookMessage, parse_webhook
from claw_domain.text import clean, clean_text

BIDI_CONTROLS = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def never_stored(char: str) -> bool:
    code = ord(char)
    return (
        (unicodedata.category(char) == "Cc" and char not in "\n\t")
        or char in BIDI_CONTROLS
        or 0xD800 <= code <= 0xDFFF
        or char in "\ufffe\uffff"
    )


any_text = st.text(st.characters(exclude_categories=()), max_size=200)


@given(any_text)
def test_a_cleaned_text_holds_nothing_claw_never_stores(raw: str) -> None:
    cleaned = clean(raw)
    assert not any(never_stored(char) for char in cleaned)
    assert clean(cleaned) == cleaned
    # Valid UTF-8 and storable as PostgreSQL text: no NUL, no surrogate.
    cleaned.encode("utf-8")


@given(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=200))
def test_a_text_without_them_is_kept_as_it_is(raw: str) -> None:
    raw = "".join(char for char in raw if char not in BIDI_CONTROLS | {"\ufffe", "\uffff"})
    assert clean(raw) == raw


def test_what_was_removed_is_named_by_code_point_and_line_ends_survive() -> None:
    cleaned = clean_text("hello\u0000 what\u202e are\r\nyour\rhours?\t\u200d")
    assert cleaned.text == "hello what are\nyour\nhours?\t\u200d"
    assert cleaned.describe_removed() == "U+0000x1 U+202Ex1"


def test_the_webhook_cleans_the_text_and_every_other_field() -> None:
    payload = message_received(
        PayloadGeneration.APP,
        text="hello\u0000 what are your hours?PLACEHOLDER",
        customer="+19025551234\u0000",
        venue="+19025550000",
        created_at=datetime(2026, 11, 25, 12, tzinfo=UTC),
    )
    # Half a surrogate pair is valid JSON as an escape, though no valid text.
    parsed = parse_webhook(json.dumps(payload).replace("PLACEHOLDER", "\\ud83d").encode())
    assert isinstance(parsed, WebhookMessage)
    assert parsed.text == "hello what are your hours?"
    assert parsed.from_number == "+19025551234"
