"""UniFi Access developer API as claw's ``DoorController``.

Every answer is an envelope ``{"code", "msg", "data"}``; success is ``code == "SUCCESS"``
and an HTTP 2xx, and the code, not the HTTP status, says what went wrong. An unlock
whose answer is lost is an unknown outcome: the adapter never sends it twice.
"""

from __future__ import annotations

import json
import math
import ssl
from collections.abc import Mapping
from urllib.parse import quote

import aiohttp
import attrs

from claw_adapters.http import fresh_connection_session
from claw_adapters.unifi.codes import UniFiCode, error_for
from claw_adapters.unifi.tls import UniFiTls
from claw_domain.errors import (
    ConfigurationError,
    OutcomeUnknownError,
    PermanentEffectError,
    TransientEffectError,
)
from claw_domain.ports import ActionReceipt

API_PREFIX = "/api/v1/developer"


def _strip_slash(url: str) -> str:
    return url.rstrip("/")


@attrs.frozen
class Door:
    """A door as UniFi Access lists it (API doc 7.8)."""

    id: str
    name: str
    full_name: str = ""
    floor_id: str = ""
    type: str = "door"
    is_bind_hub: bool = False
    door_lock_relay_status: str = ""
    door_position_status: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, object]) -> Door:
        def text(key: str) -> str:
            value = data.get(key)
            return value if isinstance(value, str) else ""

        position = data.get("door_position_status")
        return cls(
            id=text("id"),
            name=text("name"),
            full_name=text("full_name"),
            floor_id=text("floor_id"),
            type=text("type") or "door",
            # Documented as a String, sent as a boolean: accept both.
            is_bind_hub=data.get("is_bind_hub") is True or data.get("is_bind_hub") == "true",
            door_lock_relay_status=text("door_lock_relay_status"),
            door_position_status=position if isinstance(position, str) else None,
        )


