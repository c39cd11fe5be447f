"""Every fake vendor misbehaves in every documented way; no text, reply or alert is lost.

claw runs in process (the real aiohttp app and worker) with the real adapters aimed at
the fake OpenPhone, NinjaOne, UniFi Access and Slack servers, with short timeouts so a
hang costs a second. Each scenario gives one fresh customer one story (a question, a
TrackMan reset, a door, a case for staff) while one vendor fails: a 5xx, a 429, a body
that is not JSON, no answer at all, a documented error code, or nobody listening
(connection refused: the adapter is pointed at a port where nothing listens, as when
the vendor is down). Afterwards every text must be decided once, every reply sent or
recorded failed with staff told, every failed or uncertain action told to the customer
and to staff, and no action run twice.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from aiohttp.test_utils import TestClient, TestServer
from e2e_support import SIGNING_KEY, conversation_of, free_port, settled, signed_text, wait_until
from reliability_support import Findings, Ledger, action_runs, audit_conversation, venue_file

from claw_adapters.fakes.ninjaone import FaultKind as NinjaFault
from claw_adapters.fakes.ninjaone import NinjaRoute
from claw_adapters.fakes.unifi import FaultKind as UniFiFault
from claw_adapters.fakes.unifi import UniFiCode, UniFiRoute
from claw_adapters.ninjaone import NinjaOneCredentials, NinjaOneDeviceController, ResetScript
from claw_adapters.openphone import OpenPhoneClient, OpenPhoneSettings
from claw_adapters.openphone.errors import OpenPhoneErrorCode
from claw_adapters.staff import SmsAndSlackStaffNotifier, StaffSettings
from claw_adapters.unifi import UniFiAccessDoorController
from claw_domain.outbox import ReplyPurpose, ReplyStatus
from claw_domain.pending_action import ActionStatus
from claw_domain.values import ActionKind
from claw_entrypoints.bootstrap import bootstrap, effect_ports
from claw_entrypoints.config import load_config
from claw_entrypoints.demo import STAFF_NUMBER, VENUE_LINE, DemoVendors, demo_environment
from claw_entrypoints.runtime import Runtime
from claw_entrypoints.web.app import create_web_app
from claw_service.dispatcher import EffectPorts
from claw_service.history import conversation_history
from fakes.slack import FakeSlackServer, SlackFault

TIMEOUT = 1.0  # every adapter's read timeout here: a hang costs one second
DOOR_MEMBERS = {f"+1902557{n:04d}": "bedford" for n in range(1, 10)}


@attrs.define
class Venue:
    client: TestClient[Any, Any]
    runtime: Runtime
    vendors: DemoVendors
    slack: FakeSlackServer
    live: EffectPorts
    down: dict[str, EffectPorts]  # one vendor's adapter aimed at a port where nothing listens
    members: list[str]

    async def text(self, customer: str, body: str) -> None:
        delivery_body, headers = signed_text(customer, body)
        answer = await self.client.post("/webhooks/openphone", data=delivery_body, headers=headers)
        assert answer.status == 202, await answer.text()

    async def settle(self, customer: str) -> None:
        conversations = [conversation_of(customer)]
        await wait_until(
            lambda: asyncio.to_thread(settled, self.runtime.app, conversations),
            within=30,
            what=f"{customer} settled",
            every=0.1,
        )

    def staff_told(self, customer: str) -> bool:
        """An alert about this customer's conversation reached staff by SMS or Slack."""
        reference = str(conversation_of(customer))
        by_sms = any(
            m.to == STAFF_NUMBER and reference in m.content for m in self.vendors.openphone.sent
        )
        return by_sms or any(reference in post.text for post in self.slack.posts)


def _dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def _with_runner_of(live: EffectPorts, dead: EffectPorts, kind: ActionKind) -> EffectPorts:
    """The live ports, with one action's vendor aimed where nothing listens."""
    return attrs.evolve(live, actions={**live.actions, kind: dead.actions[kind]})


