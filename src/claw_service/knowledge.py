"""The venue's knowledge: editing, publishing and following it through the log.

``KnowledgeBook`` is the use cases (import, edit the draft, discard, publish, history,
read a version); ``LiveVenue`` is the ``Venue`` every decision reads: it follows the
latest published version, so a change takes effect for the next text on every running
instance without a restart. Both are given ``build``, the adapter that validates a
document the way the venue file loader does and makes the venue view of it; its
errors (located, one per problem) reach the caller unchanged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError

from claw_domain import events
from claw_domain.errors import NotFoundError
from claw_domain.knowledge import (
    Document,
    Knowledge,
    PartPath,
    PublishedVersion,
    changed_parts,
    format_part,
    knowledge_id,
    with_part,
)
from claw_domain.ports import KnowsHoldingReplies, KnowsLines, Venue
from claw_domain.settings import SettingsSnapshot
from claw_domain.values import ActionKind, ActionParameters, Entities, Intent
from claw_service.application import ClawApplication
from claw_service.audit.knowledge_what_if import ChangedDecision, knowledge_what_if
from claw_service.audit.timeline import timeline
from claw_service.retry import retry_on_conflict

V = TypeVar("V", bound=Venue)

# How often a running instance asks the log whether a new version was published: one
# indexed read of the knowledge stream's head. Within a second or two everywhere.
FOLLOW_SECONDS = 0.5


@attrs.frozen
class PublishOutcome:
    """What a publish did: the version now current and the parts that changed."""

    version: int
    parts: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.parts)


class KnowledgeBook(Generic[V]):
    """The knowledge's use cases; ``build`` validates a document (raising located errors)."""

    def __init__(self, app: ClawApplication, build: Callable[[Mapping[str, Any]], V]) -> None:
        self.app = app
        self.build = build

    def _load(self) -> Knowledge | None:
        try:
            found: object = self.app.repository.get(knowledge_id())
        except AggregateNotFoundError:
            return None
        if not isinstance(found, Knowledge):
            msg = "the knowledge id names another kind of record"
            raise NotFoundError(msg)
        return found

    def existing(self) -> Knowledge:
        knowledge = self._load()
        if knowledge is None:
            msg = "no knowledge is published yet; run claw knowledge import FILE"
            raise NotFoundError(msg)
        return knowledge

    # --- reading ---------------------------------------------------------------------

    def current(self) -> tuple[int, Document]:
        """The published version and its document; (0, {}) before the first."""
        knowledge = self._load()
        if knowledge is None:
            return 0, {}
        return knowledge.published_version, knowledge.published

    def draft(self) -> tuple[Document | None, int]:
        """The draft (None when there is none) and how many edits it holds."""
        knowledge = self._load()
        if knowledge is None or knowledge.draft is None:
            return None, 0
        return knowledge.draft, knowledge.draft_edits

    def history(self) -> list[PublishedVersion]:
        knowledge = self._load()
        return list(knowledge.history) if knowledge is not None else []

    def version(self, number: int) -> Document:
        """Published version ``number`` exactly as it was published."""
        for stored in self.app.events.get(knowledge_id()):
            if isinstance(stored, events.KnowledgePublished) and stored.version == number:  # type: ignore[attr-defined]
                document: Document = json.loads(stored.document)  # type: ignore[attr-defined]
                return document
        msg = f"there is no published knowledge version {number}; see claw knowledge history"
        raise NotFoundError(msg)

    def edits(self) -> list[dict[str, Any]]:
        """Every draft edit, discard and publish, oldest first: who, when, what, why."""
        rows: list[dict[str, Any]] = []
        for stored in self.app.events.get(knowledge_id()):
            row: dict[str, Any] = {
                "at": getattr(stored, "at", None),
                "by": getattr(stored, "by", ""),
                "note": getattr(stored, "note", ""),
            }
            if isinstance(stored, events.KnowledgeDraftEdited):
                row |= {"change": "edited", "part": format_part(json.loads(stored.path))}  # type: ignore[attr-defined]
            elif isinstance(stored, events.KnowledgeDraftDiscarded):
                row |= {"change": "discarded the draft"}
            elif isinstance(stored, events.KnowledgePublished):
                row |= {"change": "published", "version": stored.version}  # type: ignore[attr-defined]
            else:
                continue
            rows.append(row)
        return rows

    # --- changing --------------------------------------------------------------------

    @retry_on_conflict
    def start(self, document: Mapping[str, Any], by: str, at: datetime) -> int:
        """Publish the first version on a fresh database; a no-op once there is one."""
        knowledge = self._load()
        if knowledge is not None and knowledge.published_version:
            return knowledge.published_version
        self.build(document)
        knowledge = knowledge or Knowledge(at=at)
        version = knowledge.publish(document, by, at, note="first start", source="import")
        self.app.save(knowledge)
        return version

    def changes(self, document: Mapping[str, Any]) -> tuple[str, ...]:
        """The parts ``document`` changes against the published version (validated first)."""
        self.build(document)
        _, current = self.current()
        return tuple(format_part(part) for part in changed_parts(current, document))

    @retry_on_conflict
    def publish(
        self, document: Mapping[str, Any], by: str, at: datetime, note: str = ""
    ) -> PublishOutcome:
        """Publish a whole document (an import); nothing is recorded when nothing changes."""
        self.build(document)
        knowledge = self._load() or Knowledge(at=at)
        parts = tuple(format_part(p) for p in changed_parts(knowledge.published, document))
        if knowledge.published_version and not parts:
            return PublishOutcome(knowledge.published_version, ())
        version = knowledge.publish(document, by, at, note=note, source="import")
        self.app.save(knowledge)
        return PublishOutcome(version, parts)

    @retry_on_conflict
    def edit(self, path: PartPath, value: Any, by: str, at: datetime, note: str = "") -> Document:
        """Change one part of the draft; the whole draft must still be valid knowledge."""
        knowledge = self.existing()
        base = knowledge.draft if knowledge.draft is not None else knowledge.published
        self.build(with_part(base, path, value))
        knowledge.edit_draft(path, value, by, at, note)
        self.app.save(knowledge)
        return knowledge.draft if knowledge.draft is not None else knowledge.published

    @retry_on_conflict
    def discard(self, by: str, at: datetime) -> None:
        knowledge = self.existing()
        knowledge.discard_draft(by, at)
        self.app.save(knowledge)

    @retry_on_conflict
    def publish_draft(self, by: str, at: datetime, note: str = "") -> PublishOutcome:
        knowledge = self.existing()
        if knowledge.draft is not None:
            self.build(knowledge.draft)
        before = knowledge.published
        version = knowledge.publish_draft(by, at, note)
        self.app.save(knowledge)
        parts = tuple(format_part(p) for p in changed_parts(before, knowledge.published))
        return PublishOutcome(version, parts)


