"""The venue's knowledge as recorded history: drafts, edits and published versions.

The knowledge is one document in the venue file's shape (venue, locations with their
boxes and doors, customers, answers, examples, lines...), held as plain JSON-like data so
the domain needs no file format. Every edit to the draft is an event (who, when, what,
why); publishing records the whole document under the next version number, so every
published version can be read back exactly as it was. Decisions cite that number.

The adapter that reads venue files checks every field and says where each problem is;
the aggregate refuses, on its own, what would make the knowledge unsafe to act on
whoever calls it: a door with no location, a customer let in at a location without a
door, one NinjaOne device behind two boxes.
"""

from __future__ import annotations

import copy
import enum
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from claw_domain.errors import InvariantError
from claw_domain.identity import CLAW_NAMESPACE

# A part of the document: mapping keys and list positions, as the venue file's errors name them.
PartPath = tuple[str | int, ...]
Document = dict[str, Any]


def knowledge_id() -> UUID:
    # One knowledge per venue database; a second creation collides on the store's constraint.
    return uuid5(CLAW_NAMESPACE, "venue-knowledge")


def canonical(document: Mapping[str, Any]) -> str:
    """The document as stored: JSON, keys in the order written (the console shows that order)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def format_part(path: Sequence[str | int]) -> str:
    """``("locations", "bedford", "boxes", 1)`` -> ``locations.bedford.boxes[1]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


@attrs.frozen
class KnowledgeProblem:
    """Something the knowledge must never hold, located by the part it is in."""

    path: PartPath
    message: str

    def __str__(self) -> str:
        return f"{format_part(self.path)}: {self.message}"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def invariant_problems(document: Mapping[str, Any]) -> list[KnowledgeProblem]:
    """What the aggregate refuses, whatever else is wrong (the file checks find the rest)."""
    return (
        list(_door_problems(document))
        + list(_member_problems(document))
        + list(_device_problems(document))
    )


def _door_problems(document: Mapping[str, Any]) -> Iterator[KnowledgeProblem]:
    # A door is listed under its location; one under a name that is not a location (or
    # a location that is not a mapping) belongs nowhere, so nobody could be let in by it.
    locations = document.get("locations")
    if locations is not None and not isinstance(locations, Mapping):
        yield KnowledgeProblem(("locations",), "must be a mapping of location key to location")
        return
    for key, location in _mapping(locations).items():
        if location is None and key:
            yield KnowledgeProblem(("locations", key), "a location needs a name and an address")


def _doors_by_location(document: Mapping[str, Any]) -> dict[str, bool]:
    return {
        str(key): isinstance(location, Mapping) and location.get("door") is not None
        for key, location in _mapping(document.get("locations")).items()
    }


def _member_problems(document: Mapping[str, Any]) -> Iterator[KnowledgeProblem]:
    has_door = _doors_by_location(document)
    for index, customer in enumerate(_sequence(document.get("customers"))):
        for position, location in enumerate(_sequence(_mapping(customer).get("locations"))):
            where: PartPath = ("customers", index, "locations", position)
            if location not in has_door:
                yield KnowledgeProblem(where, f"{location!r} is not a location: no door to open")
            elif not has_door[location]:
                msg = f"location {location!r} has no door; add its door before letting anyone in"
                yield KnowledgeProblem(where, msg)


def _device_problems(document: Mapping[str, Any]) -> Iterator[KnowledgeProblem]:
    # One NinjaOne device behind two boxes would restart the wrong bay's PC.
    owner: dict[str, str] = {}
    for key, location in _mapping(document.get("locations")).items():
        for index, box in enumerate(_sequence(_mapping(location).get("boxes"))):
            device = _mapping(box).get("device_id")
            if not isinstance(device, str) or not device.strip():
                continue
            here = f"{key} box {_mapping(box).get('number')}"
            first = owner.setdefault(device, here)
            if first != here:
                where: PartPath = ("locations", key, "boxes", index, "device_id")
                yield KnowledgeProblem(where, f"device {device!r} is already {first}")


def refuse_unsafe(document: Mapping[str, Any]) -> None:
    problems = invariant_problems(document)
    if problems:
        raise KnowledgeInvariantError(problems)


