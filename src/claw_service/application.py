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
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
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
from claw_adapters.persistence.sealing import customer_number_of
from claw_adapters.persistence.streams import select_streams
from claw_domain import wording
from claw_domain.action_target import action_target
from claw_domain.actions import describe_target
from claw_domain.budget import HourlyBudget, hour_start
from claw_domain.conversation import Conversation, SuggestionStatus
from claw_domain.conversation_snapshot import ConversationSnapshot
from claw_domain.decisions import (
    AlertForStaff,
    Consent,
    Decision,
    DecisionKind,
    Reason,
    StaffApproval,
)
from claw_domain.errors import InvariantError, NotFoundError
from claw_domain.identity import conversation_id
from claw_domain.missed_calls import A_MISSED_CALL
from claw_domain.outbox import (
    AlertContent,
    Cause,
    HoldReason,
    OutboundAlert,
    OutboundText,
    ReplyPurpose,
    is_own_outbound,
    outbox_for_decision,
)
from claw_domain.pending_action import FINISHED, ActionStatus, PendingAction
from claw_domain.policy import (
    ConversationFacts,
    LastActionFacts,
    PendingActionFacts,
    Situation,
    Trigger,
    decide,
)
from claw_domain.ports import AlertSeverity, FollowsKnowledge, KnowsLines, Venue
from claw_domain.settings import (
    AutomationSettings,
    FeatureSettings,
    GlobalSettings,
    SettingsSnapshot,
    settings_id,
)
from claw_domain.slots import (
    ConversationContext,
    missing_details,
    open_intent,
    read_in_context,
)
from claw_domain.triage import Handling, triage
from claw_domain.values import (
    Classification,
    InboundText,
    Intent,
    LlmUsage,
    YesNo,
)
from claw_service.history import conversation_history
from claw_service.holding_replies import with_holding_reply
from claw_service.retry import retry_on_conflict

