"""NinjaOne Public API v2 as claw's ``DeviceController``.

A script run has no idempotency key and no job id in its answer, so the adapter never
retries it: an answer lost after sending is an unknown outcome, and the result is read
afterwards from the device's activity log.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import aiohttp
import attrs

from claw_adapters.clock import SystemClock
from claw_adapters.http import fresh_connection_session
from claw_adapters.ninjaone.tokens import NinjaOneCredentials, NinjaOneTokens, TokenKind
from claw_domain.errors import (
    ConfigurationError,
    OutcomeUnknownError,
    PermanentEffectError,
    TransientEffectError,
)
from claw_domain.ports import ActionReceipt, Clock, DeviceStatus

USER_CONTEXT_REQUIRED = "user_context_required"


def _strip_slash(url: str) -> str:
    return url.rstrip("/")


class ScriptRunResult(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"
    """Not finished, or not in the activity log yet."""


class RunType(enum.StrEnum):
    SCRIPT = "SCRIPT"
    ACTION = "ACTION"


@attrs.frozen
class ResetScript:
    """The configured simulator reset: a custom script by id or a built-in action by uid.

    ``name`` is the script's name as NinjaOne shows it; the activity log names runs by it
    (``sourceName``), which tells this script's runs from anything else on the device.
    """

    script_id: int | None = None
    action_uid: str | None = None
    parameters: str = ""
    run_as: str = "system"
    name: str = ""

    def __attrs_post_init__(self) -> None:
        if (self.script_id is None) == (self.action_uid is None):
            raise ConfigurationError(
                "configure exactly one NinjaOne reset: a script id or a built-in action uid"
            )

    @property
    def run_type(self) -> RunType:
        return RunType.SCRIPT if self.script_id is not None else RunType.ACTION

    def request_body(self) -> dict[str, object]:
        body: dict[str, object] = {"type": self.run_type.value, "runAs": self.run_as}
        if self.script_id is not None:
            body["id"] = self.script_id
        else:
            body["uid"] = self.action_uid
        if self.parameters:
            body["parameters"] = self.parameters
        return body

    def describe(self) -> str:
        label = f"script {self.script_id}" if self.script_id is not None else "built-in action"
        return f"{label} {self.name!r}" if self.name else label


# Activity types a script or built-in action run is logged under.
_RUN_ACTIVITY_TYPES = frozenset({"ACTION", "SCRIPTING"})
_FAILED_RESULTS = frozenset({"FAILURE", "UNSUPPORTED", "UNCOMPLETED"})
_FAILED_STATUSES = frozenset({"CANCELLED", "BLOCKED"})


@attrs.frozen
class _Reply:
    status: int
    text: str

    def json_object(self) -> dict[str, object] | None:
        try:
            parsed = json.loads(self.text)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    def vendor_error(self) -> tuple[str, str]:
        """The vendor's error code and message, from either error shape NinjaOne uses."""
        body = self.json_object() or {}
        code = body.get("error") or body.get("resultCode") or ""
        message = (
            body.get("error_description")
            or body.get("errorMessage")
            or body.get("message")
            or self.text.strip()[:200]
        )
        return str(code), str(message) or f"HTTP {self.status}"


