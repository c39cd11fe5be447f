"""claw's use cases as one eventsourcing application.

Every command loads what it needs, checks invariants through the aggregates'
command methods, asks the policy where a decision is due, and saves every
resulting event in one atomic write. Commands return the notification id of
the last event they recorded, so callers can wait for the read side.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import attrs
import structlog
from eventsourcing.application import AggregateNotFoundError, Application, ProjectorFunction
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    PersistenceError,
    ProcessRecorder,
    Recording,
    Tracking,
)
from eventsourcing.utils import get_topic

from claw_adapters.persistence.mapper import CattrsMapper
from claw_domain import wording
from claw_domain.budget import HourlyBudget, hour_start
from claw_domain.conversation import Conversation, ReplyPurpose
from claw_domain.conversation_snapshot import ConversationSnapshot
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.errors import InvariantError, NotFoundError
from claw_domain.identity import conversation_id
from claw_domain.pending_action import ActionStatus, PendingAction
from claw_domain.policy import (
    ConversationFacts,
    PendingActionFacts,
    Situation,
    Trigger,
    decide,
)
from claw_domain.ports import Venue
from claw_domain.replies import (
    SubscriptionKeyword,
    recognise_feedback,
    recognise_yes_no,
)
from claw_domain.settings import (
    AutomationSettings,
    FeatureSettings,
    GlobalSettings,
    SettingsSnapshot,
    settings_id,
)
from claw_domain.subscription import recognise_subscription
from claw_domain.values import (
    ACTION_FOR_INTENT,
    ActionKind,
    Classification,
    ClassificationSource,
    InboundText,
    Intent,
    LlmUsage,
    Sentiment,
    YesNo,
)
from claw_service.retry import retry_on_conflict

# A reset that succeeded this recently is still "restarting" as far as the customer sees.
RESET_COOLDOWN = timedelta(minutes=3)
# A conversation gains a few events per text. Every SNAPSHOT_INTERVAL-th version is
# stored as a snapshot, so a load decodes one snapshot and fewer events than this.
SNAPSHOT_INTERVAL = 20
# The aggregates that grow with every text, and their typed snapshot classes.
_SNAPSHOT_CLASSES: dict[type[Aggregate], type[ConversationSnapshot]] = {
    Conversation: ConversationSnapshot
}

log = structlog.get_logger("claw.application")

TAggregate = TypeVar("TAggregate", bound=Aggregate)


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event runtime Protocol check.

    ``isinstance(event, CanMutateProtocol)`` walks the Protocol's members on every
    event (Python 3.11); it was a fifth of the server's CPU under load. Every event
    claw stores is an ``Aggregate`` event, which has ``mutate``.
    """
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


@attrs.frozen
class IntakeResult:
    accepted: bool
    conversation_id: UUID
    notification_id: int | None = None


@attrs.frozen
class TextToUnderstand:
    """Texts that need the understanding pipeline before a decision can be made."""

    conversation_id: UUID
    text: str
    through: int
    # The last text's correlation id, for the logs of understanding it.
    correlation_id: str = ""


@attrs.frozen
class Outcome:
    """What a command recorded: the decision (if any) and the last notification id."""

    notification_id: int | None
    decision: Decision | None = None
    decision_number: int | None = None


class SettingsMissingError(Exception):
    """The database has no automation settings yet; bootstrap initialises them."""


