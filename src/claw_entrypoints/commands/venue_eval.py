"""``claw eval --venue``: the venue evaluation set through the whole application."""

from __future__ import annotations

import argparse
import json
import logging
import sys

import structlog

from claw_adapters.knowledge import load_venue_knowledge
from claw_entrypoints.logging import configure_logging
from claw_entrypoints.venue_evaluation import VenueSetError, evaluate_venue, table


def run_venue(args: argparse.Namespace) -> int:
    """Print the held-out (or ``--split``) numbers; exit 2 on an unreadable set."""
    # Hundreds of decisions are made here: their log lines would drown the report.
    # The logging set before is put back, so a caller in the same process (a test)
    # does not keep writing to this command's stderr.
    before = structlog.get_config()
    configure_logging("console", logging.WARNING)
    try:
        numbers = evaluate_venue(args.venue_file, load_venue_knowledge(None), args.split)
    except VenueSetError as error:
        print(f"claw eval: {error}", file=sys.stderr)
        return 2
    finally:
        structlog.configure(**before)
    if args.json:
        print(json.dumps(numbers, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        print(table(numbers))
    return 0
