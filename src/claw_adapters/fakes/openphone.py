"""A local OpenPhone for tests and the demo, and builders for the webhooks it would send.

``FakeOpenPhone`` serves ``POST /v1/messages`` on 127.0.0.1 as the v1 contract
documents it, remembers what it was asked, and misbehaves on request. The
builders below produce message webhooks of every payload generation, signed
with either scheme, so claw's webhook endpoint can be driven end to end.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import enum
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

import attrs
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from claw_adapters.openphone.errors import OpenPhoneErrorCode
from claw_adapters.openphone.webhooks import MessageDirection, MessageEventType, PayloadGeneration

DOCS_URL = "https://openphone.com/docs"
# OpenPhone does not document the code of a schema-validation 400; this one is
# deliberately outside the documented table so nobody mistakes it for real.
VALIDATION_ERROR_CODE = "0000400"

_E164 = re.compile(r"\+[1-9]\d{1,14}")
_NON_BLANK = re.compile(r"\S")


@attrs.frozen
class _Documented:
    status: int
    title: str
    description: str = ""


DOCUMENTED_ERRORS: Mapping[OpenPhoneErrorCode, _Documented] = {
    OpenPhoneErrorCode.A2P_NOT_APPROVED: _Documented(
        400, "A2P Registration Not Approved", "A2P Registration Not Approved"
    ),
    OpenPhoneErrorCode.UNAUTHORIZED: _Documented(401, "Unauthorized"),
    OpenPhoneErrorCode.NOT_ENOUGH_CREDITS: _Documented(
        402,
        "Not Enough Credits",
        "The organization does not have enough prepaid credits to send the message",
    ),
    OpenPhoneErrorCode.NOT_PHONE_NUMBER_USER: _Documented(
        403, "Not Phone Number User", "Not Phone Number User"
    ),
    OpenPhoneErrorCode.NOT_FOUND: _Documented(404, "Not Found"),
    OpenPhoneErrorCode.UNKNOWN: _Documented(500, "Unknown"),
}


class FaultKind(enum.StrEnum):
    RATE_LIMITED = "rate_limited"
    VENDOR_ERROR = "vendor_error"
    HANG = "hang"
    MALFORMED_JSON = "malformed_json"


@attrs.frozen
class _Fault:
    kind: FaultKind
    code: OpenPhoneErrorCode | None = None
    retry_after: str | None = None


@attrs.frozen
class ReceivedRequest:
    """One request as the fake saw it, accepted or not."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    status: int

    def json(self) -> object:
        return json.loads(self.body)


