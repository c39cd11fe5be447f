"""The aiohttp application: routes, and the worker's lifetime tied to the server's."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from claw_entrypoints.retention import retention_lifetime
from claw_entrypoints.runtime import RUNTIME, Runtime
from claw_entrypoints.web.api import add_console_routes
from claw_entrypoints.web.exposure import no_store
from claw_entrypoints.web.health import healthz, metrics, readyz
from claw_entrypoints.web.webhooks import openphone_webhook


def create_web_app(runtime: Runtime, *, run_worker: bool = True) -> web.Application:
    # aiohttp answers 413 by itself for bodies over client_max_size.
    app = web.Application(client_max_size=runtime.config.max_webhook_bytes)
    app[RUNTIME] = runtime
    app.on_response_prepare.append(no_store)
    app.router.add_post("/webhooks/openphone", openphone_webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    add_console_routes(app)
    if run_worker:
        app.cleanup_ctx.append(_worker_lifetime)
        if runtime.config.retention_days is not None:
            app.cleanup_ctx.append(retention_lifetime)
    app.on_cleanup.append(_close_runtime)
    return app


async def _worker_lifetime(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.worker.run(stop), name="claw-worker")
    yield
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=30)


async def _close_runtime(app: web.Application) -> None:
    await app[RUNTIME].aclose()
