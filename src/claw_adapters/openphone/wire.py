"""OpenPhone's documented request rules, checked before anything leaves claw."""

from __future__ import annotations

import re

from claw_adapters.openphone.errors import InvalidOutboundTextError

MAX_CONTENT_LENGTH = 1600

_E164 = re.compile(r"\+[1-9]\d{1,14}")
_PHONE_NUMBER_ID = re.compile(r"PN\S+")


def is_e164(number: str) -> bool:
    return _E164.fullmatch(number) is not None


def is_sender(sender: str) -> bool:
    """OpenPhone accepts a phone number id (``PN…``) or the number itself in E.164."""
    return _PHONE_NUMBER_ID.fullmatch(sender) is not None or is_e164(sender)


def check_recipient(number: str) -> None:
    if not is_e164(number):
        msg = "the recipient must be one E.164 number such as +15555550123"
        raise InvalidOutboundTextError(msg)


def check_content(body: str) -> None:
    # The spec counts characters, not bytes or SMS segments, exactly as len() does.
    if not body.strip():
        msg = "the text is empty or only whitespace; OpenPhone refuses blank texts"
        raise InvalidOutboundTextError(msg)
    if len(body) > MAX_CONTENT_LENGTH:
        msg = (
            f"the text has {len(body)} characters; OpenPhone accepts at most "
            f"{MAX_CONTENT_LENGTH}, so shorten it or split it"
        )
        raise InvalidOutboundTextError(msg)
