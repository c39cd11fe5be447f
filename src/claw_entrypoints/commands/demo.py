"""``claw demo``: see claw work end to end with fake vendors, on this machine only."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from claw_entrypoints.demo import run_demo
from claw_entrypoints.logging import configure_logging


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run claw with the demo venue and fake vendors, and play scripted texts",
        description=(
            "Starts claw on a fresh SQLite database with the demo venue, local fake OpenPhone, "
            "NinjaOne and UniFi Access servers, plays scripted customer texts through the real "
            "signed webhook and prints the timeline. Then keeps serving until Ctrl-C."
        ),
    )
    parser.add_argument("--once", action="store_true", help="exit after the script")
    parser.add_argument("--port", type=int, default=0, help="port to serve on (default: any free)")
    parser.add_argument(
        "--database", default=None, help="database URL (default: a fresh SQLite file)"
    )
    parser.add_argument("--verbose", action="store_true", help="show claw's info-level logs")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    configure_logging("console", logging.INFO if args.verbose else logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(once=args.once, port=args.port, database_url=args.database))
    return 0
