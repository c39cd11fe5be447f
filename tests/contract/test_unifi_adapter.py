"""The UniFi Access adapter against the local fake console, over plain HTTP.

TLS has its own module, ``test_unifi_tls.py``.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from claw_adapters.fakes.unifi import FakeDoor, FakeUniFiAccess, FaultKind, UniFiRoute
from claw_adapters.unifi import Door, UniFiAccessDoorController, UniFiCode
from claw_adapters.unifi.codes import error_for
from claw_domain.errors import (
    ConfigurationError,
    EffectError,
    OutcomeUnknownError,
    PermanentEffectError,
    TransientEffectError,
)

FRONT = "0ed545f8-2fcd-4839-9021-b39e707f6aa9"
BAY_3 = "5785e97b-6123-4596-ba49-b6e51164db9b"
UNBOUND = "c2a1d6e0-7b7f-4e58-9d7e-3f8f0c9b1a22"


@pytest.fixture
async def fake() -> AsyncIterator[FakeUniFiAccess]:
    doors = [
        FakeDoor(FRONT, "Front door"),
        FakeDoor(BAY_3, "Bay 3"),
        FakeDoor(UNBOUND, "Storage", is_bind_hub=False, door_position_status=None),
    ]
    async with FakeUniFiAccess(doors=doors) as server:
        yield server


def controller_for(fake: FakeUniFiAccess, *, token: str = "") -> UniFiAccessDoorController:
    return UniFiAccessDoorController(
        base_url=fake.base_url,
        api_token=token or fake.api_token,
        # Short so a hung fake ends the test quickly; nothing asserts on elapsed time.
        read_timeout=0.3,
    )


@pytest.fixture
async def doors(fake: FakeUniFiAccess) -> AsyncIterator[UniFiAccessDoorController]:
    async with controller_for(fake) as adapter:
        yield adapter


# Reading doors


async def test_doors_are_listed_with_their_documented_fields(
    doors: UniFiAccessDoorController,
) -> None:
    listed = await doors.list_doors()

    assert [(door.id, door.name, door.is_bind_hub) for door in listed] == [
        (FRONT, "Front door", True),
        (BAY_3, "Bay 3", True),
        (UNBOUND, "Storage", False),
    ]
    assert listed[0].door_lock_relay_status == "lock"
    assert listed[2].door_position_status is None


async def test_one_door_is_fetched_by_id(doors: UniFiAccessDoorController) -> None:
    door = await doors.door(BAY_3)

    assert door == Door(
        id=BAY_3,
        name="Bay 3",
        full_name="Console - 1F - Bay 3",
        floor_id="floor-1",
        is_bind_hub=True,
        door_lock_relay_status="lock",
        door_position_status="close",
    )


@pytest.mark.parametrize(
    "fault", [FaultKind.HANG, FaultKind.MALFORMED_JSON, FaultKind.SERVER_ERROR]
)
async def test_a_failed_read_is_transient(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess, fault: FaultKind
) -> None:
    fake.fail_next(fault, route=UniFiRoute.DOORS)

    with pytest.raises(TransientEffectError):
        await doors.list_doors()


# Unlocking


async def test_an_unlock_names_claw_and_the_actor(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess
) -> None:
    receipt = await doors.unlock(FRONT, seconds=None, actor="member 4411")

    assert [(u.door_id, u.actor_id, u.actor_name, u.extra) for u in fake.unlocked] == [
        (FRONT, "claw", "member 4411", {"source": "claw"})
    ]
    assert FRONT in receipt.detail
    assert fake.lock_rules == []


async def test_an_unlock_without_an_actor_sends_neither_actor_field(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess
) -> None:
    await doors.unlock(FRONT, seconds=None, actor="")

    assert [(u.actor_id, u.actor_name) for u in fake.unlocked] == [(None, None)]


@pytest.mark.parametrize(("seconds", "minutes"), [(60, 1), (90, 2), (300, 5), (1, 1)])
async def test_a_timed_unlock_sets_a_custom_lock_rule_in_whole_minutes(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess, seconds: int, minutes: int
) -> None:
    receipt = await doors.unlock(BAY_3, seconds=seconds, actor="member 4411")

    assert [(r.door_id, r.type, r.interval) for r in fake.lock_rules] == [
        (BAY_3, "custom", minutes)
    ]
    assert fake.unlocked == []
    assert f"{minutes} min" in receipt.detail


async def test_a_timed_unlock_can_be_ended_early(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess
) -> None:
    await doors.unlock(BAY_3, seconds=600, actor="member 4411")

    await doors.end_temporary_unlock(BAY_3)

    assert [r.type for r in fake.lock_rules] == ["custom", "reset"]
    assert fake.doors[BAY_3].door_lock_relay_status == "lock"


@pytest.mark.parametrize("seconds", [0, -5])
async def test_a_timed_unlock_needs_a_positive_duration(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess, seconds: int
) -> None:
    with pytest.raises(ValueError, match="positive"):
        await doors.unlock(BAY_3, seconds=seconds, actor="member 4411")

    assert fake.requests == []


async def test_an_unknown_door_is_a_permanent_error(doors: UniFiAccessDoorController) -> None:
    with pytest.raises(PermanentEffectError, match="no door") as caught:
        await doors.unlock("no-such-door", seconds=None, actor="member 4411")

    assert caught.value.code == UniFiCode.RESOURCE_NOT_FOUND


@pytest.mark.parametrize("seconds", [None, 300])
async def test_an_offline_door_controller_is_a_permanent_error_that_says_so(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess, seconds: int | None
) -> None:
    fake.set_offline(FRONT)

    with pytest.raises(PermanentEffectError, match=r"door controller .* is offline") as caught:
        await doors.unlock(FRONT, seconds=seconds, actor="member 4411")

    assert caught.value.code == UniFiCode.DEVICE_OFFLINE
    assert fake.unlocked == []
    assert fake.lock_rules == []


async def test_a_door_without_a_hub_cannot_be_unlocked_remotely(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess
) -> None:
    with pytest.raises(PermanentEffectError, match="remote unlocking"):
        await doors.unlock(UNBOUND, seconds=None, actor="member 4411")

    assert fake.unlocked == []


async def test_a_wrong_token_is_a_configuration_error(fake: FakeUniFiAccess) -> None:
    async with controller_for(fake, token="revoked") as doors:
        with pytest.raises(ConfigurationError, match="CLAW_UNIFI_TOKEN"):
            await doors.unlock(FRONT, seconds=None, actor="member 4411")

    assert fake.unlocked == []


async def test_a_read_only_token_is_a_configuration_error_naming_the_permission() -> None:
    async with (
        FakeUniFiAccess(doors=[FakeDoor(FRONT, "Front door")], scopes=["view:space"]) as fake,
        controller_for(fake) as doors,
    ):
        assert len(await doors.list_doors()) == 1
        with pytest.raises(ConfigurationError, match="edit:space"):
            await doors.unlock(FRONT, seconds=None, actor="member 4411")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (UniFiCode.PARAMS_INVALID, PermanentEffectError),
        (UniFiCode.SYSTEM_ERROR, TransientEffectError),
        (UniFiCode.RESOURCE_NOT_FOUND, PermanentEffectError),
        (UniFiCode.OPERATION_FORBIDDEN, PermanentEffectError),
        (UniFiCode.AUTH_FAILED, ConfigurationError),
        (UniFiCode.ACCESS_TOKEN_INVALID, ConfigurationError),
        (UniFiCode.UNAUTHORIZED, ConfigurationError),
        (UniFiCode.NOT_EXISTS, PermanentEffectError),
        (UniFiCode.DEVICE_VERSION_TOO_OLD, PermanentEffectError),
        (UniFiCode.DEVICE_BUSY, TransientEffectError),
        (UniFiCode.DEVICE_NOT_FOUND, PermanentEffectError),
        (UniFiCode.DEVICE_OFFLINE, PermanentEffectError),
        (UniFiCode.UID_ADOPTED_NOT_SUPPORTED, ConfigurationError),
        (UniFiCode.DEVICE_API_NOT_SUPPORTED, PermanentEffectError),
    ],
)
async def test_each_documented_error_code_becomes_its_typed_error(
    doors: UniFiAccessDoorController,
    fake: FakeUniFiAccess,
    code: UniFiCode,
    error: type[Exception],
) -> None:
    fake.fail_next(FaultKind.ERROR_CODE, route=UniFiRoute.UNLOCK, code=code)

    with pytest.raises(error) as caught:
        await doors.unlock(FRONT, seconds=None, actor="member 4411")

    assert code.value in str(caught.value)
    if isinstance(caught.value, EffectError):
        assert caught.value.code == code
    assert fake.unlocked == []


def test_an_undocumented_error_code_is_a_permanent_refusal_with_the_vendors_message() -> None:
    error = error_for("CODE_SOMETHING_NEW", "Door is in lockdown.", door=FRONT)

    assert isinstance(error, PermanentEffectError)
    assert "Door is in lockdown." in str(error)


@pytest.mark.parametrize("route", [UniFiRoute.UNLOCK, UniFiRoute.LOCK_RULE])
async def test_an_unlock_whose_answer_is_lost_is_an_unknown_outcome_and_not_retried(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess, route: UniFiRoute
) -> None:
    fake.fail_next(FaultKind.HANG, route=route)
    seconds = None if route is UniFiRoute.UNLOCK else 120

    with pytest.raises(OutcomeUnknownError):
        await doors.unlock(FRONT, seconds=seconds, actor="member 4411")

    assert fake.requests == [route]
    assert fake.doors[FRONT].door_lock_relay_status == "unlock"


async def test_an_unreadable_answer_to_an_unlock_is_an_unknown_outcome(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess
) -> None:
    fake.fail_next(FaultKind.MALFORMED_JSON, route=UniFiRoute.UNLOCK)

    with pytest.raises(OutcomeUnknownError):
        await doors.unlock(FRONT, seconds=None, actor="member 4411")

    assert len(fake.unlocked) == 1


@pytest.mark.parametrize("fault", [FaultKind.SERVER_ERROR, FaultKind.RATE_LIMITED])
async def test_an_unlock_the_console_did_not_accept_is_transient_and_not_retried(
    doors: UniFiAccessDoorController, fake: FakeUniFiAccess, fault: FaultKind
) -> None:
    fake.fail_next(fault, route=UniFiRoute.UNLOCK)

    with pytest.raises(TransientEffectError):
        await doors.unlock(FRONT, seconds=None, actor="member 4411")

    assert fake.requests == [UniFiRoute.UNLOCK]
    assert fake.unlocked == []


async def test_an_unlock_when_the_console_refuses_connections_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with UniFiAccessDoorController(
        base_url=f"http://127.0.0.1:{closed_port}", api_token="t"
    ) as doors:
        with pytest.raises(TransientEffectError) as caught:
            await doors.unlock(FRONT, seconds=None, actor="member 4411")

    assert caught.value.code == "unreachable"