def _ports(
    openphone: str, ninjaone: str, unifi: str, slack: str, vendors: DemoVendors
) -> tuple[EffectPorts, list[Callable[[], Awaitable[None]]]]:
    messenger = OpenPhoneClient(
        OpenPhoneSettings(
            api_key=vendors.openphone.api_key,
            sender=VENUE_LINE,
            base_url=openphone,
            timeout_seconds=TIMEOUT,
            backoff_initial_seconds=0.05,
            backoff_max_seconds=0.2,
        )
    )
    ninja = vendors.ninjaone
    devices = NinjaOneDeviceController(
        base_url=ninjaone,
        credentials=NinjaOneCredentials(
            client_id=ninja.client_id,
            client_secret=ninja.client_secret,
            refresh_token=ninja.refresh_token,
        ),
        reset_script=ResetScript(script_id=77),
        connect_timeout=TIMEOUT,
        read_timeout=TIMEOUT,
    )
    doors = UniFiAccessDoorController(
        base_url=unifi,
        api_token=vendors.unifi.api_token,
        connect_timeout=TIMEOUT,
        read_timeout=TIMEOUT,
    )
    staff = SmsAndSlackStaffNotifier(
        messenger,
        StaffSettings(
            on_duty_number=STAFF_NUMBER, slack_webhook_url=slack, slack_timeout_seconds=TIMEOUT
        ),
    )
    ports = effect_ports(messenger=messenger, devices=devices, doors=doors, staff=staff)
    return ports, [messenger.aclose, devices.aclose, doors.aclose, staff.aclose]


@pytest.fixture
async def venue(tmp_path: Path, vendors: DemoVendors) -> AsyncIterator[Venue]:
    slack = FakeSlackServer()
    await slack.start()
    env = demo_environment(vendors, f"sqlite:///{tmp_path / 'claw.db'}", SIGNING_KEY)
    env |= {
        "CLAW_DEBOUNCE_SECONDS": "0.1",
        "CLAW_KNOWLEDGE_FILE": str(venue_file(tmp_path, DOOR_MEMBERS)),
        "CLAW_LOG_FORMAT": "json",
    }
    live, closers = _ports(
        vendors.openphone.base_url,
        vendors.ninjaone.base_url,
        vendors.unifi.base_url,
        slack.webhook_url,
        vendors,
    )
    dead, dead_closers = _ports(_dead_url(), _dead_url(), _dead_url(), _dead_url(), vendors)
    # OpenPhone down: the staff SMS fail as well; Slack must still carry the alert.
    no_sms = SmsAndSlackStaffNotifier(
        dead.messenger,
        StaffSettings(on_duty_number=STAFF_NUMBER, slack_webhook_url=slack.webhook_url),
    )
    no_slack = SmsAndSlackStaffNotifier(
        live.messenger,
        StaffSettings(
            on_duty_number=STAFF_NUMBER, slack_webhook_url=f"{_dead_url()}/services/T/B/down"
        ),
    )
    dead_closers += [no_sms.aclose, no_slack.aclose]
    down = {
        "openphone": attrs.evolve(live, messenger=dead.messenger, staff=no_sms),
        "devices": _with_runner_of(live, dead, ActionKind.RESET_SIMULATOR),
        "doors": _with_runner_of(live, dead, ActionKind.UNLOCK_DOOR),
        "slack": attrs.evolve(live, staff=no_slack),
    }
    runtime = await bootstrap(load_config(env), ports=live)
    runtime.dispatcher.retry_base_seconds = 0.05  # the reply retries' backoff, shortened
    settings = runtime.app.settings()
    runtime.app.change_globals(
        attrs.evolve(settings.globals, messages_per_hour=10_000), "reliability", runtime.clock.now()
    )
    try:
        async with TestClient(TestServer(create_web_app(runtime), host="127.0.0.1")) as client:
            yield Venue(client, runtime, vendors, slack, live, down, list(DOOR_MEMBERS))
    finally:
        for close in [*closers, *dead_closers]:
            await close()
        await slack.stop()


# The stories ------------------------------------------------------------------------------


async def question(venue: Venue, customer: str) -> None:
    await venue.text(customer, "Hi! Do you sell gift cards?")
    await venue.settle(customer)


async def reset(venue: Venue, customer: str) -> None:
    await venue.text(customer, "The trackman in box 2 at Dartmouth is frozen")
    await venue.settle(customer)
    await venue.text(customer, "yes")
    await venue.settle(customer)


async def door(venue: Venue, customer: str) -> None:
    await venue.text(customer, "I'm at the Bedford door and it won't open, can you let me in?")
    await venue.settle(customer)
    await venue.text(customer, "Yes please")
    await venue.settle(customer)
    app = venue.runtime.app
    awaiting = (
        await asyncio.to_thread(app.conversation, conversation_of(customer))
    ).awaiting_action
    assert awaiting is not None, "the door was not waiting for staff approval"
    await asyncio.to_thread(
        app.approve_action, awaiting, "reliability-staff", venue.runtime.clock.now()
    )
    venue.runtime.worker.wake.set()
    await venue.settle(customer)


async def for_staff(venue: Venue, customer: str) -> None:
    await venue.text(customer, "I want a refund for last night, the screen kept crashing")
    await venue.settle(customer)


Story = Callable[[Venue, str], Awaitable[None]]
Inject = Callable[[Venue], None]


