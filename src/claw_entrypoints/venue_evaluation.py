"""``claw eval --venue``: customer texts run through the real application, judged by decision.

Each record of the venue evaluation set (``tests/data/venue_texts.jsonl``) is one
customer's conversation: the previous texts (``context``) and the text to judge,
sent to a fresh in-memory application built by the composition root with the demo
venue's knowledge, fake vendors and no language model (as when the model is down or
not configured). The decision claw makes on the last text is compared with the one
the venue's staff expect. What matters most is what claw does on its own: a wrong
automatic answer costs a customer, an action without confirmation costs the venue.

A third of the set is held out (``split: heldout``, fixed by a hash of the texts):
it never feeds training data or rules, and the report's headline numbers are on it.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs

from claw_adapters.fakes.memory import SettableClock
from claw_adapters.knowledge.venue import VenueKnowledge
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.ports import Understanding
from claw_domain.values import Classification, ClassificationSource, InboundText, Intent
from claw_entrypoints.bootstrap import (
    MEMORY_DATABASE_URL,
    build_understanding,
    construct_application,
)
from claw_service.processor import ConversationProcessor

DEFAULT_VENUE_SET = Path("tests/data/venue_texts.jsonl")
HELD_OUT = "heldout"
SPLITS = ("train", HELD_OUT)
VENUE_LINE = "+19025550000"
# Any number the demo venue does not know: a stranger, unless a record names its sender.
STRANGER = "+19025559876"
# Customers do not answer instantly; this also keeps context texts out of one burst.
BETWEEN_TEXTS = timedelta(seconds=40)
ACTOR = "venue-eval"
# Executions a customer (or staff) consented to; any other execution ran unasked.
_CONSENTED = frozenset({Reason.CUSTOMER_CONFIRMED, Reason.APPROVED_BY_STAFF})
# Decisions whose correctness also depends on the topic: an answer about the wrong
# thing is wrong even when answering was right.
_TOPIC_MATTERS = frozenset(
    {DecisionKind.RESPOND, DecisionKind.SUGGEST, DecisionKind.REQUEST_CONFIRMATION}
)


class VenueSetError(ValueError):
    """The venue evaluation file is missing or a record is malformed."""


@attrs.frozen
class VenueRecord:
    """One labelled conversation: what the customer sent and what staff expect claw to do."""

    id: str
    text: str
    intent: Intent
    decision: DecisionKind
    split: str
    kind: str = "question"
    context: tuple[str, ...] = ()
    sender: str = STRANGER
    location: str | None = None
    box: int | None = None


def _record(raw: object, line: int, path: Path) -> VenueRecord:
    where = f"{path}:{line}"
    if not isinstance(raw, dict):
        msg = f"{where}: each line must be a JSON object"
        raise VenueSetError(msg)
    try:
        entities = raw.get("entities") or {}
        context = raw.get("context") or []
        if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
            msg = f"{where}: 'context' must be a list of earlier customer texts"
            raise VenueSetError(msg)
        split = str(raw["split"])
        if split not in SPLITS:
            msg = f"{where}: 'split' must be one of {', '.join(SPLITS)}, got {split!r}"
            raise VenueSetError(msg)
        return VenueRecord(
            id=str(raw["id"]),
            text=str(raw["text"]),
            intent=Intent(raw["intent"]),
            decision=DecisionKind(raw["decision"]),
            split=split,
            kind=str(raw.get("kind", "question")),
            context=tuple(context),
            sender=str(raw.get("sender", STRANGER)),
            location=entities.get("location"),
            box=entities.get("box"),
        )
    except KeyError as missing:
        msg = f"{where}: missing field {missing}"
        raise VenueSetError(msg) from None
    except ValueError as error:
        if isinstance(error, VenueSetError):
            raise
        msg = f"{where}: {error}"
        raise VenueSetError(msg) from None


def load_venue_set(path: Path) -> tuple[VenueRecord, ...]:
    """Read the JSON-lines venue set; blank lines are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        msg = f"{path}: no such file; pass --venue-file to a venue evaluation set"
        raise VenueSetError(msg) from None
    records: list[VenueRecord] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            msg = f"{path}:{number}: not valid JSON ({error.msg})"
            raise VenueSetError(msg) from None
        records.append(_record(raw, number, path))
    if not records:
        msg = f"{path}: no records"
        raise VenueSetError(msg)
    return tuple(records)