class ClawApplication(Application[UUID]):
    """The event-sourced heart of claw."""

    name = "claw"
    env = {  # noqa: RUF012 - the library reads this class attribute
        "MAPPER_TOPIC": get_topic(CattrsMapper),
        # Snapshots are taken by ``_store`` (claw saves with ``events.put``, not ``save``);
        # loads start from the latest one. A database without any still replays.
        "IS_SNAPSHOTTING_ENABLED": "y",
    }

    def __init__(self, venue: Venue, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        self.venue = venue
        # The current hour's budget as last read: fast-forwarded from the log on use.
        self._budget_seen: HourlyBudget | None = None
        self._budget_lock = threading.Lock()

    def construct_recorder(self) -> ProcessRecorder:
        # A process recorder stores the dispatcher's tracking position in the same
        # transaction as the outcome events it records.
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        recorder = self.recorder
        if not isinstance(recorder, ProcessRecorder):
            msg = "claw's recorder must support tracking"
            raise TypeError(msg)
        return recorder

    # Loading and saving ----------------------------------------------------------

    def _get(self, aggregate_id: UUID, kind: type[TAggregate]) -> TAggregate:
        aggregate: Aggregate = self.repository.get(aggregate_id, projector_func=_replay)
        if not isinstance(aggregate, kind):
            # An id from outside (the console, a CLI argument) may name another kind of
            # record: that is "no such item", not a crash.
            msg = f"{aggregate_id} is a {type(aggregate).__name__}, not a {kind.__name__}"
            raise NotFoundError(msg)
        return aggregate

    def _find(self, aggregate_id: UUID, kind: type[TAggregate]) -> TAggregate | None:
        try:
            return self._get(aggregate_id, kind)
        except AggregateNotFoundError:
            return None

    def _store(self, *aggregates: Aggregate | None, tracking: Tracking | None = None) -> int | None:
        events: list[Any] = []
        due_snapshots: list[Aggregate] = []
        for aggregate in aggregates:
            if aggregate is None:
                continue
            collected = aggregate.collect_events()
            events.extend(collected)
            if collected and _snapshot_due(aggregate, len(collected)):
                due_snapshots.append(aggregate)
        if not events and tracking is None:
            return None
        recordings: list[Recording[UUID]] = self.events.put(events, tracking=tracking)
        for aggregate in due_snapshots:
            self._put_snapshot(aggregate)
        self._notify(recordings)
        return recordings[-1].notification.id if recordings else None

    def _put_snapshot(self, aggregate: Aggregate) -> None:
        """Store the aggregate's state as it was just recorded; a snapshot is never news."""
        snapshot_class = _SNAPSHOT_CLASSES.get(type(aggregate))
        if self.snapshots is None or snapshot_class is None:
            return
        try:
            self.snapshots.put([snapshot_class.take(aggregate)])
        except IntegrityError:
            pass  # another process stored this version's snapshot first: the same state
        except PersistenceError as error:
            # The events are recorded; without this snapshot, loads replay a little more.
            log.warning("snapshot_not_stored", aggregate=str(aggregate.id), error=str(error))

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = _replay,
    ) -> None:
        """The library's ``take_snapshot``, with claw's typed snapshot classes."""
        aggregate: Aggregate = self.repository.get(
            aggregate_id, version=version, projector_func=projector_func
        )
        self._put_snapshot(aggregate)

    def conversation(self, conversation: UUID) -> Conversation:
        return self._get(conversation, Conversation)

    def pending_action(self, action: UUID) -> PendingAction:
        return self._get(action, PendingAction)

    # Settings ------------------------------------------------------------------------

    @retry_on_conflict
    def ensure_settings(
        self,
        features: Mapping[Intent, FeatureSettings],
        global_settings: GlobalSettings,
        actor: str,
        at: datetime,
    ) -> int | None:
        """Initialise the settings on a fresh database; a no-op once they exist."""
        if self._find(settings_id(), AutomationSettings) is not None:
            return None
        settings = AutomationSettings(
            features=dict(features), global_settings=global_settings, actor=actor, at=at
        )
        return self._store(settings)

    def settings(self) -> SettingsSnapshot:
        settings = self._find(settings_id(), AutomationSettings)
        if settings is None:
            msg = "automation settings are not initialised; run claw once with a knowledge file"
            raise SettingsMissingError(msg)
        return settings.snapshot()

    @retry_on_conflict
    def change_feature(
        self, intent: Intent, feature: FeatureSettings, actor: str, at: datetime
    ) -> int | None:
        settings = self._get(settings_id(), AutomationSettings)
        settings.change_feature(intent, feature, actor, at)
        return self._store(settings)

    @retry_on_conflict
    def change_globals(
        self, global_settings: GlobalSettings, actor: str, at: datetime
    ) -> int | None:
        settings = self._get(settings_id(), AutomationSettings)
        settings.change_globals(global_settings, actor, at)
        return self._store(settings)

    @retry_on_conflict
    def engage_emergency_stop(self, actor: str, reason: str, at: datetime) -> int | None:
        settings = self._get(settings_id(), AutomationSettings)
        settings.engage_emergency_stop(actor, reason, at)
        return self._store(settings)

    @retry_on_conflict
    def release_emergency_stop(self, actor: str, reason: str, at: datetime) -> int | None:
        settings = self._get(settings_id(), AutomationSettings)
        settings.release_emergency_stop(actor, reason, at)
        return self._store(settings)

    # Intake ----------------------------------------------------------------------------

    @retry_on_conflict
    def receive_text(self, text: InboundText, at: datetime) -> IntakeResult:
        """Append a customer's text; duplicates (same id, or the twin) are dropped."""
        return self.receive_texts([(text, at)])[0]

    def receive_texts(self, arrivals: Sequence[tuple[InboundText, datetime]]) -> list[IntakeResult]:
        """Append several customers' texts in one atomic write; duplicates are dropped.

        The webhook's group commit: the texts that arrive while one write is in
        progress share the next one. Each text is judged against its conversation
        as the texts before it in the same call left it, so a duplicate within the
        call is dropped too. All or nothing: on a conflict with another writer
        (``IntegrityError``) nothing is saved. No retry here, so that the caller
        can retry each text on its own and one text's conflict holds back no other.
        Every accepted text gets the notification id of the write's last event.
        """
        touched: dict[UUID, Conversation | None] = {}
        judged: list[tuple[UUID, bool]] = []
        for text, at in arrivals:
            conv_id = conversation_id(text.venue_line, text.customer_number)
            if conv_id not in touched:
                touched[conv_id] = self._find(conv_id, Conversation)
            conversation = touched[conv_id]
            if conversation is None:
                conversation = Conversation(
                    venue_line=text.venue_line, customer_number=text.customer_number, at=at
                )
                touched[conv_id] = conversation
            elif conversation.is_duplicate(text):
                judged.append((conv_id, False))
                continue
            conversation.receive_text(text)
            judged.append((conv_id, True))
        notification_id = self._store(*touched.values())
        return [
            IntakeResult(
                accepted=accepted,
                conversation_id=conv_id,
                notification_id=notification_id if accepted else None,
            )
            for conv_id, accepted in judged
        ]

    @retry_on_conflict
    def record_outbound_text(
        self,
        venue_line: str,
        customer_number: str,
        vendor_message_id: str,
        body: str,
        at: datetime,
    ) -> int | None:
        """An outgoing text seen on the line: claw's own, or staff texting by hand."""
        conversation = self._find(conversation_id(venue_line, customer_number), Conversation)
        if conversation is None:
            conversation = Conversation(
                venue_line=venue_line, customer_number=customer_number, at=at
            )
        elif conversation.is_own_outbound(vendor_message_id, body):
            return None
        backoff = self.settings().globals.staff_backoff
        conversation.record_staff_text(vendor_message_id, at, backoff)
        return self._store(conversation)

    # Understanding and deciding ----------------------------------------------------------

    @retry_on_conflict
    def begin_processing(self, conversation: UUID, now: datetime) -> TextToUnderstand | Outcome:
        """Handle what needs no understanding (opt-outs, yes/no, feedback).

        Otherwise say which text the understanding pipeline must classify.
        """
        conv = self.conversation(conversation)
        texts = conv.unprocessed()
        if not texts:
            return Outcome(notification_id=None)
        through = conv.texts_received
        # Webhooks arrive in no particular order: join a split message in the order the
        # customer sent it (arrival order breaks ties).
        in_order = sorted(texts, key=lambda text: text.sent_at)
        combined = " ".join(text.body.strip() for text in in_order)
        keyword = _last_subscription_keyword(in_order, opted_out=conv.opted_out)
        if keyword is SubscriptionKeyword.OPT_OUT:
            conv.opt_out(keyword=combined[:40], at=now)
            conv.confirm_opt_out(wording.opted_out(), now)
            return self._decide_and_store(conv, now, through, trigger=Trigger.CUSTOMER_TEXT)
        if keyword is SubscriptionKeyword.OPT_IN:
            conv.opt_in(keyword=combined[:40], at=now)
            conv.mark_processed(through, now)
            return Outcome(notification_id=self._store(conv))

        if conv.awaiting_action is not None:
            answer = recognise_yes_no(combined)
            pending = self._find(conv.awaiting_action, PendingAction)
            if answer is not None and pending is not None and pending.is_open:
                return self._decide_and_store(
                    conv,
                    now,
                    through,
                    trigger=Trigger.CONFIRMATION_REPLY,
                    pending=pending,
                    answer=answer,
                )

        feedback = recognise_feedback(combined) if self._after_automatic_answer(conv) else None
        if feedback in (Sentiment.POSITIVE, Sentiment.NEGATIVE):
            positive = feedback is Sentiment.POSITIVE
            conv.record_feedback(positive=positive, at=now)
            classification = Classification(
                intent=Intent.FEEDBACK_POSITIVE if positive else Intent.FEEDBACK_NEGATIVE,
                confidence=1.0,
                source=ClassificationSource.PATTERN,
                sentiment=feedback,
            )
            conv.record_classification(classification, combined, through, now)
            return self._decide_and_store(
                conv, now, through, trigger=Trigger.CUSTOMER_TEXT, classification=classification
            )
        return TextToUnderstand(
            conversation_id=conversation,
            text=combined,
            through=through,
            correlation_id=texts[-1].correlation_id,
        )

    @staticmethod
    def _after_automatic_answer(conv: Conversation) -> bool:
        return conv.last_decision is not None and conv.last_decision.kind in (
            DecisionKind.RESPOND,
            DecisionKind.EXECUTE,
        )

    @retry_on_conflict
    def decide_on_text(
        self,
        conversation: UUID,
        classification: Classification,
        text: str,
        through: int,
        now: datetime,
    ) -> Outcome:
        """Record what claw understood and the one decision that follows."""
        conv = self.conversation(conversation)
        if through <= conv.processed_inbound:
            return Outcome(notification_id=None)  # another worker decided these texts already
        conv.record_classification(classification, text, through, now)
        return self._decide_and_store(
            conv, now, through, trigger=Trigger.CUSTOMER_TEXT, classification=classification
        )

    def _conversation_facts(
        self, conv: Conversation, now: datetime, loaded: PendingAction | None = None
    ) -> ConversationFacts:
        return ConversationFacts(
            is_own_number=self.venue.is_own_number(conv.customer_number),
            opted_out=conv.opted_out,
            staff_active_until=conv.staff_active_until,
            auto_replies_by_intent=dict(conv.auto_replies_by_intent),
            recent_inbound=conv.recent_inbound_times(),
            consecutive_failures=conv.consecutive_failures,
            action_in_progress=self._action_in_progress(conv, now, loaded),
            rapid_escalated_at=conv.rapid_escalated_at,
        )

    def _action_in_progress(
        self, conv: Conversation, now: datetime, loaded: PendingAction | None = None
    ) -> bool:
        """``loaded``: the pending action this command already read, so it is not read twice."""
        last_id = conv.last_action_id
        if last_id is None:
            return False
        if loaded is not None and loaded.id == last_id:
            last: PendingAction | None = loaded
        else:
            last = self._find(last_id, PendingAction)
        if last is None:
            return False
        if last.status in (ActionStatus.EXECUTING, ActionStatus.READY):
            return True
        return (
            last.kind is ActionKind.RESET_SIMULATOR
            and last.status is ActionStatus.SUCCEEDED
            and last.started_at is not None
            and now - last.started_at < RESET_COOLDOWN
        )

    def _budget(self, now: datetime) -> HourlyBudget:
        """This hour's budget, read from the log.

        The budget gains one event per automatic text, so replaying it from the start
        on every decision grew with the hour's traffic. The last budget read is kept
        and brought up to date with only the events recorded since (by any process),
        so the result is what a full replay gives. Callers get their own copy.
        """
        hour = hour_start(now)
        budget_id = HourlyBudget.create_id(hour)
        with self._budget_lock:
            seen = self._budget_seen
        if seen is None or seen.id != budget_id:
            budget = self._find(budget_id, HourlyBudget)
            if budget is None:
                return HourlyBudget(hour=hour)
        else:
            budget = _replay(copy.deepcopy(seen), self.events.get(budget_id, gt=seen.version))
        with self._budget_lock:
            if (
                self._budget_seen is None
                or self._budget_seen.id != budget_id
                or (self._budget_seen.version < budget.version)
            ):
                self._budget_seen = copy.deepcopy(budget)
        return budget

    def _decide_and_store(
        self,
        conv: Conversation,
        now: datetime,
        through: int,
        *,
        trigger: Trigger,
        classification: Classification | None = None,
        pending: PendingAction | None = None,
        answer: YesNo | None = None,
    ) -> Outcome:
        settings = self.settings()
        budget = self._budget(now)
        entities = classification.entities if classification else None
        intent = classification.intent if classification else None
        action_kind = ACTION_FOR_INTENT.get(intent) if intent is not None else None
        parameters = (
            self.venue.action_parameters(action_kind, entities)
            if action_kind is not None and entities is not None
            else None
        )
        door_authorised = (
            action_kind is ActionKind.UNLOCK_DOOR
            and parameters is not None
            and self.venue.may_open_door(conv.customer_number, parameters.location)
        )
        prepared_answer = (
            self.venue.answer(intent, entities)
            if intent is not None and entities is not None and action_kind is None
            else None
        )
        situation = Situation(
            trigger=trigger,
            now=now,
            conversation=self._conversation_facts(conv, now, pending),
            sent_this_hour=budget.spent,
            classification=classification,
            confirmation_reply=answer,
            pending=_pending_facts(pending) if pending is not None else None,
            prepared_answer=prepared_answer,
            action_target_known=parameters is not None,
            door_authorised=door_authorised,
        )
        decision = decide(situation, settings)

        reply: str | None = None
        new_action: PendingAction | None = None
        if pending is None and decision.kind in (
            DecisionKind.REQUEST_CONFIRMATION,
            DecisionKind.EXECUTE,
        ):
            if action_kind is None or parameters is None:
                msg = "the policy chose an action without a known target"
                raise InvariantError(msg)
            feature = settings.feature(decision.intent) or FeatureSettings()
            if action_kind is ActionKind.UNLOCK_DOOR:
                parameters = attrs.evolve(
                    parameters, unlock_seconds=settings.globals.door_unlock_seconds
                )
            new_action = PendingAction(
                conversation_id=conv.id,
                decision_number=conv.next_decision_number,
                customer_number=conv.customer_number,
                kind=action_kind,
                intent=decision.intent,
                parameters=parameters,
                requires_confirmation=feature.requires_confirmation,
                requires_approval=feature.requires_approval,
                deadline=now + settings.globals.confirmation_timeout,
                at=now,
            )
            pending = new_action
        elif pending is not None and answer is not None:
            if decision.kind is DecisionKind.RESPOND:
                pending.decline(now)
            elif decision.kind in (DecisionKind.REQUEST_CONFIRMATION, DecisionKind.EXECUTE) or (
                decision.kind is DecisionKind.ESCALATE
                and decision.reason in (Reason.EMERGENCY_STOP, Reason.QUIET_HOURS)
                and answer is YesNo.YES
                and pending.approval_needed
            ):
                # A yes at the door handed to staff (the stop, the night) keeps the
                # customer's consent; the action still waits for staff to approve it.
                pending.confirm(now)
        if pending is not None and decision.reason is Reason.APPROVAL_REQUIRED:
            # The dispatcher alerts staff for this decision: remember they were asked.
            pending.request_approval(now)

        reply = self._wording(decision, pending, action_kind)
        if decision.sends_text:
            budget.spend(conv.id, now)
        else:
            budget = None  # type: ignore[assignment]
        number = conv.record_decision(
            decision,
            at=now,
            through=through,
            pending_action_id=pending.id if pending is not None else None,
            reply=reply,
            situation=situation,
        )
        changed_pending = pending if pending is not None and pending.pending_events else None
        return Outcome(
            notification_id=self._store(conv, changed_pending, budget),
            decision=decision,
            decision_number=number,
        )

    def _wording(
        self, decision: Decision, pending: PendingAction | None, action_kind: ActionKind | None
    ) -> str | None:
        kind = pending.kind if pending is not None else action_kind
        if decision.kind is DecisionKind.RESPOND:
            if decision.reason is Reason.ANSWERED_FROM_KNOWLEDGE:
                return decision.reply
            if decision.reason is Reason.CUSTOMER_DECLINED:
                return wording.declined()
            if kind is not None and decision.reason is Reason.DETAILS_NEEDED:
                return wording.details_needed(kind)
            if kind is not None and decision.reason is Reason.ALREADY_IN_PROGRESS:
                return wording.already_in_progress(kind)
            return decision.reply
        if decision.kind is DecisionKind.REQUEST_CONFIRMATION and pending is not None:
            target = self.describe(pending)
            if pending.confirmation_needed:
                return wording.confirmation_request(pending.kind, target)
            return wording.awaiting_approval(target)
        if decision.kind in (DecisionKind.SUGGEST, DecisionKind.ESCALATE):
            return decision.reply
        return None

    def describe(self, action: PendingAction) -> str:
        location = self.venue.location_name(action.parameters.location)
        return wording.describe_target(action.kind, action.parameters, location)

    # Staff on pending actions ---------------------------------------------------------------

    @retry_on_conflict
    def approve_action(self, action: UUID, actor: str, now: datetime) -> Outcome:
        pending = self.pending_action(action)
        pending.approve(actor, now)
        conv = self.conversation(pending.conversation_id)
        settings = self.settings()
        situation = Situation(
            trigger=Trigger.STAFF_APPROVAL,
            now=now,
            conversation=self._conversation_facts(conv, now),
            pending=_pending_facts(pending),
        )
        decision = decide(situation, settings)
        if decision.kind is DecisionKind.IGNORE and decision.reason is Reason.AWAITING_CONFIRMATION:
            # Approval first, customer later: the approval is kept, nothing else is decided.
            return Outcome(notification_id=self._store(pending))
        if decision.reason in _APPROVAL_SET_ASIDE:
            # Not acted on, so not kept: the action waits for an approval given once the
            # reason is gone, and shows so in the console.
            pending.ignore_approval(actor, decision.reason, now)
        conv.record_decision(decision, at=now, pending_action_id=pending.id, situation=situation)
        return Outcome(notification_id=self._store(conv, pending), decision=decision)

    @retry_on_conflict
    def reject_action(self, action: UUID, actor: str, reason: str, now: datetime) -> int | None:
        pending = self.pending_action(action)
        pending.reject(actor, reason, now)
        conv = self.conversation(pending.conversation_id)
        conv.release_awaiting(pending.id, now)
        return self._store(pending, conv)

    @retry_on_conflict
    def cancel_action(self, action: UUID, actor: str, reason: str, now: datetime) -> int | None:
        pending = self.pending_action(action)
        pending.cancel(actor, reason, now)
        conv = self.conversation(pending.conversation_id)
        conv.release_awaiting(pending.id, now)
        return self._store(pending, conv)

    @retry_on_conflict
    def expire_action(self, action: UUID, now: datetime) -> int | None:
        """Close an action whose deadline passed, and tell the customer it timed out."""
        pending = self.pending_action(action)
        if not pending.is_due_to_expire(now):
            return None
        pending.expire(now)
        conv = self.conversation(pending.conversation_id)
        conv.release_awaiting(pending.id, now)
        if not conv.opted_out and self.settings().emergency_stop is None:
            conv.queue_notice(wording.expired(pending.kind), now)
        return self._store(pending, conv)

    # Review queue and tickets ------------------------------------------------------------------

    @retry_on_conflict
    def record_suggestion_draft(
        self, conversation: UUID, number: int, draft: str, usage: LlmUsage, now: datetime
    ) -> int | None:
        """A language-model draft for a suggestion staff will review; never sent by itself."""
        conv = self.conversation(conversation)
        conv.record_suggestion_draft(number, draft, usage, now)
        return self._store(conv)

    @retry_on_conflict
    def approve_suggestion(
        self, conversation: UUID, number: int, actor: str, now: datetime
    ) -> int | None:
        self._refuse_staff_text_under_stop()
        conv = self.conversation(conversation)
        conv.approve_suggestion(number, actor, now)
        return self._store(conv)

    @retry_on_conflict
    def edit_and_send_suggestion(
        self, conversation: UUID, number: int, text: str, actor: str, now: datetime
    ) -> int | None:
        self._refuse_staff_text_under_stop()
        conv = self.conversation(conversation)
        conv.edit_and_send_suggestion(number, text, actor, now)
        return self._store(conv)

    def _refuse_staff_text_under_stop(self) -> None:
        """Approved under the stop, a suggestion would leave the queue and its reply be
        withheld for good: refused instead, it waits in the queue until the release."""
        if self.settings().emergency_stop is not None:
            msg = (
                "the emergency stop is engaged: claw texts no customer, so the suggestion "
                "stays in the queue; send it once the stop is released"
            )
            raise InvariantError(msg)

    @retry_on_conflict
    def reject_suggestion(
        self, conversation: UUID, number: int, actor: str, reason: str, now: datetime
    ) -> int | None:
        conv = self.conversation(conversation)
        conv.reject_suggestion(number, actor, reason, now)
        return self._store(conv)

    @retry_on_conflict
    def resolve_ticket(
        self, conversation: UUID, number: int, actor: str, now: datetime
    ) -> int | None:
        conv = self.conversation(conversation)
        conv.resolve_ticket(number, actor, now)
        return self._store(conv)

    # Effects: what the dispatcher records ---------------------------------------------------------

    def record_effect(
        self, *aggregates: Aggregate | None, tracking: Tracking | None = None
    ) -> int | None:
        """Save an effect's outcome together with the dispatcher's position, atomically."""
        return self._store(*aggregates, tracking=tracking)


