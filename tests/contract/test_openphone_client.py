"""The OpenPhone client against the local fake that speaks the v1 messages contract."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from claw_adapters.fakes.openphone import FakeOpenPhone
from claw_adapters.openphone import (
    A2pNotApprovedError,
    FieldProblem,
    InvalidOutboundTextError,
    NotEnoughCreditsError,
    NotPhoneNumberUserError,
    OpenPhoneClient,
    OpenPhoneErrorCode,
    OpenPhoneNotFoundError,
    OpenPhoneOutcomeUnknownError,
    OpenPhoneRateLimitedError,
    OpenPhoneRejectedError,
    OpenPhoneServerError,
    OpenPhoneSettings,
    OpenPhoneUnauthorizedError,
    OpenPhoneUnreachableError,
    TokenBucket,
    VendorProblem,
)
from claw_domain.errors import (
    ConfigurationError,
    OutcomeUnknownError,
    PermanentEffectError,
    TransientEffectError,
)
from claw_domain.ports import Messenger, SentText

CUSTOMER = "+15555550123"


class FakeTime:
    """A monotonic clock whose sleeps pass instantly and are written down."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.limiter_waits: list[float] = []
        self.backoffs: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def limiter_sleep(self, seconds: float) -> None:
        self.limiter_waits.append(seconds)
        self.now += seconds

    async def backoff_sleep(self, seconds: float) -> None:
        self.backoffs.append(seconds)
        self.now += seconds


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenPhone]:
    async with FakeOpenPhone() as server:
        yield server


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def make_client(
    fake: FakeOpenPhone,
    time: FakeTime,
    session: aiohttp.ClientSession | None = None,
    **overrides: Any,
) -> OpenPhoneClient:
    settings: dict[str, Any] = {
        "api_key": fake.api_key,
        "sender": fake.phone_number_id,
        "base_url": fake.base_url,
    } | overrides
    return OpenPhoneClient(
        OpenPhoneSettings(**settings),
        session=session,
        rate_limiter=TokenBucket(clock=time, sleep=time.limiter_sleep),
        sleep=time.backoff_sleep,
    )


@pytest.fixture
def client(fake: FakeOpenPhone, time: FakeTime, session: aiohttp.ClientSession) -> OpenPhoneClient:
    return make_client(fake, time, session)


def test_client_is_a_messenger(client: OpenPhoneClient) -> None:
    messenger: Messenger = client
    assert messenger is client


async def test_a_text_is_sent_and_the_receipt_returned(
    client: OpenPhoneClient, fake: FakeOpenPhone
) -> None:
    receipt = await client.send_text(to=CUSTOMER, body="Your bay is ready")

    assert receipt == SentText(vendor_message_id="ACfake00000001", status="sent")
    [sent] = fake.sent
    assert (sent.to, sent.content, sent.sender) == (CUSTOMER, "Your bay is ready", "PNfakeVenue1")


async def test_the_request_matches_the_contract(
    client: OpenPhoneClient, fake: FakeOpenPhone
) -> None:
    await client.send_text(to=CUSTOMER, body="Hi")

    [request] = fake.requests
    assert (request.method, request.path) == ("POST", "/v1/messages")
    # The raw key, not "Bearer <key>".
    assert request.headers["Authorization"] == fake.api_key
    assert request.json() == {"content": "Hi", "from": "PNfakeVenue1", "to": [CUSTOMER]}


async def test_sender_may_be_the_number_and_user_id_is_passed(
    fake: FakeOpenPhone, time: FakeTime, session: aiohttp.ClientSession
) -> None:
    client = make_client(fake, time, session, sender=fake.number, user_id="USstaff42")

    await client.send_text(to=CUSTOMER, body="Hi")

    assert fake.requests[0].json() == {
        "content": "Hi",
        "from": fake.number,
        "to": [CUSTOMER],
        "userId": "USstaff42",
    }


async def test_the_longest_allowed_text_is_sent(
    client: OpenPhoneClient, fake: FakeOpenPhone
) -> None:
    await client.send_text(to=CUSTOMER, body="x" * 1600)

    assert len(fake.sent[0].content) == 1600


