"""Missed calls: a customer who called and reached nobody can get a text back.

"Sorry we missed your call, how can we help?" turns a call nobody picked up into a
conversation claw (or staff) can carry on by text. It is its own feature, the
``missed_call`` intent's settings: off, shadow, suggest (staff approve the text in the
review queue) or auto. The rails of every automatic text apply (the emergency stop,
automatic texts off, the hourly limit, quiet hours, the feature's reply limit), never
to an opted-out number or while staff are talking to the customer, and a caller who
rings again within ``TEXT_BACK_EVERY`` is not texted twice.

``missed_call_verdict`` is the policy's rule for the ``missed_call`` trigger; the
policy turns it into the decision and attaches the text (``Template.MISSED_CALL``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from claw_domain.decisions import DecisionKind, Reason
from claw_domain.settings import FeatureMode, SettingsSnapshot
from claw_domain.values import Classification, ClassificationSource, Entities, Intent

if TYPE_CHECKING:
    from claw_domain.policy import Situation

# What a missed call is about, for certain: no text to read, so no model was asked.
A_MISSED_CALL = Classification(
    intent=Intent.MISSED_CALL,
    confidence=1.0,
    source=ClassificationSource.PATTERN,
    entities=Entities(),
)

# Someone redialling three times in five minutes gets one text, not three.
TEXT_BACK_EVERY = timedelta(hours=1)


def texts_back_missed_calls(settings: SettingsSnapshot) -> bool:
    """Whether the feature is on at all; when off, claw records nothing about calls."""
    feature = settings.feature(Intent.MISSED_CALL)
    return feature is not None and feature.mode is not FeatureMode.OFF


def missed_call_verdict(
    facts: Situation, settings: SettingsSnapshot, sending_blocked: Reason | None
) -> tuple[DecisionKind, Reason]:
    """What claw does about a call nobody answered: the kind of decision and its reason."""
    conversation = facts.conversation
    if conversation.is_own_number:
        return DecisionKind.IGNORE, Reason.OWN_NUMBER
    if conversation.opted_out:
        return DecisionKind.IGNORE, Reason.OPTED_OUT
    until = conversation.staff_active_until
    if until is not None and facts.now < until:
        return DecisionKind.IGNORE, Reason.STAFF_ACTIVE
    feature = settings.feature(Intent.MISSED_CALL)
    if feature is None or feature.mode is FeatureMode.OFF:
        # Staff see missed calls on the phone itself: no alert, no ticket.
        return DecisionKind.IGNORE, Reason.FEATURE_OFF
    if feature.mode is FeatureMode.SHADOW:
        return DecisionKind.IGNORE, Reason.SHADOW_MODE
    texted = conversation.missed_call_texted_at
    if texted is not None and facts.now - texted < TEXT_BACK_EVERY:
        return DecisionKind.IGNORE, Reason.MISSED_CALL_ALREADY_TEXTED
    if feature.mode is FeatureMode.SUGGEST:
        return DecisionKind.SUGGEST, Reason.SUGGEST_MODE
    if sending_blocked is not None:
        return DecisionKind.SUGGEST, sending_blocked
    if conversation.auto_replies_by_intent.get(Intent.MISSED_CALL, 0) >= feature.max_auto_replies:
        return DecisionKind.SUGGEST, Reason.REPLY_LIMIT
    return DecisionKind.RESPOND, Reason.MISSED_CALL