class KnowledgeInvariantError(InvariantError):
    """The change would leave the knowledge unsafe; ``problems`` says where and why."""

    def __init__(self, problems: Sequence[KnowledgeProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


def with_part(document: Mapping[str, Any], path: PartPath, value: Any) -> Document:
    """A copy of the document with one part replaced (``None`` removes it)."""
    if not path:
        if not isinstance(value, Mapping):
            msg = "the whole knowledge must be a mapping"
            raise InvariantError(msg)
        return copy.deepcopy(dict(value))
    result: Document = copy.deepcopy(dict(document))
    holder: Any = result
    for depth, part in enumerate(path[:-1]):
        child = holder[part] if _holds(holder, part) else None
        if child is None:
            if value is None:
                return result  # removing something that is not there
            if path[0] == "locations" and depth == 1:
                # A door (or box) under a location that does not exist belongs nowhere.
                msg = f"there is no location {part!r} to put it in; add the location first"
                raise KnowledgeInvariantError([KnowledgeProblem(path, msg)])
            child = [] if isinstance(path[depth + 1], int) else {}
            _put(holder, part, child, path)
        holder = child
    last = path[-1]
    if value is None:
        if _holds(holder, last):
            del holder[last]
    else:
        _put(holder, last, copy.deepcopy(value), path)
    return result


def _holds(holder: Any, part: str | int) -> bool:
    if isinstance(holder, dict):
        return part in holder
    if isinstance(holder, list) and isinstance(part, int):
        return 0 <= part < len(holder)
    return False


def _put(holder: Any, part: str | int, value: Any, path: PartPath) -> None:
    if isinstance(holder, dict) and isinstance(part, str):
        holder[part] = value
    elif isinstance(holder, list) and isinstance(part, int) and 0 <= part <= len(holder):
        if part == len(holder):
            holder.append(value)
        else:
            holder[part] = value
    else:
        msg = f"{format_part(path)} does not name a part of the knowledge"
        raise InvariantError(msg)


def changed_parts(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[PartPath]:
    """The parts that differ, two levels deep (``answers.wifi``, ``locations.bedford``)."""
    changed: list[PartPath] = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            changed += [
                (key, sub) for sub in dict.fromkeys([*old, *new]) if old.get(sub) != new.get(sub)
            ]
        else:
            changed.append((key,))
    return changed


@attrs.frozen
class PublishedVersion:
    """One line of the knowledge's history: which version, when, by whom, why."""

    version: int
    at: datetime
    by: str
    note: str
    source: str
    parts: tuple[str, ...]


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


@attrs.define
class AnswerProposal:
    """A staff reply claw proposes as the answer for an intent that has none."""

    number: int
    intent: str
    wording: str
    source: str  # where it came from, in words kept with the answer if accepted
    at: datetime
    status: ProposalStatus = ProposalStatus.OPEN
    decided_by: str | None = None


def _non_blank(by: str, what: str) -> None:
    if not by.strip():
        msg = f"{what} needs a non-empty author so the history says who did it"
        raise InvariantError(msg)


class Knowledge(Aggregate):
    """The venue's knowledge: the published document, its version, and the draft being edited."""

    @staticmethod
    def create_id() -> UUID:
        return knowledge_id()

    @event("KnowledgeStarted")
    def __init__(self, at: datetime) -> None:
        self.published: Document = {}
        self.published_version = 0
        self.draft: Document | None = None
        self.draft_edits = 0
        self.history: list[PublishedVersion] = []
        self.proposals: dict[int, AnswerProposal] = {}
        # How far in the log staff replies were read for answers to learn.
        self.learned_through = 0

    # --- the draft -----------------------------------------------------------------------

    def edit_draft(self, path: PartPath, value: Any, by: str, at: datetime, note: str = "") -> None:
        """Change one part of the draft (the draft starts as the published knowledge)."""
        _non_blank(by, "an edit")
        base = self.draft if self.draft is not None else self.published
        changed = with_part(base, path, value)
        if changed == base:
            return
        refuse_unsafe(changed)
        self._draft_edited(
            # JSON: a path mixes keys and list positions, and a value may be any part.
            path=json.dumps(list(path), ensure_ascii=False),
            value=json.dumps(value, ensure_ascii=False),
            by=by,
            at=at,
            note=note,
        )

    @event("KnowledgeDraftEdited")
    def _draft_edited(self, path: str, value: str, by: str, at: datetime, note: str) -> None:
        base = self.draft if self.draft is not None else self.published
        self.draft = with_part(base, tuple(json.loads(path)), json.loads(value))
        self.draft_edits += 1

    def discard_draft(self, by: str, at: datetime) -> None:
        _non_blank(by, "discarding the draft")
        if self.draft is None:
            return
        self._draft_discarded(by=by, at=at)

    @event("KnowledgeDraftDiscarded")
    def _draft_discarded(self, by: str, at: datetime) -> None:
        self.draft = None
        self.draft_edits = 0

    # --- publishing ----------------------------------------------------------------------

    def publish_draft(self, by: str, at: datetime, note: str = "") -> int:
        if self.draft is None:
            msg = "there is no draft to publish; edit something first"
            raise InvariantError(msg)
        return self.publish(self.draft, by, at, note=note, source="draft")

    def publish(
        self, document: Mapping[str, Any], by: str, at: datetime, *, note: str = "", source: str
    ) -> int:
        """Record ``document`` as the next version; returns it (the current one if unchanged)."""
        _non_blank(by, "publishing")
        refuse_unsafe(document)
        if self.published_version and dict(document) == self.published and self.draft is None:
            return self.published_version
        self._published(
            version=self.published_version + 1,
            document=canonical(document),
            by=by,
            at=at,
            note=note,
            source=source,
            parts=[format_part(part) for part in changed_parts(self.published, document)],
        )
        return self.published_version

    @event("KnowledgePublished")
    def _published(
        self,
        version: int,
        document: str,
        by: str,
        at: datetime,
        note: str,
        source: str,
        parts: list[str],
    ) -> None:
        self.published = json.loads(document)
        self.published_version = version
        self.draft = None
        self.draft_edits = 0
        self.history.append(
            PublishedVersion(
                version=version, at=at, by=by, note=note, source=source, parts=tuple(parts)
            )
        )

    # --- answers learned from staff ------------------------------------------------------

    def propose_answer(
        self, intent: str, wording: str, source: str, through: int, at: datetime
    ) -> int | None:
        """Propose ``wording`` for ``intent``; None when it adds nothing (already proposed)."""
        if not wording.strip():
            msg = "a proposed answer needs words"
            raise InvariantError(msg)
        if through <= self.learned_through:
            return None  # read before: a second reader of the same stretch of the log
        repeated = any(
            p.intent == intent and p.wording == wording and p.status is ProposalStatus.OPEN
            for p in self.proposals.values()
        )
        if repeated:
            self._learned_through(through=through)
            return None
        number = max(self.proposals, default=0) + 1
        self._answer_proposed(
            number=number, intent=intent, wording=wording, source=source, through=through, at=at
        )
        return number

    @event("AnswerProposed")
    def _answer_proposed(
        self, number: int, intent: str, wording: str, source: str, through: int, at: datetime
    ) -> None:
        self.proposals[number] = AnswerProposal(
            number=number, intent=intent, wording=wording, source=source, at=at
        )
        self.learned_through = through

    def learned_through_position(self, through: int) -> None:
        """Nothing to learn up to ``through``: do not read that stretch again."""
        if through > self.learned_through:
            self._learned_through(through=through)

    @event("AnswerLearningAdvanced")
    def _learned_through(self, through: int) -> None:
        self.learned_through = through

    def _open_proposal(self, number: int) -> AnswerProposal:
        proposal = self.proposals.get(number)
        if proposal is None or proposal.status is not ProposalStatus.OPEN:
            msg = f"there is no open proposal {number}; it may have been accepted or dismissed"
            raise InvariantError(msg)
        return proposal

    def accept_proposal(self, number: int, wording: str, by: str, at: datetime) -> None:
        """Put the wording (edited or not) in the draft as the intent's answer, with its source."""
        _non_blank(by, "accepting a proposal")
        proposal = self._open_proposal(number)
        answer = {"text": wording, "learned_from": proposal.source}
        self.edit_draft(("answers", proposal.intent), answer, by, at, note=f"learned {number}")
        self._proposal_accepted(number=number, by=by, at=at)

    @event("ProposalAccepted")
    def _proposal_accepted(self, number: int, by: str, at: datetime) -> None:
        self.proposals[number].status = ProposalStatus.ACCEPTED
        self.proposals[number].decided_by = by

    def dismiss_proposal(self, number: int, by: str, at: datetime) -> None:
        _non_blank(by, "dismissing a proposal")
        self._open_proposal(number)
        self._proposal_dismissed(number=number, by=by, at=at)

    @event("ProposalDismissed")
    def _proposal_dismissed(self, number: int, by: str, at: datetime) -> None:
        self.proposals[number].status = ProposalStatus.DISMISSED
        self.proposals[number].decided_by = by
