"""Fixtures for the reliability scenarios: fake vendors, `claw serve` processes, the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from reliability_support import FULL, Ledger

from claw_entrypoints.demo import DemoVendors, start_vendors

if TYPE_CHECKING:
    from e2e_support import ClawServer, LaunchServer


@pytest.fixture(scope="session")
def ledger() -> Iterator[Ledger]:
    """Collects each scenario's figures; writes docs/reliability.md under ``make reliability``."""
    collected = Ledger()
    yield collected
    if FULL and collected.rows:
        collected.write()
    print("\n".join(["", "reliability figures:", *(f.line() for f in collected.rows.values())]))


@pytest.fixture
async def vendors() -> AsyncIterator[DemoVendors]:
    running = await start_vendors()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[LaunchServer]:
    # Imported here: reliability_support has just put tests/e2e on the path.
    from e2e_support import ClawServer  # noqa: PLC0415

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
            print(f"--- last lines of {server.log_path.name} ---")
            print("\n".join(server.log_lines()[-25:]) if server.log_path.exists() else "(none)")