@attrs.frozen
class VenueResult:
    """What claw did with one record's last text."""

    record: VenueRecord
    kind: DecisionKind | None
    reason: Reason | None
    intent: Intent | None
    # Which stage understood the last text; None when no understanding was needed
    # (a yes to a pending action, a verdict on an answer).
    source: ClassificationSource | None
    executed_unasked: bool
    opened_unexpected_action: bool

    @property
    def correct(self) -> bool:
        if self.kind is not self.record.decision:
            return False
        return self.kind not in _TOPIC_MATTERS or self.intent is self.record.intent

    @property
    def automatic(self) -> bool:
        return self.kind in (
            DecisionKind.RESPOND,
            DecisionKind.REQUEST_CONFIRMATION,
            DecisionKind.EXECUTE,
        )

    @property
    def wrong_automatic(self) -> bool:
        return self.automatic and not self.correct

    @property
    def unsafe(self) -> bool:
        return self.executed_unasked or self.opened_unexpected_action

    @property
    def without_llm(self) -> bool:
        return self.source is not ClassificationSource.FALLBACK


class RecordingUnderstanding:
    """The real understanding, remembering what it read last (for the LLM share)."""

    def __init__(self, inner: Understanding) -> None:
        self.inner = inner
        self.last: Classification | None = None

    async def understand(self, text: str, *context: Any) -> Classification:
        # Whatever else the port passes (the conversation so far) goes through unchanged.
        self.last = await self.inner.understand(text, *context)
        return self.last


def venue_understanding(knowledge: VenueKnowledge) -> RecordingUnderstanding:
    """The composition root's understanding for this venue, with no language model."""
    return RecordingUnderstanding(build_understanding(knowledge, None))


@attrs.frozen
class Replayed:
    """The decision on a conversation's last text, and how that text was understood."""

    decision: Decision | None
    # None when the last text needed no understanding (a yes, a verdict on an answer).
    classification: Classification | None


async def replay_conversation(
    texts: Sequence[str],
    knowledge: VenueKnowledge,
    understanding: RecordingUnderstanding,
    sender: str = STRANGER,
) -> Replayed:
    """One customer's texts, in order, through a fresh in-memory application."""
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, knowledge)
    features, global_settings = knowledge.initial_domain_settings()
    app.ensure_settings(features, global_settings, ACTOR, clock.now())
    processor = ConversationProcessor(app, understanding, clock)
    decision: Decision | None = None
    for number, body in enumerate(texts, start=1):
        understanding.last = None
        text = InboundText(f"text-{number}", VENUE_LINE, sender, body, clock.now())
        conversation = app.receive_text(text, clock.now()).conversation_id
        decision = await processor.process(conversation)
        clock.advance(BETWEEN_TEXTS)
    return Replayed(decision, understanding.last)


async def _run_record(
    record: VenueRecord, knowledge: VenueKnowledge, understanding: RecordingUnderstanding
) -> VenueResult:
    replayed = await replay_conversation(
        (*record.context, record.text), knowledge, understanding, record.sender
    )
    decision, last = replayed.decision, replayed.classification
    return VenueResult(
        record=record,
        kind=decision.kind if decision else None,
        reason=decision.reason if decision else None,
        intent=decision.intent if decision else None,
        source=last.source if last is not None else None,
        executed_unasked=(
            decision is not None
            and decision.kind is DecisionKind.EXECUTE
            and decision.reason not in _CONSENTED
        ),
        opened_unexpected_action=(
            decision is not None
            and decision.opens is not None
            and record.decision is not DecisionKind.REQUEST_CONFIRMATION
        ),
    )


