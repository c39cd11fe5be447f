"""Value objects shared by the aggregates, the policy and the ports."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs


def _aware(_instance: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if value.tzinfo is None:
        msg = f"{attribute.name} must be timezone-aware, got {value!r}"
        raise ValueError(msg)


def _unit_interval(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        msg = f"{attribute.name} must lie in [0, 1], got {value!r}"
        raise ValueError(msg)


aware_datetime = _aware
unit_interval = _unit_interval


class Intent(enum.StrEnum):
    """What a customer's text is about.

    The venue's knowledge base supplies examples and answers for these; the
    policy and the action allow-list are written against them.
    """

    GIFT_CARD_PURCHASE = "gift_card_purchase"
    GIFT_CARD_REDEEM = "gift_card_redeem"
    HOURS = "hours"
    PRICING = "pricing"
    MEMBERSHIP = "membership"
    BOOKING_NEW = "booking_new"
    BOOKING_CHANGE = "booking_change"
    BOOKING_APP = "booking_app"
    TRACKMAN_RESET = "trackman_reset"
    SIDE_SCREEN = "side_screen"
    EQUIPMENT = "equipment"
    DOOR_ACCESS = "door_access"
    WIFI = "wifi"
    CLUB_RENTAL = "club_rental"
    FOOD_DRINK = "food_drink"
    FACILITY = "facility"
    KIDS = "kids"
    DRESS_CODE = "dress_code"
    GAMEPLAY = "gameplay"
    LOST_ITEM = "lost_item"
    REFUND_COMPLAINT = "refund_complaint"
    FEEDBACK_POSITIVE = "feedback_positive"
    FEEDBACK_NEGATIVE = "feedback_negative"
    OTHER = "other"
    # Not a text: a call on a venue line nobody answered (claw_domain/missed_calls.py).
    # An intent so that it has its own feature settings and statistics like the others.
    MISSED_CALL = "missed_call"


# What a customer's text can be about: everything but what only a call can be.
TEXT_INTENTS: tuple[Intent, ...] = tuple(i for i in Intent if i is not Intent.MISSED_CALL)


class ActionKind(enum.StrEnum):
    """Hardware actions claw may perform; nothing else ever touches a device."""

    RESET_SIMULATOR = "reset_simulator"
    UNLOCK_DOOR = "unlock_door"


# The allow-list: the only intents that can ever lead to an action.
ACTION_FOR_INTENT: dict[Intent, ActionKind] = {
    Intent.TRACKMAN_RESET: ActionKind.RESET_SIMULATOR,
    Intent.DOOR_ACCESS: ActionKind.UNLOCK_DOOR,
}


class ClassificationSource(enum.StrEnum):
    """Which stage of understanding decided the intent."""

    PATTERN = "pattern"
    LOCAL_MODEL = "local_model"
    LLM = "llm"
    FALLBACK = "fallback"


class Sentiment(enum.StrEnum):
    NEUTRAL = "neutral"
    POSITIVE = "positive"
    NEGATIVE = "negative"


class YesNo(enum.StrEnum):
    YES = "yes"
    NO = "no"


@attrs.frozen
class Entities:
    """What a text names: a location (canonical key) and a box number."""

    location: str | None = None
    box: int | None = attrs.field(default=None)

    @box.validator
    def _box_positive(self, _attribute: attrs.Attribute[int | None], value: int | None) -> None:
        if value is not None and value < 1:
            msg = f"box must be a positive number, got {value}"
            raise ValueError(msg)


@attrs.frozen
class LlmUsage:
    """One language-model call's cost, recorded so replay never calls it again."""

    model: str
    prompt_tokens: int = attrs.field(validator=attrs.validators.ge(0))
    completion_tokens: int = attrs.field(validator=attrs.validators.ge(0))
    cost_usd: float = attrs.field(validator=attrs.validators.ge(0.0))
    latency_ms: float = attrs.field(default=0.0, validator=attrs.validators.ge(0.0))


@attrs.frozen
class Classification:
    """What claw understood of a customer's text, and how."""

    intent: Intent
    confidence: float = attrs.field(validator=_unit_interval)
    source: ClassificationSource
    entities: Entities = attrs.Factory(Entities)
    sentiment: Sentiment = Sentiment.NEUTRAL
    blacklisted_topic: str | None = None
    llm_usage: LlmUsage | None = None


@attrs.frozen
class InboundText:
    """A customer's text as claw received it, normalised from any webhook generation."""

    message_id: str
    venue_line: str
    customer_number: str
    body: str
    sent_at: datetime = attrs.field(validator=_aware)
    correlation_id: str = ""


@attrs.frozen
class ActionParameters:
    """Where an action applies: the vendor ids are resolved from the knowledge base."""

    location: str
    box: int | None = None
    device_id: str | None = None
    door_id: str | None = None
    door_name: str | None = None
    unlock_seconds: int | None = None
