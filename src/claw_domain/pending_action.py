"""The pending action: a hardware action waiting for consent, then run at most once.

requested -> (confirmed | declined by the customer) and (approved | rejected by staff)
-> execution started -> succeeded | failed | outcome unknown; or expired | cancelled.
No path executes without every required confirmation and approval, and nothing
closed (expired, declined, rejected, cancelled) or past its deadline ever executes.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from claw_domain.decisions import Reason
from claw_domain.errors import InvariantError
from claw_domain.identity import pending_action_id
from claw_domain.values import ActionKind, ActionParameters, Intent


class ActionStatus(enum.StrEnum):
    AWAITING = "awaiting"  # waiting for a confirmation and/or an approval
    READY = "ready"  # every consent given; may start before the deadline
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    DECLINED = "declined"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


CLOSED = frozenset(
    {
        ActionStatus.SUCCEEDED,
        ActionStatus.FAILED,
        ActionStatus.OUTCOME_UNKNOWN,
        ActionStatus.DECLINED,
        ActionStatus.REJECTED,
        ActionStatus.EXPIRED,
        ActionStatus.CANCELLED,
    }
)
OPEN = frozenset({ActionStatus.AWAITING, ActionStatus.READY})
# Ran (or was tried): these count as the action's result for the customer.
FINISHED = frozenset({ActionStatus.SUCCEEDED, ActionStatus.FAILED, ActionStatus.OUTCOME_UNKNOWN})


class PendingAction(Aggregate):
    @staticmethod
    def create_id(conversation_id: UUID, decision_number: int) -> UUID:
        return pending_action_id(conversation_id, decision_number)

    @event("ActionRequested")
    def __init__(
        self,
        conversation_id: UUID,
        decision_number: int,
        customer_number: str,
        kind: ActionKind,
        intent: Intent,
        parameters: ActionParameters,
        requires_confirmation: bool,
        requires_approval: bool,
        deadline: datetime,
        at: datetime,
    ) -> None:
        self.conversation_id = conversation_id
        self.decision_number = decision_number
        self.customer_number = customer_number
        self.kind = kind
        self.intent = intent
        self.parameters = parameters
        self.requires_confirmation = requires_confirmation
        self.requires_approval = requires_approval
        self.deadline = deadline
        self.requested_at = at
        self.confirmed = False
        self.approved = False
        self.approved_by: str | None = None
        self.approval_requested = False
        self.status = ActionStatus.AWAITING
        self.started_at: datetime | None = None
        self.outcome_detail: str | None = None
        # When it succeeded, failed or came out unknown: read for the failure count.
        self.finished_at: datetime | None = None
        self._refresh_readiness()

    def _refresh_readiness(self) -> None:
        if self.status is ActionStatus.AWAITING and not (
            self.confirmation_needed or self.approval_needed
        ):
            self.status = ActionStatus.READY

    @property
    def confirmation_needed(self) -> bool:
        return self.requires_confirmation and not self.confirmed

    @property
    def approval_needed(self) -> bool:
        return self.requires_approval and not self.approved

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def is_due_to_expire(self, now: datetime) -> bool:
        return self.is_open and now > self.deadline

    def _require_open(self, now: datetime, what: str) -> None:
        if not self.is_open:
            msg = f"cannot {what}: the action is {self.status}"
            raise InvariantError(msg)
        if now > self.deadline:
            msg = f"cannot {what}: the deadline {self.deadline.isoformat()} has passed"
            raise InvariantError(msg)

    def confirm(self, at: datetime) -> None:
        self._require_open(at, "confirm")
        if not self.requires_confirmation or self.confirmed:
            return
        self._customer_confirmed(at=at)

    @event("CustomerConfirmed")
    def _customer_confirmed(self, at: datetime) -> None:
        self.confirmed = True
        self._refresh_readiness()

    def decline(self, at: datetime) -> None:
        self._require_open(at, "decline")
        self._customer_declined(at=at)

    @event("CustomerDeclined")
    def _customer_declined(self, at: datetime) -> None:
        self.status = ActionStatus.DECLINED

    def approve(self, actor: str, at: datetime) -> None:
        if not actor.strip():
            msg = "an approval needs the approving staff member's name"
            raise InvariantError(msg)
        self._require_open(at, "approve")
        if self.approved:
            return
        self._staff_approved(actor=actor, at=at)

    @event("StaffApproved")
    def _staff_approved(self, actor: str, at: datetime) -> None:
        self.approved = True
        self.approved_by = actor
        self._refresh_readiness()

    def request_approval(self, at: datetime) -> None:
        """Staff are being asked to approve: once, until the action's state changes."""
        if not self.is_open:
            msg = f"cannot ask for approval: the action is {self.status}"
            raise InvariantError(msg)
        if self.approval_requested or not self.approval_needed:
            return
        self._approval_requested(at=at)

    @event("ApprovalRequested")
    def _approval_requested(self, at: datetime) -> None:
        self.approval_requested = True

    def ignore_approval(self, actor: str, reason: Reason, at: datetime) -> None:
        """An approval the policy would not act on (the stop, an opt-out) is taken back.

        Kept, it would leave the action ready: a later yes, or the dispatcher, could
        then run it without anyone approving it again once the reason was gone.
        """
        if not self.approved:
            msg = "only a given approval can be ignored"
            raise InvariantError(msg)
        self._approval_ignored(actor=actor, reason=reason, at=at)

    @event("StaffApprovalIgnored")
    def _approval_ignored(self, actor: str, reason: Reason, at: datetime) -> None:
        self.approved = False
        self.approved_by = None
        # Staff are asked again when the customer next confirms: the state changed.
        self.approval_requested = False
        if self.status is ActionStatus.READY:
            self.status = ActionStatus.AWAITING

    def reject(self, actor: str, reason: str, at: datetime) -> None:
        if not self.is_open:
            msg = f"cannot reject: the action is {self.status}"
            raise InvariantError(msg)
        self._staff_rejected(actor=actor, reason=reason, at=at)

    @event("StaffRejected")
    def _staff_rejected(self, actor: str, reason: str, at: datetime) -> None:
        self.status = ActionStatus.REJECTED

    def cancel(self, actor: str, reason: str, at: datetime) -> None:
        if not self.is_open:
            msg = f"cannot cancel: the action is {self.status}"
            raise InvariantError(msg)
        self._cancelled(actor=actor, reason=reason, at=at)

    @event("ActionCancelled")
    def _cancelled(self, actor: str, reason: str, at: datetime) -> None:
        self.status = ActionStatus.CANCELLED

    def expire(self, at: datetime) -> None:
        if not self.is_due_to_expire(at):
            msg = "only an open action past its deadline can expire"
            raise InvariantError(msg)
        self._expired(at=at)

    @event("ActionExpired")
    def _expired(self, at: datetime) -> None:
        self.status = ActionStatus.EXPIRED

    def start_execution(self, at: datetime) -> None:
        """Mark the action as started, before the vendor is called: at most once."""
        if self.status is not ActionStatus.READY:
            needs = []
            if self.confirmation_needed:
                needs.append("the customer's confirmation")
            if self.approval_needed:
                needs.append("staff approval")
            detail = f" (still needs {' and '.join(needs)})" if needs else ""
            msg = f"cannot execute: the action is {self.status}{detail}"
            raise InvariantError(msg)
        if at > self.deadline:
            msg = f"cannot execute: the deadline {self.deadline.isoformat()} has passed"
            raise InvariantError(msg)
        self._execution_started(at=at)

    @event("ExecutionStarted")
    def _execution_started(self, at: datetime) -> None:
        self.status = ActionStatus.EXECUTING
        self.started_at = at

    def _require_executing(self, what: str) -> None:
        if self.status is not ActionStatus.EXECUTING:
            msg = f"cannot record {what}: the action is {self.status}, not executing"
            raise InvariantError(msg)

    def succeed(self, detail: str, at: datetime) -> None:
        self._require_executing("success")
        self._succeeded(detail=detail, at=at)

    @event("ActionSucceeded")
    def _succeeded(self, detail: str, at: datetime) -> None:
        self.status = ActionStatus.SUCCEEDED
        self.outcome_detail = detail
        self.finished_at = at

    def fail(self, error: str, at: datetime) -> None:
        """Record a failure: while executing, or before starting (e.g. the PC is offline)."""
        if self.status is not ActionStatus.READY:
            self._require_executing("a failure")
        self._failed(error=error, at=at)

    @event("ActionFailed")
    def _failed(self, error: str, at: datetime) -> None:
        self.status = ActionStatus.FAILED
        self.outcome_detail = error
        self.finished_at = at

    def outcome_unknown(self, detail: str, at: datetime) -> None:
        self._require_executing("an unknown outcome")
        self._outcome_unknown(detail=detail, at=at)

    @event("ActionOutcomeUnknown")
    def _outcome_unknown(self, detail: str, at: datetime) -> None:
        self.status = ActionStatus.OUTCOME_UNKNOWN
        self.outcome_detail = detail
        self.finished_at = at
