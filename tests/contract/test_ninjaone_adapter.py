"""The NinjaOne adapter against the local fake that speaks NinjaOne's contract."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from claw_adapters.fakes.ninjaone import (
    FakeDevice,
    FakeNinjaOne,
    FaultKind,
    NinjaRoute,
    ScriptOutcome,
)
from claw_adapters.ninjaone import (
    NinjaOneCredentials,
    NinjaOneDeviceController,
    ResetScript,
    ScriptRunResult,
)
from claw_domain.errors import (
    ConfigurationError,
    OutcomeUnknownError,
    PermanentEffectError,
    TransientEffectError,
)

ONLINE = 42
OFFLINE = 43
FLAKY = 44
CLIENT_SECRET = "claw-secret"
REFRESH_TOKEN = "claw-refresh"
RESET = ResetScript(script_id=123, parameters="-Force", name="Reset TrackMan")


@attrs.define
class FakeClock:
    """One clock for the adapter (datetimes) and the fake (epoch seconds)."""

    current: datetime = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def epoch(self) -> float:
        return self.current.timestamp()

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeNinjaOne]:
    devices = [
        FakeDevice(ONLINE, last_contact=clock.epoch() - 30),
        FakeDevice(OFFLINE, offline=True, last_contact=clock.epoch() - 7200),
        FakeDevice(FLAKY, script_outcome=ScriptOutcome.FAILURE),
    ]
    async with FakeNinjaOne(
        devices=devices, script_names={123: "Reset TrackMan"}, clock=clock.epoch
    ) as server:
        yield server


def controller_for(
    fake: FakeNinjaOne,
    clock: FakeClock,
    *,
    refresh_token: str | None = REFRESH_TOKEN,
    client_secret: str = CLIENT_SECRET,
    reset: ResetScript = RESET,
    rotated: list[str] | None = None,
) -> NinjaOneDeviceController:
    return NinjaOneDeviceController(
        base_url=fake.base_url,
        credentials=NinjaOneCredentials(
            client_id="claw-client", client_secret=client_secret, refresh_token=refresh_token
        ),
        reset_script=reset,
        clock=clock,
        # Short so a hung fake ends the test quickly; nothing asserts on elapsed time.
        read_timeout=0.3,
        on_refresh_token_rotated=None if rotated is None else rotated.append,
    )


@pytest.fixture
async def controller(
    fake: FakeNinjaOne, clock: FakeClock
) -> AsyncIterator[NinjaOneDeviceController]:
    async with controller_for(fake, clock) as adapter:
        yield adapter


# Device status


async def test_an_online_device_reports_online_with_its_last_contact(
    controller: NinjaOneDeviceController, clock: FakeClock
) -> None:
    status = await controller.device_status(str(ONLINE))

    assert status.online
    assert status.device_id == str(ONLINE)
    assert status.last_contact == clock.now() - timedelta(seconds=30)


async def test_an_offline_device_reports_offline(controller: NinjaOneDeviceController) -> None:
    status = await controller.device_status(str(OFFLINE))

    assert not status.online


async def test_an_unknown_device_is_a_permanent_error(
    controller: NinjaOneDeviceController,
) -> None:
    with pytest.raises(PermanentEffectError) as caught:
        await controller.device_status("999")

    assert caught.value.code == "device_not_found"


async def test_a_device_id_that_is_not_a_number_is_a_configuration_error(
    controller: NinjaOneDeviceController,
) -> None:
    with pytest.raises(ConfigurationError, match="box-to-device map"):
        await controller.device_status("bay-3")


async def test_an_unreadable_device_answer_is_transient(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne
) -> None:
    fake.fail_next(FaultKind.MALFORMED_JSON, route=NinjaRoute.DEVICE)

    with pytest.raises(TransientEffectError) as caught:
        await controller.device_status(str(ONLINE))

    assert caught.value.code == "malformed_response"


@pytest.mark.parametrize("fault", [FaultKind.SERVER_ERROR, FaultKind.RATE_LIMITED, FaultKind.HANG])
async def test_a_failed_read_is_transient(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne, fault: FaultKind
) -> None:
    fake.fail_next(fault, route=NinjaRoute.DEVICE)

    with pytest.raises(TransientEffectError):
        await controller.device_status(str(ONLINE))


# Tokens


async def test_reads_use_one_cached_client_credentials_token(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne
) -> None:
    await controller.device_status(str(ONLINE))
    await controller.device_status(str(OFFLINE))

    assert fake.token_grants == ["client_credentials"]


async def test_a_token_is_refreshed_before_it_expires(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne, clock: FakeClock
) -> None:
    await controller.device_status(str(ONLINE))
    clock.advance(3600 - 59)  # inside the refresh margin, still valid at the vendor

    await controller.device_status(str(ONLINE))

    assert fake.token_grants == ["client_credentials", "client_credentials"]


async def test_a_token_revoked_early_is_replaced_and_the_read_repeated(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne
) -> None:
    await controller.device_status(str(ONLINE))
    fake.expire_tokens()

    status = await controller.device_status(str(ONLINE))

    assert status.online
    assert fake.token_grants == ["client_credentials", "client_credentials"]


async def test_script_runs_use_the_refresh_token_grant(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne
) -> None:
    await controller.reset_simulator(str(ONLINE))
    await controller.reset_simulator(str(ONLINE))

    assert fake.token_grants == ["refresh_token"]


async def test_a_rotated_refresh_token_is_kept_and_reported(
    clock: FakeClock,
) -> None:
    rotated: list[str] = []
    async with (
        FakeNinjaOne(
            devices=[FakeDevice(ONLINE)], rotate_refresh_token=True, clock=clock.epoch
        ) as fake,
        controller_for(fake, clock, rotated=rotated) as controller,
    ):
        await controller.reset_simulator(str(ONLINE))
        clock.advance(3600)
        # The first refresh spent "claw-refresh"; only the rotated token works now.
        await controller.reset_simulator(str(ONLINE))

        assert len(fake.script_runs) == 2
        assert rotated == [rotated[0], fake.refresh_token]
        assert controller.current_refresh_token == fake.refresh_token


async def test_a_rejected_refresh_token_is_a_configuration_error(
    fake: FakeNinjaOne, clock: FakeClock
) -> None:
    async with controller_for(fake, clock, refresh_token="stale") as controller:
        with pytest.raises(ConfigurationError, match="CLAW_NINJAONE_REFRESH_TOKEN"):
            await controller.reset_simulator(str(ONLINE))

    assert fake.script_runs == []


async def test_a_wrong_client_secret_is_a_configuration_error(
    fake: FakeNinjaOne, clock: FakeClock
) -> None:
    async with controller_for(fake, clock, client_secret="wrong") as controller:
        with pytest.raises(ConfigurationError, match="CLAW_NINJAONE_CLIENT_SECRET"):
            await controller.device_status(str(ONLINE))


@pytest.mark.parametrize("fault", [FaultKind.SERVER_ERROR, FaultKind.MALFORMED_JSON])
async def test_a_failing_token_endpoint_is_transient(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne, fault: FaultKind
) -> None:
    fake.fail_next(fault, route=NinjaRoute.TOKEN)

    with pytest.raises(TransientEffectError):
        await controller.reset_simulator(str(ONLINE))

    assert fake.script_runs == []


# Script runs


async def test_a_reset_runs_the_configured_script_once(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne
) -> None:
    receipt = await controller.reset_simulator(str(ONLINE))

    assert [
        (run.device_id, run.type, run.script_id, run.parameters, run.run_as)
        for run in fake.script_runs
    ] == [(ONLINE, "SCRIPT", 123, "-Force", "system")]
    assert "Reset TrackMan" in receipt.detail


async def test_a_reset_can_run_a_built_in_action(fake: FakeNinjaOne, clock: FakeClock) -> None:
    action = ResetScript(action_uid="5a1f4d8e-8a63-4d55-9d3e-1f2d9a8b7c6d")
    async with controller_for(fake, clock, reset=action) as controller:
        await controller.reset_simulator(str(ONLINE))

    assert [(run.type, run.action_uid) for run in fake.script_runs] == [
        ("ACTION", "5a1f4d8e-8a63-4d55-9d3e-1f2d9a8b7c6d")
    ]


async def test_a_reset_without_user_context_tells_the_operator_what_to_configure(
    fake: FakeNinjaOne, clock: FakeClock
) -> None:
    async with controller_for(fake, clock, refresh_token=None) as controller:
        with pytest.raises(ConfigurationError, match="CLAW_NINJAONE_REFRESH_TOKEN"):
            await controller.reset_simulator(str(ONLINE))

    assert fake.token_grants == ["client_credentials"]
    assert fake.script_runs == []


async def test_a_reset_the_vendor_refuses_carries_the_vendors_message(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne
) -> None:
    with pytest.raises(PermanentEffectError, match="Device is offline"):
        await controller.reset_simulator(str(OFFLINE))

    assert fake.script_runs == []


async def test_a_reset_of_an_unknown_device_is_permanent(
    controller: NinjaOneDeviceController,
) -> None:
    with pytest.raises(PermanentEffectError) as caught:
        await controller.reset_simulator("999")

    assert caught.value.code == "device_not_found"


async def test_a_reset_whose_answer_is_lost_is_an_unknown_outcome_and_not_retried(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne
) -> None:
    fake.fail_next(FaultKind.HANG, route=NinjaRoute.SCRIPT_RUN)

    with pytest.raises(OutcomeUnknownError):
        await controller.reset_simulator(str(ONLINE))

    assert fake.requests.count(NinjaRoute.SCRIPT_RUN) == 1
    assert len(fake.script_runs) == 1


@pytest.mark.parametrize("fault", [FaultKind.SERVER_ERROR, FaultKind.RATE_LIMITED])
async def test_a_reset_the_vendor_did_not_accept_is_transient_and_not_retried(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne, fault: FaultKind
) -> None:
    fake.fail_next(fault, route=NinjaRoute.SCRIPT_RUN)

    with pytest.raises(TransientEffectError):
        await controller.reset_simulator(str(ONLINE))

    assert fake.requests.count(NinjaRoute.SCRIPT_RUN) == 1
    assert fake.script_runs == []


async def test_a_reset_with_an_unreadable_success_answer_still_counts_as_accepted(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne
) -> None:
    fake.fail_next(FaultKind.MALFORMED_JSON, route=NinjaRoute.SCRIPT_RUN)

    await controller.reset_simulator(str(ONLINE))

    assert len(fake.script_runs) == 1


async def test_a_reset_with_a_revoked_token_is_transient_and_nothing_runs(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne
) -> None:
    await controller.reset_simulator(str(ONLINE))
    fake.expire_tokens()

    with pytest.raises(TransientEffectError):
        await controller.reset_simulator(str(ONLINE))
    await controller.reset_simulator(str(ONLINE))

    assert len(fake.script_runs) == 2
    assert fake.token_grants == ["refresh_token", "refresh_token"]


async def test_a_reset_when_ninjaone_refuses_connections_is_transient(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne
) -> None:
    await controller.reset_simulator(str(ONLINE))  # the token is cached from here on
    await fake.stop()

    with pytest.raises(TransientEffectError) as caught:
        await controller.reset_simulator(str(ONLINE))

    assert caught.value.code == "unreachable"


async def test_a_read_when_ninjaone_refuses_connections_is_transient(clock: FakeClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    adapter = NinjaOneDeviceController(
        base_url=f"http://127.0.0.1:{closed_port}",
        credentials=NinjaOneCredentials(client_id="c", client_secret="s"),
        reset_script=RESET,
        clock=clock,
    )
    async with adapter:
        with pytest.raises(TransientEffectError):
            await adapter.device_status(str(ONLINE))


# Checking a run's result


async def test_a_finished_reset_reads_as_succeeded(
    controller: NinjaOneDeviceController, clock: FakeClock
) -> None:
    sent_at = clock.now()
    await controller.reset_simulator(str(ONLINE))

    assert await controller.script_run_result(str(ONLINE), since=sent_at) == (
        ScriptRunResult.SUCCEEDED
    )


async def test_a_failed_reset_reads_as_failed(
    controller: NinjaOneDeviceController, clock: FakeClock
) -> None:
    sent_at = clock.now()
    await controller.reset_simulator(str(FLAKY))

    assert await controller.script_run_result(str(FLAKY), since=sent_at) == (ScriptRunResult.FAILED)


async def test_an_unfinished_reset_reads_as_pending(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne, clock: FakeClock
) -> None:
    fake.devices[ONLINE].script_outcome = ScriptOutcome.NEVER_FINISHES
    sent_at = clock.now()
    await controller.reset_simulator(str(ONLINE))

    assert await controller.script_run_result(str(ONLINE), since=sent_at) == (
        ScriptRunResult.PENDING
    )


async def test_a_run_before_the_given_time_is_not_taken_for_the_new_one(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne, clock: FakeClock
) -> None:
    await controller.reset_simulator(str(ONLINE))
    clock.advance(600)

    assert await controller.script_run_result(str(ONLINE), since=clock.now()) == (
        ScriptRunResult.PENDING
    )


async def test_other_scripts_on_the_device_are_not_taken_for_the_reset(
    fake: FakeNinjaOne, clock: FakeClock
) -> None:
    sent_at = clock.now()
    other = ResetScript(script_id=7)
    async with (
        controller_for(fake, clock, reset=other) as runner,
        controller_for(fake, clock) as checker,
    ):
        await runner.reset_simulator(str(ONLINE))

        assert await checker.script_run_result(str(ONLINE), since=sent_at) == (
            ScriptRunResult.PENDING
        )


async def test_an_unreadable_activity_log_is_transient(
    controller: NinjaOneDeviceController, fake: FakeNinjaOne, clock: FakeClock
) -> None:
    fake.fail_next(FaultKind.MALFORMED_JSON, route=NinjaRoute.ACTIVITIES)

    with pytest.raises(TransientEffectError):
        await controller.script_run_result(str(ONLINE), since=clock.now())


# Configuration


@pytest.mark.parametrize(
    "script",
    [
        {},
        {"script_id": 1, "action_uid": "5a1f4d8e-8a63-4d55-9d3e-1f2d9a8b7c6d"},
    ],
)
def test_a_reset_needs_exactly_one_of_script_id_and_action_uid(
    script: dict[str, object],
) -> None:
    with pytest.raises(ConfigurationError):
        ResetScript(**script)  # type: ignore[arg-type]
