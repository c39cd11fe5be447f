"""Recorded decisions judged again under other settings.

Each decision carries the facts (its ``Situation``) the policy saw; handing
them to the pure policy with other settings calls nothing, so it is safe to
run against production.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from claw_domain.decisions import Decision
from claw_domain.policy import decide
from claw_domain.settings import SettingsSnapshot
from claw_service.application import ClawApplication
from claw_service.audit.timeline import TimelineEntry, timeline


@attrs.frozen
class Difference:
    """A recorded decision that other settings would have changed."""

    at: datetime
    conversation_id: UUID | None
    decision_number: int | None
    was: Decision
    would_be: Decision

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "conversation_id": str(self.conversation_id) if self.conversation_id else None,
            "decision_number": self.decision_number,
            "intent": self.was.intent.value,
            "was": {"decision": self.was.kind.value, "reason": self.was.reason.value},
            "would_be": {
                "decision": self.would_be.kind.value,
                "reason": self.would_be.reason.value,
            },
        }


def what_if(
    app: ClawApplication,
    subject: Sequence[TimelineEntry] | UUID,
    other_settings: SettingsSnapshot,
) -> list[Difference]:
    """The recorded decisions that ``other_settings`` would have made differently.

    Compared on kind, reason and action; decisions recorded without their
    situation (none are, today) cannot be judged again and are left out.
    """
    entries = timeline(app, conversation_id=subject) if isinstance(subject, UUID) else subject
    differences = []
    for entry in entries:
        was, situation = entry.recorded_decision, entry.situation
        if was is None or situation is None:
            continue
        would_be = decide(situation, other_settings)
        if (would_be.kind, would_be.reason, would_be.action) != (was.kind, was.reason, was.action):
            differences.append(
                Difference(
                    at=entry.at,
                    conversation_id=entry.conversation_id,
                    decision_number=entry.decision_number,
                    was=was,
                    would_be=would_be,
                )
            )
    return differences
