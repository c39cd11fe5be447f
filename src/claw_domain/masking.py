"""Masking phone numbers in text that leaves claw's care: logs and staff alerts."""

from __future__ import annotations

import re

# Not inside a word, nor a hyphenated id: the digit groups of a UUID, a hex id or a
# timestamp are not a phone number.
E164_MAX_DIGITS = 15
_PHONE = re.compile(r"(?<![\w+-])\+?\d[\d\- ().]{6,}\d(?![\w-])")


def mask_phone_numbers(text: str) -> str:
    """'+19025551234' -> '+*******1234': enough to tell customers apart, not to call them."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        # Fewer than 7 digits is a count or a time; more than E.164's 15 is an id.
        if not 7 <= len(digits) <= E164_MAX_DIGITS:
            return match.group(0)
        return "+" + "*" * (len(digits) - 4) + digits[-4:]

    return _PHONE.sub(_mask, text)
