"""Recorded decisions judged again under a draft of the knowledge (and, optionally, settings).

Each decision carries the facts (its ``Situation``) the policy saw. The facts that came
from the knowledge (the prepared answer, the action's target, whether the customer may
open that door, the location's name, the topic's holding reply) are read again from the
draft; the policy is pure, so nothing is sent and no model is called. Both sides are
judged under the same settings, so what differs is what the draft changes, not what
changed since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

import attrs

from claw_domain.action_target import action_target
from claw_domain.decisions import Decision
from claw_domain.policy import Situation, Trigger, decide
from claw_domain.ports import KnowsLines, Venue
from claw_domain.settings import SettingsSnapshot
from claw_service.audit.timeline import TimelineEntry
from claw_service.audit.what_if import Difference
from claw_service.holding_replies import with_holding_reply


@attrs.frozen
class ChangedDecision(Difference):
    """A recorded decision the draft would change, with what each would say and open."""

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "was": _decision_json(self.was),
            "would_be": _decision_json(self.would_be),
        }


def _decision_json(decision: Decision) -> dict[str, Any]:
    target = decision.opens.parameters if decision.opens is not None else None
    return {
        "decision": decision.kind.value,
        "reason": decision.reason.value,
        "reply": decision.reply,
        "target": attrs.asdict(target) if target is not None else None,
    }


def _what_it_does(decision: Decision) -> tuple[Any, ...]:
    target = decision.opens.parameters if decision.opens is not None else None
    return (decision.kind, decision.reason, decision.action, decision.reply, target)


def facts_under(situation: Situation, venue: Venue, line_location: str | None = None) -> Situation:
    """The situation with what the knowledge supplies read from ``venue`` instead.

    Mirrors ``ClawApplication._situation`` for a customer's text; a yes/no or a staff
    approval acts on a pending action whose target was fixed when it opened.
    """
    # Any decision may hand a customer to staff: the topic's holding reply is the draft's.
    situation = with_holding_reply(situation, venue)
    classification = situation.classification
    if situation.trigger is not Trigger.CUSTOMER_TEXT or classification is None:
        return situation
    entities = classification.entities
    if entities.location is None and line_location is not None:
        entities = attrs.evolve(entities, location=line_location)
    intent = classification.intent
    wanted = action_target(venue, intent, entities, situation.customer_number)
    action_kind, target, authorised = wanted.kind, wanted.target, wanted.authorised
    location_name = situation.location_name
    if situation.pending is None:
        location_name = venue.location_name(target.location) if target is not None else ""
    return attrs.evolve(
        situation,
        prepared_answer=venue.answer(intent, entities) if action_kind is None else None,
        action_target_known=target is not None,
        door_authorised=authorised,
        target=target,
        location_name=location_name,
    )


def knowledge_what_if(
    entries: Iterable[TimelineEntry],
    current: Venue,
    draft: Venue,
    settings: SettingsSnapshot,
    line_of: Callable[[UUID], str | None] = lambda _conversation: None,
) -> list[ChangedDecision]:
    """The recorded decisions that ``draft`` would change, judged under ``settings``."""

    def judged(entry: TimelineEntry, situation: Situation) -> tuple[Decision, Decision]:
        line = line_of(entry.conversation_id) if entry.conversation_id else None
        was = decide(facts_under(situation, current, _line_location(current, line)), settings)
        would_be = decide(facts_under(situation, draft, _line_location(draft, line)), settings)
        return was, would_be

    return _changed(entries, judged)


def _changed(
    entries: Iterable[TimelineEntry],
    judge: Callable[[TimelineEntry, Situation], tuple[Decision, Decision]],
) -> list[ChangedDecision]:
    """Each recorded decision judged twice (as things are, under the draft), where the two
    differ in what claw would do or say; decisions recorded without facts are left out."""
    changed = []
    for entry in entries:
        if entry.recorded_decision is None or entry.situation is None:
            continue
        was, would_be = judge(entry, entry.situation)
        if _what_it_does(was) != _what_it_does(would_be):
            changed.append(
                ChangedDecision(
                    at=entry.at,
                    conversation_id=entry.conversation_id,
                    decision_number=entry.decision_number,
                    was=was,
                    would_be=would_be,
                )
            )
    return changed


def _line_location(venue: Venue, line: str | None) -> str | None:
    if line is None or not isinstance(venue, KnowsLines):
        return None
    return venue.location_of_line(line)


def settings_what_if(
    entries: Iterable[TimelineEntry], current: SettingsSnapshot, draft: SettingsSnapshot
) -> list[ChangedDecision]:
    """The recorded decisions a settings draft would change: the recorded facts judged
    under the current settings and under the draft, so only the draft's change shows."""
    return _changed(entries, lambda _entry, facts: (decide(facts, current), decide(facts, draft)))
