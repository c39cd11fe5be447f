"""The staff notifier: SMS through the Messenger port and a Slack webhook (local fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from claw_adapters.staff import (
    SlackWebhook,
    SmsAndSlackStaffNotifier,
    StaffChannel,
    StaffNotificationError,
    StaffSettings,
    sms_text,
)
from claw_domain.errors import (
    ConfigurationError,
    EffectError,
    PermanentEffectError,
    TransientEffectError,
)
from claw_domain.ports import AlertSeverity, SentText, StaffAlert
from fakes.slack import FakeSlackServer, SlackFault

ON_DUTY = "+19025550199"
ALERT = StaffAlert(
    title="Door request needs approval",
    body="Customer at Bedford asks to be let in.",
    conversation_id="conv-42",
    severity=AlertSeverity.URGENT,
)


class InMemoryMessenger:
    """The Messenger port with memory; ``fail_with`` makes the next sends fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail_with: EffectError | None = None

    async def send_text(self, *, to: str, body: str) -> SentText:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((to, body))
        return SentText(vendor_message_id=f"AC{len(self.sent)}", status="sent")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackServer]:
    async with FakeSlackServer() as fake:
        yield fake


@pytest.fixture
def messenger() -> InMemoryMessenger:
    return InMemoryMessenger()


@pytest.fixture
async def notifier(
    slack: FakeSlackServer, messenger: InMemoryMessenger
) -> AsyncIterator[SmsAndSlackStaffNotifier]:
    settings = StaffSettings(on_duty_number=ON_DUTY, slack_webhook_url=slack.webhook_url)
    staff = SmsAndSlackStaffNotifier(messenger, settings)
    yield staff
    await staff.aclose()


async def test_an_alert_reaches_both_sms_and_slack(
    notifier: SmsAndSlackStaffNotifier, messenger: InMemoryMessenger, slack: FakeSlackServer
) -> None:
    await notifier.notify(ALERT)

    ((to, body),) = messenger.sent
    assert to == ON_DUTY
    assert body.startswith("URGENT: Door request needs approval\nCustomer at Bedford")
    assert "conv-42" in body
    (post,) = slack.posts
    assert post.payload.keys() == {"text"}
    assert "*Door request needs approval*" in post.text
    assert ":rotating_light:" in post.text


async def test_customer_text_cannot_ping_the_whole_slack_channel(
    notifier: SmsAndSlackStaffNotifier, slack: FakeSlackServer
) -> None:
    await notifier.notify(StaffAlert(title="Message", body="hey <!channel> & <@U123>"))

    assert slack.posts[0].text.endswith("hey &lt;!channel&gt; &amp; &lt;@U123&gt;")


async def test_a_failed_sms_does_not_stop_the_slack_post(
    notifier: SmsAndSlackStaffNotifier, messenger: InMemoryMessenger, slack: FakeSlackServer
) -> None:
    messenger.fail_with = PermanentEffectError("no credits", code="0200402")

    with pytest.raises(StaffNotificationError) as caught:
        await notifier.notify(ALERT)

    assert len(slack.posts) == 1
    error = caught.value
    assert set(error.failures) == {StaffChannel.SMS}
    assert error.delivered == {StaffChannel.SLACK}
    assert not error.retryable  # a retry would post to Slack twice


async def test_a_revoked_webhook_fails_permanently_after_the_sms_went_out(
    notifier: SmsAndSlackStaffNotifier, messenger: InMemoryMessenger, slack: FakeSlackServer
) -> None:
    slack.revoke()

    with pytest.raises(StaffNotificationError) as caught:
        await notifier.notify(ALERT)

    assert len(messenger.sent) == 1
    slack_error = caught.value.failures[StaffChannel.SLACK]
    assert isinstance(slack_error, PermanentEffectError)
    assert slack_error.code == "no_service"
    assert "CLAW_SLACK_WEBHOOK_URL" in str(slack_error)


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (SlackFault.INVALID_PAYLOAD, PermanentEffectError),
        (SlackFault.ACTION_PROHIBITED, PermanentEffectError),
        (SlackFault.INVALID_TOKEN, PermanentEffectError),
        (SlackFault.CHANNEL_NOT_FOUND, PermanentEffectError),
        (SlackFault.NO_SERVICE, PermanentEffectError),
        (SlackFault.CHANNEL_IS_ARCHIVED, PermanentEffectError),
        (SlackFault.RATE_LIMITED, TransientEffectError),
        (SlackFault.SERVER_ERROR, TransientEffectError),
    ],
)
async def test_slack_errors_map_to_effect_errors(
    slack: FakeSlackServer, fault: SlackFault, kind: type[EffectError]
) -> None:
    slack.inject(fault)
    webhook = SlackWebhook(slack.webhook_url)
    try:
        with pytest.raises(kind) as caught:
            await webhook.post("hello")
    finally:
        await webhook.aclose()

    assert caught.value.code == fault.value[1]
    assert slack.posts == []