# A staff approval the policy does not act on for these reasons is recorded and taken
# back; kept, it would let a later yes run the action with nobody approving it again.
_APPROVAL_SET_ASIDE = frozenset({Reason.EMERGENCY_STOP, Reason.OPTED_OUT, Reason.ACTIONS_DISABLED})


def _snapshot_due(aggregate: Aggregate, new_events: int) -> bool:
    """Whether the events just collected passed a multiple of ``SNAPSHOT_INTERVAL``."""
    if type(aggregate) not in _SNAPSHOT_CLASSES:
        return False
    return aggregate.version // SNAPSHOT_INTERVAL > (aggregate.version - new_events) // (
        SNAPSHOT_INTERVAL
    )


def _last_subscription_keyword(
    texts: Sequence[InboundText], *, opted_out: bool
) -> SubscriptionKeyword | None:
    """The customer's last word on texting, in the order they sent it ("STOP" then "START")."""
    found: SubscriptionKeyword | None = None
    for text in texts:
        keyword = recognise_subscription(text.body, opted_out=opted_out)
        if keyword is not None:
            found = keyword
            opted_out = keyword is SubscriptionKeyword.OPT_OUT
    return found


def _pending_facts(pending: PendingAction) -> PendingActionFacts:
    return PendingActionFacts(
        kind=pending.kind,
        intent=pending.intent,
        deadline=pending.deadline,
        confirmation_needed=pending.confirmation_needed,
        approval_needed=pending.approval_needed,
        approval_requested=pending.approval_requested,
    )


__all__ = [
    "ClawApplication",
    "IntakeResult",
    "InvariantError",
    "Outcome",
    "ReplyPurpose",
    "SettingsMissingError",
    "TextToUnderstand",
]
