"""Recording a text claw will not answer, and telling staff about a malformed sender.

The identity rule (``claw_domain.senders``) says which texts are set aside; this
records each on its sender's ``SetAsideSender`` aggregate (no conversation is
started, nothing is decided, no reply is queued) and, at most once an hour per
number, tells staff that a sender which is not a phone number is texting the venue.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import attrs
import structlog
from eventsourcing.application import AggregateNotFoundError

from claw_adapters.projections.events import mask_number
from claw_domain.errors import EffectError
from claw_domain.identity import set_aside_sender_id
from claw_domain.ports import StaffAlert, StaffNotifier
from claw_domain.senders import SetAsideReason
from claw_domain.set_aside import SetAsideOutcome, SetAsideSender
from claw_domain.values import InboundText
from claw_service.application import ClawApplication
from claw_service.retry import retry_on_conflict

log = structlog.get_logger("claw.set_aside")

# A malformed sender may be any string: what staff and the log see of it is bounded.
_MASKED_LENGTH = 24


@attrs.frozen
class SetAsideResult:
    outcome: SetAsideOutcome
    masked_sender: str
    notification_id: int | None


@retry_on_conflict
def set_aside_text(
    app: ClawApplication, text: InboundText, reason: SetAsideReason, at: datetime
) -> SetAsideResult:
    """Record that ``text`` came in and will not be answered, and why."""
    sender_id = set_aside_sender_id(text.customer_number)
    try:
        sender: SetAsideSender = app.repository.get(sender_id)
    except AggregateNotFoundError:
        masked = mask_number(text.customer_number)[:_MASKED_LENGTH]
        sender = SetAsideSender.start(sender_id, masked, at)
    outcome = sender.set_aside(text.message_id, text.venue_line, reason, at)
    recordings = app.save(sender)
    return SetAsideResult(
        outcome=outcome,
        masked_sender=sender.masked_sender,
        notification_id=recordings[-1].notification.id if recordings else None,
    )


async def tell_staff_of_malformed_sender(
    app: ClawApplication, staff: StaffNotifier, result: SetAsideResult, line: str
) -> None:
    """One alert; held back while the emergency stop is engaged, like every message."""
    if await asyncio.to_thread(lambda: app.settings().emergency_stop is not None):
        log.info("malformed_sender_alert_withheld")
        return
    shown = result.masked_sender or "no digits at all"
    body = (
        f"Texts to {line} come from a sender that is not a phone number ({shown}). "
        "claw records them and does not answer; you will hear about this sender "
        "again in an hour at the earliest."
    )
    try:
        await staff.notify(StaffAlert(title="Texts from a malformed sender", body=body))
    except EffectError as error:
        log.error("malformed_sender_alert_failed", error=str(error))