@pytest.mark.parametrize(
    ("body", "complaint"),
    [("", "empty"), ("  \n\t ", "whitespace"), ("x" * 1601, "1601 characters")],
)
async def test_an_invalid_text_is_refused_before_sending(
    client: OpenPhoneClient, fake: FakeOpenPhone, body: str, complaint: str
) -> None:
    with pytest.raises(InvalidOutboundTextError, match=complaint) as caught:
        await client.send_text(to=CUSTOMER, body=body)

    assert isinstance(caught.value, PermanentEffectError)
    assert fake.requests == []


@pytest.mark.parametrize(
    "number", ["5555550123", "+05555550123", "+1555555012345678", "", "+1 555"]
)
async def test_a_number_that_is_not_e164_is_refused_before_sending(
    client: OpenPhoneClient, fake: FakeOpenPhone, number: str
) -> None:
    with pytest.raises(InvalidOutboundTextError, match=r"E\.164"):
        await client.send_text(to=number, body="Hi")

    assert fake.requests == []


@pytest.mark.parametrize(
    ("code", "error_type", "status", "title"),
    [
        (
            OpenPhoneErrorCode.A2P_NOT_APPROVED,
            A2pNotApprovedError,
            400,
            "A2P Registration Not Approved",
        ),
        (OpenPhoneErrorCode.UNAUTHORIZED, OpenPhoneUnauthorizedError, 401, "Unauthorized"),
        (OpenPhoneErrorCode.NOT_ENOUGH_CREDITS, NotEnoughCreditsError, 402, "Not Enough Credits"),
        (
            OpenPhoneErrorCode.NOT_PHONE_NUMBER_USER,
            NotPhoneNumberUserError,
            403,
            "Not Phone Number User",
        ),
        (OpenPhoneErrorCode.NOT_FOUND, OpenPhoneNotFoundError, 404, "Not Found"),
    ],
)
async def test_each_documented_refusal_is_a_typed_permanent_error(
    client: OpenPhoneClient,
    fake: FakeOpenPhone,
    code: OpenPhoneErrorCode,
    error_type: type[OpenPhoneRejectedError],
    status: int,
    title: str,
) -> None:
    fake.reject_next(code)

    with pytest.raises(error_type) as caught:
        await client.send_text(to=CUSTOMER, body="Hi")

    error = caught.value
    assert isinstance(error, PermanentEffectError)
    assert not error.retryable
    assert (error.code, error.problem.status, error.problem.title) == (code.value, status, title)
    assert error.problem.trace
    assert f"{status} {code.value} {title}" in str(error)
    assert len(fake.requests) == 1


async def test_the_documented_500_is_a_transient_server_error(
    client: OpenPhoneClient, fake: FakeOpenPhone
) -> None:
    fake.fail_next()

    with pytest.raises(OpenPhoneServerError) as caught:
        await client.send_text(to=CUSTOMER, body="Hi")

    assert isinstance(caught.value, TransientEffectError)
    assert caught.value.retryable
    assert (caught.value.code, caught.value.problem.title) == ("0201500", "Unknown")
    assert len(fake.requests) == 1  # 5xx is left to the dispatcher: the text may have gone out


async def test_a_wrong_key_is_unauthorized(
    fake: FakeOpenPhone, time: FakeTime, session: aiohttp.ClientSession
) -> None:
    client = make_client(fake, time, session, api_key="not-the-key")

    with pytest.raises(OpenPhoneUnauthorizedError, match="0200401"):
        await client.send_text(to=CUSTOMER, body="Hi")

    assert fake.sent == []


async def test_the_live_401_shape_is_understood(
    fake: FakeOpenPhone, time: FakeTime, session: aiohttp.ClientSession
) -> None:
    fake.live_401_shape = True
    client = make_client(fake, time, session, api_key="not-the-key")

    with pytest.raises(OpenPhoneUnauthorizedError) as caught:
        await client.send_text(to=CUSTOMER, body="Hi")

    assert caught.value.problem.status == 401
    assert caught.value.problem.message == "Unauthorized"
    assert caught.value.problem.trace.startswith("fake-trace-")