async def run_venue_set(
    records: Sequence[VenueRecord], knowledge: VenueKnowledge
) -> list[VenueResult]:
    """Each record in its own fresh application, through the composition root, no LLM."""
    understanding = venue_understanding(knowledge)
    return [await _run_record(record, knowledge, understanding) for record in records]


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@attrs.frozen
class VenueScore:
    """The numbers for one group of results; rates are fractions of ``texts``."""

    texts: int
    correct_decisions: int
    wrong_automatic: int
    unsafe_actions: int
    escalations_needed: int
    escalations_made_when_needed: int
    escalations_not_needed: int
    without_llm: int

    @classmethod
    def of(cls, results: Iterable[VenueResult]) -> VenueScore:
        rows = list(results)
        needed = [r for r in rows if r.record.decision is DecisionKind.ESCALATE]
        return cls(
            texts=len(rows),
            correct_decisions=sum(r.correct for r in rows),
            wrong_automatic=sum(r.wrong_automatic for r in rows),
            unsafe_actions=sum(r.unsafe for r in rows),
            escalations_needed=len(needed),
            escalations_made_when_needed=sum(r.kind is DecisionKind.ESCALATE for r in needed),
            escalations_not_needed=sum(
                r.kind is DecisionKind.ESCALATE and r.record.decision is not DecisionKind.ESCALATE
                for r in rows
            ),
            without_llm=sum(r.without_llm for r in rows),
        )

    @property
    def correct_decision_rate(self) -> float:
        return _share(self.correct_decisions, self.texts)

    @property
    def wrong_automatic_rate(self) -> float:
        return _share(self.wrong_automatic, self.texts)

    @property
    def without_llm_share(self) -> float:
        return _share(self.without_llm, self.texts)

    def as_json(self) -> dict[str, Any]:
        numbers: dict[str, Any] = attrs.asdict(self)
        numbers.update(
            correct_decision_rate=self.correct_decision_rate,
            wrong_automatic_rate=self.wrong_automatic_rate,
            without_llm_share=self.without_llm_share,
        )
        return numbers


def report(results: Sequence[VenueResult], split: str = HELD_OUT) -> dict[str, Any]:
    """The held-out numbers at the top level, then per intent, per kind and for all texts."""
    chosen = [r for r in results if r.record.split == split]
    by_intent: dict[str, list[VenueResult]] = defaultdict(list)
    by_kind: dict[str, list[VenueResult]] = defaultdict(list)
    for result in chosen:
        by_intent[result.record.intent.value].append(result)
        by_kind[result.record.kind].append(result)
    return {
        "split": split,
        **VenueScore.of(chosen).as_json(),
        "per_intent": {k: VenueScore.of(v).as_json() for k, v in sorted(by_intent.items())},
        "per_kind": {k: VenueScore.of(v).as_json() for k, v in sorted(by_kind.items())},
        "all_texts": VenueScore.of(results).as_json(),
        "misses": [
            {
                "id": r.record.id,
                "text": r.record.text,
                "expected": f"{r.record.decision.value} {r.record.intent.value}",
                "got": f"{r.kind.value if r.kind else 'nothing'} "
                f"{r.intent.value if r.intent else ''} ({r.reason.value if r.reason else ''})",
            }
            for r in chosen
            if not r.correct
        ],
    }


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def table(numbers: dict[str, Any]) -> str:
    """The report as an operator reads it: headline, then one row per intent."""
    lines = [
        f"venue evaluation, {numbers['split']} texts: {numbers['texts']}",
        f"correct decisions          {_percent(numbers['correct_decision_rate'])}",
        f"wrong automatic answers    {_percent(numbers['wrong_automatic_rate'])} "
        f"({numbers['wrong_automatic']})",
        f"unsafe actions             {numbers['unsafe_actions']}",
        f"escalations needed / made  {numbers['escalations_needed']} / "
        f"{numbers['escalations_made_when_needed']} "
        f"(+{numbers['escalations_not_needed']} not needed)",
        f"answered without the LLM   {_percent(numbers['without_llm_share'])}",
        "",
        f"{'intent':<20} {'texts':>5} {'correct':>8} {'wrong auto':>10} {'esc needed/made':>16} "
        f"{'no LLM':>7}",
    ]
    for intent, row in numbers["per_intent"].items():
        lines.append(
            f"{intent:<20} {row['texts']:>5} {_percent(row['correct_decision_rate']):>8} "
            f"{row['wrong_automatic']:>10} "
            f"{row['escalations_needed']:>8}/{row['escalations_made_when_needed']:<7} "
            f"{_percent(row['without_llm_share']):>7}"
        )
    if numbers["misses"]:
        lines += ["", "misses:"]
        lines += [
            f"  {miss['id']} {miss['text']!r}: expected {miss['expected']}, got {miss['got']}"
            for miss in numbers["misses"]
        ]
    return "\n".join(lines)


def evaluate_venue(path: Path, knowledge: VenueKnowledge, split: str = HELD_OUT) -> dict[str, Any]:
    records = load_venue_set(path)
    results = asyncio.run(run_venue_set(records, knowledge))
    return report(results, split)
