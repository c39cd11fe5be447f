"""Night shifts: urgent alerts at once; the rest batched, and held through quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from claw_adapters.fakes.memory import MemoryStaff, SettableClock
from claw_adapters.staff.batching import BatchingStaffNotifier
from claw_domain.identity import conversation_id
from claw_domain.ports import AlertSeverity, StaffAlert
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings, QuietHours
from claw_domain.values import Classification, ClassificationSource, InboundText, Intent
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application
from claw_service.application import TextToUnderstand
from fakes.venue import InMemoryVenue

LINE, ANN = "+19025550000", "+19025551111"

URGENT = StaffAlert("Approve door", "Pat at Bedford", severity=AlertSeverity.URGENT)


def review(n: int) -> StaffAlert:
    return StaffAlert("Reply waiting for review", f"item {n}")


def batching(
    clock: SettableClock, quiet: QuietHours | None = None
) -> tuple[BatchingStaffNotifier, MemoryStaff]:
    staff = MemoryStaff()

    def in_quiet_hours(now: datetime) -> bool:
        return quiet is not None and quiet.contains(now.astimezone(UTC).time())

    return BatchingStaffNotifier(staff, clock, in_quiet_hours, check_every_seconds=3600), staff


async def test_urgent_alerts_go_at_once_and_the_rest_go_together_after_the_window() -> None:
    clock = SettableClock(datetime(2026, 12, 3, 14, 0, tzinfo=UTC))
    notifier, staff = batching(clock)
    await notifier.notify(review(1))
    await notifier.notify(URGENT)
    clock.advance(timedelta(minutes=2))
    await notifier.notify(review(2))
    assert staff.alerts == [URGENT]
    clock.advance(timedelta(minutes=3))
    assert await notifier.send_if_due()
    [_, batch] = staff.alerts
    assert batch.title == "2 things for staff"
    assert "item 1" in batch.body
    assert "item 2" in batch.body
    await notifier.aclose()


async def test_quiet_hours_hold_the_batch_until_they_end() -> None:
    clock = SettableClock(datetime(2026, 12, 3, 23, 30, tzinfo=UTC))
    notifier, staff = batching(clock, QuietHours(start=time(23, 0), end=time(7, 0)))
    await notifier.notify(review(1))
    clock.advance(timedelta(hours=2))
    assert not await notifier.send_if_due()
    await notifier.notify(URGENT)  # never held: a door or an emergency cannot wait
    assert staff.alerts == [URGENT]
    clock.advance(timedelta(hours=6))  # 07:30
    assert await notifier.send_if_due()
    assert staff.alerts[-1] == review(1)
    await notifier.aclose()


async def test_shutdown_sends_what_is_gathered() -> None:
    clock = SettableClock(datetime(2026, 12, 3, 14, 0, tzinfo=UTC))
    notifier, staff = batching(clock)
    await notifier.notify(review(1))
    await notifier.aclose()
    assert staff.alerts == [review(1)]


def test_a_new_review_item_notifies_staff_but_not_urgently() -> None:
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    app.ensure_settings(
        {Intent.PRICING: FeatureSettings(mode=FeatureMode.SUGGEST)},
        GlobalSettings(),
        "owner",
        clock.now(),
    )
    conversation = conversation_id(LINE, ANN)
    app.receive_text(InboundText("AC1", LINE, ANN, "how much is an hour", clock.now()), clock.now())
    work = app.begin_processing(conversation, clock.now() + timedelta(seconds=5))
    assert isinstance(work, TextToUnderstand)
    understood = Classification(Intent.PRICING, 0.9, ClassificationSource.LOCAL_MODEL)
    app.decide_on_text(conversation, understood, work.text, work.through, clock.now())
    [alert] = app.alerts_of(app.conversation(conversation))
    assert alert.title == "Reply waiting for review"
    assert alert.severity is AlertSeverity.INFO
    assert alert.action_id is None
