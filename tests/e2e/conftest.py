"""Fixtures for the stories that run `claw serve` as a real process beside fake vendors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
from e2e_support import ClawServer, LaunchServer

from claw_entrypoints.demo import DemoVendors, start_vendors


@pytest.fixture
async def vendors() -> AsyncIterator[DemoVendors]:
    """Fake OpenPhone, NinjaOne and UniFi Access on 127.0.0.1, in the test's event loop."""
    running = await start_vendors()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[LaunchServer]:
    """Make ``claw serve`` processes; every one is killed afterwards, pass or fail."""
    made: list[ClawServer] = []

    def launch(env: Mapping[str, str], name: str) -> ClawServer:
        server = ClawServer(env=env, log_path=tmp_path / f"{name}.log")
        made.append(server)
        return server

    try:
        yield launch
    finally:
        for server in made:
            await server.kill()
        for server in made:
            # Shown by pytest only when the test failed.
            print(f"--- last lines of {server.log_path.name} ---")
            print("\n".join(server.log_lines()[-25:]) if server.log_path.exists() else "(none)")
