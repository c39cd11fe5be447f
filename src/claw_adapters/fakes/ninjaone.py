"""A local NinjaOne that speaks the documented API v2 contract, error shapes included.

Where the vendor leaves behaviour undocumented (the token endpoint's errors, the answer
to a run on an offline device, the status code of ``user_context_required``) the fake
follows what API clients have reported; those places say so.

    async with FakeNinjaOne(devices=[FakeDevice(42)]) as fake:
        controller = NinjaOneDeviceController(base_url=fake.base_url, ...)
"""

from __future__ import annotations

import asyncio
import enum
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
from aiohttp import web
from aiohttp.typedefs import Handler

from claw_adapters.fakes.loopback import serve_on_loopback


class NinjaRoute(enum.StrEnum):
    TOKEN = "token"  # noqa: S105 -- a route name, not a secret
    DEVICE = "device"
    SCRIPT_RUN = "script_run"
    ACTIVITIES = "activities"


class FaultKind(enum.StrEnum):
    HANG = "hang"
    """Do the work, then never answer: the request landed but its answer is lost."""

    SERVER_ERROR = "server_error"
    """HTTP 500 before doing anything."""

    RATE_LIMITED = "rate_limited"
    """HTTP 429 before doing anything."""

    MALFORMED_JSON = "malformed_json"
    """Do the work, then answer 200 with a body that is not JSON."""


class ScriptOutcome(enum.StrEnum):
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    NEVER_FINISHES = "NEVER_FINISHES"


@attrs.define
class FakeDevice:
    id: int
    display_name: str = ""
    offline: bool = False
    last_contact: float | None = None
    script_outcome: ScriptOutcome = ScriptOutcome.SUCCESS


@attrs.frozen
class FakeScriptRun:
    device_id: int
    type: str
    script_id: int | None
    action_uid: str | None
    parameters: str
    run_as: str
    at: float


@attrs.define
class _Fault:
    kind: FaultKind
    route: NinjaRoute | None
    remaining: int


@attrs.frozen
class _Token:
    grant: str
    expires_at: float


