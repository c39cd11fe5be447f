"""A fake Slack incoming webhook, answering as Slack documents it.

Slack answers ``200 ok`` (plain text) or a status with a one-word error body:
400 invalid_payload / no_text, 403 action_prohibited / invalid_token,
404 channel_not_found / no_service, 410 channel_is_archived, 429 with Retry-After,
500 rollup_error. Posts are remembered in ``posts``. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections import deque
from typing import Any

import attrs
from aiohttp import web

from claw_adapters.fakes.loopback import serve_on_loopback

WEBHOOK_PATH = "/services/T0FAKE0001/B0FAKE0001/fakeWebhookSecret000000"


class SlackFault(enum.Enum):
    """Each fault's value is the (status, body) Slack answers with."""

    INVALID_PAYLOAD = (400, "invalid_payload")
    ACTION_PROHIBITED = (403, "action_prohibited")
    INVALID_TOKEN = (403, "invalid_token")
    CHANNEL_NOT_FOUND = (404, "channel_not_found")
    NO_SERVICE = (404, "no_service")
    CHANNEL_IS_ARCHIVED = (410, "channel_is_archived")
    RATE_LIMITED = (429, "rate_limited")
    SERVER_ERROR = (500, "rollup_error")
    HANG = (0, "")


@attrs.frozen
class SlackPost:
    payload: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.payload.get("text", ""))


class FakeSlackServer:
    def __init__(self) -> None:
        self.posts: list[SlackPost] = []
        self.attempts = 0
        self._faults: deque[SlackFault] = deque()
        self._revoked = False
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._stopping = asyncio.Event()

    def inject(self, fault: SlackFault, *, times: int = 1) -> None:
        self._faults.extend([fault] * times)

    def revoke(self) -> None:
        """Remove the webhook, as an admin would: every later post gets 404 no_service."""
        self._revoked = True

    @property
    def webhook_url(self) -> str:
        if self._runner is None:
            msg = "the fake Slack server is not started"
            raise RuntimeError(msg)
        return f"http://127.0.0.1:{self._port}{WEBHOOK_PATH}"

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/services/{team}/{bot}/{secret}", self._post)
        self._runner, self._port = await serve_on_loopback(app)
        return self.webhook_url

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlackServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def _post(self, request: web.Request) -> web.StreamResponse:
        self.attempts += 1
        if self._revoked or request.path != WEBHOOK_PATH:
            return web.Response(status=404, text="no_service")
        fault = self._faults.popleft() if self._faults else None
        if fault is SlackFault.HANG:
            await self._stopping.wait()
            return web.Response(status=503, text="shutting_down")
        if fault is not None:
            status, text = fault.value
            headers = {"Retry-After": "1"} if status == 429 else {}
            return web.Response(status=status, text=text, headers=headers)
        try:
            payload = json.loads(await request.text())
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(payload, dict):
            return web.Response(status=400, text="invalid_payload")
        if not str(payload.get("text", "")).strip() and not payload.get("blocks"):
            return web.Response(status=400, text="no_text")
        self.posts.append(SlackPost(payload))
        return web.Response(status=200, text="ok")
