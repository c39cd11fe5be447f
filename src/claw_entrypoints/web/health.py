"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

from aiohttp import web

from claw_entrypoints.runtime import RUNTIME
from claw_entrypoints.web.exposure import metrics_allowed
from claw_entrypoints.webhook_trust import trust_of_verifier


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        position = await asyncio.wait_for(
            asyncio.to_thread(runtime.app.recorder.max_notification_id), timeout=5
        )
    except Exception as error:  # any database failure means "not ready"
        return web.json_response({"status": "unavailable", "error": str(error)}, status=503)
    return web.json_response(
        {
            "status": "ready",
            "last_notification_id": position or 0,
            "webhooks": trust_of_verifier(runtime.verifier is not None).value,
            # Vendors without credentials: claw records what it would send there, sends nothing.
            "dry_run": list(runtime.dry_run),
        }
    )


async def metrics(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    refusal = metrics_allowed(request, runtime.config.metrics_token)
    if refusal is not None:
        return refusal
    return web.Response(body=runtime.metrics.render(), content_type="text/plain", charset="utf-8")
