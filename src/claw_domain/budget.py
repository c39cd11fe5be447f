"""The hourly message budget: how many automatic texts claw sent in one clock hour."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from claw_domain.identity import hourly_budget_id


def hour_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


class HourlyBudget(Aggregate):
    """Counted when a decision that texts automatically is recorded.

    Saved in the same transaction as the decision, so two workers cannot both
    spend the last message of the hour: the second save conflicts and retries.
    """

    @staticmethod
    def create_id(hour: datetime) -> UUID:
        return hourly_budget_id(hour.isoformat())

    @event("HourlyBudgetOpened")
    def __init__(self, hour: datetime) -> None:
        self.hour = hour
        self.spent = 0

    def spend(self, conversation_id: UUID, at: datetime) -> None:
        self._spent(conversation_id=conversation_id, at=at)

    @event("AutomaticTextCounted")
    def _spent(self, conversation_id: UUID, at: datetime) -> None:
        self.spent += 1
