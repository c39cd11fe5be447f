"""Starting a fake vendor: an aiohttp app on 127.0.0.1, on a port the OS picks."""

from __future__ import annotations

import ssl

from aiohttp import web


async def serve_on_loopback(
    app: web.Application,
    *,
    ssl_context: ssl.SSLContext | None = None,
    shutdown_timeout: float = 1.0,
) -> tuple[web.AppRunner, int]:
    """Start ``app`` and return its runner and port. Only loopback: fakes never face a network.

    A short shutdown timeout lets a fake stop promptly while a "hang" fault holds a request.
    """
    runner = web.AppRunner(app, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context).start()
    return runner, int(runner.addresses[0][1])
