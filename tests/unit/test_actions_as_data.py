"""Actions are data: one description per kind, one runner per kind, and nobody else
asks "is it a reset or a door?".

A third action (a bay's projector through NinjaOne, say) is an ``ActionKind``, its
intent, its description in ``claw_domain/actions.py``, a runner adapter, its target
in the knowledge, and its runner in the composition root. These tests hold the
rest of the code to that.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from claw_adapters.fakes.memory import MemoryDevices, MemoryDoors
from claw_domain import wording
from claw_domain.actions import ACTIONS, action_spec, describe_target
from claw_domain.errors import ConfigurationError
from claw_domain.values import ACTION_FOR_INTENT, ActionKind, ActionParameters
from claw_entrypoints.bootstrap import action_runners
from claw_service.dispatcher import EffectPorts

SRC = Path(__file__).resolve().parents[2] / "src"

# The only modules that may name a particular action kind: the table that describes
# each one, the allow-list of intents, how the venue's knowledge resolves each target,
# each kind's runner adapter, and the composition root that maps each kind to its runner.
MAY_NAME_AN_ACTION = frozenset(
    {
        "claw_domain/actions.py",
        "claw_domain/values.py",
        "claw_adapters/knowledge/venue.py",
        "claw_adapters/ninjaone/runner.py",
        "claw_adapters/unifi/runner.py",
        "claw_entrypoints/bootstrap.py",
    }
)
_NAMED_ACTION = re.compile(
    "|".join(
        [rf"ActionKind\.{kind.name}\b" for kind in ActionKind]
        + [rf"[\"']{kind.value}[\"']" for kind in ActionKind]
    )
)


def test_no_module_outside_the_action_table_branches_on_a_particular_action() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*"))
        if path.suffix in {".py", ".js", ".html"}
        and path.relative_to(SRC).as_posix() not in MAY_NAME_AN_ACTION
        for number, line in enumerate(path.read_text(encoding="utf8").splitlines(), start=1)
        if _NAMED_ACTION.search(line)
    ]

    assert offenders == []


def test_the_check_finds_a_branch_on_an_action_where_one_is_written() -> None:
    # The pattern above is what keeps the rule: it must see the shapes a branch takes.
    assert _NAMED_ACTION.search("if action.kind is ActionKind.RESET_SIMULATOR:")
    assert _NAMED_ACTION.search('row["kind"] == "unlock_door"')
    assert not _NAMED_ACTION.search("spec = action_spec(action.kind)")


def test_every_action_kind_is_described_reachable_and_run() -> None:
    runners = action_runners(MemoryDevices(), MemoryDoors())

    assert set(ACTIONS) == set(ActionKind)
    assert all(ACTIONS[kind].kind is kind for kind in ActionKind)
    assert set(ACTION_FOR_INTENT.values()) == set(ActionKind)
    assert set(runners) == set(ActionKind)


def test_the_dispatcher_refuses_ports_without_a_runner_for_some_action() -> None:
    runners = action_runners(MemoryDevices(), MemoryDoors())
    del runners[ActionKind.UNLOCK_DOOR]

    with pytest.raises(ConfigurationError, match="no action runner for unlock_door"):
        EffectPorts(messenger=None, staff=None, actions=runners)  # type: ignore[arg-type]


# The two actions claw has say exactly what they said before they were data -------------

BOX_2 = ActionParameters(location="bedford", box=2, device_id="102")
FRONT_DOOR = ActionParameters(location="bedford", door_id="d1", door_name="front door")


def test_each_action_is_worded_as_before() -> None:
    reset, door = ActionKind.RESET_SIMULATOR, ActionKind.UNLOCK_DOOR
    trackman = describe_target(reset, BOX_2, "Bedford")
    front = describe_target(door, FRONT_DOOR, "Bedford")

    assert trackman == "the TrackMan in Bedford box 2"
    assert front == "the front door at Bedford"
    assert describe_target(door, FRONT_DOOR, "Front") == "the front door"
    assert wording.render(
        wording.Message(wording.Template.CONFIRMATION_REQUEST, action=reset, target=trackman)
    ) == (
        "I can restart the TrackMan in Bedford box 2 for you. "
        "Reply YES to go ahead or NO to cancel."
    )
    assert wording.render(
        wording.Message(wording.Template.CONFIRMATION_REQUEST, action=door, target=front)
    ) == ("I can unlock the front door at Bedford for you. Reply YES to go ahead or NO to cancel.")
    assert wording.render(
        wording.Message(wording.Template.AWAITING_APPROVAL, action=door, target=front)
    ) == (
        "Thanks! A staff member needs to approve opening the front door at Bedford; "
        "I'll text you shortly."
    )
    assert wording.render(wording.Message(wording.Template.DETAILS_NEEDED, action=reset)) == (
        "Which location and box are you in? (e.g. 'Bedford box 2')"
    )
    assert wording.render(wording.Message(wording.Template.DETAILS_NEEDED, action=door)) == (
        "Which location are you at?"
    )
    assert wording.render(wording.Message(wording.Template.ALREADY_IN_PROGRESS, action=reset)) == (
        "That TrackMan is already restarting; give it a couple of minutes."
    )
    assert wording.render(wording.Message(wording.Template.ALREADY_IN_PROGRESS, action=door)) == (
        "The door is already being unlocked; try the handle in a moment."
    )
    assert (
        wording.expired(reset) == "Your restart request timed out. Text again if you still need it."
    )
    assert wording.expired(door) == (
        "Your door unlock request timed out. Text again if you still need it."
    )
    assert wording.starting(reset, trackman) == (
        "Restarting the TrackMan in Bedford box 2 now. It takes about 2 minutes to come back."
    )
    assert wording.starting(door, front) == "Unlocking the front door at Bedford now."
    assert wording.target_offline(reset, trackman) == (
        "The TrackMan in Bedford box 2 looks offline, so I can't restart it. "
        "Staff have been alerted."
    )
    assert wording.approval_title(door) == "Door approval needed"


def test_a_reply_about_an_action_must_name_it() -> None:
    with pytest.raises(ValueError, match="must name its action"):
        wording.Message(wording.Template.CONFIRMATION_REQUEST, target="the front door")


def test_what_applies_to_each_action() -> None:
    reset, door = action_spec(ActionKind.RESET_SIMULATOR), action_spec(ActionKind.UNLOCK_DOOR)

    assert (reset.checks_target_first, door.checks_target_first) == (True, False)
    assert (reset.cooldown.total_seconds(), door.cooldown.total_seconds()) == (180, 0)
    assert (reset.needs_authorisation, door.needs_authorisation) == (False, True)
    assert (reset.person_waiting, door.person_waiting) == (False, True)
    assert (reset.timed_by_settings, door.timed_by_settings) == (False, True)
    assert (reset.approval_needs_admin, door.approval_needs_admin) == (False, True)


def test_a_target_is_known_only_with_what_its_runner_needs() -> None:
    reset, door = action_spec(ActionKind.RESET_SIMULATOR), action_spec(ActionKind.UNLOCK_DOOR)

    assert reset.has_target(BOX_2)
    assert not reset.has_target(ActionParameters(location="bedford", box=2))
    assert door.has_target(FRONT_DOOR)
    assert not door.has_target(ActionParameters(location="bedford", door_name="front door"))
    fields = {field.name for field in attrs.fields(ActionParameters)}
    assert all(set(spec.target_fields) <= fields for spec in ACTIONS.values())