@attrs.frozen
class SentMessage:
    """A text the fake accepted: what a real OpenPhone would have sent."""

    message_id: str
    to: str
    sender: str
    content: str
    created_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _loopback(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if value not in {"127.0.0.1", "::1", "localhost"}:
        msg = f"the fake OpenPhone listens on loopback only, not {value!r}"
        raise ValueError(msg)


@attrs.define
class FakeOpenPhone:
    """``async with FakeOpenPhone() as fake:`` then point the client at ``fake.base_url``."""

    api_key: str = "fake-openphone-key"
    phone_number_id: str = "PNfakeVenue1"
    number: str = "+15550100000"
    user_id: str = "USfakeOwner1"
    host: str = attrs.field(default="127.0.0.1", validator=_loopback)
    # How long a hung request waits; any client timeout shorter than this sees a hang.
    hang_seconds: float = 30.0
    # Answer a wrong key with the shape reported from the live API instead of the spec's.
    live_401_shape: bool = False
    clock: Callable[[], datetime] = _now
    requests: list[ReceivedRequest] = attrs.field(factory=list, init=False)
    sent: list[SentMessage] = attrs.field(factory=list, init=False)
    _faults: collections.deque[_Fault] = attrs.field(factory=collections.deque, init=False)
    _runner: web.AppRunner | None = attrs.field(default=None, init=False)
    _port: int | None = attrs.field(default=None, init=False)
    _closing: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)
    _counter: int = attrs.field(default=0, init=False)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            msg = "the fake OpenPhone is not running; use `async with` or await start()"
            raise RuntimeError(msg)
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    async def start(self) -> None:
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v1/messages", self._send_message)
        app.router.add_get("/v1/phone-numbers", self._phone_numbers)
        # Hung handlers are released on stop, so shutdown need not wait for them.
        runner = web.AppRunner(app, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._port = None

    def rate_limit_next(self, times: int = 1, *, retry_after: str | None = None) -> None:
        """Answer 429; OpenPhone documents no ``Retry-After``, so none is sent unless asked."""
        self._queue(_Fault(FaultKind.RATE_LIMITED, retry_after=retry_after), times)

    def fail_next(self, times: int = 1) -> None:
        """Answer 500 with the documented ``0201500 Unknown`` body."""
        self.reject_next(OpenPhoneErrorCode.UNKNOWN, times)

    def reject_next(self, code: OpenPhoneErrorCode, times: int = 1) -> None:
        self._queue(_Fault(FaultKind.VENDOR_ERROR, code), times)

    def hang_next(self, times: int = 1) -> None:
        """Accept the text, then keep the answer back for ``hang_seconds``."""
        self._queue(_Fault(FaultKind.HANG), times)

    def malform_next(self, times: int = 1) -> None:
        """Accept the text, then answer 202 with a body that is not JSON."""
        self._queue(_Fault(FaultKind.MALFORMED_JSON), times)

    def clear_faults(self) -> None:
        """Forget every fault still queued: the vendor behaves from now on."""
        self._faults.clear()

    def _queue(self, fault: _Fault, times: int) -> None:
        self._faults.extend([fault] * times)

    async def _send_message(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        fault = self._faults.popleft() if self._faults else None
        response = await self._answer(request, body, fault)
        self.requests.append(
            ReceivedRequest(
                method=request.method,
                path=request.path,
                headers=dict(request.headers),
                body=body,
                status=response.status,
            )
        )
        return response

    async def _phone_numbers(self, request: web.Request) -> web.StreamResponse:
        """``GET /v1/phone-numbers``: the account's one line, as the v1 contract lists it."""
        if request.headers.get("Authorization") != self.api_key:
            response = self._unauthorized()
        else:
            line = {"id": self.phone_number_id, "number": self.number, "users": [self.user_id]}
            response = web.json_response({"data": [line]})
        self.requests.append(
            ReceivedRequest(
                method=request.method,
                path=request.path,
                headers=dict(request.headers),
                body=b"",
                status=response.status,
            )
        )
        return response

    async def _answer(
        self, request: web.Request, body: bytes, fault: _Fault | None
    ) -> web.Response:
        if fault is not None and fault.kind is FaultKind.RATE_LIMITED:
            response = _error(429, "", "Too Many Requests", "Rate limit exceeded")
            if fault.retry_after is not None:
                response.headers["Retry-After"] = fault.retry_after
            return response
        if fault is not None and fault.code is not None:
            return _documented_error(fault.code)
        if request.headers.get("Authorization") != self.api_key:
            return self._unauthorized()
        outbound = _validate(body)
        if isinstance(outbound, list):
            return _error(400, VALIDATION_ERROR_CODE, "Bad Request", "Invalid request", outbound)
        if outbound.sender not in {self.phone_number_id, self.number}:
            return _documented_error(OpenPhoneErrorCode.NOT_PHONE_NUMBER_USER)
        message = self._accept(outbound)
        if fault is not None and fault.kind is FaultKind.HANG:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=self.hang_seconds)
        if fault is not None and fault.kind is FaultKind.MALFORMED_JSON:
            return web.Response(
                status=202, body=b'{"data": {"id": "AC', content_type="application/json"
            )
        return web.json_response({"data": self._message_json(message, outbound)}, status=202)

    def _unauthorized(self) -> web.Response:
        if self.live_401_shape:
            error = {"message": "Unauthorized", "key": "Unauthorized", "trace": self._trace()}
            return web.json_response({"error": error}, status=401)
        return _documented_error(OpenPhoneErrorCode.UNAUTHORIZED)

    def _accept(self, outbound: _Outbound) -> SentMessage:
        self._counter += 1
        message = SentMessage(
            message_id=f"ACfake{self._counter:08d}",
            to=outbound.to,
            sender=outbound.sender,
            content=outbound.content,
            created_at=self.clock(),
        )
        self.sent.append(message)
        return message

    def _message_json(self, message: SentMessage, outbound: _Outbound) -> dict[str, object]:
        stamp = iso_millis(message.created_at)
        return {
            "id": message.message_id,
            "to": [message.to],
            "from": self.number,
            "text": message.content,
            "phoneNumberId": self.phone_number_id,
            "direction": "outgoing",
            "userId": outbound.user_id or self.user_id,
            "status": "sent",
            "createdAt": stamp,
            "updatedAt": stamp,
        }

    def _trace(self) -> str:
        return f"fake-trace-{len(self.requests) + 1}"


def _documented_error(code: OpenPhoneErrorCode) -> web.Response:
    documented = DOCUMENTED_ERRORS[code]
    message = documented.description or documented.title
    return _error(
        documented.status, code.value, documented.title, message, description=documented.description
    )


def _error(
    status: int,
    code: str,
    title: str,
    message: str,
    problems: list[dict[str, object]] | None = None,
    *,
    description: str = "",
) -> web.Response:
    document: dict[str, object] = {
        "message": message,
        "code": code,
        "status": status,
        "docs": DOCS_URL,
        "title": title,
        "trace": f"fake-{code or status}",
    }
    if description:
        document["description"] = description
    if problems:
        document["errors"] = problems
    return web.json_response(document, status=status)


@attrs.frozen
class _Outbound:
    content: str
    sender: str
    to: str
    user_id: str | None


def _validate(body: bytes) -> _Outbound | list[dict[str, object]]:
    """The request as the contract describes it, or the vendor-style list of problems."""
    try:
        payload = json.loads(body)
    except ValueError:
        return [_problem("", "Request body must be JSON", None, "object")]
    if not isinstance(payload, dict):
        return [_problem("", "Request body must be an object", None, "object")]
    raw_content, raw_sender, raw_to = payload.get("content"), payload.get("from"), payload.get("to")
    raw_user = payload.get("userId")
    content = raw_content if isinstance(raw_content, str) else ""
    sender = raw_sender if isinstance(raw_sender, str) else ""
    to = raw_to[0] if isinstance(raw_to, list) and len(raw_to) == 1 else None
    user_id = raw_user if isinstance(raw_user, str) else None
    problems = []
    if not (1 <= len(content) <= 1600 and _NON_BLANK.search(content)):
        message = "Expected 1-1600 characters, not all blank"
        problems.append(_problem("content", message, raw_content, "string"))
    if not (sender.startswith("PN") or _E164.fullmatch(sender)):
        problems.append(
            _problem("from", "Expected a PN id or an E.164 number", raw_sender, "string")
        )
    if not (isinstance(to, str) and _E164.fullmatch(to)):
        problems.append(_problem("to", "Expected exactly one E.164 number", raw_to, "array"))
    if raw_user is not None and not (user_id and user_id.startswith("US")):
        problems.append(_problem("userId", "Expected a US id", raw_user, "string"))
    if problems or not isinstance(to, str):
        return problems
    return _Outbound(content=content, sender=sender, to=to, user_id=user_id)


def _problem(path: str, message: str, value: object, schema_type: str) -> dict[str, object]:
    return {"path": path, "message": message, "value": value, "schema": {"type": schema_type}}


def iso_millis(moment: datetime) -> str:
    """OpenPhone's timestamp style: UTC, milliseconds, ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _digest_id(prefix: str, *parts: str) -> str:
    return prefix + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def message_event(
    generation: PayloadGeneration,
    *,
    event_type: MessageEventType,
    direction: MessageDirection,
    text: str,
    from_number: str,
    to_number: str,
    created_at: datetime,
    message_id: str | None = None,
    event_id: str | None = None,
    phone_number_id: str = "PNfakeVenue1",
    user_id: str = "USfakeOwner1",
    conversation_id: str = "CNfakeConversation1",
) -> dict[str, object]:
    """A message webhook body as the given generation shapes it.

    Ids default to digests of the content, so the same arguments give the same
    payload; pass ids to model OpenPhone's habit of reporting one text twice.
    """
    stamp = iso_millis(created_at)
    message_id = message_id or _digest_id("AC", direction, from_number, to_number, text, stamp)
    event_id = event_id or _digest_id("EV", message_id, event_type)
    status = "received" if direction is MessageDirection.INCOMING else "delivered"
    if generation is PayloadGeneration.RESOURCE_ENVELOPE:
        # The 2026-03-30 message schema is not fully published; this follows the
        # documented envelope and the v1 Message fields.
        return {
            "id": event_id,
            "apiVersion": "2026-03-30",
            "createdAt": stamp,
            "type": event_type.value,
            "data": {
                "resource": {
                    "id": message_id,
                    "from": from_number,
                    "to": [to_number],
                    "direction": direction.value,
                    "text": text,
                    "status": status,
                    "createdAt": stamp,
                    "userId": user_id,
                },
                "context": {
                    "phoneNumber": {"id": phone_number_id},
                    "conversation": {"id": conversation_id},
                    "contacts": {"ids": [], "lookupStatus": "none"},
                },
                "links": {"quo": None},
            },
        }
    message: dict[str, object] = {
        "id": message_id,
        "object": "message",
        "from": from_number,
        "direction": direction.value,
        "status": status,
        "createdAt": stamp,
        "userId": user_id,
        "phoneNumberId": phone_number_id,
    }
    if generation is PayloadGeneration.API_V4:
        message |= {"to": [to_number], "text": text, "contactIds": []}
    else:
        message |= {"to": to_number, "body": text, "media": [], "conversationId": conversation_id}
    return {
        "id": event_id,
        "object": "event",
        "apiVersion": "v4" if generation is PayloadGeneration.API_V4 else "v3",
        "createdAt": stamp,
        "type": event_type.value,
        "data": {"object": message},
    }


def message_received(
    generation: PayloadGeneration,
    *,
    text: str,
    customer: str,
    venue: str,
    created_at: datetime,
    message_id: str | None = None,
    event_id: str | None = None,
) -> dict[str, object]:
    """A customer's text arriving at the venue line."""
    return message_event(
        generation,
        event_type=MessageEventType.RECEIVED,
        direction=MessageDirection.INCOMING,
        text=text,
        from_number=customer,
        to_number=venue,
        created_at=created_at,
        message_id=message_id,
        event_id=event_id,
    )


def staff_message(
    generation: PayloadGeneration,
    *,
    text: str,
    venue: str,
    customer: str,
    created_at: datetime,
    message_id: str | None = None,
    event_id: str | None = None,
) -> dict[str, object]:
    """A text the venue line sent, as OpenPhone reports it back.

    Legacy webhooks report it as ``message.created``; the 2026-03-30 system has
    no such event, so there it is ``message.delivered``.
    """
    event_type = (
        MessageEventType.DELIVERED
        if generation is PayloadGeneration.RESOURCE_ENVELOPE
        else MessageEventType.CREATED
    )
    return message_event(
        generation,
        event_type=event_type,
        direction=MessageDirection.OUTGOING,
        text=text,
        from_number=venue,
        to_number=customer,
        created_at=created_at,
        message_id=message_id,
        event_id=event_id,
    )


def call_completed(
    *,
    customer: str,
    venue: str,
    created_at: datetime,
    answered: bool = False,
    voicemail: bool = False,
    direction: MessageDirection = MessageDirection.INCOMING,
    call_id: str | None = None,
    phone_number_id: str = "PNfakeVenue1",
    user_id: str = "USfakeOwner1",
    conversation_id: str = "CNfakeConversation1",
) -> dict[str, object]:
    """A ``call.completed`` webhook (app-created, v3) as OpenPhone documents it.

    The shape of OpenPhone's own sample event: the call under ``data.object``, with
    ``status`` "completed" for every ended call and ``answeredAt`` null when nobody
    picked up (a voicemail, when one was left, under ``voicemail``).
    """
    stamp = iso_millis(created_at)
    call_id = call_id or _digest_id("AC", "call", customer, venue, stamp)
    call: dict[str, object] = {
        "answeredAt": iso_millis(created_at + timedelta(seconds=4)) if answered else None,
        "completedAt": iso_millis(created_at + timedelta(seconds=20)),
        "conversationId": conversation_id,
        "createdAt": stamp,
        "direction": direction.value,
        "from": customer if direction is MessageDirection.INCOMING else venue,
        "id": call_id,
        "media": [],
        "object": "call",
        "phoneNumberId": phone_number_id,
        "status": "completed",
        "to": venue if direction is MessageDirection.INCOMING else customer,
        "userId": user_id,
    }
    if voicemail:
        call["voicemail"] = {"duration": 7, "type": "audio/mpeg", "url": "https://m.example/v.mp3"}
    return {
        "apiVersion": "v3",
        "createdAt": stamp,
        "data": {"object": call},
        "id": _digest_id("EV", call_id, "call.completed"),
        "object": "event",
        "type": "call.completed",
    }


def encode_payload(payload: Mapping[str, object]) -> bytes:
    """Compact JSON, as OpenPhone sends it."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signed_legacy_webhook(
    payload: Mapping[str, object] | bytes, key_b64: str, now_ms: int
) -> tuple[bytes, dict[str, str]]:
    """A body and headers signed as app- and v1-API-created webhooks are."""
    body = payload if isinstance(payload, bytes) else encode_payload(payload)
    # Written out here rather than borrowed from the verifier, so a fault there shows.
    digest = hmac.new(
        base64.b64decode(key_b64), f"{now_ms}.".encode() + body, hashlib.sha256
    ).digest()
    signature = base64.b64encode(digest).decode()
    headers = {
        "content-type": "application/json",
        "openphone-signature": f"hmac;1;{now_ms};{signature}",
    }
    return body, headers


def signed_standard_webhook(
    payload: Mapping[str, object] | bytes, secret: str, *, now_s: int, webhook_id: str
) -> tuple[bytes, dict[str, str]]:
    """A body and headers signed as 2026-03-30 (Standard Webhooks) deliveries are."""
    body = payload if isinstance(payload, bytes) else encode_payload(payload)
    signed_at = datetime.fromtimestamp(now_s, tz=UTC)
    signature = Webhook(secret).sign(webhook_id, signed_at, body.decode())
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(now_s),
        "webhook-signature": signature,
    }
    return body, headers
