"""Texts that need no understanding, sorted before any model is asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from claw_domain import wording
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.triage import Handling, triage
from claw_domain.values import InboundText, Intent, YesNo

AT = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def texts(*bodies: str) -> list[InboundText]:
    return [
        InboundText(f"AC{n}", "+19025550000", "+19025551111", body, AT + timedelta(seconds=n))
        for n, body in enumerate(bodies)
    ]


def last(kind: DecisionKind) -> Decision:
    return Decision(
        kind=kind,
        reason=Reason.ANSWERED_FROM_KNOWLEDGE,
        intent=Intent.HOURS,
        confidence=1.0,
        settings_version=1,
    )


def sorted_out(*bodies: str, **facts: object) -> Handling:
    given: dict[str, object] = {
        "opted_out": False,
        "awaiting_open_action": False,
        "last_decision": None,
    }
    return triage(texts(*bodies), **{**given, **facts}).handling  # type: ignore[arg-type]


def test_stop_is_confirmed_once_with_the_way_back() -> None:
    stop = triage(texts("STOP"), opted_out=False, awaiting_open_action=False, last_decision=None)

    assert (stop.handling, stop.notice, stop.keyword) == (
        Handling.OPT_OUT,
        wording.opted_out(),
        "STOP",
    )


def test_the_customers_last_word_on_texting_counts_in_the_order_they_sent_it() -> None:
    arrived_late = texts("START", "STOP")
    # START was sent first, STOP last: whatever order the webhooks came in.
    reordered = [arrived_late[1], arrived_late[0]]
    handled = triage(reordered, opted_out=False, awaiting_open_action=False, last_decision=None)

    assert handled.handling is Handling.OPT_OUT
    assert handled.text == "START STOP"
    assert sorted_out("STOP", "START") is Handling.OPT_IN


def test_a_yes_answers_the_awaited_action_only_while_one_is_open() -> None:
    answered = triage(texts("yes"), opted_out=False, awaiting_open_action=True, last_decision=None)

    assert (answered.handling, answered.answer) == (Handling.CONFIRMATION_REPLY, YesNo.YES)
    assert sorted_out("yes") is Handling.UNDERSTAND


def test_a_verdict_is_feedback_only_right_after_an_automatic_answer() -> None:
    after_answer = triage(
        texts("thanks, that worked"),
        opted_out=False,
        awaiting_open_action=False,
        last_decision=last(DecisionKind.RESPOND),
    )

    assert after_answer.handling is Handling.FEEDBACK
    assert after_answer.classification is not None
    assert after_answer.classification.intent is Intent.FEEDBACK_POSITIVE
    assert (
        sorted_out("thanks, that worked", last_decision=last(DecisionKind.SUGGEST))
        is Handling.UNDERSTAND
    )
    assert sorted_out("still frozen", last_decision=last(DecisionKind.EXECUTE)) is Handling.FEEDBACK