class FakeNinjaOne:
    """NinjaOne on 127.0.0.1 with an ephemeral port.

    ``clock`` gives epoch seconds, for token expiry and activity times; tests share one
    with the adapter so expiry needs no waiting. ``rotate_refresh_token`` makes each
    refresh spend the old refresh token and issue a new one. ``script_names`` maps a
    script id or action uid to the name the activity log shows.
    """

    def __init__(
        self,
        *,
        devices: Iterable[FakeDevice] = (),
        client_id: str = "claw-client",
        client_secret: str = "claw-secret",  # noqa: S107 -- a fake's default credential
        refresh_token: str = "claw-refresh",  # noqa: S107 -- a fake's default credential
        token_lifetime: int = 3600,
        rotate_refresh_token: bool = False,
        script_names: Mapping[int | str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.devices = {device.id: device for device in devices}
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.token_lifetime = token_lifetime
        self.rotate_refresh_token = rotate_refresh_token
        self.script_names: dict[int | str, str] = dict(script_names or {})
        self.clock = clock
        self.script_runs: list[FakeScriptRun] = []
        self.requests: list[NinjaRoute] = []
        """Every request received, by route, faulty ones included."""
        self.token_grants: list[str] = []
        """The grant type of every token request, in order."""
        self.activities: dict[int, list[dict[str, Any]]] = {}
        self._tokens: dict[str, _Token] = {}
        self._faults: list[_Fault] = []
        self._next_activity_id = 1000
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the fake NinjaOne is not running")
        return f"http://127.0.0.1:{self._port}"

    async def __aenter__(self) -> FakeNinjaOne:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._release = asyncio.Event()
        self._runner, self._port = await serve_on_loopback(self._app())

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def fail_next(
        self, kind: FaultKind, *, route: NinjaRoute | None = None, times: int = 1
    ) -> None:
        """Make the next ``times`` requests (to ``route``, or to any route) misbehave."""
        self._faults.append(_Fault(kind, route, times))

    def clear_faults(self) -> None:
        """Forget every fault still queued: the vendor behaves from now on."""
        self._faults.clear()

    def set_offline(self, device_id: int, offline: bool = True) -> None:
        self.devices[device_id].offline = offline

    def expire_tokens(self) -> None:
        """Revoke every access token, as the vendor may before their announced expiry."""
        self._tokens.clear()

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._fault_middleware])
        app.add_routes(
            [
                web.post("/ws/oauth/token", self._token),
                web.get("/v2/device/{id}", self._device),
                web.post("/v2/device/{id}/script/run", self._script_run),
                web.get("/v2/device/{id}/activities", self._activities),
            ]
        )
        return app

    @web.middleware
    async def _fault_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = _route_of(request)
        if route is not None:
            self.requests.append(route)
        fault = self._take_fault(route)
        if fault is FaultKind.SERVER_ERROR:
            return web.Response(status=500, text="Internal Server Error")
        if fault is FaultKind.RATE_LIMITED:
            return web.json_response(
                {"error": "rate_limited", "error_description": "Too many requests"}, status=429
            )
        response = await handler(request)
        if fault is FaultKind.HANG:
            await self._release.wait()
        if fault is FaultKind.MALFORMED_JSON:
            return web.Response(status=200, text='{"offline": tru', content_type="application/json")
        return response

    def _take_fault(self, route: NinjaRoute | None) -> FaultKind | None:
        for fault in self._faults:
            if fault.route is None or fault.route is route:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault.kind
        return None

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        grant = str(form.get("grant_type", ""))
        self.token_grants.append(grant)
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return _oauth_error(401, "invalid_client", "Invalid client credentials")
        body: dict[str, object] = {"token_type": "Bearer", "expires_in": self.token_lifetime}
        if grant == "client_credentials":
            body["scope"] = str(form.get("scope", "monitoring"))
        elif grant == "refresh_token":
            if form.get("refresh_token") != self.refresh_token:
                return _oauth_error(400, "invalid_grant", "Invalid refresh token")
            body["scope"] = "monitoring management offline_access"
            if self.rotate_refresh_token:
                self.refresh_token = f"refresh-{secrets.token_hex(8)}"
                body["refresh_token"] = self.refresh_token
        else:
            return _oauth_error(400, "unsupported_grant_type", f"Unsupported grant: {grant}")
        access_token = secrets.token_urlsafe(16)
        self._tokens[access_token] = _Token(grant, self.clock() + self.token_lifetime)
        body["access_token"] = access_token
        return web.json_response(body)

    def _authorise(self, request: web.Request) -> _Token | web.Response:
        header = request.headers.get("Authorization", "")
        token = self._tokens.get(header.removeprefix("Bearer ").strip())
        if not header.startswith("Bearer ") or token is None or token.expires_at <= self.clock():
            return _oauth_error(401, "not_authenticated", "Invalid credentials", code=10)
        return token

    def _device_of(self, request: web.Request) -> FakeDevice | web.Response:
        try:
            device_id = int(request.match_info["id"])
        except ValueError:
            return web.json_response(
                {"resultCode": "FAILURE", "errorMessage": "Invalid device id"}, status=400
            )
        device = self.devices.get(device_id)
        if device is None:
            return web.json_response(
                {"resultCode": "FAILURE", "errorMessage": f"Device {device_id} not found"},
                status=404,
            )
        return device

    async def _device(self, request: web.Request) -> web.Response:
        token = self._authorise(request)
        if isinstance(token, web.Response):
            return token
        device = self._device_of(request)
        if isinstance(device, web.Response):
            return device
        return web.json_response(
            {
                "id": device.id,
                "uid": str(uuid.uuid5(uuid.NAMESPACE_OID, f"ninja-device-{device.id}")),
                "organizationId": 1,
                "locationId": 1,
                "nodeClass": "WINDOWS_WORKSTATION",
                "approvalStatus": "APPROVED",
                "offline": device.offline,
                "displayName": device.display_name or f"SIM-{device.id}",
                "systemName": f"SIM-{device.id}",
                "lastContact": device.last_contact if device.last_contact else self.clock(),
            }
        )

    async def _script_run(self, request: web.Request) -> web.Response:
        token = self._authorise(request)
        if isinstance(token, web.Response):
            return token
        if token.grant != "refresh_token":
            # Reported by API clients (homotechsual/NinjaOne#90): NinjaOne runs scripts
            # only for tokens that carry a technician's user context.
            return _oauth_error(
                403,
                "user_context_required",
                "Access key does not have user context which is required for this request",
                code=5,
            )
        device = self._device_of(request)
        if isinstance(device, web.Response):
            return device
        body = await request.json()
        run_type = body.get("type")
        if run_type not in {"SCRIPT", "ACTION"} or (
            (run_type == "SCRIPT" and not isinstance(body.get("id"), int))
            or (run_type == "ACTION" and not isinstance(body.get("uid"), str))
        ):
            return web.json_response(
                {"resultCode": "FAILURE", "errorMessage": "Invalid script run request"},
                status=400,
            )
        if device.offline:
            # Undocumented; clients report a refusal rather than a queued run.
            return web.json_response(
                {"resultCode": "FAILURE", "errorMessage": "Device is offline"}, status=400
            )
        run = FakeScriptRun(
            device_id=device.id,
            type=run_type,
            script_id=body.get("id"),
            action_uid=body.get("uid"),
            parameters=str(body.get("parameters", "")),
            run_as=str(body.get("runAs", "")),
            at=self.clock(),
        )
        self.script_runs.append(run)
        self._log_run(device, run)
        return web.Response(status=204)

    def _log_run(self, device: FakeDevice, run: FakeScriptRun) -> None:
        series = str(uuid.uuid4())
        key: int | str = run.script_id if run.script_id is not None else str(run.action_uid)
        name = self.script_names.get(key, f"{run.type.title()} {key}")
        self._add_activity(device.id, run.at, series, name, "START_REQUESTED", None)
        if device.script_outcome is not ScriptOutcome.NEVER_FINISHES:
            self._add_activity(
                device.id, run.at, series, name, "COMPLETED", device.script_outcome.value
            )

    def _add_activity(
        self,
        device_id: int,
        at: float,
        series: str,
        name: str,
        status_code: str,
        result: str | None,
    ) -> None:
        self._next_activity_id += 1
        activity: dict[str, Any] = {
            "id": self._next_activity_id,
            "activityTime": at,
            "deviceId": device_id,
            "severity": "NONE",
            "priority": "NONE",
            "seriesUid": series,
            "activityType": "ACTION",
            "statusCode": status_code,
            "status": status_code.replace("_", " ").title(),
            "sourceName": name,
            "subject": name,
            "message": f"{name} {status_code.lower()}",
            "type": "Action",
        }
        if result is not None:
            activity["activityResult"] = result
        self.activities.setdefault(device_id, []).append(activity)

    async def _activities(self, request: web.Request) -> web.Response:
        token = self._authorise(request)
        if isinstance(token, web.Response):
            return token
        device = self._device_of(request)
        if isinstance(device, web.Response):
            return device
        page_size = int(request.query.get("pageSize", "200"))
        newest_first = sorted(
            self.activities.get(device.id, []), key=lambda a: a["id"], reverse=True
        )
        return web.json_response(
            {"lastActivityId": self._next_activity_id, "activities": newest_first[:page_size]}
        )


def _route_of(request: web.Request) -> NinjaRoute | None:
    path = request.path
    if path == "/ws/oauth/token":
        return NinjaRoute.TOKEN
    if path.endswith("/script/run"):
        return NinjaRoute.SCRIPT_RUN
    if path.endswith("/activities"):
        return NinjaRoute.ACTIVITIES
    if path.startswith("/v2/device/"):
        return NinjaRoute.DEVICE
    return None


def _oauth_error(status: int, error: str, description: str, *, code: int = 0) -> web.Response:
    body: dict[str, object] = {"error": error, "error_description": description}
    if code:
        body["error_code"] = code
    return web.json_response(body, status=status)