@attrs.define
class NinjaOneDeviceController:
    """``DeviceController`` over NinjaOne.

    ``base_url`` is the instance root without a path, e.g. ``https://app.ninjarmm.com``
    (or ``eu.``, ``ca.``, ``oc.``, ``us2.``). Timeouts are in seconds: ``connect_timeout``
    bounds reaching the server, ``read_timeout`` bounds waiting for each answer.
    """

    base_url: str = attrs.field(converter=_strip_slash)
    credentials: NinjaOneCredentials
    reset_script: ResetScript
    clock: Clock = attrs.field(factory=SystemClock)
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    token_refresh_margin: timedelta = timedelta(seconds=60)
    activity_clock_skew: timedelta = timedelta(seconds=30)
    on_refresh_token_rotated: Callable[[str], None] | None = None
    _tokens: NinjaOneTokens = attrs.field(init=False, repr=False)
    _session: aiohttp.ClientSession | None = attrs.field(init=False, default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        self._tokens = NinjaOneTokens(
            base_url=self.base_url,
            credentials=self.credentials,
            clock=self.clock,
            refresh_margin=self.token_refresh_margin,
            on_refresh_token_rotated=self.on_refresh_token_rotated,
        )

    @property
    def current_refresh_token(self) -> str | None:
        return self._tokens.current_refresh_token

    async def __aenter__(self) -> NinjaOneDeviceController:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def device_status(self, device_id: str) -> DeviceStatus:
        path = f"/v2/device/{_numeric_id(device_id)}"
        reply = await self._read(path)
        if reply.status == 404:
            raise PermanentEffectError(
                f"NinjaOne has no device {device_id}", code="device_not_found"
            )
        self._raise_for_read(reply)
        body = reply.json_object()
        offline = body.get("offline") if body else None
        if body is None or not isinstance(offline, bool):
            raise TransientEffectError(
                "NinjaOne answered the device lookup without a readable 'offline' flag",
                code="malformed_response",
            )
        contact = body.get("lastContact")
        last_contact = (
            datetime.fromtimestamp(contact, UTC) if isinstance(contact, int | float) else None
        )
        return DeviceStatus(device_id=device_id, online=not offline, last_contact=last_contact)

    async def reset_simulator(self, device_id: str) -> ActionReceipt:
        path = f"/v2/device/{_numeric_id(device_id)}/script/run"
        kind = TokenKind.USER if self._tokens.has_user_context else TokenKind.APP
        session = self._open_session()
        # Token failures happen before anything is sent, so they keep their own
        # (retryable or configuration) meaning.
        token = await self._tokens.token(session, kind)
        try:
            async with session.post(
                self.base_url + path,
                json=self.reset_script.request_body(),
                headers=_bearer(token),
            ) as response:
                reply = _Reply(response.status, await response.text())
        except aiohttp.ConnectionTimeoutError as exc:
            raise TransientEffectError(
                f"NinjaOne not reachable within {self.connect_timeout}s; nothing was sent",
                code="connect_timeout",
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise TransientEffectError(
                f"NinjaOne not reachable ({exc}); nothing was sent", code="unreachable"
            ) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise OutcomeUnknownError(
                f"the reset of device {device_id} was sent to NinjaOne but no answer came "
                f"back ({type(exc).__name__}); check the device's activities before trying again",
                code="no_answer",
            ) from exc
        return self._script_run_receipt(device_id, kind, reply)

    async def script_run_result(self, device_id: str, *, since: datetime) -> ScriptRunResult:
        """The outcome of the first reset run logged on the device at or after ``since``.

        ``since`` is the time just before the run was sent; the vendor's clock may lag
        ours, hence ``activity_clock_skew``.
        """
        path = f"/v2/device/{_numeric_id(device_id)}/activities"
        reply = await self._read(path, params={"pageSize": "100"})
        if reply.status == 404:
            raise PermanentEffectError(
                f"NinjaOne has no device {device_id}", code="device_not_found"
            )
        self._raise_for_read(reply)
        body = reply.json_object()
        activities = body.get("activities") if body else None
        if not isinstance(activities, list):
            raise TransientEffectError(
                "NinjaOne answered the activity lookup without an 'activities' list",
                code="malformed_response",
            )
        earliest = (since - self.activity_clock_skew).timestamp()
        runs = sorted(
            (a for a in activities if isinstance(a, dict) and self._is_reset_run(a, earliest)),
            key=_activity_time,
        )
        if not runs:
            return ScriptRunResult.PENDING
        series = runs[0].get("seriesUid")
        if series:
            runs = [run for run in runs if run.get("seriesUid") == series]
        return _verdict(runs)

    def _is_reset_run(self, activity: Mapping[str, object], earliest: float) -> bool:
        when = activity.get("activityTime")
        if not isinstance(when, int | float) or when < earliest:
            return False
        if activity.get("activityType") not in _RUN_ACTIVITY_TYPES:
            return False
        name = self.reset_script.name
        return not name or activity.get("sourceName") == name

    def _script_run_receipt(self, device_id: str, kind: TokenKind, reply: _Reply) -> ActionReceipt:
        if 200 <= reply.status < 300:
            return ActionReceipt(
                detail=f"NinjaOne accepted {self.reset_script.describe()} on device {device_id}"
            )
        code, message = reply.vendor_error()
        if code == USER_CONTEXT_REQUIRED:
            raise ConfigurationError(
                "NinjaOne runs scripts only with a user-context token, and claw has "
                + (
                    "a refresh token whose grant lacks it: consent again with the "
                    "authorization-code flow and configure CLAW_NINJAONE_REFRESH_TOKEN"
                    if kind is TokenKind.USER
                    else "none: complete the authorization-code consent once and configure "
                    "CLAW_NINJAONE_REFRESH_TOKEN"
                )
            )
        if reply.status == 401:
            # The token was refused, so the script was not started.
            self._tokens.invalidate(kind)
            raise TransientEffectError(
                f"NinjaOne refused the access token ({message}); nothing was run",
                code=code or "http_401",
            )
        if reply.status == 429 or reply.status >= 500:
            raise TransientEffectError(
                f"NinjaOne did not accept the reset (HTTP {reply.status}: {message})",
                code=code or f"http_{reply.status}",
            )
        if reply.status == 404:
            raise PermanentEffectError(
                f"NinjaOne has no device {device_id} ({message})", code="device_not_found"
            )
        raise PermanentEffectError(
            f"NinjaOne refused the reset of device {device_id}: {message}",
            code=code or f"http_{reply.status}",
        )

    async def _read(self, path: str, *, params: Mapping[str, str] | None = None) -> _Reply:
        """A read with the client-credentials token, retried once after a 401.

        Reads change nothing, so the retry with a fresh token is safe; it covers a token
        the vendor revoked before its announced expiry.
        """
        session = self._open_session()
        reply = _Reply(0, "")
        for _attempt in range(2):
            token = await self._tokens.token(session, TokenKind.APP)
            try:
                async with session.get(
                    self.base_url + path, params=params, headers=_bearer(token)
                ) as response:
                    reply = _Reply(response.status, await response.text())
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise TransientEffectError(
                    f"NinjaOne read {path} failed: {type(exc).__name__}: {exc}",
                    code="unreachable",
                ) from exc
            if reply.status != 401:
                return reply
            self._tokens.invalidate(TokenKind.APP)
        return reply

    def _raise_for_read(self, reply: _Reply) -> None:
        if 200 <= reply.status < 300:
            return
        code, message = reply.vendor_error()
        if reply.status in {401, 403}:
            raise ConfigurationError(
                f"NinjaOne refused a read (HTTP {reply.status}: {message}): give the API "
                f"application the '{self.credentials.read_scope}' scope and the "
                "client-credentials grant"
            )
        retryable = reply.status == 429 or reply.status >= 500
        error = TransientEffectError if retryable else PermanentEffectError
        raise error(
            f"NinjaOne read failed (HTTP {reply.status}: {message})",
            code=code or f"http_{reply.status}",
        )

    def _open_session(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running event loop, never at construction.
        if self._session is None or self._session.closed:
            self._session = fresh_connection_session(
                connect_timeout=self.connect_timeout, read_timeout=self.read_timeout
            )
        return self._session


def _activity_time(activity: Mapping[str, object]) -> float:
    when = activity.get("activityTime")
    return float(when) if isinstance(when, int | float) else 0.0


def _verdict(runs: list[dict[str, object]]) -> ScriptRunResult:
    for run in reversed(runs):
        result = run.get("activityResult")
        if result == "SUCCESS":
            return ScriptRunResult.SUCCEEDED
        if result in _FAILED_RESULTS or run.get("statusCode") in _FAILED_STATUSES:
            return ScriptRunResult.FAILED
    return ScriptRunResult.PENDING


def _numeric_id(device_id: str) -> int:
    try:
        return int(device_id)
    except ValueError:
        raise ConfigurationError(
            f"NinjaOne device ids are numbers; {device_id!r} is not: fix the box-to-device map"
        ) from None


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
