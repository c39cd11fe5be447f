"""``GET /api/connections``: the console's Connections page runs ``claw check``'s probes."""

from __future__ import annotations

from aiohttp import web

from claw_entrypoints.connections import all_configured_work, check_connections
from claw_entrypoints.runtime import RUNTIME
from claw_entrypoints.web.auth import Principal


async def connections(request: web.Request, _principal: Principal) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    reports = await check_connections(runtime.config, runtime.venue)
    return web.json_response(
        {
            "all_work": all_configured_work(reports),
            "checked_at": runtime.clock.now().isoformat(),
            "vendors": [report.to_json() for report in reports],
        }
    )
