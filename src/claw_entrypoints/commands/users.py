"""``claw users add|token|list``: console accounts from the shell.

The first admin has to come from here: the console cannot create a user
before anyone can log in to it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from claw_domain.errors import ConfigurationError, DomainError
from claw_domain.users import Role
from claw_entrypoints.bootstrap import open_application
from claw_entrypoints.config import load_config
from claw_service.accounts import Accounts


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = subparsers.add_parser(
        "users",
        help="manage console users and API tokens",
        description="Console users: admins change the rails; operators work the queues.",
    )
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a user (asks for the password)")
    add.add_argument("name", help="login name: letters, digits, '.', '_', '@' or '-'")
    add.add_argument(
        "--role", required=True, choices=[role.value for role in Role], help="what they may do"
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    add.add_argument("--actor", default=None, help="who is adding them (default: your login)")
    add.set_defaults(handler=add_user)

    token = actions.add_parser(
        "token", help="issue a bearer token for scripts (printed once; only its hash is kept)"
    )
    token.add_argument("name")
    token.add_argument("--actor", default=None, help="who is issuing it (default: your login)")
    token.set_defaults(handler=issue_token)

    listing = actions.add_parser("list", help="list users and their roles")
    listing.set_defaults(handler=list_users)


def _accounts() -> Accounts:
    return Accounts(open_application(load_config()))


def _actor(args: argparse.Namespace) -> str:
    return str(args.actor or getpass.getuser())


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        msg = "the two passwords differ; run the command again"
        raise DomainError(msg)
    return first


def add_user(args: argparse.Namespace) -> int:
    try:
        password = _password(args)
        accounts = _accounts()
        user = accounts.add_user(
            args.name, password, Role(args.role), _actor(args), datetime.now(UTC)
        )
    except (DomainError, ConfigurationError) as problem:
        print(f"claw users add: {problem}", file=sys.stderr)
        return 2
    print(f"added {user.name} ({user.role.value})")
    return 0


def issue_token(args: argparse.Namespace) -> int:
    try:
        token = _accounts().issue_token(args.name, _actor(args), datetime.now(UTC))
    except (DomainError, ConfigurationError) as problem:
        print(f"claw users token: {problem}", file=sys.stderr)
        return 2
    print(token)
    print(
        "Send it as 'Authorization: Bearer <token>'. It is shown only now; claw keeps its hash.",
        file=sys.stderr,
    )
    return 0


def list_users(_args: argparse.Namespace) -> int:
    try:
        users = _accounts().list_users()
    except ConfigurationError as problem:
        print(f"claw users list: {problem}", file=sys.stderr)
        return 2
    if not users:
        print("no users yet; add an admin with `claw users add NAME --role admin`")
        return 0
    print(f"{'name':<24} {'role':<9} {'tokens':>6}  status")
    for user in users:
        status = "disabled" if user.disabled else "active"
        print(f"{user.name:<24} {user.role.value:<9} {user.tokens:>6}  {status}")
    return 0
