"""Reaching the on-duty staff: SMS through the ``Messenger`` port, and Slack."""

from claw_adapters.staff.notifier import (
    SmsAndSlackStaffNotifier,
    StaffChannel,
    StaffNotificationError,
    StaffSettings,
    slack_text,
    sms_text,
)
from claw_adapters.staff.slack import SlackWebhook, check_webhook_url, escape_slack

__all__ = [
    "SlackWebhook",
    "SmsAndSlackStaffNotifier",
    "StaffChannel",
    "StaffNotificationError",
    "StaffSettings",
    "check_webhook_url",
    "escape_slack",
    "slack_text",
    "sms_text",
]
