"""A problem that went away on its own while claw asked about it ends the offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.self_resolved import says_resolved_itself
from claw_domain.triage import Handling, triage
from claw_domain.values import InboundText, Intent, Sentiment, YesNo

AT = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)

RESOLVED = [
    "nvm the sim came back by itself",
    "never mind it restarted on its own",
    "oh wait all good now, it rebooted",
    "nevermind fixed itself lol",
    "its working again",
    "screen came back on, we're good",
    "haha it just unfroze",
    "ok its back up now thanks",
    "all good it started working",
    "no worries its not frozen anymore",
    "scratch that, it's tracking again",
    "forget it, we figured it out",
]
STILL_BROKEN = [
    "its still frozen",
    "it restarted but the screen is black",
    "is it working again?",
    "it came back but froze again",
    "not working again",
    "we restarted it, nothing",
    "stopped working again",
    "it's back on the same error",
    "",
]


@pytest.mark.parametrize("text", RESOLVED)
def test_a_reply_that_the_problem_went_away_is_read_as_such(text: str) -> None:
    assert says_resolved_itself(text)


@pytest.mark.parametrize("text", STILL_BROKEN)
def test_a_problem_still_there_or_asked_about_is_not_resolved(text: str) -> None:
    assert not says_resolved_itself(text)


def _texts(body: str) -> list[InboundText]:
    return [InboundText("AC1", "+19025550000", "+19025551111", body, AT + timedelta(seconds=1))]


def _last(kind: DecisionKind, reason: Reason) -> Decision:
    return Decision(
        kind=kind, reason=reason, intent=Intent.TRACKMAN_RESET, confidence=1.0, settings_version=1
    )


@pytest.mark.parametrize("text", RESOLVED)
def test_while_a_restart_waits_for_a_yes_the_problem_going_away_declines_it(text: str) -> None:
    offered = _last(DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED)

    sorted_out = triage(
        _texts(text), opted_out=False, awaiting_open_action=True, last_decision=offered
    )

    assert (sorted_out.handling, sorted_out.answer) == (Handling.CONFIRMATION_REPLY, YesNo.NO)


@pytest.mark.parametrize("text", RESOLVED)
def test_after_claw_asked_which_box_the_problem_going_away_ends_it(text: str) -> None:
    asked = _last(DecisionKind.RESPOND, Reason.DETAILS_NEEDED)

    sorted_out = triage(
        _texts(text), opted_out=False, awaiting_open_action=False, last_decision=asked
    )

    assert sorted_out.handling is Handling.FEEDBACK
    assert sorted_out.classification is not None
    assert sorted_out.classification.sentiment is Sentiment.POSITIVE


@pytest.mark.parametrize("text", STILL_BROKEN[:-1])
def test_a_problem_still_there_is_no_decline_of_the_restart(text: str) -> None:
    offered = _last(DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED)

    sorted_out = triage(
        _texts(text), opted_out=False, awaiting_open_action=True, last_decision=offered
    )

    assert sorted_out.answer is not YesNo.NO
