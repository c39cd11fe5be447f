"""``claw knowledge import|export|history``: the venue's knowledge in bulk, as YAML.

The knowledge lives in the event log; a venue file is how it travels. ``export`` prints
the published version as a venue file, ``import`` validates a file, says which parts it
changes and publishes it as the next version (nothing when nothing changed), so
export, edit, import is the shell's way to change the knowledge.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from claw_adapters.knowledge.document import document_of_yaml, venue_of_document, yaml_of
from claw_domain.errors import DomainError
from claw_entrypoints.bootstrap import open_application
from claw_entrypoints.commands.operator import operator_name, typed_text
from claw_entrypoints.config import load_config
from claw_service.knowledge import KnowledgeBook


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    knowledge = subparsers.add_parser(
        "knowledge",
        help="import, export or list the versions of the venue's knowledge",
        description=(
            "The venue's knowledge (answers, locations, boxes, doors, customers, lines) is "
            "recorded in the event log; every published version is kept. See docs/knowledge.md."
        ),
    )
    actions = knowledge.add_subparsers(dest="knowledge_command", metavar="ACTION", required=True)
    load = actions.add_parser(
        "import", help="validate a venue file, show what it changes, publish it"
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--note", default="", type=typed_text, help="why, for the history")
    load.add_argument("--actor", default=None, help="who (default: your login)")
    load.add_argument(
        "--check", action="store_true", help="validate and show the changes, publish nothing"
    )
    load.set_defaults(handler=import_knowledge)
    export = actions.add_parser("export", help="print the published knowledge as a venue file")
    export.add_argument("--version", type=int, default=None, help="an earlier version")
    export.set_defaults(handler=export_knowledge)
    history = actions.add_parser("history", help="every published version: when, who, what, why")
    history.add_argument("--edits", action="store_true", help="also list every draft edit")
    history.set_defaults(handler=knowledge_history)


def _book() -> KnowledgeBook[Any]:
    return KnowledgeBook(open_application(load_config()), venue_of_document)


def import_knowledge(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        print(f"claw knowledge: cannot read {path} ({error.strerror})", file=sys.stderr)
        return 2
    document = document_of_yaml(text, path.name)  # located errors: exit 2 from the cli
    book = _book()
    parts = book.changes(document)
    if not parts:
        print(f"no change: version {book.current()[0]} already says this")
        return 0
    print("changes:")
    for part in parts:
        print(f"  {part}")
    if args.check:
        print("checked; nothing published (--check)")
        return 0
    try:
        outcome = book.publish(document, operator_name(args.actor), _now(), note=args.note)
    except DomainError as error:
        print(f"claw knowledge: {error}", file=sys.stderr)
        return 2
    print(f"published version {outcome.version}")
    return 0


def export_knowledge(args: argparse.Namespace) -> int:
    book = _book()
    try:
        document = book.version(args.version) if args.version else book.current()[1]
    except DomainError as error:
        print(f"claw knowledge: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(yaml_of(document))
    return 0


def knowledge_history(args: argparse.Namespace) -> int:
    book = _book()
    if args.edits:
        for row in book.edits():
            what = row.get("part") or (f"version {row['version']}" if row.get("version") else "")
            note = f"  ({row['note']})" if row.get("note") else ""
            print(f"{row['at']:%Y-%m-%d %H:%M}  {row['by']:<16} {row['change']} {what}{note}")
        return 0
    print(f"{'version':>7}  {'published':<16}  {'by':<16}  {'from':<6}  what changed / note")
    for entry in book.history():
        parts = ", ".join(entry.parts[:6]) + (" …" if len(entry.parts) > 6 else "")
        note = f"  ({entry.note})" if entry.note else ""
        print(
            f"{entry.version:>7}  {entry.at:%Y-%m-%d %H:%M}  {entry.by:<16}  {entry.source:<6}  "
            f"{parts}{note}"
        )
    return 0


def _now() -> datetime:
    return datetime.now(UTC)
