"""The demo script, end to end: the real server over HTTP, signed webhooks, fake vendors."""

from __future__ import annotations

from claw_domain import wording
from claw_entrypoints.demo import SCENARIOS, run_demo


async def test_every_demo_scenario_reaches_the_vendors_as_claw_decided(tmp_path: object) -> None:
    lines: list[str] = []
    report = await run_demo(once=True, port=0, database_url=None, print_line=lines.append)

    gift, hours, trackman, door, stop, refund = (title for title, _steps, _approve in SCENARIOS)
    assert report.decisions[gift] == [("respond", "answered_from_knowledge")]
    assert report.decisions[hours] == [("respond", "answered_from_knowledge")]
    assert report.decisions[trackman] == [
        ("request_confirmation", "confirmation_required"),
        ("execute", "customer_confirmed"),
    ]
    assert report.decisions[door] == [
        ("request_confirmation", "confirmation_required"),
        ("request_confirmation", "approval_required"),
        ("execute", "approved_by_staff"),
    ]
    assert report.decisions[stop] == [("ignore", "opted_out"), ("ignore", "opted_out")]
    assert report.decisions[refund][0][0] == "escalate"

    # Dartmouth box 3 is NinjaOne device 2053 in the demo venue; the Bedford door opens once.
    assert report.resets == [2053]
    assert len(report.unlocks) == 1
    # The number that sent STOP gets the opt-out's one confirmation, and nothing else.
    assert [body for to, body in report.texts if to == "+19025551005"] == [wording.opted_out()]
    assert any("Restarting the TrackMan in Dartmouth box 3" in body for _to, body in report.texts)
    assert any(line.startswith("== ") for line in lines)
    # It ends with the console's address and the owner's numbers for its own run.
    assert any(line.strip().startswith("the console: http://127.0.0.1:") for line in lines)
    assert report.numbers["answered_automatically"] == 2
    assert report.numbers["escalated"] == 1
    assert report.numbers["answer_accuracy"] == 1.0
    numbers = lines[lines.index(next(x for x in lines if x.startswith("the owner's numbers"))) :]
    assert any("texts answered automatically: 2, suggested: 0, escalated: 1" in x for x in numbers)
    assert any(x.strip().startswith("response time: median") for x in numbers)
