"""A local UniFi Access console that speaks the developer API's door calls.

Answers use the documented envelope and error codes. The doc does not pair codes with
HTTP statuses; the fake's pairing is in ``_STATUS_OF`` and the adapter must not rely on
it. Serves HTTPS when given an ``ssl.SSLContext`` (the real console's certificate is
self-signed), plain HTTP otherwise, for the demo.

    async with FakeUniFiAccess(doors=[FakeDoor("door-1", "Front door")]) as fake:
        doors = UniFiAccessDoorController(base_url=fake.base_url, api_token=fake.api_token)
"""

from __future__ import annotations

import asyncio
import enum
import ssl
from collections.abc import Iterable
from typing import Any

import attrs
from aiohttp import web
from aiohttp.typedefs import Handler

from claw_adapters.fakes.loopback import serve_on_loopback
from claw_adapters.unifi.codes import UniFiCode

PREFIX = "/api/v1/developer"
LOCK_RULE_TYPES = frozenset(
    {"keep_lock", "keep_unlock", "custom", "reset", "lock_early", "lock_now"}
)


class UniFiRoute(enum.StrEnum):
    DOORS = "doors"
    DOOR = "door"
    UNLOCK = "unlock"
    LOCK_RULE = "lock_rule"


class FaultKind(enum.StrEnum):
    HANG = "hang"
    """Do the work, then never answer: the door opened but the answer is lost."""

    SERVER_ERROR = "server_error"
    """HTTP 500 with no envelope (as from a proxy), before doing anything."""

    RATE_LIMITED = "rate_limited"
    """HTTP 429 before doing anything."""

    MALFORMED_JSON = "malformed_json"
    """Do the work, then answer 200 with a body that is not JSON."""

    ERROR_CODE = "error_code"
    """Answer a documented error code in the envelope, before doing anything."""


@attrs.define
class FakeDoor:
    id: str
    name: str
    full_name: str = ""
    floor_id: str = "floor-1"
    is_bind_hub: bool = True
    offline: bool = False
    door_lock_relay_status: str = "lock"
    door_position_status: str | None = "close"

    def as_api(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "full_name": self.full_name or f"Console - 1F - {self.name}",
            "floor_id": self.floor_id,
            "type": "door",
            "is_bind_hub": self.is_bind_hub,
            "door_lock_relay_status": self.door_lock_relay_status,
            "door_position_status": self.door_position_status,
        }


@attrs.frozen
class FakeUnlock:
    door_id: str
    actor_id: str | None
    actor_name: str | None
    extra: dict[str, Any] | None


@attrs.frozen
class FakeLockRule:
    door_id: str
    type: str
    interval: int | None


@attrs.define
class _Fault:
    kind: FaultKind
    route: UniFiRoute | None
    remaining: int
    code: UniFiCode


_STATUS_OF: dict[UniFiCode, int] = {
    UniFiCode.PARAMS_INVALID: 400,
    UniFiCode.RESOURCE_NOT_FOUND: 400,
    UniFiCode.NOT_EXISTS: 400,
    UniFiCode.AUTH_FAILED: 401,
    UniFiCode.ACCESS_TOKEN_INVALID: 401,
    UniFiCode.UNAUTHORIZED: 403,
    UniFiCode.OPERATION_FORBIDDEN: 403,
    UniFiCode.SYSTEM_ERROR: 500,
}

_MESSAGES: dict[UniFiCode, str] = {
    UniFiCode.PARAMS_INVALID: "The provided parameters are invalid.",
    UniFiCode.SYSTEM_ERROR: "An error occurred on the server's end.",
    UniFiCode.RESOURCE_NOT_FOUND: "The requested resource was not found.",
    UniFiCode.OPERATION_FORBIDDEN: "The requested operation is not allowed.",
    UniFiCode.AUTH_FAILED: "Authentication failed.",
    UniFiCode.ACCESS_TOKEN_INVALID: "The provided access token is invalid.",
    UniFiCode.UNAUTHORIZED: "You are not allowed to perform this action.",
    UniFiCode.NOT_EXISTS: "The requested item does not exist.",
    UniFiCode.DEVICE_VERSION_TOO_OLD: "The firmware version is too old.",
    UniFiCode.DEVICE_BUSY: "The camera is currently in use.",
    UniFiCode.DEVICE_NOT_FOUND: "The device was not found.",
    UniFiCode.DEVICE_OFFLINE: "The device is currently offline.",
    UniFiCode.UID_ADOPTED_NOT_SUPPORTED: (
        "The API is not available after upgrading to Identity Enterprise."
    ),
    UniFiCode.DEVICE_API_NOT_SUPPORTED: "The API is currently not available for this device.",
}


def error_response(code: UniFiCode) -> web.Response:
    return web.json_response(
        {"code": code.value, "msg": _MESSAGES.get(code, code.value)},
        status=_STATUS_OF.get(code, 402),
    )


def _success(data: object) -> web.Response:
    return web.json_response({"code": UniFiCode.SUCCESS.value, "msg": "success", "data": data})


