"""What the HTTP side lets out: no response is cached, and /metrics needs a bearer token.

Console and API answers hold customer texts and settings; ``Cache-Control: no-store``
keeps them out of browser and proxy caches. ``/metrics`` reveals traffic volumes and
decision reasons, so it answers only a request bearing ``CLAW_METRICS_TOKEN``; with no
token configured it is switched off (fail closed) rather than open to anyone.
"""

from __future__ import annotations

import hmac

from aiohttp import web

METRICS_OFF = "/metrics is off: set CLAW_METRICS_TOKEN and send it as 'Authorization: Bearer'"


async def no_store(_request: web.Request, response: web.StreamResponse) -> None:
    """Every answer is private to the one request that asked for it."""
    response.headers["Cache-Control"] = "no-store"


def metrics_allowed(request: web.Request, token: str | None) -> web.Response | None:
    """None when the request may read /metrics; otherwise the refusal to send."""
    if token is None:
        return web.json_response({"error": METRICS_OFF}, status=403)
    offered = request.headers.get("Authorization", "")
    scheme, _, credential = offered.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        credential.strip().encode(), token.encode()
    ):
        return None
    return web.json_response(
        {"error": "a valid 'Authorization: Bearer <CLAW_METRICS_TOKEN>' is required"},
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="claw-metrics"'},
    )
