"""The pending action's invariants, as small stories.

No execution without every required confirmation and approval; nothing closed
or past its deadline ever executes; execution starts at most once; outcomes are
recorded only while executing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claw_domain.errors import InvariantError
from claw_domain.pending_action import ActionStatus, PendingAction
from claw_domain.values import ActionKind, ActionParameters, Intent

REQUESTED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DEADLINE = REQUESTED_AT + timedelta(minutes=10)
SOON = REQUESTED_AT + timedelta(minutes=1)
LATE = DEADLINE + timedelta(seconds=1)


def a_door_unlock(*, confirmation: bool = True, approval: bool = True) -> PendingAction:
    return PendingAction(
        conversation_id=uuid4(),
        decision_number=1,
        customer_number="+19025551111",
        kind=ActionKind.UNLOCK_DOOR,
        intent=Intent.DOOR_ACCESS,
        parameters=ActionParameters(location="bedford", door_id="door-1", unlock_seconds=10),
        requires_confirmation=confirmation,
        requires_approval=approval,
        deadline=DEADLINE,
        at=REQUESTED_AT,
    )


def a_started_action() -> PendingAction:
    action = a_door_unlock(confirmation=False, approval=False)
    action.start_execution(SOON)
    return action


# Consent ------------------------------------------------------------------------------


def test_an_action_needing_nothing_is_ready_at_once() -> None:
    action = a_door_unlock(confirmation=False, approval=False)

    assert action.status is ActionStatus.READY


def test_no_execution_without_the_confirmation_or_the_approval() -> None:
    action = a_door_unlock()

    with pytest.raises(InvariantError, match="customer's confirmation and staff approval"):
        action.start_execution(SOON)
    assert action.status is ActionStatus.AWAITING


def test_a_confirmation_alone_is_not_enough_when_staff_must_approve() -> None:
    action = a_door_unlock()
    action.confirm(SOON)

    with pytest.raises(InvariantError, match="still needs staff approval"):
        action.start_execution(SOON)


def test_an_approval_alone_is_not_enough_when_the_customer_must_confirm() -> None:
    action = a_door_unlock()
    action.approve("sam", SOON)

    with pytest.raises(InvariantError, match=r"still needs the customer's confirmation\)"):
        action.start_execution(SOON)


def test_with_every_consent_the_action_executes() -> None:
    action = a_door_unlock()
    action.approve("sam", SOON)
    action.confirm(SOON)

    action.start_execution(SOON)

    assert action.status is ActionStatus.EXECUTING
    assert action.started_at == SOON
    assert action.approved_by == "sam"


def test_an_approval_names_who_gave_it() -> None:
    action = a_door_unlock()

    with pytest.raises(InvariantError, match="staff member's name"):
        action.approve("  ", SOON)
    assert not action.approved


def test_confirming_twice_records_one_confirmation() -> None:
    action = a_door_unlock()
    action.confirm(SOON)
    action.confirm(SOON)

    assert [type(e).__name__ for e in action.collect_events()] == [
        "ActionRequested",
        "CustomerConfirmed",
    ]


# Closed actions never execute ---------------------------------------------------------


def _declined(action: PendingAction) -> None:
    action.decline(SOON)


def _rejected(action: PendingAction) -> None:
    action.reject("sam", "not a member", SOON)


def _cancelled(action: PendingAction) -> None:
    action.cancel("sam", "customer left", SOON)


def _expired(action: PendingAction) -> None:
    action.expire(LATE)


CLOSINGS = {
    ActionStatus.DECLINED: _declined,
    ActionStatus.REJECTED: _rejected,
    ActionStatus.CANCELLED: _cancelled,
    ActionStatus.EXPIRED: _expired,
}


@pytest.mark.parametrize("closed", CLOSINGS, ids=[s.value for s in CLOSINGS])
def test_a_closed_action_never_executes(closed: ActionStatus) -> None:
    action = a_door_unlock()
    CLOSINGS[closed](action)

    assert action.status is closed
    with pytest.raises(InvariantError, match=f"the action is {closed.value}"):
        action.start_execution(SOON)
    with pytest.raises(InvariantError):
        action.confirm(SOON)
    with pytest.raises(InvariantError):
        action.approve("sam", SOON)
    assert action.status is closed


@pytest.mark.parametrize("closed", CLOSINGS, ids=[s.value for s in CLOSINGS])
def test_a_closed_action_cannot_be_closed_again(closed: ActionStatus) -> None:
    action = a_door_unlock()
    CLOSINGS[closed](action)

    with pytest.raises(InvariantError):
        action.cancel("sam", "again", SOON)
    with pytest.raises(InvariantError):
        action.reject("sam", "again", SOON)


def test_a_ready_action_cancelled_by_staff_never_executes() -> None:
    action = a_door_unlock(approval=False)
    action.confirm(SOON)
    action.cancel("sam", "changed their mind on the phone", SOON)

    with pytest.raises(InvariantError, match="cancelled"):
        action.start_execution(SOON)


# The deadline -------------------------------------------------------------------------


def test_nothing_executes_after_the_deadline() -> None:
    action = a_door_unlock(confirmation=True, approval=False)
    action.confirm(SOON)

    with pytest.raises(InvariantError, match="deadline"):
        action.start_execution(LATE)
    assert action.status is ActionStatus.READY


def test_consent_after_the_deadline_is_refused() -> None:
    action = a_door_unlock()

    with pytest.raises(InvariantError, match="deadline"):
        action.confirm(LATE)
    with pytest.raises(InvariantError, match="deadline"):
        action.approve("sam", LATE)
    with pytest.raises(InvariantError, match="deadline"):
        action.decline(LATE)


def test_an_action_expires_only_after_its_deadline() -> None:
    action = a_door_unlock()

    assert not action.is_due_to_expire(DEADLINE)
    with pytest.raises(InvariantError, match="past its deadline"):
        action.expire(DEADLINE)
    assert action.is_due_to_expire(LATE)
    action.expire(LATE)
    assert action.status is ActionStatus.EXPIRED


def test_a_ready_action_left_past_its_deadline_expires() -> None:
    action = a_door_unlock(confirmation=False, approval=False)

    action.expire(LATE)

    assert action.status is ActionStatus.EXPIRED


def test_an_executing_action_never_expires() -> None:
    action = a_started_action()

    assert not action.is_due_to_expire(LATE)
    with pytest.raises(InvariantError):
        action.expire(LATE)


# At most once, and outcomes only while executing --------------------------------------


def test_execution_starts_at_most_once() -> None:
    action = a_started_action()

    with pytest.raises(InvariantError, match="executing"):
        action.start_execution(SOON)


@pytest.mark.parametrize("outcome", ["succeed", "outcome_unknown"])
def test_success_or_an_unknown_outcome_needs_a_started_action(outcome: str) -> None:
    action = a_door_unlock(confirmation=False, approval=False)

    with pytest.raises(InvariantError, match="not executing"):
        getattr(action, outcome)("done", SOON)
    assert action.status is ActionStatus.READY


def test_a_ready_action_may_fail_before_it_starts() -> None:
    # The simulator PC was offline: the action failed without the vendor being called.
    action = a_door_unlock(confirmation=False, approval=False)

    action.fail("device offline", SOON)

    assert action.status is ActionStatus.FAILED
    assert action.started_at is None


def test_an_awaiting_action_cannot_fail() -> None:
    action = a_door_unlock()

    with pytest.raises(InvariantError, match="not executing"):
        action.fail("device offline", SOON)


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("succeed", ActionStatus.SUCCEEDED),
        ("fail", ActionStatus.FAILED),
        ("outcome_unknown", ActionStatus.OUTCOME_UNKNOWN),
    ],
)
def test_one_outcome_per_execution(outcome: str, status: ActionStatus) -> None:
    action = a_started_action()
    getattr(action, outcome)("vendor said so", SOON)

    assert action.status is status
    assert action.outcome_detail == "vendor said so"
    for another in ("succeed", "fail", "outcome_unknown"):
        with pytest.raises(InvariantError):
            getattr(action, another)("again", SOON)
    with pytest.raises(InvariantError):
        action.start_execution(SOON)


# Whatever happens, in whatever order --------------------------------------------------

STEPS = st.sampled_from(
    ["confirm", "decline", "approve", "reject", "cancel", "expire", "start", "succeed", "fail"]
)


@given(
    confirmation=st.booleans(),
    approval=st.booleans(),
    steps=st.lists(st.tuples(STEPS, st.integers(min_value=0, max_value=12)), max_size=12),
)
def test_any_sequence_of_commands_keeps_the_rails(
    confirmation: bool, approval: bool, steps: list[tuple[str, int]]
) -> None:
    action = a_door_unlock(confirmation=confirmation, approval=approval)
    starts = 0
    for step, minutes in steps:
        at = REQUESTED_AT + timedelta(minutes=minutes)
        commands = {
            "confirm": lambda at=at: action.confirm(at),
            "decline": lambda at=at: action.decline(at),
            "approve": lambda at=at: action.approve("sam", at),
            "reject": lambda at=at: action.reject("sam", "no", at),
            "cancel": lambda at=at: action.cancel("sam", "no", at),
            "expire": lambda at=at: action.expire(at),
            "start": lambda at=at: action.start_execution(at),
            "succeed": lambda at=at: action.succeed("ok", at),
            "fail": lambda at=at: action.fail("error", at),
        }
        was = action.status
        try:
            commands[step]()
        except InvariantError:
            assert action.status is was  # a refused command changes nothing
            continue
        if step == "start":
            starts += 1
            assert at <= action.deadline
            assert action.confirmed or not confirmation
            assert action.approved or not approval
            assert was is ActionStatus.READY

    assert starts <= 1
