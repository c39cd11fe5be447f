"""Holding replies: a customer claw hands to staff hears that a person will answer.

Escalated customers used to hear nothing until staff wrote, often much later at night.
When a decision hands a customer's text to staff, the policy asks ``holding_reply``
whether the customer should be told so, and the decision carries the text like any
other reply (so it is recorded with the decision, queued in the outbox in the same
write, and judged again on replay). It is an automatic text: the same sending rails
apply (the emergency stop, automatic texts off, the hourly limit, quiet hours), never
to an opted-out number, while staff are already writing or already deciding on the
customer's action (claw told them so), per topic (the intent's
``holding_reply`` setting, on by default), and at most once per conversation per
``HOLDING_REPLY_EVERY``. The words are the venue's own for the topic when its knowledge
has them (``holding_replies`` in the venue file, read into ``Situation.holding_reply``),
else ``wording.holding``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.settings import FeatureSettings, SettingsSnapshot
from claw_domain.wording import Message, Template

if TYPE_CHECKING:
    from claw_domain.policy import Situation

# A customer who writes again within the hour already knows staff will answer.
HOLDING_REPLY_EVERY = timedelta(hours=1)

# Hand-overs where a holding reply would be wrong: claw is talking to itself or a bot.
_NEVER_FOR = frozenset({Reason.OWN_NUMBER, Reason.CONVERSATION_LOOP})


def holding_reply(
    decision: Decision,
    facts: Situation,
    settings: SettingsSnapshot,
    *,
    sending_blocked: Reason | None,
) -> Message | None:
    """The holding reply this decision sends, or None.

    ``sending_blocked`` is the policy's verdict on the sending rails at this moment.
    """
    if decision.kind is not DecisionKind.ESCALATE or decision.message is not None:
        return None
    conversation = facts.conversation
    if decision.reason in _NEVER_FOR or conversation.is_own_number or conversation.opted_out:
        return None
    if sending_blocked is not None:
        return None
    if facts.pending is not None and facts.pending.approval_requested:
        return None  # already told staff must approve and that claw will text them
    until = conversation.staff_active_until
    if until is not None and facts.now < until:
        return None  # staff are writing to them right now
    feature = settings.feature(decision.intent) or FeatureSettings()
    if not feature.holding_reply:
        return None
    if _sent_recently(conversation.holding_reply_at, facts.now):
        return None
    # The venue's wording for this topic when it has one; render falls back to claw's.
    return Message(Template.HOLDING_REPLY, text=facts.holding_reply or "")


def _sent_recently(last: datetime | None, now: datetime) -> bool:
    return last is not None and now - last < HOLDING_REPLY_EVERY


def is_holding_reply(decision: Decision) -> bool:
    return decision.message is not None and decision.message.template is Template.HOLDING_REPLY
