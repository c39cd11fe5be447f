"""``claw projections rebuild`` and ``claw audit replay``: the read side from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from tqdm import tqdm

from claw_adapters.projections.backends import open_projection_store
from claw_adapters.projections.failures import ProjectionFailure
from claw_domain.errors import ConfigurationError
from claw_entrypoints.bootstrap import open_application, open_projector
from claw_entrypoints.config import load_config
from claw_service.audit import TimelineEntry, load_settings_file, timeline, what_if
from claw_service.audit.story import story
from claw_service.projector import UnknownProjectionError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    projections = subparsers.add_parser(
        "projections",
        help="rebuild read models from the event log",
        description="The read models (audit, statistics, review queue, ...) can be dropped "
        "and rebuilt from the event log at any time; the console keeps reading the old "
        "rows until the new ones are complete.",
    )
    actions = projections.add_subparsers(
        dest="projections_command", metavar="ACTION", required=True
    )
    rebuild = actions.add_parser("rebuild", help="drop and replay one projection, or all")
    rebuild.add_argument("name", nargs="?", help="projection name (default: every projection)")
    rebuild.set_defaults(handler=rebuild_projections)

    audit = subparsers.add_parser("audit", help="incident review")
    audit_actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    replay = audit_actions.add_parser(
        "replay",
        help="print a timeline: what came in, what claw understood, decided and did",
        description="Print what came in, what claw understood, what it decided and why, and "
        "what it sent or did. --what-if re-judges the recorded facts under other settings "
        "(no language model is called) and lists the decisions that would differ.",
    )
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--conversation", type=UUID, help="a conversation id")
    which.add_argument("--phone", help="a customer's number in E.164, e.g. +19025551234")
    which.add_argument("--since", help="an ISO time, e.g. 2026-11-25T08:00Z: everything since")
    replay.add_argument("--what-if", dest="what_if", type=Path, help="a YAML/JSON settings file")
    replay.add_argument("--json", action="store_true", help="print JSON")
    replay.add_argument(
        "--plain",
        action="store_true",
        help="one line per step in plain words, in the venue's time zone (as the console shows)",
    )
    replay.set_defaults(handler=replay_audit)


def rebuild_projections(args: argparse.Namespace) -> int:
    config = load_config()
    app = open_application(config)
    store = open_projection_store(config.database)
    skipped: list[ProjectionFailure] = []
    try:
        projector = open_projector(app, store, on_failure=skipped.append)
        total = app.recorder.max_notification_id() or 0
        with tqdm(total=total, unit="event", desc="rebuilding", file=sys.stderr) as bar:

            def progress(position: int, _last: int) -> None:
                bar.update(position - bar.n)

            try:
                report = projector.rebuild(args.name, progress)
            except UnknownProjectionError as error:
                print(
                    f"claw projections: {error}; known: {', '.join(projector.names)}",
                    file=sys.stderr,
                )
                return 2
    finally:
        store.close()
        app.close()
    print(
        f"rebuilt {', '.join(report.projections)} from {report.events} events in "
        f"{report.seconds:.2f} s ({report.events_per_second:,.0f} events/s)"
    )
    # Skipped, not stopped: `claw serve` tells staff, the console lists them.
    for failure in skipped:
        print(
            f"skipped event {failure.position} ({failure.event}) in {failure.projection}: "
            f"{failure.reason}",
            file=sys.stderr,
        )
    return 0


def _since(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        msg = f"--since {raw!r} is not an ISO time; use e.g. 2026-11-25T08:00Z"
        raise ConfigurationError(msg) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _line(entry: TimelineEntry) -> str:
    head = f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.event:<28}"
    if entry.decision is not None:
        confidence = f" {entry.confidence:.2f}" if entry.confidence is not None else ""
        intent = entry.intent.value if entry.intent else "?"
        reason = entry.reason.value if entry.reason else "?"
        return f"{head} {entry.decision.value} ({intent}{confidence}) because {reason}"
    return f"{head} {entry.summary}"


def replay_audit(args: argparse.Namespace) -> int:
    try:
        config = load_config()
        since = _since(args.since) if args.since else None
        app = open_application(config)
        entries = timeline(app, conversation_id=args.conversation, phone=args.phone, since=since)
        differences = (
            what_if(app, entries, load_settings_file(args.what_if, app.settings()))
            if args.what_if
            else None
        )
    except ConfigurationError as error:
        print(f"claw audit: {error}", file=sys.stderr)
        return 2
    if args.json:
        payload: object = [entry.to_json() for entry in entries]
        if differences is not None:
            payload = {
                "timeline": payload,
                "what_if": [difference.to_json() for difference in differences],
            }
        print(json.dumps(payload, indent=2))
        return 0
    if not entries:
        print("nothing recorded for that selection")
    if args.plain:
        for step in story(entries, app.settings().globals.timezone):
            quote = f"  \u201c{step.quote}\u201d" if step.quote else ""
            print(f"{step.at:%Y-%m-%d %H:%M}  {step.text}{quote}")
        return 0
    for entry in entries:
        print(_line(entry))
    if differences is not None:
        print(f"\nunder {args.what_if}: {len(differences)} decision(s) would differ")
        for difference in differences:
            was, would = difference.was, difference.would_be
            print(
                f"  {difference.at:%Y-%m-%d %H:%M:%S}  {was.intent.value}: "
                f"{was.kind.value}/{was.reason.value} -> {would.kind.value}/{would.reason.value}"
            )
    return 0
