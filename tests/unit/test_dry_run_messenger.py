"""The dry-run messenger ``claw serve`` uses without OpenPhone keeps a bounded memory."""

from __future__ import annotations

import pytest

from claw_adapters.fakes.memory import SENT_TEXTS_KEPT, MemoryMessenger


async def test_only_the_last_texts_are_kept_and_every_one_is_counted() -> None:
    messenger = MemoryMessenger(keep_last=3)

    ids = [
        (await messenger.send_text(to="+19025551111", body=f"text {n}")).vendor_message_id
        for n in range(5)
    ]

    assert messenger.sent == [("+19025551111", f"text {n}") for n in (2, 3, 4)]
    assert messenger.sent_count == 5
    # Vendor ids stay unique after old texts are dropped: the echo check relies on them.
    assert len(set(ids)) == 5


async def test_a_server_running_for_months_does_not_grow_its_memory() -> None:
    messenger = MemoryMessenger()

    for n in range(SENT_TEXTS_KEPT * 2 + 7):
        await messenger.send_text(to="+19025551111", body=f"text {n}")

    assert len(messenger.sent) == SENT_TEXTS_KEPT
    assert messenger.sent[-1] == ("+19025551111", f"text {SENT_TEXTS_KEPT * 2 + 6}")
    assert messenger.sent_count == SENT_TEXTS_KEPT * 2 + 7


def test_keeping_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="keep_last"):
        MemoryMessenger(keep_last=0)
