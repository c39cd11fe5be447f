"""The OpenPhone client: claw's ``Messenger`` over ``POST /v1/messages``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import aiohttp
import attrs

from claw_adapters.openphone.errors import (
    A2pNotApprovedError,
    FieldProblem,
    NotEnoughCreditsError,
    NotPhoneNumberUserError,
    OpenPhoneErrorCode,
    OpenPhoneNotFoundError,
    OpenPhoneOutcomeUnknownError,
    OpenPhoneRateLimitedError,
    OpenPhoneRejectedError,
    OpenPhoneServerError,
    OpenPhoneUnauthorizedError,
    OpenPhoneUnreachableError,
    VendorProblem,
)
from claw_adapters.openphone.ratelimit import Sleep, TokenBucket
from claw_adapters.openphone.wire import check_content, check_recipient, is_sender
from claw_domain.errors import ConfigurationError
from claw_domain.ports import SentText

DEFAULT_BASE_URL = "https://api.openphone.com"

_REJECTION_BY_CODE: dict[str, type[OpenPhoneRejectedError]] = {
    OpenPhoneErrorCode.A2P_NOT_APPROVED: A2pNotApprovedError,
    OpenPhoneErrorCode.UNAUTHORIZED: OpenPhoneUnauthorizedError,
    OpenPhoneErrorCode.NOT_ENOUGH_CREDITS: NotEnoughCreditsError,
    OpenPhoneErrorCode.NOT_PHONE_NUMBER_USER: NotPhoneNumberUserError,
    OpenPhoneErrorCode.NOT_FOUND: OpenPhoneNotFoundError,
}
# The live 401 reportedly comes without a code, so the status alone must decide.
_REJECTION_BY_STATUS: dict[int, type[OpenPhoneRejectedError]] = {
    401: OpenPhoneUnauthorizedError,
    402: NotEnoughCreditsError,
}
_MAX_QUOTED_CHARS = 200


def _check_api_key(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        msg = "the OpenPhone API key is empty; copy it from OpenPhone's API settings"
        raise ConfigurationError(msg)


def _check_sender(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not is_sender(value):
        msg = (
            f"the OpenPhone sender {value!r} is neither a phone number id (PN…) "
            "nor an E.164 number such as +15555550123"
        )
        raise ConfigurationError(msg)


def _check_base_url(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not value.startswith(("https://", "http://")):
        msg = f"the OpenPhone base URL {value!r} must start with https:// (or http:// for a fake)"
        raise ConfigurationError(msg)


def _strip_trailing_slash(url: str) -> str:
    return url.rstrip("/")


def _check_positive(
    _instance: object, attribute: attrs.Attribute[float] | attrs.Attribute[int], value: float
) -> None:
    if value <= 0:
        msg = f"OpenPhone setting {attribute.name} must be positive, got {value!r}"
        raise ConfigurationError(msg)


@attrs.frozen
class OpenPhoneSettings:
    api_key: str = attrs.field(repr=False, validator=_check_api_key)
    sender: str = attrs.field(validator=_check_sender)
    base_url: str = attrs.field(
        default=DEFAULT_BASE_URL,
        converter=_strip_trailing_slash,
        validator=_check_base_url,
    )
    timeout_seconds: float = attrs.field(default=10.0, validator=_check_positive)
    max_attempts: int = attrs.field(default=4, validator=_check_positive)
    backoff_initial_seconds: float = attrs.field(default=0.5, validator=_check_positive)
    backoff_max_seconds: float = attrs.field(default=8.0, validator=_check_positive)
    user_id: str | None = None

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/v1/messages"


@attrs.frozen
class _Reply:
    status: int
    body: bytes
    retry_after: str | None


@attrs.define
class OpenPhoneClient:
    """Sends texts through OpenPhone. Implements ``claw_domain.ports.Messenger``.

    Give it the application's ``aiohttp.ClientSession``, or use it as an async
    context manager and it opens and closes its own.
    """

    settings: OpenPhoneSettings
    _session: aiohttp.ClientSession | None = attrs.field(default=None, alias="session")
    _rate_limiter: TokenBucket = attrs.field(factory=TokenBucket, alias="rate_limiter")
    _sleep: Sleep = attrs.field(default=asyncio.sleep, alias="sleep")
    _owns_session: bool = attrs.field(init=False, default=False)

    async def __aenter__(self) -> Self:
        self._ensure_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the session if this client opened it; a borrowed one stays open."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None
            self._owns_session = False

    async def send_text(self, *, to: str, body: str) -> SentText:
        return await self.send_text_from(line=self.settings.sender, to=to, body=body)

    async def send_text_from(self, *, line: str, to: str, body: str) -> SentText:
        """Send from one of the venue's lines (the number the customer texted)."""
        check_recipient(to)
        check_content(body)
        payload: dict[str, object] = {"content": body, "from": line, "to": [to]}
        if self.settings.user_id:
            payload["userId"] = self.settings.user_id
        session = self._ensure_session()
        attempts = self.settings.max_attempts
        for attempt in range(1, attempts + 1):
            await self._rate_limiter.acquire()
            reply = await self._post(session, payload)
            if reply.status != 429:
                return _interpret(reply)
            if attempt < attempts:
                await self._sleep(self._backoff_seconds(attempt, reply.retry_after))
        raise OpenPhoneRateLimitedError(attempts)

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def _post(self, session: aiohttp.ClientSession, payload: Mapping[str, object]) -> _Reply:
        headers = {"Authorization": self.settings.api_key, "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_seconds)
        try:
            async with session.post(
                self.settings.messages_url,
                json=payload,
                headers=headers,
                timeout=timeout,
                # A redirected POST may be resent by aiohttp: never let a text go twice.
                allow_redirects=False,
            ) as response:
                body = await response.read()
                return _Reply(response.status, body, response.headers.get("Retry-After"))
        except (aiohttp.ConnectionTimeoutError, aiohttp.ClientConnectorError) as exc:
            msg = f"could not connect to OpenPhone at {self.settings.base_url}: {exc}"
            raise OpenPhoneUnreachableError(msg) from exc
        except TimeoutError as exc:
            msg = (
                f"OpenPhone did not answer within {self.settings.timeout_seconds:g}s after the "
                "request was sent; the text may have gone out, so it is not resent"
            )
            raise OpenPhoneOutcomeUnknownError(msg) from exc
        except aiohttp.ClientError as exc:
            msg = f"the connection to OpenPhone broke after the request was sent: {exc}"
            raise OpenPhoneOutcomeUnknownError(msg) from exc

    def _backoff_seconds(self, attempt: int, retry_after: str | None) -> float:
        settings = self.settings
        delay: float = settings.backoff_initial_seconds * 2.0 ** (attempt - 1)
        # OpenPhone documents no Retry-After, but honour one if it ever appears.
        hinted = _seconds(retry_after)
        if hinted is not None:
            delay = max(delay, hinted)
        return min(delay, settings.backoff_max_seconds)


def _seconds(header: str | None) -> float | None:
    if header is None:
        return None
    try:
        value = float(header)
    except ValueError:
        return None
    return value if value >= 0 else None


def _interpret(reply: _Reply) -> SentText:
    if 200 <= reply.status < 300:
        return _receipt(reply)
    problem = _problem(reply)
    if reply.status >= 500:
        raise OpenPhoneServerError(problem)
    rejection = _REJECTION_BY_CODE.get(problem.code) or _REJECTION_BY_STATUS.get(
        reply.status, OpenPhoneRejectedError
    )
    raise rejection(problem)


def _receipt(reply: _Reply) -> SentText:
    document = _json_or_none(reply.body)
    data = document.get("data") if isinstance(document, dict) else None
    message_id = data.get("id") if isinstance(data, dict) else None
    status = data.get("status") if isinstance(data, dict) else None
    if isinstance(message_id, str) and message_id and isinstance(status, str):
        return SentText(vendor_message_id=message_id, status=status)
    # The receipt carries the customer's number and text, so it is not quoted here.
    msg = (
        f"OpenPhone accepted the text ({reply.status}) but its receipt lacks data.id or "
        "data.status; the text was probably sent, so it is not resent"
    )
    raise OpenPhoneOutcomeUnknownError(msg)


def _problem(reply: _Reply) -> VendorProblem:
    document = _json_or_none(reply.body)
    if not isinstance(document, dict):
        return VendorProblem(status=reply.status, message=_quote(reply.body))
    nested = document.get("error")
    if isinstance(nested, dict):
        # The shape seen from the live API on 401, unlike the spec's flat one.
        return VendorProblem(
            status=reply.status,
            code=_text(nested.get("code")),
            title=_text(nested.get("key")),
            message=_text(nested.get("message")),
            trace=_text(nested.get("trace")),
        )
    raw_problems = document.get("errors")
    field_problems = tuple(
        FieldProblem(path=_text(item.get("path")), message=_text(item.get("message")))
        for item in (raw_problems if isinstance(raw_problems, list) else [])
        if isinstance(item, dict)
    )
    return VendorProblem(
        status=reply.status,
        code=_text(document.get("code")),
        title=_text(document.get("title")),
        message=_text(document.get("message")) or _text(document.get("description")),
        trace=_text(document.get("trace")),
        field_problems=field_problems,
    )


def _json_or_none(body: bytes) -> object:
    try:
        document: object = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return document


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _quote(body: bytes) -> str:
    text = " ".join(body.decode("utf-8", errors="replace").split())
    if not text:
        return "empty body"
    return text if len(text) <= _MAX_QUOTED_CHARS else f"{text[:_MAX_QUOTED_CHARS]}…"
