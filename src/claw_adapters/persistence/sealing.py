"""Which fields of a stored event are personal, and sealing them with the customer's key.

A personal field is a text under one of ``PERSONAL_FIELDS`` anywhere in an event's
state (the customer's number, what they wrote, what claw or staff wrote back to
them). It is stored as a sealed cell ``{"key": key id, "sealed": AES-GCM text}``;
a text field never holds a mapping, so a sealed cell cannot be mistaken for data.
Everything else (intents, decisions, reasons, times, ids) stays readable, so a
forgotten customer's stream still loads, replays and audits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from claw_adapters.persistence.data_keys import DataKeys, open_text, seal_text
from claw_domain.privacy import FORGOTTEN

# TextReceived.text.{customer_number, body}, ConversationStarted/ActionRequested
# .customer_number, CallMissed.customer_number, TextClassified.text, decisions' reply
# (and decision.reply),
# SuggestionDrafted.draft, SuggestionEdited.text, SuggestionRevised.{draft, text},
# OptedOut/OptedIn.keyword (the first words of the customer's text), and the outbox:
# TextQueued/AlertRaised
# .{customer_number, body} (the number also registers the item's stream to the
# customer, so ``claw forget`` finds it); legacy NoticeQueued.body.
PERSONAL_FIELDS = frozenset(
    {"customer_number", "body", "reply", "text", "draft", "summary", "keyword"}
)
_KEY, _SEALED = "key", "sealed"


def _customer_number(state: dict[str, Any]) -> str | None:
    number = state.get("customer_number")
    if isinstance(number, str):
        return number
    # A TextReceived's text, or a snapshot's state (the conversation as it stood).
    for holder in ("text", "state"):
        held = state.get(holder)
        if isinstance(held, dict) and isinstance(held.get("customer_number"), str):
            return str(held["customer_number"])
    return None


def customer_number_of(event: Any) -> str | None:
    """The customer number a domain event carries, found where ``_customer_number`` finds it."""
    number = getattr(event, "customer_number", None)
    if isinstance(number, str):
        return number
    held = getattr(getattr(event, "text", None), "customer_number", None)
    return held if isinstance(held, str) else None


def _has_personal(value: Any, personal: bool = False) -> bool:
    if isinstance(value, dict):
        return any(_has_personal(v, k in PERSONAL_FIELDS) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_personal(item, personal) for item in value)
    return personal and isinstance(value, str) and value != FORGOTTEN


def _seal(value: Any, key_id: str, key: bytes, personal: bool = False) -> Any:
    if isinstance(value, dict):
        return {k: _seal(v, key_id, key, k in PERSONAL_FIELDS) for k, v in value.items()}
    if isinstance(value, list):
        return [_seal(item, key_id, key, personal) for item in value]
    if personal and isinstance(value, str) and value != FORGOTTEN:
        return {_KEY: key_id, _SEALED: seal_text(key_id, key, value)}
    return value


def seal_state(state: dict[str, Any], originator_id: UUID, keys: DataKeys) -> dict[str, Any]:
    """The state with its personal fields sealed by the stream's customer's key.

    A stream whose customer is not known (settings, accounts, or a conversation
    recorded before sealing existed that has not heard from its customer since)
    is stored as before.
    """
    number = _customer_number(state)
    subject: str | None
    if number is not None and number != FORGOTTEN:
        subject = keys.subject_of(number)
        keys.register_stream(originator_id, subject)
    else:
        subject = keys.subject_of_stream(originator_id)
    if subject is None or not _has_personal(state):
        return state
    key_id, key = keys.sealing_key(subject)
    sealed: dict[str, Any] = _seal(state, key_id, key)
    return sealed


def _is_sealed(value: dict[str, Any]) -> bool:
    return len(value) == 2 and _SEALED in value and _KEY in value


def _open_cell(cell: dict[str, Any], keys: DataKeys | None) -> str:
    if keys is None:
        msg = "this event holds sealed personal data: open claw through bootstrap"
        raise ValueError(msg)
    key_id = str(cell[_KEY])
    key = keys.opening_key(key_id)
    text = open_text(key_id, key, str(cell[_SEALED])) if key is not None else None
    return FORGOTTEN if text is None else text


def opening_hook(keys: DataKeys | None) -> Callable[[dict[str, Any]], Any]:
    """A ``json.loads`` ``object_hook`` that opens each sealed cell as it is parsed.

    The parser hands over every object once, innermost first, so no second walk over
    the state is needed (a snapshot has hundreds of small values and a few dozen cells).
    A cell reads ``FORGOTTEN`` where its key is gone.
    """

    def hook(value: dict[str, Any]) -> Any:
        return _open_cell(value, keys) if _is_sealed(value) else value

    return hook
