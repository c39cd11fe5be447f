"""``claw forget`` and ``claw data-keys rewrap``: honouring "delete my data" in an append-only log.

``claw forget --phone +1...`` shreds that customer's data key, so every personal
field of theirs (number, texts, replies, drafts) reads as "[forgotten]" from then
on, records ``CustomerForgotten`` (who, when, why; a keyed hash, never the number)
on each of their conversations, cancels their open actions, and rebuilds the
projections so no read model keeps a copy. ``--older-than-days N`` (or
``CLAW_RETENTION_DAYS``) does the same for every customer quiet for longer.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, datetime, timedelta

from claw_adapters.persistence.data_keys import parse_master_key
from claw_adapters.persistence.keyring import data_keys_of
from claw_adapters.projections.backends import open_projection_store
from claw_domain.errors import ConfigurationError
from claw_entrypoints.bootstrap import open_application, open_projector
from claw_entrypoints.commands.operator import operator_name, typed_text
from claw_entrypoints.config import ClawConfig, load_config
from claw_service.application import ClawApplication
from claw_service.privacy import ForgetReport, forget_subject, idle_subjects

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    forget = subparsers.add_parser(
        "forget",
        help="make one customer's texts unreadable for good (or every idle customer's)",
        description="Shred the customer's data key: their number, texts and the replies to "
        "them read as [forgotten] everywhere from now on; the audit keeps who did it and "
        "when. The projections are rebuilt afterwards. Without --phone or "
        "--older-than-days, CLAW_RETENTION_DAYS is used.",
    )
    which = forget.add_mutually_exclusive_group()
    which.add_argument("--phone", help="the customer's number in E.164, e.g. +19025551234")
    which.add_argument(
        "--older-than-days",
        dest="older_than_days",
        type=float,
        help="forget every customer whose conversations were idle this long",
    )
    forget.add_argument("--by", default=None, help="who asks (default: your login)")
    forget.add_argument(
        "--reason",
        default="customer asked to be forgotten",
        type=typed_text,
        help="why, for the audit (no personal data: it is kept in clear)",
    )
    forget.set_defaults(handler=run_forget)

    keys = subparsers.add_parser(
        "data-keys", help="manage the customer data keys (rotate the master key)"
    )
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    rewrap = actions.add_parser(
        "rewrap",
        help="re-encrypt every customer key under the current CLAW_DATA_MASTER_KEY",
        description="Rotate the master key: set CLAW_DATA_MASTER_KEY to the new key and "
        "CLAW_DATA_MASTER_KEY_OLD to the old one (leave it unset if keys were not wrapped "
        "yet), run this with claw stopped, then start claw with the new key only.",
    )
    rewrap.set_defaults(handler=run_rewrap)


def _rebuild(config: ClawConfig, app: ClawApplication) -> None:
    store = open_projection_store(config.database)
    try:
        open_projector(app, store).rebuild()
    finally:
        store.close()


def _print(report: ForgetReport) -> None:
    print(
        f"forgot customer {report.subject}: {report.keys_deleted} key(s) shredded, "
        f"{len(report.conversations)} conversation(s) marked, "
        f"{len(report.actions_cancelled)} open action(s) cancelled"
    )
    for conversation in report.conversations:
        print(f"  conversation {conversation}")


def run_forget(args: argparse.Namespace) -> int:
    try:
        config = load_config()
        if args.phone is not None and not _E164.match(args.phone):
            msg = f"--phone {args.phone!r} is not E.164; write it like +19025551234"
            raise ConfigurationError(msg)
        days = args.older_than_days if args.phone is None else None
        if args.phone is None and days is None:
            days = config.retention_days
            if days is None:
                msg = "say whom to forget: --phone, --older-than-days, or set CLAW_RETENTION_DAYS"
                raise ConfigurationError(msg)
        app = open_application(config)
    except ConfigurationError as error:
        print(f"claw forget: {error}", file=sys.stderr)
        return 2
    try:
        keys = data_keys_of(app.mapper)
        now = datetime.now(UTC)
        actor = operator_name(args.by)
        if args.phone is not None:
            subjects = [keys.subject_of(args.phone)]
        else:
            subjects = idle_subjects(app, keys, timedelta(days=float(days or 0)), now)
        reports = [forget_subject(app, keys, s, actor, args.reason, now) for s in subjects]
        for report in reports:
            _print(report)
        if not any(r.keys_deleted or r.conversations for r in reports):
            print("nothing recorded for that selection: no key was shredded")
            return 0
        _rebuild(config, app)
        keys.table.compact()
        print("projections rebuilt: no read model keeps a copy")
    finally:
        app.close()
    return 0


def run_rewrap(_args: argparse.Namespace) -> int:
    try:
        config = load_config()
        old = parse_master_key(os.environ.get("CLAW_DATA_MASTER_KEY_OLD", "").strip() or None)
        app = open_application(config)
    except ConfigurationError as error:
        print(f"claw data-keys: {error}", file=sys.stderr)
        return 2
    try:
        count = data_keys_of(app.mapper).rewrap_all(old)
    except ConfigurationError as error:
        print(f"claw data-keys: {error}", file=sys.stderr)
        return 2
    finally:
        app.close()
    wrapped = "wrapped by CLAW_DATA_MASTER_KEY" if config.data_master_key else "stored unwrapped"
    print(f"{count} customer key(s) now {wrapped}")
    return 0
