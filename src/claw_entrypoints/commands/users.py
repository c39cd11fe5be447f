"""``claw users add|token|list|password|disable|enable|revoke``: console accounts from the shell.

The first admin has to come from here: the console cannot create a user
before anyone can log in to it. Commands that end access (password, disable,
revoke) record the change as an event and delete the user's session rows, so
every running claw process refuses the old sessions and tokens at once.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from claw_adapters.persistence.console_secret import load_console_secret
from claw_adapters.persistence.console_sessions import open_session_store
from claw_domain.errors import ConfigurationError, DomainError
from claw_domain.users import Role, user_id
from claw_entrypoints.bootstrap import open_application
from claw_entrypoints.commands.operator import operator_name
from claw_entrypoints.config import ClawConfig, load_config
from claw_service.accounts import DEFAULT_TOKEN_LIFETIME, Accounts
from claw_service.console_keys import ConsoleKeys


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
    token.add_argument(
        "--days",
        type=float,
        default=DEFAULT_TOKEN_LIFETIME.days,
        help="how long the token works (default %(default)s days)",
    )
    token.add_argument("--actor", default=None, help="who is issuing it (default: your login)")
    token.set_defaults(handler=issue_token)

    listing = actions.add_parser("list", help="list users and their roles")
    listing.set_defaults(handler=list_users)

    password = actions.add_parser(
        "password", help="set a new password (asks for it); ends the user's browser sessions"
    )
    password.add_argument("name")
    password.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    password.add_argument("--actor", default=None, help="who is changing it (default: your login)")
    password.set_defaults(handler=change_password)

    for verb, handler, what in (
        ("disable", disable_user, "refuse the user's logins, sessions and tokens until enabled"),
        ("enable", enable_user, "let a disabled user log in again (old tokens stay revoked)"),
        ("revoke", revoke_access, "end all the user's sessions and tokens now"),
    ):
        command = actions.add_parser(verb, help=what)
        command.add_argument("name")
        command.add_argument("--actor", default=None, help="who is doing it (default: your login)")
        command.set_defaults(handler=handler)


def _config() -> ClawConfig:
    return load_config()


def _accounts(config: ClawConfig | None = None, *, with_secret: bool = False) -> Accounts:
    config = config or _config()
    if not with_secret:
        return Accounts(open_application(config))
    keys = ConsoleKeys(load_console_secret(os.environ, config.database, create=False))
    return Accounts(open_application(config), keys)


def _end_sessions(config: ClawConfig, name: str) -> int:
    store = open_session_store(config.database)
    try:
        return store.remove_user(user_id(name))
    finally:
        store.close()


def _ending_access(
    verb: str, change: Callable[[Accounts, str, str, datetime], None], args: argparse.Namespace
) -> int:
    try:
        config = _config()
        change(_accounts(config), args.name, _actor(args), datetime.now(UTC))
        ended = _end_sessions(config, args.name)
    except (DomainError, ConfigurationError) as problem:
        print(f"claw users {verb}: {problem}", file=sys.stderr)
        return 2
    print(f"{verb}: done for {args.name}; {ended} browser session(s) ended")
    return 0


def _actor(args: argparse.Namespace) -> str:
    return operator_name(args.actor)


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


def change_password(args: argparse.Namespace) -> int:
    try:
        password = _password(args)
    except DomainError as problem:
        print(f"claw users password: {problem}", file=sys.stderr)
        return 2

    def change(accounts: Accounts, name: str, actor: str, at: datetime) -> None:
        accounts.change_password(name, password, actor, at)

    return _ending_access("password", change, args)


def disable_user(args: argparse.Namespace) -> int:
    return _ending_access("disable", Accounts.disable, args)


def enable_user(args: argparse.Namespace) -> int:
    return _ending_access("enable", Accounts.enable, args)


def revoke_access(args: argparse.Namespace) -> int:
    return _ending_access("revoke", Accounts.revoke_access, args)


def issue_token(args: argparse.Namespace) -> int:
    if not args.days > 0:
        print("claw users token: --days must be positive", file=sys.stderr)
        return 2
    try:
        token = _accounts(with_secret=True).issue_token(
            args.name, _actor(args), datetime.now(UTC), timedelta(days=args.days)
        )
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