@attrs.define
class UniFiAccessDoorController:
    """``DoorController`` over a UniFi Access console.

    ``base_url`` is the console's API server, ``https://<console>:12445``. ``api_token``
    needs ``view:space`` and ``edit:space``. ``actor_id`` names claw in the console's
    logs and webhooks; the port's ``actor`` becomes the actor name. A timed unlock sets
    the door's temporary lock rule, whose unit is whole minutes, so ``seconds`` is
    rounded up to the next minute.
    """

    base_url: str = attrs.field(converter=_strip_slash)
    api_token: str = attrs.field(repr=False)
    tls: UniFiTls = attrs.field(factory=UniFiTls)
    actor_id: str = "claw"
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    _session: aiohttp.ClientSession | None = attrs.field(init=False, default=None, repr=False)
    _ssl: ssl.SSLContext | aiohttp.Fingerprint | bool | None = attrs.field(
        init=False, default=None, repr=False
    )

    async def __aenter__(self) -> UniFiAccessDoorController:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def list_doors(self) -> list[Door]:
        data = await self._call("GET", "/doors", effect=False)
        if not isinstance(data, list):
            raise TransientEffectError(
                "UniFi Access listed doors without a list", code="malformed_response"
            )
        return [Door.from_api(item) for item in data if isinstance(item, dict)]

    async def door(self, door_id: str) -> Door:
        data = await self._call("GET", f"/doors/{quote(door_id, safe='')}", effect=False)
        if not isinstance(data, dict):
            raise TransientEffectError(
                "UniFi Access described the door without an object", code="malformed_response"
            )
        return Door.from_api(data)

    async def unlock(self, door_id: str, *, seconds: int | None, actor: str) -> ActionReceipt:
        path = f"/doors/{quote(door_id, safe='')}"
        if seconds is not None:
            if seconds <= 0:
                raise ValueError(f"a timed unlock needs a positive duration, not {seconds}s")
            minutes = math.ceil(seconds / 60)
            await self._call(
                "PUT",
                f"{path}/lock_rule",
                body={"type": "custom", "interval": minutes},
                effect=True,
                door=door_id,
            )
            return ActionReceipt(
                detail=f"door {door_id} unlocked for {minutes} min for {actor or self.actor_id}"
            )
        body: dict[str, object] = {"extra": {"source": "claw"}}
        if actor:
            # The API wants both actor fields or neither.
            body |= {"actor_id": self.actor_id, "actor_name": actor}
        await self._call("PUT", f"{path}/unlock", body=body, effect=True, door=door_id)
        return ActionReceipt(detail=f"door {door_id} unlocked for {actor or self.actor_id}")

    async def end_temporary_unlock(self, door_id: str) -> ActionReceipt:
        """Lock a door again before its timed unlock runs out (lock rule ``reset``)."""
        await self._call(
            "PUT",
            f"/doors/{quote(door_id, safe='')}/lock_rule",
            body={"type": "reset"},
            effect=True,
            door=door_id,
        )
        return ActionReceipt(detail=f"door {door_id} temporary unlock ended")

    async def _call(
        self,
        method: str,
        path: str,
        *,
        effect: bool,
        body: Mapping[str, object] | None = None,
        door: str = "",
    ) -> object:
        """One request, its transport failures and its envelope turned into typed errors."""
        session = self._open_session()
        try:
            async with session.request(
                method,
                self.base_url + API_PREFIX + path,
                json=body,
                headers={"Authorization": f"Bearer {self.api_token}"},
                ssl=self._trust(),
                server_hostname=self.tls.server_hostname,
            ) as response:
                status, text = response.status, await response.text()
        except aiohttp.ServerFingerprintMismatch as exc:
            raise ConfigurationError(
                "the UniFi console's certificate does not match the pinned SHA-256 "
                f"fingerprint (got {exc.got.hex()}): check CLAW_UNIFI_CERT_SHA256, or "
                "suspect someone between claw and the console"
            ) from exc
        except aiohttp.ClientSSLError as exc:
            raise ConfigurationError(
                f"TLS verification of the UniFi console failed ({exc}): configure the "
                "console's certificate as CLAW_UNIFI_CA_FILE or pin CLAW_UNIFI_CERT_SHA256"
            ) from exc
        except aiohttp.ConnectionTimeoutError as exc:
            raise TransientEffectError(
                f"UniFi console not reachable within {self.connect_timeout}s; nothing was sent",
                code="connect_timeout",
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise TransientEffectError(
                f"UniFi console not reachable ({exc}); nothing was sent", code="unreachable"
            ) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            if effect:
                raise OutcomeUnknownError(
                    f"the request for door {door} reached the UniFi console but no answer "
                    f"came back ({type(exc).__name__}); check the door before trying again",
                    code="no_answer",
                ) from exc
            raise TransientEffectError(
                f"UniFi Access read failed: {type(exc).__name__}: {exc}", code="no_answer"
            ) from exc
        return _unwrap(status, text, effect=effect, door=door)

    def _trust(self) -> ssl.SSLContext | aiohttp.Fingerprint | bool:
        # Built on first use so a missing CA file surfaces as a ConfigurationError from a
        # call, and read once rather than per request.
        if self._ssl is None:
            self._ssl = self.tls.ssl_for_aiohttp()
        return self._ssl

    def _open_session(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running event loop, never at construction.
        if self._session is None or self._session.closed:
            self._session = fresh_connection_session(
                connect_timeout=self.connect_timeout, read_timeout=self.read_timeout
            )
        return self._session


def _unwrap(status: int, text: str, *, effect: bool, door: str) -> object:
    try:
        envelope = json.loads(text)
    except ValueError:
        envelope = None
    code = envelope.get("code") if isinstance(envelope, dict) else None
    if not isinstance(envelope, dict) or not isinstance(code, str):
        return _unreadable(status, text, effect=effect)
    if code == UniFiCode.SUCCESS and 200 <= status < 300:
        return envelope.get("data")
    if code == UniFiCode.SUCCESS:
        return _unreadable(status, text, effect=effect)
    message = envelope.get("msg")
    raise error_for(code, message if isinstance(message, str) else "", door=door)


def _unreadable(status: int, text: str, *, effect: bool) -> object:
    """An answer without a readable envelope: the HTTP status is all there is to go on."""
    snippet = text.strip()[:200]
    if status in {401, 403}:
        raise ConfigurationError(
            f"UniFi Access refused the API token (HTTP {status}): check CLAW_UNIFI_TOKEN "
            "and its view:space and edit:space permissions"
        )
    if status == 429 or status >= 500:
        raise TransientEffectError(
            f"UniFi Access answered HTTP {status}: {snippet}", code=f"http_{status}"
        )
    if 200 <= status < 300:
        if effect:
            raise OutcomeUnknownError(
                f"UniFi Access answered HTTP {status} with an unreadable body; the door may "
                "or may not have opened",
                code="malformed_response",
            )
        raise TransientEffectError(
            f"UniFi Access answered with an unreadable body: {snippet}",
            code="malformed_response",
        )
    raise PermanentEffectError(
        f"UniFi Access answered HTTP {status}: {snippet}", code=f"http_{status}"
    )
