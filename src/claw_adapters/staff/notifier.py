"""The ``StaffNotifier`` port: a text to the on-duty phone and, if set up, a Slack post.

Both channels are always attempted; a failure of one never hides the other. When
any channel failed, ``StaffNotificationError`` says which, and which got through.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from uuid import UUID

import attrs

from claw_adapters.staff.sanitise import sanitised
from claw_adapters.staff.slack import SlackWebhook, check_webhook_url, escape_slack
from claw_domain.errors import ConfigurationError, EffectError, OutcomeUnknownError
from claw_domain.ports import AlertSeverity, Messenger, StaffAlert

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# OpenPhone's limit for one message's content.
MAX_SMS_CHARACTERS = 1600


class StaffChannel(enum.StrEnum):
    SMS = "sms"
    SLACK = "slack"


class StaffNotificationError(EffectError):
    """One or both channels failed.

    Retrying is only offered when nothing got through and every failure was
    transient: a retry after a partial success would repeat the delivered alert.
    """

    def __init__(
        self, failures: Mapping[StaffChannel, EffectError], delivered: frozenset[StaffChannel]
    ) -> None:
        self.failures = dict(failures)
        self.delivered = delivered
        summary = "; ".join(f"{channel}: {error}" for channel, error in self.failures.items())
        reached = ", ".join(sorted(delivered)) or "none"
        super().__init__(
            f"staff alert failed on {summary} (delivered: {reached})",
            code="partial" if delivered else "failed",
            retryable=not delivered and all(e.retryable for e in self.failures.values()),
        )


@attrs.frozen
class StaffSettings:
    on_duty_number: str | None = None
    slack_webhook_url: str | None = attrs.field(default=None, repr=False)  # the URL is a secret
    slack_timeout_seconds: float = attrs.field(default=10.0, validator=attrs.validators.gt(0.0))

    def __attrs_post_init__(self) -> None:
        if self.on_duty_number is None and self.slack_webhook_url is None:
            msg = "set CLAW_STAFF_NUMBER or CLAW_SLACK_WEBHOOK_URL: staff must be reachable"
            raise ConfigurationError(msg)
        if self.on_duty_number is not None and not _E164.match(self.on_duty_number):
            got = self.on_duty_number
            msg = f"CLAW_STAFF_NUMBER must be E.164, like +19025550123; got {got!r}"
            raise ConfigurationError(msg)
        if self.slack_webhook_url is not None:
            check_webhook_url(self.slack_webhook_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> StaffSettings:
        return cls(
            on_duty_number=environ.get("CLAW_STAFF_NUMBER", "").strip() or None,
            slack_webhook_url=environ.get("CLAW_SLACK_WEBHOOK_URL", "").strip() or None,
        )


def _reference(conversation_id: str) -> str:
    """claw's own id for the conversation, whole: staff look it up in the console.

    It is not customer text, so it is not masked (a UUID's digit groups would read as
    a phone number); anything that is not a UUID is treated as untrusted text.
    """
    try:
        return str(UUID(conversation_id))
    except ValueError:
        return sanitised(conversation_id)


def sms_text(alert: StaffAlert) -> str:
    prefix = "URGENT: " if alert.severity is AlertSeverity.URGENT else ""
    reference = (
        f"\n(conversation {_reference(alert.conversation_id)})" if alert.conversation_id else ""
    )
    text = f"{prefix}{sanitised(alert.title)}\n{sanitised(alert.body)}"
    room = MAX_SMS_CHARACTERS - len(reference)
    if len(text) > room:
        text = text[: room - 1] + "…"
    return text + reference


def slack_text(alert: StaffAlert) -> str:
    marker = ":rotating_light: " if alert.severity is AlertSeverity.URGENT else ""
    reference = (
        f"\n_conversation {escape_slack(_reference(alert.conversation_id))}_"
        if alert.conversation_id
        else ""
    )
    title, body = escape_slack(sanitised(alert.title)), escape_slack(sanitised(alert.body))
    return f"{marker}*{title}*\n{body}{reference}"


class SmsAndSlackStaffNotifier:
    """Implements ``claw_domain.ports.StaffNotifier``."""

    def __init__(
        self,
        messenger: Messenger | None,
        settings: StaffSettings,
        *,
        slack: SlackWebhook | None = None,
    ) -> None:
        """``slack`` defaults to a webhook built from the settings' URL, if one is set."""
        if settings.on_duty_number is not None and messenger is None:
            msg = "an on-duty number is set but no messenger was given to text it"
            raise ConfigurationError(msg)
        self._messenger = messenger
        self._settings = settings
        self._slack = slack
        if slack is None and settings.slack_webhook_url is not None:
            self._slack = SlackWebhook(
                settings.slack_webhook_url, timeout_seconds=settings.slack_timeout_seconds
            )

    async def aclose(self) -> None:
        if self._slack is not None:
            await self._slack.aclose()

    async def notify(self, alert: StaffAlert) -> None:
        failures: dict[StaffChannel, EffectError] = {}
        delivered: set[StaffChannel] = set()
        if self._messenger is not None and self._settings.on_duty_number is not None:
            try:
                await self._messenger.send_text(
                    to=self._settings.on_duty_number, body=sms_text(alert)
                )
            except Exception as error:
                failures[StaffChannel.SMS] = _as_effect_error(error)
            else:
                delivered.add(StaffChannel.SMS)
        if self._slack is not None:
            try:
                await self._slack.post(slack_text(alert))
            except Exception as error:
                failures[StaffChannel.SLACK] = _as_effect_error(error)
            else:
                delivered.add(StaffChannel.SLACK)
        if failures:
            raise StaffNotificationError(failures, frozenset(delivered))


def _as_effect_error(error: Exception) -> EffectError:
    if isinstance(error, EffectError):
        return error
    # A port broke its contract; what happened is unknown, so never claim it is retryable.
    wrapped = OutcomeUnknownError(f"{type(error).__name__}: {error}", code="unexpected_error")
    wrapped.__cause__ = error
    return wrapped