async def test_a_sender_the_key_may_not_use_is_refused(
    fake: FakeOpenPhone, time: FakeTime, session: aiohttp.ClientSession
) -> None:
    client = make_client(fake, time, session, sender="PNsomeoneElse")

    with pytest.raises(NotPhoneNumberUserError):
        await client.send_text(to=CUSTOMER, body="Hi")


async def test_rate_limiting_is_retried_with_exponential_backoff(
    client: OpenPhoneClient, fake: FakeOpenPhone, time: FakeTime
) -> None:
    fake.rate_limit_next(2)

    receipt = await client.send_text(to=CUSTOMER, body="Hi")

    assert receipt.vendor_message_id == "ACfake00000001"
    assert time.backoffs == [0.5, 1.0]
    assert [request.status for request in fake.requests] == [429, 429, 202]
    assert len(fake.sent) == 1


async def test_rate_limiting_gives_up_after_the_last_attempt(
    client: OpenPhoneClient, fake: FakeOpenPhone, time: FakeTime
) -> None:
    fake.rate_limit_next(10)

    with pytest.raises(OpenPhoneRateLimitedError) as caught:
        await client.send_text(to=CUSTOMER, body="Hi")

    assert isinstance(caught.value, TransientEffectError)
    assert caught.value.attempts == 4
    assert time.backoffs == [0.5, 1.0, 2.0]
    assert len(fake.requests) == 4
    assert fake.sent == []


async def test_backoff_is_capped(
    fake: FakeOpenPhone, time: FakeTime, session: aiohttp.ClientSession
) -> None:
    client = make_client(fake, time, session, max_attempts=7, backoff_max_seconds=3.0)
    fake.rate_limit_next(6)

    await client.send_text(to=CUSTOMER, body="Hi")

    assert time.backoffs == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


async def test_a_retry_after_hint_is_honoured_within_the_cap(
    client: OpenPhoneClient, fake: FakeOpenPhone, time: FakeTime
) -> None:
    fake.rate_limit_next(retry_after="3")
    fake.rate_limit_next(retry_after="600")
    fake.rate_limit_next(retry_after="Wed, 21 Oct 2026 07:28:00 GMT")

    await client.send_text(to=CUSTOMER, body="Hi")

    assert time.backoffs == [3.0, 8.0, 2.0]


async def test_a_timeout_after_sending_is_an_unknown_outcome_and_not_retried(
    fake: FakeOpenPhone, time: FakeTime, session: aiohttp.ClientSession
) -> None:
    client = make_client(fake, time, session, timeout_seconds=0.2)
    fake.hang_next()

    with pytest.raises(OpenPhoneOutcomeUnknownError, match="not resent") as caught:
        await client.send_text(to=CUSTOMER, body="Hi")

    assert isinstance(caught.value, OutcomeUnknownError)
    assert not caught.value.retryable
    # The fake accepted the text before hanging: exactly the case a resend would double.
    assert len(fake.sent) == 1
    assert time.backoffs == []


async def test_an_unreadable_receipt_is_an_unknown_outcome(
    client: OpenPhoneClient, fake: FakeOpenPhone
) -> None:
    fake.malform_next()

    with pytest.raises(OpenPhoneOutcomeUnknownError, match="probably sent") as caught:
        await client.send_text(to=CUSTOMER, body="Meet at bay 3")

    # The receipt holds the customer's number and text; the error must not repeat them.
    assert CUSTOMER not in str(caught.value)
    assert "bay 3" not in str(caught.value)
    assert len(fake.sent) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_refused_connection_is_transient(
    time: FakeTime, session: aiohttp.ClientSession
) -> None:
    settings = OpenPhoneSettings(
        api_key="key", sender="PNvenue", base_url=f"http://127.0.0.1:{_closed_port()}"
    )
    client = OpenPhoneClient(
        settings,
        session=session,
        rate_limiter=TokenBucket(clock=time, sleep=time.limiter_sleep),
        sleep=time.backoff_sleep,
    )

    with pytest.raises(OpenPhoneUnreachableError) as caught:
        await client.send_text(to=CUSTOMER, body="Hi")

    assert isinstance(caught.value, TransientEffectError)