async def test_a_hanging_slack_times_out_as_retryable(slack: FakeSlackServer) -> None:
    slack.inject(SlackFault.HANG)
    webhook = SlackWebhook(slack.webhook_url, timeout_seconds=0.2)
    try:
        with pytest.raises(TransientEffectError) as caught:
            await webhook.post("hello")
    finally:
        await webhook.aclose()

    assert caught.value.code == "timeout"


async def test_when_both_channels_fail_transiently_a_retry_is_offered(
    notifier: SmsAndSlackStaffNotifier, messenger: InMemoryMessenger, slack: FakeSlackServer
) -> None:
    messenger.fail_with = TransientEffectError("rate limited", code="429")
    slack.inject(SlackFault.SERVER_ERROR)

    with pytest.raises(StaffNotificationError) as caught:
        await notifier.notify(ALERT)

    assert caught.value.delivered == frozenset()
    assert caught.value.retryable
    assert slack.attempts == 1


async def test_the_fake_slack_rejects_what_real_slack_rejects(slack: FakeSlackServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(slack.webhook_url, data=b"not json") as response:
            assert (response.status, await response.text()) == (400, "invalid_payload")
        async with session.post(slack.webhook_url, json={"text": "  "}) as response:
            assert (response.status, await response.text()) == (400, "no_text")
        wrong = slack.webhook_url.rsplit("/", 1)[0] + "/wrong"
        async with session.post(wrong, json={"text": "hi"}) as response:
            assert (response.status, await response.text()) == (404, "no_service")


async def test_slack_only_needs_no_messenger(slack: FakeSlackServer) -> None:
    staff = SmsAndSlackStaffNotifier(None, StaffSettings(slack_webhook_url=slack.webhook_url))
    try:
        await staff.notify(StaffAlert(title="Hi", body="there"))
    finally:
        await staff.aclose()

    assert len(slack.posts) == 1


async def test_sms_only_needs_no_slack(messenger: InMemoryMessenger) -> None:
    staff = SmsAndSlackStaffNotifier(messenger, StaffSettings(on_duty_number=ON_DUTY))

    await staff.notify(StaffAlert(title="Hi", body="there"))

    assert messenger.sent == [(ON_DUTY, "Hi\nthere")]


def test_long_alerts_fit_one_sms_and_keep_the_conversation() -> None:
    text = sms_text(StaffAlert(title="Long", body="x" * 5000, conversation_id="conv-9"))

    assert len(text) <= 1600
    assert text.endswith("(conversation conv-9)")


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"CLAW_STAFF_NUMBER": "902-555-0199"},
        {"CLAW_SLACK_WEBHOOK_URL": "http://hooks.slack.com/services/T/B/x"},
    ],
)
def test_settings_refuse_what_cannot_reach_staff(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        StaffSettings.from_env(environ)


def test_settings_from_the_environment_hide_the_webhook_secret() -> None:
    url = "https://hooks.slack.com/services/T0/B0/secret"
    settings = StaffSettings.from_env({"CLAW_STAFF_NUMBER": ON_DUTY, "CLAW_SLACK_WEBHOOK_URL": url})

    assert (settings.on_duty_number, settings.slack_webhook_url) == (ON_DUTY, url)
    assert "secret" not in repr(settings)


def test_an_on_duty_number_needs_a_messenger() -> None:
    with pytest.raises(ConfigurationError):
        SmsAndSlackStaffNotifier(None, StaffSettings(on_duty_number=ON_DUTY))
