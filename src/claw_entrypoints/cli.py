"""The ``claw`` command line: one entry point, one module per command group."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

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
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
