"""``claw check``: test every configured vendor for real and say what works."""

from __future__ import annotations

import argparse
import asyncio
import json

from claw_adapters.knowledge.venue import load_venue_knowledge
from claw_entrypoints.config import load_config
from claw_entrypoints.connections import all_configured_work, check_connections, report_lines


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = subparsers.add_parser(
        "check",
        help="test each configured vendor (OpenPhone, NinjaOne, UniFi, LLM, Slack) for real",
        description=(
            "Test each configured vendor for real and say in plain words what works. Nothing "
            "is sent to customers and no device or door is touched; the language model gets "
            "one minimal call. A vendor without credentials runs dry. Exit code 0 only when "
            "every configured vendor works."
        ),
    )
    check.add_argument("--json", action="store_true", help="print JSON instead of sentences")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    config = load_config()
    venue = load_venue_knowledge(config.knowledge_file)
    reports = asyncio.run(check_connections(config, venue))
    if args.json:
        print(json.dumps([report.to_json() for report in reports], indent=2))
    else:
        print("\n".join(report_lines(reports)))
    return 0 if all_configured_work(reports) else 1
