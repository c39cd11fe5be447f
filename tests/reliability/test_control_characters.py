"""Text hygiene against a real `claw serve` on PostgreSQL.

Every control and format character there is (C0, DEL, C1, every ``Cf`` code point
including the bidi controls, lone surrogates, U+FFFE/U+FFFF) is texted to the
venue inside otherwise ordinary questions. PostgreSQL's JSONB once refused a
single NUL and froze every projection behind it. Afterwards: every text stored
once (without the characters claw never stores) and decided, the dispatcher and
every projection at the log head, and no projection had to skip an event.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime

import aiohttp
import pytest
from e2e_support import (
    SIGNING_KEY,
    LaunchServer,
    conversation_of,
    post,
    reader,
    server_environment,
    unsettled,
    wait_until,
)
from reliability_support import FULL, Ledger

from claw_adapters.fakes.openphone import message_received, signed_legacy_webhook
from claw_adapters.openphone import PayloadGeneration
from claw_adapters.persistence.database import parse_database_url
from claw_adapters.projections.backends import open_projection_store
from claw_adapters.projections.catalogue import all_projections
from claw_adapters.projections.failures import ProjectionFailureLog
from claw_adapters.projections.store import ProjectionStore
from claw_domain.text import clean
from claw_entrypoints.demo import VENUE_LINE, DemoVendors
from claw_service.application import ClawApplication
from claw_service.history import conversation_history

pytestmark = pytest.mark.postgres

# Characters per text: every character is sent either way, in fewer texts by default.
PER_TEXT = 1 if FULL else 12


def hazardous_characters() -> list[str]:
    """Every C0 and C1 control, DEL, every format character, surrogates, U+FFFE/U+FFFF."""
    controls = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]]
    formats = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    # Low halves before high ones: a high half followed by a low one is a valid pair.
    surrogates = [chr(c) for c in (0xDC00, 0xDFFF, 0xD800, 0xDB7F, 0xDBFF)]
    return [*controls, *formats, *surrogates, "\ufffe", "\uffff"]


def texts() -> list[str]:
    """Questions, each carrying a run of hazardous characters at its start, middle and end."""
    characters = hazardous_characters()
    bodies = []
    for start in range(0, len(characters), PER_TEXT):
        run = "".join(characters[start : start + PER_TEXT])
        bodies.append(f"{run}what time do you{run} close tonight?{run}")
    return bodies


def delivery(customer: str, text: str, n: int) -> tuple[bytes, dict[str, str]]:
    """Signed as OpenPhone signs it; the text goes in as JSON escapes, surrogates too."""
    payload = message_received(
        PayloadGeneration.APP,
        text="PLACEHOLDER",
        customer=customer,
        venue=VENUE_LINE,
        created_at=datetime.now(UTC),
        message_id=f"AChygiene{n:05d}",
    )
    escaped = json.dumps(text, ensure_ascii=True)[1:-1]
    body = json.dumps(payload).replace("PLACEHOLDER", escaped).encode()
    return signed_legacy_webhook(body, SIGNING_KEY, int(time.time() * 1000))


@pytest.fixture
def env(vendors: DemoVendors, postgres_url: str) -> dict[str, str]:
    return server_environment(vendors, postgres_url, debounce=0.2)


@pytest.fixture
def view(env: dict[str, str]) -> Iterator[tuple[ClawApplication, ProjectionStore]]:
    app = reader(env)
    store = open_projection_store(parse_database_url(env["CLAW_DATABASE_URL"]))
    try:
        yield app, store
    finally:
        store.close()
        app.close()


def read_side_behind(app: ClawApplication, store: ProjectionStore) -> str | None:
    head = app.recorder.max_notification_id() or 0
    behind = {
        projection.name: store.position(projection.name)
        for projection in all_projections()
        if store.position(projection.name) < head
    }
    return f"projections behind the log head {head}: {behind}" if behind else None


def never_stored(char: str) -> bool:
    code = ord(char)
    return (
        (unicodedata.category(char) == "Cc" and char not in "\n\t")
        or 0x202A <= code <= 0x202E
        or 0x2066 <= code <= 0x2069
        or 0xD800 <= code <= 0xDFFF
        or char in "\ufffe\uffff"
    )


async def test_every_control_and_format_character_is_stored_cleaned_and_projected(
    vendors: DemoVendors,
    servers: LaunchServer,
    env: dict[str, str],
    view: tuple[ClawApplication, ProjectionStore],
    ledger: Ledger,
) -> None:
    figures = ledger.scenario(
        "text hygiene: every control/format character to `claw serve` on PostgreSQL",
        "tests/reliability/test_control_characters.py::"
        "test_every_control_and_format_character_is_stored_cleaned_and_projected",
        env="CLAW_RELIABILITY=1" if FULL else "",
    )
    app, store = view
    server = servers(env, "claw")
    await server.start()
    bodies = texts()
    customers = {f"+1902556{n:04d}": body for n, body in enumerate(bodies)}
    problems: list[str] = []
    async with aiohttp.ClientSession() as session:
        for n, (customer, body) in enumerate(customers.items()):
            status, answer = await post(session, server.url, delivery(customer, body, n))
            if status == 202:
                figures.accepted += 1
            else:
                problems.append(f"text {n}: answered {status} {answer}")
    figures.attempts = len(customers)
    everyone = [conversation_of(customer) for customer in customers]

    async def level() -> bool:
        waiting = await asyncio.to_thread(unsettled, app, everyone)
        return waiting is None and await asyncio.to_thread(read_side_behind, app, store) is None

    await wait_until(level, within=120 if FULL else 60, what="texts decided, read side level")

    for customer, body in customers.items():
        stored = [text.body for text in conversation_history(app, conversation_of(customer)).texts]
        if stored != [clean(body)]:
            problems.append(f"{customer}: stored {stored!r}, expected {clean(body)!r}")
        elif any(never_stored(char) for char in stored[0]):
            problems.append(f"{customer}: stored a character claw never stores")
        row = store.get("conversations", str(conversation_of(customer)))
        if row is None or row["texts"] != 1:
            problems.append(f"{customer}: the console shows {row and row['texts']} texts")
    skipped = ProjectionFailureLog(store).recorded()
    if skipped:
        problems.append(f"the read side skipped {[(f.projection, f.position) for f in skipped]}")
    behind = read_side_behind(app, store)
    if behind:
        problems.append(behind)

    figures.lost = len(problems)
    figures.note(
        f"{len(hazardous_characters())} characters in {len(bodies)} texts; every text stored "
        "once without them and decided; every projection at the log head; no event skipped"
    )
    print(figures.line())
    print("\n".join(problems))
    assert problems == []
