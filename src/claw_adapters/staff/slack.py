"""Post to a Slack incoming webhook and map Slack's answers to effect errors."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp

from claw_domain.errors import (
    ConfigurationError,
    EffectError,
    PermanentEffectError,
    TransientEffectError,
)

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
# Slack's answers that mean the webhook itself is gone or disabled.
_HOOK_GONE = frozenset({"no_service", "channel_not_found", "channel_is_archived", "invalid_token"})


def check_webhook_url(url: str) -> str:
    """https only, except to this machine (the fake Slack in tests and demos)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.netloc:
        return url
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return url
    msg = "CLAW_SLACK_WEBHOOK_URL must be an https:// Slack incoming-webhook URL"
    raise ConfigurationError(msg)


def escape_slack(text: str) -> str:
    """Slack reads <...> as links and mentions: a customer's "<!channel>" must stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackWebhook:
    """One incoming webhook. Close it with ``aclose()`` when it made its own session."""

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 10.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._url = check_webhook_url(url)
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session = session
        self._owns_session = session is None

    async def aclose(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, text: str) -> None:
        """Post ``text`` (already escaped). Raises an ``EffectError`` on any failure."""
        if self._session is None:
            # Created on first use: a session belongs to the running event loop.
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(
                self._url, json={"text": text}, timeout=self._timeout
            ) as response:
                body = (await response.text()).strip()
                status = response.status
        except TimeoutError as error:
            # The post may have landed; a repeated staff alert is an acceptable risk.
            raise TransientEffectError("Slack did not answer in time", code="timeout") from error
        except aiohttp.ClientError as error:
            raise TransientEffectError(f"cannot reach Slack: {error}", code="connection") from error
        if 200 <= status < 300:
            return
        raise _slack_error(status, body)


def _slack_error(status: int, body: str) -> EffectError:
    code = body if body and len(body) <= 64 and " " not in body else f"http_{status}"
    if status == 429:
        return TransientEffectError("Slack rate-limited the webhook", code=code)
    if status >= 500:
        return TransientEffectError(f"Slack failed ({status} {code})", code=code)
    if code in _HOOK_GONE or status in {404, 410}:
        return PermanentEffectError(
            f"the Slack webhook no longer works ({code}); create a new incoming webhook "
            "and update CLAW_SLACK_WEBHOOK_URL",
            code=code,
        )
    return PermanentEffectError(f"Slack refused the message ({status} {code})", code=code)


__all__ = ["SlackWebhook", "check_webhook_url", "escape_slack"]
