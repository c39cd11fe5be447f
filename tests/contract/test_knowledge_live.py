"""The venue's knowledge in the log, as running instances and the shell see it.

Two consoles on one PostgreSQL schema play two `claw serve`: an answer published on
one is used for the next text on the other, without a restart. `claw knowledge
export` then `import` changes nothing; an edited export publishes exactly that part.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from console_support import console_on

from claw_adapters.knowledge.document import venue_of_document
from claw_entrypoints import cli
from claw_service.audit.timeline import timeline
from claw_service.knowledge import KnowledgeBook

NEW_HOURS = "We are open 24/7, holidays too. Book at {booking_link}"
MEMBER = "+19025550188"


def _last_decision(console: Any, conversation: Any) -> Any:
    decision = console.runtime.app.conversation(conversation).last_decision
    assert decision is not None
    return decision


@pytest.mark.postgres
async def test_an_answer_published_on_one_instance_is_used_for_the_next_text_on_the_other(
    postgres_url: str,
) -> None:
    async with console_on(postgres_url) as east, console_on(postgres_url) as west:
        before = await west.text("+19025550150", "what time do you close tonight?")
        assert _last_decision(west, before).knowledge_version == 1

        book = KnowledgeBook(east.runtime.app, venue_of_document)
        book.edit(("answers", "hours"), NEW_HOURS, "ana", datetime.now(UTC), note="holidays")
        published_at = time.monotonic()
        assert book.publish_draft("ana", datetime.now(UTC)).version == 2

        # West follows the log on its own: wait for it to say so, then text it.
        live = west.runtime.knowledge
        assert live is not None
        while live.follow() != 2:
            assert time.monotonic() - published_at < 3.0, "west did not take up version 2"
            await asyncio.sleep(0.02)
        took_up = time.monotonic() - published_at
        conversation = await west.text("+19025550151", "what time do you close tonight?")
        decision = _last_decision(west, conversation)
        assert decision.knowledge_version == 2
        (entry,) = [
            e for e in timeline(west.runtime.app, conversation_id=conversation) if e.decision
        ]
        assert (entry.settings_version, entry.knowledge_version) == (1, 2)
        assert decision.reply is not None
        assert decision.reply.startswith("We are open 24/7, holidays too.")
        assert took_up < 2.0


@pytest.mark.postgres
async def test_a_member_added_on_one_instance_may_open_the_door_on_the_other(
    postgres_url: str,
) -> None:
    async with console_on(postgres_url) as east, console_on(postgres_url) as west:
        live = west.runtime.knowledge
        assert live is not None
        assert not live.may_open_door(MEMBER, "bedford")
        book = KnowledgeBook(east.runtime.app, venue_of_document)
        _, document = book.current()
        member = {"phone": MEMBER, "name": "Jo", "kind": "member", "locations": ["bedford"]}
        book.edit(("customers", len(document["customers"])), member, "ana", datetime.now(UTC))
        book.publish_draft("ana", datetime.now(UTC))
        deadline = time.monotonic() + 3.0
        while live.follow() != 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        assert live.may_open_door(MEMBER, "bedford")


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [name for name in os.environ if name.startswith("CLAW_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CLAW_DATABASE_URL", f"sqlite:///{tmp_path}/claw.db")
    return tmp_path


def test_export_then_import_is_a_no_op(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["knowledge", "export"]) == 0
    exported = capsys.readouterr().out
    (shell / "venue.yaml").write_text(exported, "utf-8")

    assert cli.main(["knowledge", "import", str(shell / "venue.yaml")]) == 0
    assert capsys.readouterr().out == "no change: version 1 already says this\n"
    assert cli.main(["knowledge", "history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2  # the heading and version 1, imported on first start
    assert "first start" in lines[1]


def test_an_edited_export_publishes_just_that_part(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["knowledge", "export"]) == 0
    exported = capsys.readouterr().out
    edited = exported.replace("device_id: '1041'", "device_id: '9041'").replace(
        'device_id: "1041"', 'device_id: "9041"'
    )
    assert edited != exported
    (shell / "venue.yaml").write_text(edited, "utf-8")

    assert cli.main(["knowledge", "import", str(shell / "venue.yaml"), "--note", "new PC"]) == 0
    out = capsys.readouterr().out
    assert out == "changes:\n  locations.bedford\npublished version 2\n"
    assert cli.main(["knowledge", "export"]) == 0
    assert capsys.readouterr().out == edited
    assert cli.main(["knowledge", "export", "--version", "1"]) == 0
    assert capsys.readouterr().out == exported


def test_an_import_with_mistakes_names_each_line_and_publishes_nothing(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["knowledge", "export"]) == 0
    exported = capsys.readouterr().out
    broken = exported.replace('"+19025550124"', '"902-555-0124"').replace(
        "'+19025550124'", "'902-555-0124'"
    )
    assert broken != exported
    (shell / "venue.yaml").write_text(broken, "utf-8")
    assert cli.main(["knowledge", "import", str(shell / "venue.yaml")]) == 2
    error = capsys.readouterr().err
    assert "venue.yaml line " in error
    assert "customers[1].phone" in error
    assert cli.main(["knowledge", "history"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