@attrs.frozen
class Fault:
    vendor: str
    what: str
    story: Story
    inject: Inject
    dead: str | None = None  # the port to swap for its dead twin: connection refused
    staff_expected: bool = False  # a customer would be left waiting: staff must hear


def _op(method: str, *args: Any, **kwargs: Any) -> Inject:
    return lambda venue: getattr(venue.vendors.openphone, method)(*args, **kwargs)


def _ninja(kind: NinjaFault, route: NinjaRoute, times: int = 1) -> Inject:
    return lambda venue: venue.vendors.ninjaone.fail_next(kind, route=route, times=times)


def _unifi(kind: UniFiFault, code: UniFiCode = UniFiCode.SYSTEM_ERROR) -> Inject:
    return lambda venue: venue.vendors.unifi.fail_next(kind, route=UniFiRoute.LOCK_RULE, code=code)


def _slack(fault: SlackFault) -> Inject:
    return lambda venue: venue.slack.inject(fault)


def _nothing(_venue: Venue) -> None:
    return None


FAULTS = (
    Fault("openphone send", "5xx once", question, _op("fail_next")),
    Fault(
        "openphone send", "5xx on every attempt", question, _op("fail_next", 4), staff_expected=True
    ),
    Fault("openphone send", "429 twice", question, _op("rate_limit_next", 2)),
    Fault(
        "openphone send",
        "429 on every attempt",
        question,
        _op("rate_limit_next", 16),
        staff_expected=True,
    ),
    Fault("openphone send", "malformed JSON receipt", question, _op("malform_next")),
    Fault("openphone send", "timeout (accepted, no answer)", question, _op("hang_next")),
    Fault(
        "openphone send",
        "documented 402 not enough credits",
        question,
        _op("reject_next", OpenPhoneErrorCode.NOT_ENOUGH_CREDITS),
        staff_expected=True,
    ),
    Fault(
        "ninjaone device",
        "5xx",
        reset,
        _ninja(NinjaFault.SERVER_ERROR, NinjaRoute.DEVICE),
        staff_expected=True,
    ),
    Fault(
        "ninjaone device",
        "429",
        reset,
        _ninja(NinjaFault.RATE_LIMITED, NinjaRoute.DEVICE),
        staff_expected=True,
    ),
    Fault(
        "ninjaone device",
        "malformed JSON",
        reset,
        _ninja(NinjaFault.MALFORMED_JSON, NinjaRoute.DEVICE),
        staff_expected=True,
    ),
    Fault(
        "ninjaone device",
        "timeout",
        reset,
        _ninja(NinjaFault.HANG, NinjaRoute.DEVICE),
        staff_expected=True,
    ),
    Fault(
        "ninjaone script",
        "5xx",
        reset,
        _ninja(NinjaFault.SERVER_ERROR, NinjaRoute.SCRIPT_RUN),
        staff_expected=True,
    ),
    Fault(
        "ninjaone script",
        "429",
        reset,
        _ninja(NinjaFault.RATE_LIMITED, NinjaRoute.SCRIPT_RUN),
        staff_expected=True,
    ),
    # The run is accepted (2xx) and done; only its body is garbage: a success.
    Fault(
        "ninjaone script",
        "malformed JSON",
        reset,
        _ninja(NinjaFault.MALFORMED_JSON, NinjaRoute.SCRIPT_RUN),
    ),
    Fault(
        "ninjaone script",
        "timeout",
        reset,
        _ninja(NinjaFault.HANG, NinjaRoute.SCRIPT_RUN),
        staff_expected=True,
    ),
    Fault("ninjaone", "connection refused", reset, _nothing, dead="devices", staff_expected=True),
    Fault("unifi unlock", "5xx", door, _unifi(UniFiFault.SERVER_ERROR), staff_expected=True),
    Fault("unifi unlock", "429", door, _unifi(UniFiFault.RATE_LIMITED), staff_expected=True),
    Fault(
        "unifi unlock",
        "malformed JSON",
        door,
        _unifi(UniFiFault.MALFORMED_JSON),
        staff_expected=True,
    ),
    Fault("unifi unlock", "timeout", door, _unifi(UniFiFault.HANG), staff_expected=True),
    Fault(
        "unifi unlock",
        "documented DEVICE_OFFLINE",
        door,
        _unifi(UniFiFault.ERROR_CODE, UniFiCode.DEVICE_OFFLINE),
        staff_expected=True,
    ),
    Fault("unifi", "connection refused", door, _nothing, dead="doors", staff_expected=True),
    Fault("slack", "5xx", for_staff, _slack(SlackFault.SERVER_ERROR), staff_expected=True),
    Fault("slack", "429", for_staff, _slack(SlackFault.RATE_LIMITED), staff_expected=True),
    Fault("slack", "timeout", for_staff, _slack(SlackFault.HANG), staff_expected=True),
    Fault(
        "slack",
        "documented 404 channel_not_found",
        for_staff,
        _slack(SlackFault.CHANNEL_NOT_FOUND),
        staff_expected=True,
    ),
    Fault("slack", "connection refused", for_staff, _nothing, dead="slack", staff_expected=True),
    # OpenPhone down: the customer cannot be texted and staff SMS fail too; Slack must carry it.
    Fault(
        "openphone", "connection refused", question, _nothing, dead="openphone", staff_expected=True
    ),
)