# The latest actions read for the consecutive-failure count (more than the policy's rule needs).
ACTIONS_FOR_FAILURES = 5
# How far back an outgoing text seen on the line is looked for among claw's own: an echo
# arrives seconds after the send, so the last few decisions and actions are plenty.
ECHO_DECISIONS = 4
ECHO_ACTIONS = 2
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
    # The conversation so far, for a stage that reads in context (the LLM).
    context: ConversationContext | None = None


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
        self._settings_seen: AutomationSettings | None = None
        self._settings_lock = threading.Lock()

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
        with self._keys_ready(events):
            recordings: list[Recording[UUID]] = self.events.put(events, tracking=tracking)
        for aggregate in due_snapshots:
            self._put_snapshot(aggregate)
        self._notify(recordings)
        return recordings[-1].notification.id if recordings else None

    def _keys_ready(self, events: Sequence[Any]) -> AbstractContextManager[None]:
        """The customers' streams and keys, made ready for sealing these events at once."""
        keys = self.mapper.keys if isinstance(self.mapper, CattrsMapper) else None
        if keys is None:
            return nullcontext()
        return keys.ready_for((event.originator_id, customer_number_of(event)) for event in events)

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

    def outbound_text(self, text: UUID) -> OutboundText:
        return self._get(text, OutboundText)

    def outbound_alert(self, alert: UUID) -> OutboundAlert:
        return self._get(alert, OutboundAlert)

    def texts_of(self, conv: Conversation) -> list[OutboundText]:
        """Every text claw queued for this conversation, oldest first (their ids are derived)."""
        ids = self._text_ids(conv, self._opened_actions(conv))
        found = self._outbox_items(ids, OutboundText)
        return sorted(found, key=lambda text: (text.queued_at, text.cause))

    def alerts_of(self, conv: Conversation) -> list[OutboundAlert]:
        """Every alert to staff about this conversation, oldest first (their ids are derived)."""
        streams = self.outbox_streams(conv).values()
        found = [
            alert for events in streams if isinstance(alert := _replay(None, events), OutboundAlert)
        ]
        return sorted(found, key=lambda alert: (alert.raised_at, alert.cause))

    def outbox_streams(
        self, conv: Conversation, actions: Sequence[UUID] | None = None
    ) -> dict[UUID, list[Any]]:
        """The events of every text and alert of this conversation, found by their causes.

        ``actions``: the pending actions it opened, when the caller has read them already.
        Two reads: the texts and alerts every decision and action could have caused,
        then the alerts about those of the texts that exist and went undelivered.
        """
        if actions is None:
            actions = self._opened_actions(conv)
        texts = self._text_ids(conv, actions)
        causes = [
            cause
            for number in range(1, conv.next_decision_number)
            for cause in (Cause.decision(number), Cause.approval(number))
        ] + [Cause.action_outcome(action_id) for action_id in actions]
        alerts = [OutboundAlert.create_id(conv.id, cause) for cause in causes]
        streams = self.read_streams(texts + alerts)
        # A text's undelivered alert is keyed by the text's id, which its cause derives.
        undelivered = [
            OutboundAlert.create_id(conv.id, Cause.text_undelivered(text))
            for text in texts
            if text in streams
        ]
        streams.update(self.read_streams(undelivered))
        return streams

    def read_streams(self, ids: Sequence[UUID]) -> dict[UUID, list[Any]]:
        """The events of many streams in one query (missing streams are left out).

        Outbox items are small aggregates of their own, so reading a conversation's
        texts and alerts one stream at a time cost a query per possible cause.
        """
        streams: dict[UUID, list[Any]] = {}
        for stored in select_streams(self.recorder, ids):
            event = self.mapper.to_domain_event(stored)
            streams.setdefault(event.originator_id, []).append(event)
        return streams

    def _outbox_items(self, ids: Sequence[UUID], kind: type[TAggregate]) -> list[TAggregate]:
        items = (_replay(None, events) for events in self.read_streams(ids).values())
        return [item for item in items if isinstance(item, kind)]

    def _opened_actions(self, conv: Conversation) -> tuple[UUID, ...]:
        return conversation_history(self, conv.id).action_ids

    @staticmethod
    def _text_ids(conv: Conversation, actions: Iterable[UUID]) -> list[UUID]:
        """The id of every text this conversation can have had, by its possible causes."""
        causes = (
            [
                cause
                for number in range(1, conv.next_decision_number)
                for cause in (
                    Cause.decision(number),
                    Cause.opt_out(number),
                    Cause.suggestion(number),
                )
            ]
            + [
                cause
                for action_id in actions
                for cause in (Cause.action_outcome(action_id), Cause.action_expired(action_id))
            ]
            + _console_text_causes(conv)
        )
        return [OutboundText.create_id(conv.id, cause) for cause in causes]

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
        """The settings as recorded now (by any process), read with one query.

        Every decision reads them (twice), and replaying the whole settings stream each
        time cost two queries and a decode of every change ever made. The last settings
        read are kept and brought up to date with only the changes recorded since.
        """
        with self._settings_lock:
            seen = self._settings_seen
        if seen is None:
            settings = self._find(settings_id(), AutomationSettings)
            if settings is None:
                msg = "automation settings are not initialised; run claw once with a knowledge file"
                raise SettingsMissingError(msg)
        else:
            changes = list(self.events.get(settings_id(), gt=seen.version))
            if not changes:
                return seen.snapshot()
            # The kept copy is never changed: another thread may be reading it.
            settings = _replay(copy.deepcopy(seen), changes)
        with self._settings_lock:
            if self._settings_seen is None or self._settings_seen.version < settings.version:
                self._settings_seen = settings
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

    @retry_on_conflict
    def receive_missed_call(
        self, venue_line: str, customer_number: str, call_id: str, now: datetime
    ) -> Outcome | None:
        """A call nobody answered: recorded on the caller's conversation and decided at once
        (``claw_domain/missed_calls.py``). There is nothing to understand, so no debounce
        and no model. None when the call was already recorded (a webhook redelivered)."""
        conv_id = conversation_id(venue_line, customer_number)
        conv = self._find(conv_id, Conversation) or Conversation(
            venue_line=venue_line, customer_number=customer_number, at=now
        )
        if not conv.record_missed_call(call_id, customer_number, now):
            return None
        return self._decide_and_store(
            conv,
            now,
            conv.processed_inbound,
            trigger=Trigger.MISSED_CALL,
            classification=A_MISSED_CALL,
        )

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
        elif is_own_outbound(self._recent_texts(conversation), vendor_message_id, body):
            return None
        backoff = self.settings().globals.staff_backoff
        conversation.record_staff_text(vendor_message_id, at, backoff)
        return self._store(conversation)

    def _recent_texts(self, conv: Conversation) -> list[OutboundText]:
        """The texts of the last few decisions and actions: where an echo of claw's own is."""
        first = max(1, conv.next_decision_number - ECHO_DECISIONS)
        causes = [
            cause
            for number in range(first, conv.next_decision_number)
            for cause in (Cause.decision(number), Cause.opt_out(number))
        ]
        causes += [
            Cause.suggestion(number)
            for number, suggestion in conv.suggestions.items()
            if suggestion.status in (SuggestionStatus.APPROVED, SuggestionStatus.EDITED)
        ][-ECHO_DECISIONS:]
        # Staff texts written in the console come back from OpenPhone as outgoing texts too.
        causes += _console_text_causes(conv)
        causes += [
            cause
            for action_id in conv.recent_action_ids[-ECHO_ACTIONS:]
            for cause in (Cause.action_outcome(action_id), Cause.action_expired(action_id))
        ]
        return self._outbox_items(
            [OutboundText.create_id(conv.id, cause) for cause in causes], OutboundText
        )

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
        pending = (
            self._find(conv.awaiting_action, PendingAction)
            if conv.awaiting_action is not None
            else None
        )
        triaged = triage(
            texts,
            opted_out=conv.opted_out,
            awaiting_open_action=pending is not None and pending.is_open,
            last_decision=conv.last_decision,
        )
        handling = triaged.handling
        if handling is Handling.OPT_OUT:
            confirmation = None
            if conv.opt_out(keyword=triaged.keyword, at=now):
                # The one text an opt-out gets, keyed by the decision recorded with it.
                confirmation = OutboundText.queue(
                    conv.id,
                    Cause.opt_out(conv.next_decision_number),
                    conv.customer_number,
                    triaged.notice or wording.opted_out(),
                    ReplyPurpose.OPT_OUT_CONFIRMATION,
                    now,
                    opted_out=True,
                )
            return self._decide_and_store(
                conv, now, through, trigger=Trigger.CUSTOMER_TEXT, also=confirmation
            )
        if handling is Handling.OPT_IN:
            conv.opt_in(keyword=triaged.keyword, at=now)
            conv.mark_processed(through, now)
            return Outcome(notification_id=self._store(conv))
        if handling is Handling.CONFIRMATION_REPLY:
            return self._decide_and_store(
                conv,
                now,
                through,
                trigger=Trigger.CONFIRMATION_REPLY,
                pending=pending,
                answer=triaged.answer,
            )
        if handling is Handling.FEEDBACK and triaged.classification is not None:
            classification = triaged.classification
            conv.record_feedback(positive=classification.intent is Intent.FEEDBACK_POSITIVE, at=now)
            conv.record_classification(classification, triaged.text, through, now)
            return self._decide_and_store(
                conv, now, through, trigger=Trigger.CUSTOMER_TEXT, classification=classification
            )
        return TextToUnderstand(
            conversation_id=conversation,
            text=triaged.text,
            through=through,
            correlation_id=texts[-1].correlation_id,
            context=conv.context(now),
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
        settings = self.settings()
        # "3" after "Which box?", "and on Saturday?" after an hours answer (``slots.py``).
        in_context = read_in_context(
            classification,
            text,
            waiting=conv.open_intent,
            answered=conv.last_answer,
            now=now,
            follow_up_window=settings.globals.confirmation_timeout,
        )
        if in_context is not None:
            classification = in_context.classification
            conv.record_understood_in_context(
                classification, in_context.use, in_context.intent, through, now
            )
        return self._decide_and_store(
            conv,
            now,
            through,
            trigger=Trigger.CUSTOMER_TEXT,
            classification=classification,
            settings=settings,
        )

    def _conversation_facts(
        self, conv: Conversation, loaded: PendingAction | None = None
    ) -> ConversationFacts:
        actions = self._latest_actions(conv, loaded)
        return ConversationFacts(
            is_own_number=self.venue.is_own_number(conv.customer_number),
            opted_out=conv.opted_out,
            staff_active_until=conv.staff_active_until,
            auto_replies_by_intent=dict(conv.auto_replies_by_intent),
            recent_inbound=conv.recent_inbound_times(),
            consecutive_failures=conv.consecutive_failures(actions),
            rapid_escalated_at=conv.rapid_escalated_at,
            last_action=self._last_action(actions),
            holding_reply_at=conv.holding_reply_at,
            missed_call_texted_at=conv.missed_call_texted_at,
        )

    def _latest_actions(
        self, conv: Conversation, loaded: PendingAction | None = None
    ) -> list[PendingAction]:
        """The conversation's latest pending actions, oldest first, each loaded once.

        ``loaded``: a pending action this command already read, so it is not read twice.
        """
        found = (
            loaded
            if loaded is not None and loaded.id == action
            else self._find(action, PendingAction)
            for action in conv.recent_action_ids[-ACTIONS_FOR_FAILURES:]
        )
        return [action for action in found if action is not None]

    def consecutive_failures(self, conversation: UUID) -> int:
        """Failed actions and "still broken" feedback since the last success, newest last."""
        conv = self.conversation(conversation)
        return conv.consecutive_failures(self._latest_actions(conv))

    @staticmethod
    def _last_action(actions: list[PendingAction]) -> LastActionFacts | None:
        last = actions[-1] if actions else None
        if last is None:
            return None
        return LastActionFacts(kind=last.kind, status=last.status, started_at=last.started_at)

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
        also: Aggregate | None = None,
        settings: SettingsSnapshot | None = None,
    ) -> Outcome:
        """Gather the facts, ask the policy, and apply and record what it decided."""
        settings = settings or self.settings()
        budget = self._budget(now)
        situation = self._situation(
            conv, now, trigger, budget.spent, classification, pending, answer
        )
        decision = decide(situation, settings)

        if pending is None and decision.kind in (
            DecisionKind.REQUEST_CONFIRMATION,
            DecisionKind.EXECUTE,
        ):
            if decision.opens is None:
                msg = "the policy chose an action without a known target"
                raise InvariantError(msg)
            opens = decision.opens
            pending = PendingAction(
                conversation_id=conv.id,
                decision_number=conv.next_decision_number,
                customer_number=conv.customer_number,
                kind=opens.kind,
                intent=decision.intent,
                parameters=opens.parameters,
                requires_confirmation=opens.requires_confirmation,
                requires_approval=opens.requires_approval,
                deadline=opens.deadline,
                at=now,
            )
        elif pending is not None and decision.consent is Consent.DECLINED:
            pending.decline(now)
        elif pending is not None and decision.consent is Consent.CONFIRMED:
            pending.confirm(now)
        if pending is not None and decision.asks_staff_to_approve:
            # The dispatcher alerts staff for this decision: remember they were asked.
            pending.request_approval(now)

        if decision.sends_text:
            budget.spend(conv.id, now)
        number = conv.record_decision(
            decision,
            at=now,
            through=through,
            pending_action_id=pending.id if pending is not None else None,
            reply=decision.reply,
            situation=situation,
        )
        if decision.reason is Reason.DETAILS_NEEDED and situation.classification is not None:
            # The question stays open as long as a pending action would.
            conv.request_details(
                open_intent(
                    situation.classification,
                    situation.missing_details,
                    situation.details_asked + 1,
                    now + settings.globals.confirmation_timeout,
                ),
                now,
            )
        changed_pending = pending if pending is not None and pending.pending_events else None
        text, alert = outbox_for_decision(
            conv.id,
            conv.customer_number,
            decision,
            number,
            decision.reply,
            _alert_content(decision.alert),
            now,
            opted_out=conv.opted_out,
            action_id=pending.id if pending is not None else None,
        )
        return Outcome(
            notification_id=self._store(
                conv, changed_pending, budget if decision.sends_text else None, also, text, alert
            ),
            decision=decision,
            decision_number=number,
        )

    def _situation(
        self,
        conv: Conversation,
        now: datetime,
        trigger: Trigger,
        sent_this_hour: int,
        classification: Classification | None,
        pending: PendingAction | None,
        answer: YesNo | None,
    ) -> Situation:
        """Everything the policy reads, gathered from the conversation, the venue and the log."""
        # First: take up a newly published knowledge version, so the reads below use one.
        venue = self.venue
        knowledge_version = venue.follow() if isinstance(venue, FollowsKnowledge) else None
        entities = classification.entities if classification else None
        if entities is not None and entities.location is None and isinstance(venue, KnowsLines):
            # A text to a location's own line is about that location unless it says otherwise.
            line_location = venue.location_of_line(conv.venue_line)
            if line_location is not None:
                entities = attrs.evolve(entities, location=line_location)
        intent = classification.intent if classification else None
        wanted = action_target(self.venue, intent, entities, conv.customer_number)
        action_kind, target, authorised = wanted.kind, wanted.target, wanted.authorised
        # Found by the venue, even if incomplete: then the customer cannot add what is missing.
        named_target = wanted.named
        prepared_answer = (
            self.venue.answer(intent, entities)
            if intent is not None and entities is not None and action_kind is None
            else None
        )
        waiting = conv.open_intent
        if waiting is not None and not (waiting.is_open(now) and waiting.intent is intent):
            waiting = None
        missing = (
            missing_details(
                action_kind,
                entities,
                location_known=self.venue.known_location(entities) is not None,
                target_found=named_target,
            )
            if action_kind is not None and entities is not None
            else ()
        )
        target_location = (
            pending.parameters.location
            if pending is not None
            else (target.location if target is not None else None)
        )
        situation = Situation(
            trigger=trigger,
            now=now,
            conversation=self._conversation_facts(conv, pending),
            sent_this_hour=sent_this_hour,
            classification=classification,
            confirmation_reply=answer,
            pending=_pending_facts(pending) if pending is not None else None,
            prepared_answer=prepared_answer,
            action_target_known=target is not None,
            door_authorised=authorised,
            target=target,
            location_name=(
                self.venue.location_name(target_location) if target_location is not None else ""
            ),
            customer_number=conv.customer_number,
            text=conv.inbound[-1].body if conv.inbound else "",
            missing_details=missing,
            details_asked=waiting.asked if waiting is not None else 0,
            details_still_missing=waiting is not None and set(waiting.missing) <= set(missing),
            knowledge_version=knowledge_version,
        )
        return with_holding_reply(situation, venue)

    def describe(self, action: PendingAction) -> str:
        """The action's target as claw names it to the customer."""
        location = self.venue.location_name(action.parameters.location)
        return describe_target(action.kind, action.parameters, location)

    # Staff on pending actions ---------------------------------------------------------------

    @retry_on_conflict
    def approve_action(self, action: UUID, actor: str, now: datetime) -> Outcome:
        pending = self.pending_action(action)
        pending.approve(actor, now)
        conv = self.conversation(pending.conversation_id)
        settings = self.settings()
        situation = self._situation(
            conv,
            now,
            Trigger.STAFF_APPROVAL,
            self._budget(now).spent,
            classification=None,
            pending=pending,
            answer=None,
        )
        decision = decide(situation, settings)
        if decision.staff_approval is StaffApproval.KEPT_UNTIL_CONFIRMED:
            # Approval first, customer later: the approval is kept, nothing else is decided.
            return Outcome(notification_id=self._store(pending))
        if decision.staff_approval is StaffApproval.SET_ASIDE:
            # Not acted on, so not kept: the action waits for an approval given once the
            # reason is gone, and shows so in the console.
            pending.ignore_approval(actor, decision.reason, now)
        number = conv.record_decision(
            decision, at=now, pending_action_id=pending.id, situation=situation
        )
        text, alert = outbox_for_decision(
            conv.id,
            conv.customer_number,
            decision,
            number,
            None,
            _alert_content(decision.alert),
            now,
            opted_out=conv.opted_out,
            action_id=pending.id,
        )
        return Outcome(
            notification_id=self._store(conv, pending, text, alert),
            decision=decision,
            decision_number=number,
        )

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
        notice = None
        if not conv.opted_out and self.settings().emergency_stop is None:
            notice = OutboundText.queue(
                conv.id,
                Cause.action_expired(pending.id),
                conv.customer_number,
                wording.expired(pending.kind),
                ReplyPurpose.NOTICE,
                now,
                opted_out=conv.opted_out,
            )
        return self._store(pending, conv, notice)

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
        self,
        conversation: UUID,
        number: int,
        actor: str,
        now: datetime,
        shown: str | None = None,
    ) -> int | None:
        """Approve a suggestion; ``shown`` is the text in staff's box, and it is what goes
        out (recorded as an edit when it differs from the draft)."""
        self._refuse_staff_text_under_stop()
        conv = self.conversation(conversation)
        if shown is None:
            conv.approve_suggestion(number, actor, now)
            body = conv.suggestions[number].draft or ""
        else:
            conv.send_suggestion_as_shown(number, shown, actor, now)
            body = shown
        return self._store(conv, self._suggestion_text(conv, number, body, now))

    @retry_on_conflict
    def edit_and_send_suggestion(
        self, conversation: UUID, number: int, text: str, actor: str, now: datetime
    ) -> int | None:
        self._refuse_staff_text_under_stop()
        conv = self.conversation(conversation)
        conv.edit_and_send_suggestion(number, text, actor, now)
        return self._store(conv, self._suggestion_text(conv, number, text, now))

    @retry_on_conflict
    def write_to_customer(
        self, conversation: UUID, body: str, actor: str, now: datetime
    ) -> int | None:
        """A staff member texts the customer from the console; automation pauses there,
        as it does when staff text by hand (the staff back-off)."""
        self._refuse_staff_text_under_stop()
        conv = self.conversation(conversation)
        if conv.opted_out:
            msg = "the customer opted out of texts: claw sends them nothing until they opt in"
            raise InvariantError(msg)
        # Unique within the conversation (its version is), and it names who wrote.
        message_id = f"{CONSOLE_TEXT_PREFIX}{conv.version}-by-{actor}"
        conv.record_staff_text(message_id, now, self.settings().globals.staff_backoff)
        text = OutboundText.queue(
            conv.id,
            Cause.staff_message(message_id),
            conv.customer_number,
            body,
            ReplyPurpose.STAFF_MESSAGE,
            now,
            opted_out=conv.opted_out,
        )
        return self._store(conv, text)

    @staticmethod
    def _suggestion_text(conv: Conversation, number: int, body: str, now: datetime) -> OutboundText:
        return OutboundText.queue(
            conv.id,
            Cause.suggestion(number),
            conv.customer_number,
            body,
            ReplyPurpose.APPROVED_SUGGESTION,
            now,
            opted_out=conv.opted_out,
        )

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
    # Each saves one outcome with the dispatcher's position in the log (``tracking``) in the
    # same transaction, and writes only to outbox items and pending actions: never to a
    # conversation, so an outcome never conflicts with a customer's text.

    def record_dispatch_position(self, tracking: Tracking) -> None:
        """Notifications that called for no effect (or whose effect was already done)."""
        self._store(tracking=tracking)

    def record_text_sent(
        self, text: UUID, vendor_message_id: str, at: datetime, tracking: Tracking | None
    ) -> None:
        outbound = self.outbound_text(text)
        outbound.record_sent(vendor_message_id, at)
        self._store(outbound, tracking=tracking)

    def record_text_failed(
        self,
        text: UUID,
        error: str,
        at: datetime,
        tracking: Tracking | None,
        *,
        retryable: bool,
        alert_title: str | None = None,
    ) -> UUID | None:
        """One failed attempt; the last one raises ``alert_title`` with staff in the same write.

        Returns the alert's id, for the dispatcher to send.
        """
        outbound = self.outbound_text(text)
        if not outbound.is_queued:
            # An opt-out or the stop withheld it meanwhile: nothing left to record.
            self._store(tracking=tracking)
            return None
        outbound.record_failed(error, retryable=retryable, at=at)
        alert = None
        if alert_title is not None:
            alert = OutboundAlert.raise_alert(
                outbound.conversation_id,
                Cause.text_undelivered(outbound.id),
                outbound.customer_number,
                AlertContent(alert_title, error),
                at,
            )
        self._store(outbound, alert, tracking=tracking)
        return alert.id if alert is not None else None

    @retry_on_conflict
    def withhold_text(
        self, text: UUID, reason: HoldReason, at: datetime, tracking: Tracking | None
    ) -> None:
        """The stop, an opt-out or a forgetting holds a queued text back (``claw forget``
        too, from another process: hence the retry)."""
        outbound = self.outbound_text(text)
        outbound.withhold(reason, at)
        self._store(outbound, tracking=tracking)

    def record_alert_outcome(
        self,
        alert: UUID,
        at: datetime,
        tracking: Tracking | None,
        *,
        delivered: bool,
        detail: str = "",
    ) -> None:
        outbound = self.outbound_alert(alert)
        if delivered:
            outbound.record_delivered(detail, at)
        else:
            outbound.record_failed(detail, at)
        self._store(outbound, tracking=tracking)

    def drop_alert(self, alert: UUID, reason: str, at: datetime, tracking: Tracking | None) -> None:
        outbound = self.outbound_alert(alert)
        outbound.drop(reason, at)
        self._store(outbound, tracking=tracking)

    def start_action(self, action: UUID, at: datetime) -> PendingAction:
        """``ExecutionStarted``, saved before the vendor is called: at most once."""
        pending = self.pending_action(action)
        pending.start_execution(at)
        self._store(pending)
        return pending

    def hold_action(
        self, action: UUID, reason: HoldReason, at: datetime, tracking: Tracking | None
    ) -> None:
        """The stop or an opt-out came in after the decision: the action never runs."""
        pending = self.pending_action(action)
        if pending.is_open:  # staff may have closed it a moment ago: nothing left to hold
            pending.cancel("claw", f"held back: {reason.value}", at)
        self._store(pending, tracking=tracking)

    def finish_action(
        self,
        action: PendingAction,
        notice: str,
        alert: AlertContent | None,
        at: datetime,
        tracking: Tracking | None,
    ) -> tuple[UUID | None, UUID | None]:
        """Save how an action ended, with the text that tells the customer and any alert.

        ``action`` is the dispatcher's copy with the outcome applied (succeeded, failed,
        outcome unknown, expired): only the dispatcher writes to an action once it is
        ready, so the save cannot lose a race. The customer's text and the staff alert are
        keyed by the action, and saved in the same write. Returns their ids.
        """
        if action.status not in (*FINISHED, ActionStatus.EXPIRED):
            msg = f"an action the dispatcher finishes has an outcome; this one is {action.status}"
            raise InvariantError(msg)
        conv = self.conversation(action.conversation_id)
        text = None
        if not conv.opted_out:
            text = OutboundText.queue(
                conv.id,
                Cause.action_outcome(action.id),
                conv.customer_number,
                notice,
                ReplyPurpose.ACTION_UPDATE,
                at,
                opted_out=False,
            )
        raised = None
        if alert is not None:
            raised = OutboundAlert.raise_alert(
                conv.id, Cause.action_outcome(action.id), conv.customer_number, alert, at
            )
        self._store(action, text, raised, tracking=tracking)
        return (text.id if text else None, raised.id if raised else None)