def draft_what_if(
    book: KnowledgeBook[Any],
    now: datetime,
    days: int,
    settings: SettingsSnapshot | None = None,
    draft: Mapping[str, Any] | None = None,
) -> list[ChangedDecision]:
    """The last ``days`` days' decisions that the draft would change (no model is called).

    ``draft`` defaults to the saved draft; ``settings`` to the current ones (pass a
    settings draft to try both together).
    """
    if draft is None:
        draft, _ = book.draft()
    if draft is None:
        return []
    _, published = book.current()
    app = book.app
    entries = timeline(app, since=now - timedelta(days=days))
    lines: dict[UUID, str | None] = {}

    def line_of(conversation: UUID) -> str | None:
        if conversation not in lines:
            try:
                lines[conversation] = app.conversation(conversation).venue_line
            except (AggregateNotFoundError, NotFoundError):
                lines[conversation] = None
        return lines[conversation]

    return knowledge_what_if(
        entries,
        book.build(published),
        book.build(draft),
        settings or app.settings(),
        line_of,
    )


class LiveVenue(Generic[V]):
    """The ``Venue`` decisions read: the latest published knowledge, followed from the log.

    ``follow`` asks the log for the knowledge stream's head at most every
    ``follow_seconds``; only when the head moved is the aggregate loaded, and only when
    a new version was published is the venue view rebuilt. Reads between follows use
    the view in hand, so one decision never mixes two versions.
    """

    def __init__(
        self,
        app: ClawApplication,
        build: Callable[[Mapping[str, Any]], V],
        initial: V,
        *,
        follow_seconds: float = FOLLOW_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._book = KnowledgeBook(app, build)
        self._app = app
        self._current = initial
        self._version: int | None = None
        self._head: int | None = None
        self._next_look = 0.0
        self._follow_seconds = follow_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._listeners: list[Callable[[V, int], None]] = []

    @property
    def current(self) -> V:
        return self._current

    @property
    def version(self) -> int | None:
        return self._version

    def on_new_version(self, listener: Callable[[V, int], None]) -> None:
        """Call ``listener`` with the new venue view each time a version is taken up."""
        self._listeners.append(listener)

    def follow(self, *, now: bool = False) -> int | None:
        """Take up a newly published version, if any; the version in use (None: not in the log)."""
        with self._lock:
            moment = self._monotonic()
            if not now and moment < self._next_look:
                return self._version
            self._next_look = moment + self._follow_seconds
            head = self._stream_head()
            if head is None or head == self._head:
                return self._version
            version, document = self._book.current()
            self._head = head
            if not version or version == self._version:
                return self._version
            venue = self._book.build(document)
            self._current, self._version = venue, version
        for listener in self._listeners:
            listener(venue, version)
        return version

    def _stream_head(self) -> int | None:
        recorded = self._app.recorder.select_events(knowledge_id(), desc=True, limit=1)
        return recorded[0].originator_version if recorded else None

    # --- the Venue port, from the version in hand ---------------------------------------

    def answer(self, intent: Intent, entities: Entities) -> str | None:
        return self._current.answer(intent, entities)

    def reference_text(self) -> str:
        return self._current.reference_text()

    def may_open_door(self, phone: str, location: str) -> bool:
        return self._current.may_open_door(phone, location)

    def action_parameters(self, kind: ActionKind, entities: Entities) -> ActionParameters | None:
        return self._current.action_parameters(kind, entities)

    def known_location(self, entities: Entities) -> str | None:
        return self._current.known_location(entities)

    def is_own_number(self, phone: str) -> bool:
        return self._current.is_own_number(phone)

    def location_name(self, location: str) -> str:
        return self._current.location_name(location)

    def location_of_line(self, line: str) -> str | None:
        current = self._current
        return current.location_of_line(line) if isinstance(current, KnowsLines) else None

    def holding_reply(self, intent: Intent) -> str | None:
        current = self._current
        return current.holding_reply(intent) if isinstance(current, KnowsHoldingReplies) else None