class FakeUniFiAccess:
    """UniFi Access on 127.0.0.1 with an ephemeral port.

    ``scopes`` are the API token's permission keys; drop ``edit:space`` to see how the
    console answers a read-only token.
    """

    def __init__(
        self,
        *,
        doors: Iterable[FakeDoor] = (),
        api_token: str = "claw-unifi-token",  # noqa: S107 -- a fake's default credential
        scopes: Iterable[str] = ("view:space", "edit:space"),
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.doors = {door.id: door for door in doors}
        self.api_token = api_token
        self.scopes = frozenset(scopes)
        self.ssl_context = ssl_context
        self.unlocked: list[FakeUnlock] = []
        self.lock_rules: list[FakeLockRule] = []
        self.requests: list[UniFiRoute] = []
        """Every request received, by route, faulty ones included."""
        self._faults: list[_Fault] = []
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the fake UniFi Access console is not running")
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self._port}"

    async def __aenter__(self) -> FakeUniFiAccess:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._release = asyncio.Event()
        self._runner, self._port = await serve_on_loopback(
            self._app(), ssl_context=self.ssl_context
        )

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def fail_next(
        self,
        kind: FaultKind,
        *,
        route: UniFiRoute | None = None,
        times: int = 1,
        code: UniFiCode = UniFiCode.SYSTEM_ERROR,
    ) -> None:
        """Make the next ``times`` requests (to ``route``, or to any route) misbehave.

        ``code`` is the documented error code an ``ERROR_CODE`` fault answers.
        """
        self._faults.append(_Fault(kind, route, times, code))

    def set_offline(self, door_id: str, offline: bool = True) -> None:
        """Take the door's hub offline: unlocks answer ``CODE_DEVICE_DEVICE_OFFLINE``."""
        self.doors[door_id].offline = offline

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._fault_middleware])
        app.add_routes(
            [
                web.get(f"{PREFIX}/doors", self._list_doors),
                web.get(f"{PREFIX}/doors/{{id}}", self._fetch_door),
                web.put(f"{PREFIX}/doors/{{id}}/unlock", self._unlock),
                web.put(f"{PREFIX}/doors/{{id}}/lock_rule", self._set_lock_rule),
            ]
        )
        return app

    @web.middleware
    async def _fault_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = _route_of(request)
        if route is not None:
            self.requests.append(route)
        fault = self._take_fault(route)
        if fault is not None and fault.kind is FaultKind.SERVER_ERROR:
            return web.Response(status=500, text="Internal Server Error")
        if fault is not None and fault.kind is FaultKind.RATE_LIMITED:
            return web.Response(status=429, text="Too Many Requests")
        if fault is not None and fault.kind is FaultKind.ERROR_CODE:
            return error_response(fault.code)
        response = await handler(request)
        if fault is not None and fault.kind is FaultKind.HANG:
            await self._release.wait()
        if fault is not None and fault.kind is FaultKind.MALFORMED_JSON:
            return web.Response(status=200, text='{"code": "SUCC', content_type="application/json")
        return response

    def _take_fault(self, route: UniFiRoute | None) -> _Fault | None:
        for fault in self._faults:
            if fault.route is None or fault.route is route:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _refusal(self, request: web.Request, scope: str) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.api_token}":
            return error_response(UniFiCode.ACCESS_TOKEN_INVALID)
        if scope not in self.scopes:
            return error_response(UniFiCode.UNAUTHORIZED)
        return None

    def _door_of(self, request: web.Request) -> FakeDoor | web.Response:
        door = self.doors.get(request.match_info["id"])
        return door if door is not None else error_response(UniFiCode.RESOURCE_NOT_FOUND)

    async def _list_doors(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request, "view:space")
        if refusal is not None:
            return refusal
        return _success([door.as_api() for door in self.doors.values()])

    async def _fetch_door(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request, "view:space")
        if refusal is not None:
            return refusal
        door = self._door_of(request)
        return door if isinstance(door, web.Response) else _success(door.as_api())

    async def _unlock(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request, "edit:space")
        if refusal is not None:
            return refusal
        door = self._door_of(request)
        if isinstance(door, web.Response):
            return door
        body = await _json_body(request)
        if body is None:
            return error_response(UniFiCode.PARAMS_INVALID)
        actor_id, actor_name = body.get("actor_id"), body.get("actor_name")
        extra = body.get("extra")
        if (actor_id is None) != (actor_name is None) or (
            extra is not None and not isinstance(extra, dict)
        ):
            return error_response(UniFiCode.PARAMS_INVALID)
        if door.offline:
            return error_response(UniFiCode.DEVICE_OFFLINE)
        if not door.is_bind_hub:
            # Remote unlock needs a hub bound to the door; the doc gives no code for it.
            return error_response(UniFiCode.DEVICE_API_NOT_SUPPORTED)
        self.unlocked.append(FakeUnlock(door.id, actor_id, actor_name, extra))
        door.door_lock_relay_status = "unlock"
        return _success("success")

    async def _set_lock_rule(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request, "edit:space")
        if refusal is not None:
            return refusal
        door = self._door_of(request)
        if isinstance(door, web.Response):
            return door
        body = await _json_body(request)
        if body is None:
            return error_response(UniFiCode.PARAMS_INVALID)
        rule_type, interval = body.get("type"), body.get("interval")
        if rule_type not in LOCK_RULE_TYPES or (
            rule_type == "custom" and (not isinstance(interval, int) or interval <= 0)
        ):
            return error_response(UniFiCode.PARAMS_INVALID)
        if door.offline:
            return error_response(UniFiCode.DEVICE_OFFLINE)
        self.lock_rules.append(
            FakeLockRule(door.id, str(rule_type), interval if rule_type == "custom" else None)
        )
        door.door_lock_relay_status = "unlock" if rule_type in {"custom", "keep_unlock"} else "lock"
        return _success("success")


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    """The request's JSON object, ``{}`` for no body, None for anything else."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _route_of(request: web.Request) -> UniFiRoute | None:
    path = request.path.removeprefix(PREFIX)
    if path == "/doors":
        return UniFiRoute.DOORS
    if path.endswith("/unlock"):
        return UniFiRoute.UNLOCK
    if path.endswith("/lock_rule"):
        return UniFiRoute.LOCK_RULE
    if path.startswith("/doors/"):
        return UniFiRoute.DOOR
    return None
