"""Every projection claw keeps, built on request (never at import)."""

from __future__ import annotations

from claw_adapters.projections.audit import AuditProjection
from claw_adapters.projections.base import Projection
from claw_adapters.projections.conversations import ConversationsProjection
from claw_adapters.projections.pending_actions import PendingActionsProjection
from claw_adapters.projections.staff_queues import review_queue, tickets
from claw_adapters.projections.statistics import StatisticsProjection


def all_projections() -> list[Projection]:
    return [
        AuditProjection(),
        StatisticsProjection(),
        review_queue(),
        PendingActionsProjection(),
        tickets(),
        ConversationsProjection(),
    ]
