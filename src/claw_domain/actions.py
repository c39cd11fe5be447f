"""Every hardware action claw can take, described as data.

The policy, the wording and the dispatcher read an action's description here
instead of asking "is it a reset or a door?": what claw calls the action and its
target, whether staff approval and the customer directory apply, whether the
target is checked before it is run, how long a finished action still counts as
in progress. This table and ``ACTION_FOR_INTENT`` (``values.py``) are the only
places in the domain that name a particular action.

Adding an action: an ``ActionKind`` member, its intent in ``ACTION_FOR_INTENT``,
its description below, an ``ActionRunner`` adapter mapped to the kind in the
composition root, and how the venue file resolves its target
(``Venue.action_parameters``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

import attrs

from claw_domain.values import ActionKind, ActionParameters


@attrs.frozen
class ActionWords:
    """How claw speaks of one action, to customers and to staff."""

    # "I can {verb} the TrackMan in Bedford box 2 for you."
    verb: str
    # "Your {request_name} request timed out."
    request_name: str
    # "A staff member needs to approve {approval_gerund} the front door at Bedford."
    approval_gerund: str
    # Staff read "+1902... asks to {asked_verb} the front door at Bedford."
    asked_verb: str
    # What its target is, in general ("a door needs an admin's approval").
    target_noun: str
    # Asked when the text did not say enough to find the target.
    target_question: str
    # Said when the same action is still running.
    in_progress: str
    # Said once the vendor accepted it; ``{target}`` is the described target.
    starting: str
    # Staff alert titles.
    approval_title: str
    # The timeline's "The TrackMan in Bedford box 2 {done}".
    done: str = "done"
    check_failed_title: str = "Action check failed"
    offline_title: str = "Target offline"


@attrs.frozen
class ActionSpec:
    """One action kind: its words, the rules that apply to it, and its target's name."""

    kind: ActionKind
    words: ActionWords
    # The target in the customer's words, from its parameters and the location's name.
    describe: Callable[[ActionParameters, str], str]
    # The ``ActionParameters`` fields its runner needs: a target without them is unknown.
    target_fields: tuple[str, ...] = ()
    # The runner is asked whether the target is online before it is run.
    checks_target_first: bool = False
    # A success this recent still counts as in progress (the device is coming back).
    cooldown: timedelta = timedelta(0)
    # Only numbers the venue knows at that location may have it done (someone lets
    # themselves in); anybody else is handed to staff.
    needs_authorisation: bool = False
    # Someone may be waiting for it: when the stop or quiet hours hold claw back,
    # a person must do it, and an escalation about it is urgent.
    person_waiting: bool = False
    # Its length comes from the settings (``door_unlock_seconds``).
    timed_by_settings: bool = False
    # In the console, only an admin may approve it.
    approval_needs_admin: bool = False

    def has_target(self, parameters: ActionParameters) -> bool:
        """Whether the parameters name everything this action's runner needs."""
        return all(getattr(parameters, name) is not None for name in self.target_fields)


def _simulator(parameters: ActionParameters, location_name: str) -> str:
    return f"the TrackMan in {location_name} box {parameters.box}"


def _door(parameters: ActionParameters, location_name: str) -> str:
    door = parameters.door_name or "front door"
    if location_name.lower() in door.lower():
        return f"the {door}"
    return f"the {door} at {location_name}"


ACTIONS: Mapping[ActionKind, ActionSpec] = {
    ActionKind.RESET_SIMULATOR: ActionSpec(
        kind=ActionKind.RESET_SIMULATOR,
        words=ActionWords(
            verb="restart",
            request_name="restart",
            approval_gerund="restarting",
            asked_verb="restart",
            target_noun="simulator",
            target_question="Which location and box are you in? (e.g. 'Bedford box 2')",
            in_progress="That TrackMan is already restarting; give it a couple of minutes.",
            starting="Restarting {target} now. It takes about 2 minutes to come back.",
            approval_title="Simulator reset approval needed",
            done="restarted",
            check_failed_title="Reset failed",
            offline_title="Simulator PC offline",
        ),
        describe=_simulator,
        target_fields=("box", "device_id"),
        checks_target_first=True,
        cooldown=timedelta(minutes=3),
    ),
    ActionKind.UNLOCK_DOOR: ActionSpec(
        kind=ActionKind.UNLOCK_DOOR,
        words=ActionWords(
            verb="unlock",
            request_name="door unlock",
            approval_gerund="opening",
            asked_verb="open",
            target_noun="door",
            target_question="Which location are you at?",
            in_progress="The door is already being unlocked; try the handle in a moment.",
            starting="Unlocking {target} now.",
            approval_title="Door approval needed",
            done="unlocked",
        ),
        describe=_door,
        target_fields=("door_id",),
        needs_authorisation=True,
        person_waiting=True,
        timed_by_settings=True,
        approval_needs_admin=True,
    ),
}


def action_spec(kind: ActionKind) -> ActionSpec:
    return ACTIONS[kind]


def describe_target(kind: ActionKind, parameters: ActionParameters, location_name: str) -> str:
    """The action's target as claw names it to a customer ("the TrackMan in Bedford box 2")."""
    return ACTIONS[kind].describe(parameters, location_name)


APPROVAL_TITLES = frozenset(spec.words.approval_title for spec in ACTIONS.values())
