"""Who may be answered: the identity rule for an inbound text.

claw answers customers, on the venue's own lines. A text is *set aside* (recorded,
never answered) when it is addressed to a line that is not one of the venue's,
when it comes from one of claw's own lines or a staff phone (a loop, or staff
testing: never a customer), or when its sender is not an E.164 number (no reply
can reach it, and a reply would go to whatever the vendor makes of it).

Pure: the lines and staff numbers come from configuration, passed in.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable

import attrs

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class SetAsideReason(enum.StrEnum):
    NOT_OUR_LINE = "not_our_line"  # addressed to a line that is not the venue's
    OWN_NUMBER = "own_number"  # from one of claw's own lines
    STAFF_NUMBER = "staff_number"  # from a staff phone
    MALFORMED_SENDER = "malformed_sender"  # the sender is not an E.164 number


def is_e164(number: str) -> bool:
    return _E164.match(number) is not None


@attrs.frozen
class Lines:
    """The venue's lines (claw answers texts to them, never from them) and staff phones."""

    venue_lines: frozenset[str]
    staff_numbers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, venue_lines: Iterable[str], staff_numbers: Iterable[str] = ()) -> Lines:
        return cls(frozenset(venue_lines), frozenset(staff_numbers))


def set_aside_reason(sender: str, line: str, lines: Lines) -> SetAsideReason | None:
    """Why a text from ``sender`` to ``line`` must not be answered; None for a customer.

    A text not addressed to the venue is no business of claw's: that comes
    first, so a stranger's malformed sender on someone else's line alerts nobody.
    """
    if line not in lines.venue_lines:
        return SetAsideReason.NOT_OUR_LINE
    if sender in lines.venue_lines:
        return SetAsideReason.OWN_NUMBER
    if sender in lines.staff_numbers:
        return SetAsideReason.STAFF_NUMBER
    if not is_e164(sender):
        return SetAsideReason.MALFORMED_SENDER
    return None
