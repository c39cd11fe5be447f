"""``CLAW_RETENTION_DAYS`` in ``claw serve``: forget idle customers once an hour.

The same as ``claw forget --older-than-days N`` run by cron, for venues that
run nothing beside claw. Runs in a thread: it reads the log and rebuilds the
projections, which the event loop must not wait on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import structlog
from aiohttp import web

from claw_adapters.persistence.keyring import data_keys_of
from claw_entrypoints.runtime import RUNTIME, Runtime
from claw_service.privacy import forget_subject, idle_subjects

log = structlog.get_logger("claw.retention")

RETENTION_ACTOR = "claw-retention"
RETENTION_EVERY_SECONDS = 3600.0


def forget_idle_customers(runtime: Runtime) -> int:
    """One retention pass; returns how many customers were forgotten."""
    days = runtime.config.retention_days
    if days is None:
        return 0
    app, now = runtime.app, runtime.clock.now()
    keys = data_keys_of(app.mapper)
    reason = f"idle for more than {days:g} days (CLAW_RETENTION_DAYS)"
    subjects = idle_subjects(app, keys, timedelta(days=days), now)
    for subject in subjects:
        forget_subject(app, keys, subject, RETENTION_ACTOR, reason, now)
    if subjects:
        runtime.projector.rebuild()
        keys.table.compact()
        log.info("retention_forgot_customers", customers=len(subjects))
    return len(subjects)


async def retention_lifetime(app: web.Application) -> AsyncIterator[None]:
    """An aiohttp cleanup context: the hourly pass lives as long as the server."""
    runtime = app[RUNTIME]

    async def hourly() -> None:
        while True:
            try:
                await asyncio.to_thread(forget_idle_customers, runtime)
            except Exception:  # retried next hour; the log says why
                log.exception("retention_failed")
            await asyncio.sleep(RETENTION_EVERY_SECONDS)

    task = asyncio.create_task(hourly(), name="claw-retention")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
