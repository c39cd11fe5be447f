"""One value for every generation of OpenPhone's message webhooks.

- app-created webhooks (``apiVersion`` v2/v3): ``data.object`` with ``body`` and ``to`` a string;
- API-created webhooks (v4): ``data.object`` with ``text`` and ``to`` a list;
- API version 2026-03-30: ``data.resource`` plus ``data.context``, a schema
  OpenPhone has not fully published, so every field is read defensively.

Call this only on a body whose signature was verified.
"""

from __future__ import annotations

import enum
import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import datetime

import attrs
import structlog

from claw_adapters.openphone.errors import MalformedWebhookError
from claw_domain.senders import is_e164
from claw_domain.text import CleanedText, clean_text
from claw_domain.values import InboundText, aware_datetime

log = structlog.get_logger("claw.webhook")


class MessageEventType(enum.StrEnum):
    RECEIVED = "message.received"
    # OpenPhone also reports an inbound text as ``message.created``, with another id.
    CREATED = "message.created"
    DELIVERED = "message.delivered"
    FAILED = "message.failed"


class MessageDirection(enum.StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class PayloadGeneration(enum.StrEnum):
    APP = "app"  # v2 and v3
    API_V4 = "v4"
    RESOURCE_ENVELOPE = "2026-03-30"


class IgnoreReason(enum.StrEnum):
    NOT_A_MESSAGE_EVENT = "not_a_message_event"
    # A call.completed claw cannot read: a call is never worth OpenPhone's retries.
    UNREADABLE_CALL = "unreadable_call"


# Where an event type does not say which way the text went, the type does.
_IMPLIED_DIRECTION = {
    MessageEventType.RECEIVED: MessageDirection.INCOMING,
    MessageEventType.DELIVERED: MessageDirection.OUTGOING,
    MessageEventType.FAILED: MessageDirection.OUTGOING,
}


def _non_empty(
    _instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    if not value:
        msg = f"{attribute.name} must not be empty"
        raise ValueError(msg)


@attrs.frozen
class WebhookMessage:
    """A text OpenPhone told claw about, in or out, whatever the payload generation."""

    event_id: str
    event_type: MessageEventType
    generation: PayloadGeneration
    message_id: str
    direction: MessageDirection
    from_number: str
    to_numbers: tuple[str, ...] = attrs.field(validator=_non_empty)
    text: str
    created_at: datetime = attrs.field(validator=aware_datetime)
    phone_number_id: str | None = None
    user_id: str | None = None
    conversation_id: str | None = None
    status: str | None = None
    media_urls: tuple[str, ...] = ()

    @property
    def to_number(self) -> str:
        return self.to_numbers[0]

    @property
    def is_incoming(self) -> bool:
        return self.direction is MessageDirection.INCOMING

    @property
    def customer_number(self) -> str:
        return self.from_number if self.is_incoming else self.to_number

    @property
    def venue_number(self) -> str:
        return self.to_number if self.is_incoming else self.from_number

    def to_inbound_text(self, *, correlation_id: str = "") -> InboundText:
        if not self.is_incoming:
            msg = f"message {self.message_id} is outgoing; only incoming texts become InboundText"
            raise ValueError(msg)
        return InboundText(
            message_id=self.message_id,
            venue_line=self.venue_number,
            customer_number=self.customer_number,
            body=self.text,
            sent_at=self.created_at,
            correlation_id=correlation_id,
        )


@attrs.frozen
class IgnoredWebhook:
    """A genuine event claw has no use for (calls, contacts…): acknowledge and drop it."""

    event_id: str
    event_type: str
    reason: IgnoreReason = IgnoreReason.NOT_A_MESSAGE_EVENT


CALL_COMPLETED = "call.completed"
# Statuses some payloads give a call nobody picked up; "completed" with no answer
# time (OpenPhone's own sample) is the documented way.
_UNANSWERED_STATUSES = frozenset({"missed", "no-answer", "busy", "canceled", "abandoned"})


@attrs.frozen
class WebhookCall:
    """A call on a venue line that has ended (``call.completed``), answered or not."""

    event_id: str
    call_id: str
    direction: MessageDirection
    from_number: str
    to_number: str
    created_at: datetime = attrs.field(validator=aware_datetime)
    answered: bool
    voicemail: bool = False
    status: str | None = None

    @property
    def missed(self) -> bool:
        """A customer called the venue and nobody picked up (a voicemail is still a miss)."""
        return self.direction is MessageDirection.INCOMING and not self.answered

    @property
    def customer_number(self) -> str:
        return self.from_number if self.direction is MessageDirection.INCOMING else self.to_number

    @property
    def venue_number(self) -> str:
        return self.to_number if self.direction is MessageDirection.INCOMING else self.from_number


NormalisedWebhook = WebhookMessage | WebhookCall | IgnoredWebhook


def parse_webhook(body: bytes | str) -> NormalisedWebhook:
    """Read a verified webhook body. Raises only ``MalformedWebhookError``.

    Every string in the payload is cleaned first (``claw_domain.text``): a NUL,
    a control character, a bidi override or half of a surrogate pair (valid
    JSON as ``"\\ud83d"``) never reaches an event, whatever field it hides in.
    """
    try:
        payload: object = json.loads(body)
    except (ValueError, RecursionError) as exc:
        msg = "the body is not JSON"
        raise MalformedWebhookError(msg) from exc
    removed: Counter[int] = Counter()
    cleaned = _cleaned(payload, removed)
    if removed:
        log.info("webhook_text_cleaned", removed=CleanedText("", dict(removed)).describe_removed())
    return normalise_webhook(cleaned)


def _cleaned(value: object, removed: Counter[int]) -> object:
    if isinstance(value, str):
        cleaned = clean_text(value)
        removed.update(cleaned.removed)
        return cleaned.text
    if isinstance(value, list):
        return [_cleaned(item, removed) for item in value]
    if isinstance(value, dict):
        return {clean_text(key).text: _cleaned(item, removed) for key, item in value.items()}
    return value


def normalise_webhook(payload: object) -> NormalisedWebhook:
    """Turn a decoded webhook into one value. Raises only ``MalformedWebhookError``."""
    envelope = _Reader.of(payload, "")
    event_type = envelope.required_str("type")
    if event_type == CALL_COMPLETED:
        try:
            return _completed_call(envelope)
        except MalformedWebhookError as error:
            log.warning("call_webhook_unreadable", reason=str(error))
            return IgnoredWebhook(
                event_id=envelope.optional_str("id") or "",
                event_type=event_type,
                reason=IgnoreReason.UNREADABLE_CALL,
            )
    try:
        message_type = MessageEventType(event_type)
    except ValueError:
        return IgnoredWebhook(event_id=envelope.optional_str("id") or "", event_type=event_type)
    data = envelope.child("data")
    if data.has("object"):
        return _legacy_message(envelope, data.child("object"), message_type)
    if data.has("resource"):
        return _resource_message(envelope, data, message_type)
    msg = "data: expected an 'object' (legacy webhooks) or a 'resource' (2026-03-30 webhooks)"
    raise MalformedWebhookError(msg)


def _legacy_message(
    envelope: _Reader, message: _Reader, event_type: MessageEventType
) -> WebhookMessage:
    # v4 renamed body to text and made to a list; the version field is not trusted to say so.
    text_field = "text" if message.has("text") else "body"
    generation = (
        PayloadGeneration.API_V4
        if text_field == "text" or isinstance(message.raw("to"), list)
        else PayloadGeneration.APP
    )
    return WebhookMessage(
        event_id=envelope.required_str("id"),
        event_type=event_type,
        generation=generation,
        message_id=message.required_str("id"),
        direction=_direction(message, event_type),
        from_number=message.phone("from"),
        to_numbers=message.phones("to"),
        text=message.optional_str(text_field) or "",
        created_at=_created_at(message, envelope),
        phone_number_id=message.optional_str("phoneNumberId"),
        user_id=message.optional_str("userId"),
        conversation_id=message.optional_str("conversationId"),
        status=message.optional_str("status"),
        media_urls=message.media_urls("media"),
    )


def _resource_message(
    envelope: _Reader, data: _Reader, event_type: MessageEventType
) -> WebhookMessage:
    resource = data.child("resource")
    context = data.optional_child("context")
    text_field = next((f for f in ("text", "body", "content") if resource.has(f)), "text")
    return WebhookMessage(
        event_id=envelope.required_str("id"),
        event_type=event_type,
        generation=PayloadGeneration.RESOURCE_ENVELOPE,
        message_id=resource.required_str("id"),
        direction=_direction(resource, event_type),
        from_number=resource.phone("from"),
        to_numbers=resource.phones("to"),
        text=resource.optional_str(text_field) or "",
        created_at=_created_at(resource, envelope),
        phone_number_id=resource.optional_str("phoneNumberId")
        or _context_id(context, "phoneNumber", "phoneNumberId"),
        user_id=resource.optional_str("userId"),
        conversation_id=resource.optional_str("conversationId")
        or _context_id(context, "conversation", "conversationId"),
        status=resource.optional_str("status"),
        media_urls=resource.media_urls("media"),
    )


def _completed_call(envelope: _Reader) -> WebhookCall:
    data = envelope.child("data")
    call = data.child("object") if data.has("object") else data.child("resource")
    try:
        direction = MessageDirection(call.required_str("direction"))
    except ValueError:
        msg = f"{call.path('direction')}: expected 'incoming' or 'outgoing'"
        raise MalformedWebhookError(msg) from None
    status = call.optional_str("status")
    # Missed only when the payload says so: answeredAt given as null, or an unanswered
    # status. A call that does not say is taken as answered: claw never texts on a guess.
    unanswered = ("answeredAt" in call.fields and call.raw("answeredAt") is None) or (
        status in _UNANSWERED_STATUSES
    )
    answered = not unanswered
    return WebhookCall(
        event_id=envelope.required_str("id"),
        call_id=call.required_str("id"),
        direction=direction,
        from_number=call.phone("from"),
        to_number=call.phones("to")[0],
        created_at=_created_at(call, envelope),
        answered=answered,
        voicemail=call.has("voicemail"),
        status=status,
    )


def _context_id(context: _Reader | None, nested: str, flat: str) -> str | None:
    if context is None:
        return None
    inner = context.optional_child(nested)
    return (inner.optional_str("id") if inner is not None else None) or context.optional_str(flat)


def _direction(message: _Reader, event_type: MessageEventType) -> MessageDirection:
    raw = message.optional_str("direction")
    if raw is None:
        implied = _IMPLIED_DIRECTION.get(event_type)
        if implied is None:
            msg = f"{message.path('direction')}: missing, and {event_type} does not imply one"
            raise MalformedWebhookError(msg)
        return implied
    try:
        return MessageDirection(raw)
    except ValueError:
        msg = f"{message.path('direction')}: expected 'incoming' or 'outgoing', got {_brief(raw)}"
        raise MalformedWebhookError(msg) from None


def _created_at(message: _Reader, envelope: _Reader) -> datetime:
    source = message if message.has("createdAt") else envelope
    raw = source.required_str("createdAt")
    try:
        created_at = datetime.fromisoformat(raw)
    except ValueError:
        created_at = None
    if created_at is None or created_at.tzinfo is None:
        msg = (
            f"{source.path('createdAt')}: expected an ISO 8601 time with a zone, got {_brief(raw)}"
        )
        raise MalformedWebhookError(msg)
    return created_at


_PHONE_FORMATTING = re.compile(r"[\s().-]")


def normalise_phone(raw: str) -> str:
    """``+1 (902) 555-1234`` becomes ``+19025551234``; anything else stays as it came.

    Only formatting is removed, and only when what remains is an E.164 number:
    claw never guesses a country code. A sender that is still not E.164 is the
    domain's to judge (``claw_domain.senders``): set aside, never answered.
    """
    compact = _PHONE_FORMATTING.sub("", raw)
    return compact if compact != raw and is_e164(compact) else raw


def _brief(value: str) -> str:
    return repr(value if len(value) <= 40 else f"{value[:40]}…")


def _type_name(value: object) -> str:
    names: dict[type, str] = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


@attrs.frozen
class _Reader:
    """Typed access to one JSON object, with errors that name the offending path."""

    fields: Mapping[str, object]
    prefix: str

    @classmethod
    def of(cls, value: object, prefix: str) -> _Reader:
        if not isinstance(value, dict):
            where = prefix or "the payload"
            msg = f"{where}: expected an object, got {_type_name(value)}"
            raise MalformedWebhookError(msg)
        return cls(value, prefix)

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def has(self, key: str) -> bool:
        return self.fields.get(key) is not None

    def raw(self, key: str) -> object:
        return self.fields.get(key)

    def child(self, key: str) -> _Reader:
        if key not in self.fields:
            raise MalformedWebhookError(f"{self.path(key)}: missing")
        return _Reader.of(self.fields[key], self.path(key))

    def optional_child(self, key: str) -> _Reader | None:
        value = self.fields.get(key)
        return _Reader.of(value, self.path(key)) if isinstance(value, dict) else None

    def required_str(self, key: str) -> str:
        value = self.optional_str(key)
        if not value:
            raise MalformedWebhookError(f"{self.path(key)}: missing or empty")
        return value

    def optional_str(self, key: str) -> str | None:
        value = self.fields.get(key)
        if value is None or isinstance(value, str):
            return value
        msg = f"{self.path(key)}: expected a string, got {_type_name(value)}"
        raise MalformedWebhookError(msg)

    def phone(self, key: str) -> str:
        value = self.fields.get(key)
        # A number may come bare or, in the 2026-03-30 schema, possibly as an object.
        if isinstance(value, dict):
            number_key = "phoneNumber" if "phoneNumber" in value else "number"
            return normalise_phone(_Reader.of(value, self.path(key)).required_str(number_key))
        return normalise_phone(self.required_str(key))

    def phones(self, key: str) -> tuple[str, ...]:
        value = self.fields.get(key)
        if not isinstance(value, list):
            return (self.phone(key),)
        if not value:
            raise MalformedWebhookError(f"{self.path(key)}: empty list")
        items = _Reader({str(index): item for index, item in enumerate(value)}, self.path(key))
        return tuple(items.phone(str(index)) for index in range(len(value)))

    def media_urls(self, key: str) -> tuple[str, ...]:
        value = self.fields.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            msg = f"{self.path(key)}: expected a list, got {_type_name(value)}"
            raise MalformedWebhookError(msg)
        # Media is a nicety: an entry without a usable url is skipped, not fatal.
        return tuple(
            url
            for item in value
            if isinstance(item, dict) and isinstance(url := item.get("url"), str) and url
        )