def _alert_content(alert: AlertForStaff | None) -> AlertContent | None:
    """The staff alert a decision carries, as the outbox raises it."""
    if alert is None:
        return None
    severity = AlertSeverity.URGENT if alert.urgent else AlertSeverity.INFO
    return AlertContent(alert.title, alert.body, severity)


def _snapshot_due(aggregate: Aggregate, new_events: int) -> bool:
    """Whether the events just collected passed a multiple of ``SNAPSHOT_INTERVAL``."""
    if type(aggregate) not in _SNAPSHOT_CLASSES:
        return False
    return aggregate.version // SNAPSHOT_INTERVAL > (aggregate.version - new_events) // (
        SNAPSHOT_INTERVAL
    )


def _pending_facts(pending: PendingAction) -> PendingActionFacts:
    return PendingActionFacts(
        kind=pending.kind,
        intent=pending.intent,
        deadline=pending.deadline,
        confirmation_needed=pending.confirmation_needed,
        approval_needed=pending.approval_needed,
        approval_requested=pending.approval_requested,
        parameters=pending.parameters,
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


# The message id a staff text written in the console gets (OpenPhone's ids start "AC").
CONSOLE_TEXT_PREFIX = "console-"


def _console_text_causes(conv: Conversation) -> list[str]:
    """The texts staff wrote in the console (``write_to_customer``), as far as kept."""
    return [
        Cause.staff_message(m) for m in conv.staff_message_ids if m.startswith(CONSOLE_TEXT_PREFIX)
    ]
