"""Attacks on what claw keeps and lets out: a backup read after "forget me", and the
HTTP side probed for unsigned webhooks, open metrics and cacheable answers.

Default run: a handful of customers; ``CLAW_RELIABILITY=1`` runs more.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from e2e_support import conversation_of, settled, signed_text, wait_until
from reliability_support import FULL, Ledger, in_process

from claw_adapters.persistence.keyring import data_keys_of
from claw_adapters.projections.backends import open_projection_store
from claw_adapters.projections.catalogue import all_projections
from claw_domain.privacy import FORGOTTEN
from claw_service.audit import timeline
from claw_service.privacy import forget_subject
from claw_service.projector import Projector

CUSTOMERS = 24 if FULL else 6
METRICS_TOKEN = "reliability-metrics-" + "t" * 24


def _customer(n: int) -> str:
    return f"+1902555{7000 + n:04d}"


def _secret(n: int) -> str:
    return f"locker-code-{9100 + n}-zebra"


async def test_a_backup_read_after_forgetting_reveals_nothing_of_the_forgotten(
    tmp_path: Path, ledger: Ledger
) -> None:
    figures = ledger.scenario(
        "privacy: forget half the customers, then read the raw database",
        "tests/reliability/test_privacy_exposure.py::"
        "test_a_backup_read_after_forgetting_reveals_nothing_of_the_forgotten",
    )
    database = tmp_path / "claw.db"
    customers = [_customer(n) for n in range(CUSTOMERS)]
    forgotten, kept = customers[::2], customers[1::2]
    async with in_process(f"sqlite:///{database}") as venue:
        app = venue.runtime.app
        for n, customer in enumerate(customers):
            status, _ = await venue.deliver(signed_text(customer, f"hours? {_secret(n)}"))
            assert status == 202
        ids = [conversation_of(c) for c in customers]
        await wait_until(lambda: settled(app, ids), within=60, what="every text decided")
        before = {
            c: [e.to_json() for e in await asyncio.to_thread(timeline, app, phone=c)] for c in kept
        }
        keys = data_keys_of(app.mapper)
        now = venue.runtime.clock.now()
        for customer in forgotten:
            await asyncio.to_thread(
                forget_subject, app, keys, keys.subject_of(customer), "dpo", "request", now
            )
        store = open_projection_store(venue.runtime.config.database)
        try:
            projector = Projector(app, store, all_projections())
            await asyncio.to_thread(projector.rebuild)
        finally:
            store.close()
        after = {
            c: [e.to_json() for e in await asyncio.to_thread(timeline, app, phone=c)] for c in kept
        }
        gone = [
            c
            for c in forgotten
            if (await asyncio.to_thread(app.conversation, conversation_of(c))).customer_number
            == FORGOTTEN
        ]
        await asyncio.to_thread(keys.table.compact)
    raw = b"".join(
        path.read_bytes() for path in (database, Path(f"{database}-wal")) if path.exists()
    )
    leaks = [
        c
        for n, c in enumerate(customers)
        if c in forgotten and (_secret(n).encode() in raw or c[1:].encode() in raw)
    ]
    changed = [c for c in kept if before[c] != after[c]]
    figures.attempts = len(customers)
    figures.accepted = len(kept) - len(changed)
    figures.refused = len(gone)
    figures.lost = len(leaks) + len(changed)
    figures.note(
        f"{len(forgotten)} forgotten: {len(gone)} read [forgotten], {len(leaks)} found in the "
        f"raw file; {len(kept)} kept: {len(changed)} timelines changed"
    )
    print(figures.line())
    assert leaks == []
    assert changed == []
    assert len(gone) == len(forgotten)


async def test_the_http_side_refuses_unsigned_posts_open_metrics_and_caching(
    tmp_path: Path, ledger: Ledger
) -> None:
    figures = ledger.scenario(
        "exposure: unsigned webhooks, /metrics without its token, cacheable answers",
        "tests/reliability/test_privacy_exposure.py::"
        "test_the_http_side_refuses_unsigned_posts_open_metrics_and_caching",
    )
    refused = accepted = 0
    problems: list[str] = []
    env = {"CLAW_METRICS_TOKEN": METRICS_TOKEN}
    async with in_process(f"sqlite:///{tmp_path / 'claw.db'}", env=env) as venue:
        body, _headers = signed_text(_customer(1), "let me in")
        probes = [
            ("POST", "/webhooks/openphone", {"Content-Type": "application/json"}, body, 401),
            ("GET", "/metrics", {}, None, 401),
            ("GET", "/metrics", {"Authorization": "Bearer guess"}, None, 401),
            ("GET", "/metrics", {"Authorization": f"Basic {METRICS_TOKEN}"}, None, 401),
            ("GET", "/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"}, None, 200),
            ("GET", "/api/status", {}, None, 401),
            ("GET", "/readyz", {}, None, 200),
        ]
        for method, path, headers, data, wanted in probes:
            answer = await venue.client.request(method, path, headers=headers, data=data)
            if answer.status != wanted:
                problems.append(f"{method} {path} {headers}: {answer.status}, wanted {wanted}")
            if answer.headers.get("Cache-Control") != "no-store":
                problems.append(f"{method} {path}: cacheable")
            if answer.status < 400:
                accepted += 1
            else:
                refused += 1
        repository = venue.runtime.app.repository
        unsigned_id = conversation_of(_customer(1))
        stored = await asyncio.to_thread(repository.__contains__, unsigned_id)
        if stored:
            problems.append("the unsigned post was stored")
    figures.attempts = len(probes)
    figures.accepted = accepted
    figures.refused = refused
    figures.lost = len(problems)
    figures.note(
        f"unsigned POST and {refused - 2} bad metrics credentials refused; every answer "
        "no-store; nothing stored from the unsigned post"
    )
    print(figures.line())
    print("\n".join(problems))
    assert problems == []
