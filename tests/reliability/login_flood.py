"""A password-guessing client, run as its own process so it never shares the measurer's loop.

``python login_flood.py URL ADMIN NAMES PARALLEL MINIMUM``: guesses wrong passwords over
NAMES names (ADMIN among them) with PARALLEL requests at a time, until standard input
closes and at least MINIMUM attempts were made; then prints the answers' status counts
as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

import aiohttp


async def flood(url: str, admin: str, names: int, parallel: int, minimum: int) -> Counter[int]:
    statuses: Counter[int] = Counter()
    attempt = 0
    closed = asyncio.Event()

    async def watch_stdin() -> None:
        await asyncio.to_thread(sys.stdin.read)
        closed.set()

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal attempt
        while not closed.is_set() or attempt < minimum:
            attempt += 1
            # The admin's own name among them: guessing at it must not lock the admin out.
            name = admin if attempt % names == 0 else f"user{attempt % names}"
            body = {"name": name, "password": f"guess-{attempt}"}
            try:
                async with session.post(f"{url}/api/login", json=body) as answer:
                    statuses[answer.status] += 1
            except (aiohttp.ClientError, TimeoutError):
                statuses[0] += 1  # no answer: counted, never waited on for ever

    watcher = asyncio.create_task(watch_stdin())
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(parallel)))
    watcher.cancel()
    return statuses


if __name__ == "__main__":
    url, admin, names, parallel, minimum = sys.argv[1:6]
    counts = asyncio.run(flood(url, admin, int(names), int(parallel), int(minimum)))
    print(json.dumps({str(status): n for status, n in counts.items()}))
