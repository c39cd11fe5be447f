"""HTTP plumbing the hardware adapters share."""

from __future__ import annotations

import aiohttp


def fresh_connection_session(
    *, connect_timeout: float, read_timeout: float
) -> aiohttp.ClientSession:
    """A session that opens a new connection for every request.

    A pooled connection the vendor closed while idle fails mid-request, which would
    make a reset or an unlock that never left look like an unknown outcome; claw's
    few hardware requests do not need keep-alive. Call it inside the running event
    loop, on first use, never at construction.
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=True),
        timeout=aiohttp.ClientTimeout(
            total=None,
            connect=connect_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        ),
    )
