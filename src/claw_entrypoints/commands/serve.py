"""``claw serve``: the webhook server and its background worker."""

from __future__ import annotations

import argparse
import sys

from aiohttp import web

from claw_domain.errors import ConfigurationError
from claw_entrypoints.allocator import limit_malloc_arenas
from claw_entrypoints.bootstrap import bootstrap
from claw_entrypoints.config import load_config
from claw_entrypoints.logging import configure_logging
from claw_entrypoints.web.app import create_web_app
from claw_entrypoints.webhook_trust import webhook_trust


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the webhook server and the worker",
        description=(
            "Serve POST /webhooks/openphone, /healthz, /readyz and /metrics, and run the "
            "worker that understands texts, decides and performs effects. Vendors without "
            "credentials run dry: effects are recorded and logged, never sent."
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8080, help="port (default %(default)s)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config()
        webhook_trust(config)
    except ConfigurationError as error:
        print(f"claw: {error}", file=sys.stderr)
        return 2
    configure_logging(config.log_format)
    limit_malloc_arenas()

    async def application() -> web.Application:
        runtime = await bootstrap(config)
        return create_web_app(runtime)

    try:
        web.run_app(application(), host=args.host, port=args.port, print=None)
    except ConfigurationError as error:
        print(f"claw: {error}", file=sys.stderr)
        return 2
    return 0
