"""The ``claw`` command line: one entry point, one module per command group."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import sys
from collections.abc import Sequence

from claw_adapters.persistence.database import DEFAULT_DATABASE_URL
from claw_domain.errors import ConfigurationError

# Each module exposes register(subparsers) and sets ``handler`` on its parsers:
# a callable taking the parsed namespace and returning the exit code.
COMMAND_MODULES = (
    "claw_entrypoints.commands.serve",
    "claw_entrypoints.commands.demo",
    "claw_entrypoints.commands.settings",
    "claw_entrypoints.commands.readside",
    "claw_entrypoints.commands.eval",
    "claw_entrypoints.commands.users",
    "claw_entrypoints.commands.forget",
    "claw_entrypoints.commands.knowledge",
    "claw_entrypoints.commands.check",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claw",
        description=(
            "claw answers customer texts for unattended venues, asks before it touches "
            "hardware, and records every input, decision and effect as an event. "
            "Configuration comes from CLAW_* environment variables (see docs/operations.md)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"claw {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.register(subparsers)
    return parser


# Commands that open no database of claw's own (the demo makes a fresh one and says so).
_NO_DATABASE = frozenset({"demo", "eval", "check"})


def _version() -> str:
    try:
        return importlib.metadata.version("claw")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "(not installed)"


def _say_which_database(command: str) -> None:
    """A new owner's trap: without CLAW_DATABASE_URL a command quietly used a default file."""
    if command in _NO_DATABASE or os.environ.get("CLAW_DATABASE_URL", "").strip():
        return
    path = os.path.abspath(DEFAULT_DATABASE_URL.removeprefix("sqlite:///"))
    print(
        f"claw {command}: CLAW_DATABASE_URL is not set, so this uses {DEFAULT_DATABASE_URL} "
        f"({path}); set CLAW_DATABASE_URL to use another database",
        file=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _say_which_database(args.command)
    handler = args.handler
    try:
        code: int = handler(args)
    except ConfigurationError as error:
        # An operator's typo in a setting or the venue file: one line, not a traceback.
        print(f"claw {args.command}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `claw settings show | head` closed the pipe: stop quietly, as Unix tools do.
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