def _swap(venue: Venue, which: str | None) -> None:
    venue.runtime.dispatcher.ports = venue.live if which is None else venue.down[which]


async def test_every_vendor_fault_loses_nothing_and_tells_staff(
    venue: Venue, ledger: Ledger
) -> None:
    figures = ledger.scenario(
        "faults: every fake vendor's failures", "tests/reliability/test_vendor_faults.py"
    )
    problems: list[str] = []
    findings = Findings()
    outcomes: collections.Counter[str] = collections.Counter()
    members = iter(venue.members)
    started = time.monotonic()
    app = venue.runtime.app
    action_ids: list[UUID] = []
    for number, fault in enumerate(FAULTS):
        customer = next(members) if fault.story is door else f"+1902558{number:04d}"
        label = f"{fault.vendor} {fault.what}"
        _swap(venue, fault.dead)
        fault.inject(venue)
        try:
            await fault.story(venue, customer)
        except AssertionError as error:
            problems.append(f"{label}: {error}")
        finally:
            _swap(venue, None)
        aggregate = conversation_of(customer)
        delivered = sum(1 for m in venue.vendors.openphone.sent if m.to == customer)
        found = await asyncio.to_thread(
            audit_conversation, app, aggregate, expected_texts=None, delivered=delivered
        )
        findings.add(found)
        problems += [f"{label}: lost {p}" for p in found.lost]
        problems += [f"{label}: doubled {p}" for p in found.doubled]
        conversation = await asyncio.to_thread(app.conversation, aggregate)
        opened = conversation_history(app, aggregate).action_ids
        action_ids += opened
        for action_id in opened:
            action = await asyncio.to_thread(app.pending_action, action_id)
            outcomes[action.status.value] += 1
            if action.status in (ActionStatus.FAILED, ActionStatus.OUTCOME_UNKNOWN):
                notices = [
                    r
                    for r in await asyncio.to_thread(app.texts_of, conversation)
                    if r.purpose is ReplyPurpose.ACTION_UPDATE
                ]
                if (
                    not any(r.status is ReplyStatus.SENT for r in notices)
                    and fault.dead != "openphone"
                ):
                    problems.append(f"{label}: customer never told the action {action.status}")
        if fault.staff_expected and not venue.staff_told(customer):
            problems.append(f"{label}: staff never heard about {customer}")
        texts = await asyncio.to_thread(app.texts_of, conversation)
        replies = collections.Counter(r.status.value for r in texts)
        outcomes.update(f"reply {status}" for status in replies.elements())

    door_runs = collections.Counter(rule.door_id for rule in venue.vendors.unifi.lock_rules)
    door_runs.update(unlock.door_id for unlock in venue.vendors.unifi.unlocked)
    resets = collections.Counter(str(run.device_id) for run in venue.vendors.ninjaone.script_runs)
    runs = await asyncio.to_thread(action_runs, app, action_ids, {**resets, **door_runs})
    problems += [f"actions: doubled {p}" for p in runs.doubled]
    problems += [f"actions: lost {p}" for p in runs.lost]

    figures.attempts = len(FAULTS)
    figures.accepted = len(FAULTS) - len(problems)  # faults that ended in a recorded outcome
    figures.lost = len([p for p in problems if "doubled" not in p])
    figures.doubled = len([p for p in problems if "doubled" in p])
    figures.note(
        f"{len(FAULTS)} injected faults: OpenPhone send 5xx/429/malformed/timeout/402/refused, "
        "NinjaOne device and script 5xx/429/malformed/timeout/refused, UniFi unlock "
        "5xx/429/malformed/timeout/DEVICE_OFFLINE/refused, Slack 5xx/429/timeout/404/refused"
    )
    figures.note(
        f"{findings.texts} texts, {findings.decisions} decisions; outcomes: "
        + ", ".join(f"{k} x{v}" for k, v in sorted(outcomes.items()))
    )
    figures.note(f"{findings.resent} replies resent after a lost receipt (at least once)")
    figures.note(f"{time.monotonic() - started:.0f} s")
    print(figures.line())
    print("\n".join(problems))
    assert problems == []