async def test_requests_are_spaced_by_the_rate_limiter(
    client: OpenPhoneClient, fake: FakeOpenPhone, time: FakeTime
) -> None:
    for n in range(3):
        await client.send_text(to=CUSTOMER, body=f"text {n}")

    assert time.limiter_waits == pytest.approx([0.1, 0.1])
    assert len(fake.sent) == 3


async def test_concurrent_sends_share_the_rate_limit(
    client: OpenPhoneClient, fake: FakeOpenPhone, time: FakeTime
) -> None:
    receipts = await asyncio.gather(
        *(client.send_text(to=CUSTOMER, body=f"text {n}") for n in range(12))
    )

    assert len({receipt.vendor_message_id for receipt in receipts}) == 12
    assert sum(time.limiter_waits) == pytest.approx(1.1)
    assert len(fake.sent) == 12


async def test_an_owned_session_is_opened_and_closed(fake: FakeOpenPhone, time: FakeTime) -> None:
    async with make_client(fake, time) as client:
        await client.send_text(to=CUSTOMER, body="Hi")
        session = client._session
        assert session is not None

    assert session.closed
    assert client._session is None


async def test_a_borrowed_session_is_left_open(
    fake: FakeOpenPhone, time: FakeTime, session: aiohttp.ClientSession
) -> None:
    async with make_client(fake, time, session) as client:
        await client.send_text(to=CUSTOMER, body="Hi")

    assert not session.closed


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"api_key": " "}, "API key is empty"),
        ({"sender": "+1 555 0100"}, "neither a phone number id"),
        ({"sender": "PN"}, "neither a phone number id"),
        ({"base_url": "api.openphone.com"}, "must start with https://"),
        ({"timeout_seconds": 0}, "timeout_seconds must be positive"),
        ({"max_attempts": 0}, "max_attempts must be positive"),
    ],
)
def test_bad_settings_say_what_to_fix(overrides: dict[str, Any], complaint: str) -> None:
    settings = {"api_key": "key", "sender": "PNvenue"} | overrides
    with pytest.raises(ConfigurationError, match=complaint):
        OpenPhoneSettings(**settings)


def test_settings_never_show_the_key() -> None:
    settings = OpenPhoneSettings(api_key="secret-key-123", sender="PNvenue", base_url="https://x/")

    assert "secret-key-123" not in repr(settings)
    assert settings.messages_url == "https://x/v1/messages"


async def test_an_error_body_that_is_not_json_is_quoted(
    time: FakeTime, session: aiohttp.ClientSession
) -> None:
    # A proxy in front of OpenPhone answers with HTML; the error still says what came back.
    async def bad_gateway(_request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html><body>Bad   Gateway</body></html>")

    app = web.Application()
    app.router.add_post("/v1/messages", bad_gateway)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        settings = OpenPhoneSettings(
            api_key="key", sender="PNvenue", base_url=f"http://127.0.0.1:{port}"
        )
        client = OpenPhoneClient(
            settings,
            session=session,
            rate_limiter=TokenBucket(clock=time, sleep=time.limiter_sleep),
        )
        with pytest.raises(OpenPhoneServerError, match="502: <html><body>Bad Gateway"):
            await client.send_text(to=CUSTOMER, body="Hi")
    finally:
        await runner.cleanup()


def test_vendor_field_problems_are_listed() -> None:
    problem = VendorProblem(
        status=400,
        code="0000400",
        title="Bad Request",
        message="Invalid request",
        field_problems=(FieldProblem(path="to", message="Expected exactly one E.164 number"),),
    )

    assert problem.describe() == (
        "400 0000400 Bad Request: Invalid request; to: Expected exactly one E.164 number"
    )
