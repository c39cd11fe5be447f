"""Every projection claw keeps, built on request (never at import)."""

from __future__ import annotations

from claw_adapters.projections.audit import AuditProjection
from claw_adapters.projections.base import Projection
from claw_adapters.projections.conversations import ConversationsProjection
from claw_adapters.projections.pending_actions import PendingActionsProjection
from claw_adapters.projections.review_queue import ReviewQueueProjection
from claw_adapters.projections.statistics import StatisticsProjection
from claw_adapters.projections.tickets import TicketsProjection


def all_projections() -> list[Projection]:
    return [
        AuditProjection(),
        StatisticsProjection(),
        ReviewQueueProjection(),
        PendingActionsProjection(),
        TicketsProjection(),
        ConversationsProjection(),
    ]
