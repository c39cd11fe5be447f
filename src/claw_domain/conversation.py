"""The conversation aggregate: one per venue line and customer number.

Everything claw hears, understands and decides in a conversation is an event
here. What claw sends (texts to the customer, alerts to staff) is not: each is its
own aggregate in ``claw_domain.outbox``, created in the same write as the decision
that causes it and written afterwards by the dispatcher alone, so the dispatcher
never writes to the stream customers append to. Command methods check invariants
and raise before any change; the ``@event`` bodies only apply the change, because
they re-run on every replay.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.errors import InvariantError, NotFoundError
from claw_domain.holding import is_holding_reply
from claw_domain.identity import conversation_id
from claw_domain.outbox import ReplyPurpose
from claw_domain.pending_action import FINISHED, ActionStatus, PendingAction
from claw_domain.policy import LOOP_MESSAGES, RAPID_MESSAGES, Situation, Trigger
from claw_domain.privacy import FORGOTTEN
from claw_domain.slots import (
    AnsweredIntent,
    ContextUse,
    ConversationContext,
    OpenIntent,
    answered_intent,
    context_of,
)
from claw_domain.values import Classification, InboundText, Intent, LlmUsage

T = TypeVar("T")
S = TypeVar("S")

# OpenPhone delivers one inbound text twice (message.received and message.created)
# with different ids; the same sender, text and near time is the same message. The
# twins report one message's own timestamp, so the window is short: a customer who
# says "yes" again a minute later (to a second confirmation) is a new text.
TWIN_WINDOW = timedelta(seconds=10)
# What the aggregate keeps is bounded, so a command costs the same in a conversation
# of 5,000 events as in a new one; the full history is in the log and the projections.
# Times of texts kept: the loop and rapid-message checks count texts within a window
# up to LOOP_MESSAGES, so the last that many times decide them.
RECENT_INBOUND_KEPT = max(LOOP_MESSAGES, RAPID_MESSAGES)
# Texts kept besides every one not yet processed: the twin check looks back 10 seconds,
# a staff alert quotes the last one.
RECENT_TEXTS_KEPT = 5
# Vendor message ids kept to recognise a webhook delivered again.
RECENT_MESSAGE_IDS_KEPT = 100
# Settled suggestions and tickets kept beside the open ones: a second click on a
# suggestion just approved is still recognised.
SETTLED_KEPT = 5
# Pending actions and staff message ids kept (newest last).
RECENT_ACTIONS_KEPT = 5
STAFF_MESSAGE_IDS_KEPT = 20

# Negative feedback times kept (since the last positive): enough for the repeated-failure rule.
NEGATIVE_FEEDBACK_KEPT = 10


class AlertOutcome(enum.StrEnum):
    """The outcome field of the legacy ``StaffAlertRecorded`` event."""

    SENT = "sent"
    FAILED = "failed"
    WITHHELD = "withheld"


class SuggestionStatus(enum.StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    EDITED = "edited"
    REJECTED = "rejected"


@attrs.define
class Suggestion:
    decision_number: int
    draft: str | None
    intent: Intent
    reason: Reason
    status: SuggestionStatus = SuggestionStatus.WAITING


@attrs.define
class Ticket:
    decision_number: int
    reason: Reason
    summary: str
    opened_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None


def _normalised(body: str) -> str:
    return " ".join(body.lower().split())


def _keep_last(items: list[T], kept: int) -> None:
    del items[: max(0, len(items) - kept)]


def _drop_old_settled(items: dict[int, S], settled: Callable[[S], bool]) -> None:
    """Keep every open item and the ``SETTLED_KEPT`` most recently numbered settled ones."""
    numbers = sorted(number for number, item in items.items() if settled(item))
    for number in numbers[: max(0, len(numbers) - SETTLED_KEPT)]:
        del items[number]


def _without_personal_words(decision: Decision) -> Decision:
    """The decision with the customer's words (quoted in its reply or alert) forgotten."""
    message, alert = decision.message, decision.alert
    return attrs.evolve(
        decision,
        message=attrs.evolve(message, text=FORGOTTEN) if message and message.text else message,
        alert=attrs.evolve(alert, body=FORGOTTEN) if alert is not None else None,
    )


# A suggestion for a question claw understood (staff send the answer): a follow-up
# continues it as it continues an automatic answer. Not a guess (low confidence).
_UNDERSTOOD_SUGGESTIONS = frozenset(
    {Reason.SUGGEST_MODE, Reason.REPLY_LIMIT, Reason.HOURLY_LIMIT, Reason.QUIET_HOURS}
)


def _answers_from_knowledge(decision: Decision) -> bool:
    """A question claw understood and answered, or suggested the answer to: what a
    follow-up ("and on Saturday?", "how much per month") can continue."""
    if decision.kind is DecisionKind.RESPOND:
        return decision.reason is Reason.ANSWERED_FROM_KNOWLEDGE
    return decision.kind is DecisionKind.SUGGEST and decision.reason in _UNDERSTOOD_SUGGESTIONS


def _suggestion_settled(suggestion: Suggestion) -> bool:
    return suggestion.status is not SuggestionStatus.WAITING


def _ticket_settled(ticket: Ticket) -> bool:
    return ticket.resolved_at is not None


class Conversation(Aggregate):
    """One customer's thread with one venue line."""

    @staticmethod
    def create_id(venue_line: str, customer_number: str) -> UUID:
        return conversation_id(venue_line, customer_number)

    @event("ConversationStarted")
    def __init__(self, venue_line: str, customer_number: str, at: datetime) -> None:
        self.venue_line = venue_line
        self.customer_number = customer_number
        # The recent texts: every unprocessed one and the last RECENT_TEXTS_KEPT.
        self.inbound: list[InboundText] = []
        self.inbound_times: list[datetime] = []  # when the last RECENT_INBOUND_KEPT were sent
        self.texts_received = 0
        self.recent_message_ids: list[str] = []
        self.processed_inbound = 0
        self.decision_count = 0
        self.last_decision: Decision | None = None
        # Open suggestions and tickets, and the last few settled (SETTLED_KEPT).
        self.suggestions: dict[int, Suggestion] = {}
        self.tickets: dict[int, Ticket] = {}
        self.opted_out = False
        self.staff_active_until: datetime | None = None
        self.auto_replies_by_intent: dict[Intent, int] = {}
        # Feedback since the last "thanks, it worked": with the pending actions' outcomes,
        # the service layer counts consecutive failures from it.
        self.positive_feedback_at: datetime | None = None
        self.negative_feedback_at: list[datetime] = []
        self.awaiting_action: UUID | None = None
        self.staff_message_ids: list[str] = []
        self.last_classification: Classification | None = None
        self.recent_action_ids: list[UUID] = []
        self.forgotten_at: datetime | None = None
        self.rapid_escalated_at: datetime | None = None
        # The one intent waiting for details claw asked for, and the last answered one
        # (what a follow-up continues): one of each, so bounded (``slots.py``).
        self.open_intent: OpenIntent | None = None
        self.last_answer: AnsweredIntent | None = None
        # When claw last told the customer staff would answer (claw_domain/holding.py).
        self.holding_reply_at: datetime | None = None
        # When claw last texted the customer about a call nobody answered.
        self.missed_call_texted_at: datetime | None = None

    # Queries -----------------------------------------------------------------

    def is_duplicate(self, text: InboundText) -> bool:
        """The same vendor id, or the same text from the same sender moments apart."""
        if text.message_id in self.recent_message_ids:
            return True
        body = _normalised(text.body)
        return any(
            _normalised(seen.body) == body and abs(seen.sent_at - text.sent_at) <= TWIN_WINDOW
            for seen in reversed(self.inbound)
        )

    def unprocessed(self) -> list[InboundText]:
        first_kept = self.texts_received - len(self.inbound)
        return self.inbound[self.processed_inbound - first_kept :]

    @property
    def last_action_id(self) -> UUID | None:
        """The pending action this conversation opened most recently."""
        return self.recent_action_ids[-1] if self.recent_action_ids else None

    def recent_inbound_times(self) -> tuple[datetime, ...]:
        return tuple(self.inbound_times)

    def consecutive_failures(self, latest_actions: Sequence[PendingAction]) -> int:
        """Failed actions and "still broken" feedback since the last success or "it works".

        Counted from this conversation's feedback and its latest actions' own outcomes,
        so nothing has to write an action's result onto the conversation.
        """
        outcomes: list[tuple[datetime, bool]] = [(at, False) for at in self.negative_feedback_at]
        if self.positive_feedback_at is not None:
            outcomes.append((self.positive_feedback_at, True))
        outcomes += [
            (action.finished_at, action.status is ActionStatus.SUCCEEDED)
            for action in latest_actions
            if action.finished_at is not None and action.status in FINISHED
        ]
        failures = 0
        for _at, succeeded in sorted(outcomes, key=lambda outcome: outcome[0]):
            failures = 0 if succeeded else failures + 1
        return failures

    def context(self, now: datetime) -> ConversationContext:
        """What came before the unprocessed texts: the customer's last texts, claw's last reply."""
        first_kept = self.texts_received - len(self.inbound)
        earlier = self.inbound[: max(0, self.processed_inbound - first_kept)]
        last = self.last_decision
        return context_of(
            [text.body for text in earlier],
            last.reply if last is not None and last.sends_text else None,
            waiting=self.open_intent,
            answered=self.last_answer,
            now=now,
        )

    def staff_active(self, now: datetime) -> bool:
        return self.staff_active_until is not None and now < self.staff_active_until

    @property
    def next_decision_number(self) -> int:
        return self.decision_count + 1

    # Intake ------------------------------------------------------------------

    def receive_text(self, text: InboundText) -> None:
        # A forgotten customer's number reads as FORGOTTEN; their next text (same
        # conversation id) teaches the conversation the number again.
        other_customer = self.customer_number not in (FORGOTTEN, text.customer_number)
        if other_customer or text.venue_line != self.venue_line:
            msg = "a text for another conversation cannot be recorded here"
            raise InvariantError(msg)
        if self.is_duplicate(text):
            msg = f"text {text.message_id} was already received"
            raise InvariantError(msg)
        self._text_received(text=text)

    @event("TextReceived")
    def _text_received(self, text: InboundText) -> None:
        self.inbound.append(text)
        self.inbound_times.append(text.sent_at)
        _keep_last(self.inbound_times, RECENT_INBOUND_KEPT)
        self.texts_received += 1
        self.recent_message_ids.append(text.message_id)
        _keep_last(self.recent_message_ids, RECENT_MESSAGE_IDS_KEPT)
        self._drop_old_texts()
        if self.customer_number == FORGOTTEN:
            self.customer_number = text.customer_number

    def record_missed_call(self, call_id: str, customer_number: str, at: datetime) -> bool:
        """A call on the line nobody answered; False when it was already recorded
        (OpenPhone delivers a webhook again when it is not sure it arrived)."""
        if self.customer_number not in (FORGOTTEN, customer_number):
            msg = "a call from another number cannot be recorded here"
            raise InvariantError(msg)
        if call_id in self.recent_message_ids:
            return False
        self._call_missed(call_id=call_id, customer_number=customer_number, at=at)
        return True

    @event("CallMissed")
    def _call_missed(self, call_id: str, customer_number: str, at: datetime) -> None:
        self.recent_message_ids.append(call_id)
        _keep_last(self.recent_message_ids, RECENT_MESSAGE_IDS_KEPT)
        # A forgotten customer who calls again teaches the conversation the number again,
        # as a text does; the number is sealed with their new key like any text's.
        if self.customer_number == FORGOTTEN:
            self.customer_number = customer_number

    def _drop_old_texts(self) -> None:
        """Forget processed texts beyond the last RECENT_TEXTS_KEPT; never an unprocessed one."""
        first_kept = self.texts_received - len(self.inbound)
        processed_kept = self.processed_inbound - first_kept
        droppable = min(len(self.inbound) - RECENT_TEXTS_KEPT, processed_kept)
        if droppable > 0:
            del self.inbound[:droppable]

    def record_staff_text(self, message_id: str, at: datetime, backoff: timedelta) -> None:
        """Staff texted the customer by hand: claw backs off this conversation."""
        if message_id in self.staff_message_ids:
            return
        self._staff_text_sent(message_id=message_id, at=at, paused_until=at + backoff)

    @event("StaffTextSent")
    def _staff_text_sent(self, message_id: str, at: datetime, paused_until: datetime) -> None:
        self.staff_message_ids.append(message_id)
        _keep_last(self.staff_message_ids, STAFF_MESSAGE_IDS_KEPT)
        if self.staff_active_until is None or paused_until > self.staff_active_until:
            self.staff_active_until = paused_until

    def opt_out(self, keyword: str, at: datetime) -> bool:
        """Record the opt-out; True when it is new (and so owed its one confirmation).

        Texts already queued are held back by the dispatcher, which checks the
        opt-out again before every send.
        """
        if self.opted_out:
            return False
        self._opted_out(keyword=keyword, at=at)
        return True

    @event("OptedOut")
    def _opted_out(self, keyword: str, at: datetime) -> None:
        self.opted_out = True
        self.awaiting_action = None
        self.open_intent = None

    def opt_in(self, keyword: str, at: datetime) -> None:
        if self.opted_out:
            self._opted_in(keyword=keyword, at=at)

    @event("OptedIn")
    def _opted_in(self, keyword: str, at: datetime) -> None:
        self.opted_out = False

    def mark_processed(self, through: int, at: datetime) -> None:
        """Texts up to ``through`` were handled without a new decision (e.g. an opt-out)."""
        if through <= self.processed_inbound:
            return
        if through > self.texts_received:
            msg = "cannot mark texts processed that were never received"
            raise InvariantError(msg)
        self._texts_processed(through=through, at=at)

    @event("TextsProcessed")
    def _texts_processed(self, through: int, at: datetime) -> None:
        self.processed_inbound = through
        self._drop_old_texts()

    # Understanding -----------------------------------------------------------

    def record_classification(
        self, classification: Classification, text: str, through: int, at: datetime
    ) -> None:
        if through > self.texts_received or through <= 0:
            msg = "a classification must cover texts that were received"
            raise InvariantError(msg)
        self._text_classified(classification=classification, text=text, through=through, at=at)

    @event("TextClassified")
    def _text_classified(
        self, classification: Classification, text: str, through: int, at: datetime
    ) -> None:
        self.last_classification = classification

    def record_understood_in_context(
        self,
        classification: Classification,
        use: ContextUse,
        about: Intent,
        through: int,
        at: datetime,
    ) -> None:
        """The latest text read against the open intent or the last answer (``slots.py``)."""
        if through > self.texts_received or through <= 0:
            msg = "a reading in context must cover texts that were received"
            raise InvariantError(msg)
        self._understood_in_context(
            classification=classification, use=use, about=about, through=through, at=at
        )

    @event("UnderstoodInContext")
    def _understood_in_context(
        self,
        classification: Classification,
        use: ContextUse,
        about: Intent,
        through: int,
        at: datetime,
    ) -> None:
        self.last_classification = classification

    def request_details(self, waiting: OpenIntent, at: datetime) -> None:
        """Claw asked for what the intent still lacks; the next text is read against it."""
        if not waiting.is_open(at):
            msg = "an open intent must stay open for a while after it is asked about"
            raise InvariantError(msg)
        self._details_requested(waiting=waiting, at=at)

    @event("DetailsRequested")
    def _details_requested(self, waiting: OpenIntent, at: datetime) -> None:
        self.open_intent = waiting

    def record_feedback(self, positive: bool, at: datetime) -> None:
        self._feedback_received(positive=positive, at=at)

    @event("FeedbackReceived")
    def _feedback_received(self, positive: bool, at: datetime) -> None:
        if positive:
            self.positive_feedback_at = at
            self.negative_feedback_at = []
        else:
            self.negative_feedback_at = [*self.negative_feedback_at, at][-NEGATIVE_FEEDBACK_KEPT:]

    # Decisions ---------------------------------------------------------------

    def record_decision(
        self,
        decision: Decision,
        at: datetime,
        through: int | None = None,
        pending_action_id: UUID | None = None,
        reply: str | None = None,
        situation: Situation | None = None,
    ) -> int:
        """Record one decision, and queue the text it sends. Returns the decision number."""
        if through is not None and (through > self.texts_received or through < 0):
            msg = "a decision must cover texts that were received"
            raise InvariantError(msg)
        if decision.sends_text and (self.opted_out and decision.kind is not DecisionKind.EXECUTE):
            msg = "claw never texts an opted-out number"
            raise InvariantError(msg)
        if decision.kind is DecisionKind.REQUEST_CONFIRMATION and pending_action_id is None:
            msg = "a confirmation request needs the pending action it asks about"
            raise InvariantError(msg)
        number = self.next_decision_number
        self.trigger_event(
            _DECISION_EVENTS[decision.kind],
            number=number,
            decision=decision,
            through=self.processed_inbound if through is None else through,
            pending_action_id=pending_action_id,
            reply=reply,
            situation=situation,
            at=at,
        )
        return number

    class DecisionRecorded(Aggregate.Event):
        """The shape every decision event shares; each kind is a subclass below."""

        number: int
        decision: Decision
        through: int
        pending_action_id: UUID | None
        reply: str | None
        situation: Situation | None
        at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            if isinstance(aggregate, Conversation):
                aggregate._apply_decision(self)

    class DecidedToRespond(DecisionRecorded):
        """An automatic answer; its text is queued."""

    class DecidedToSuggest(DecisionRecorded):
        """A draft for the review queue; nothing is sent."""

    class DecidedToRequestConfirmation(DecisionRecorded):
        """A pending action was opened; the question (or 'waiting for staff') is queued."""

    class DecidedToExecute(DecisionRecorded):
        """A pending action has every consent; the dispatcher performs it."""

    class DecidedToEscalate(DecisionRecorded):
        """Staff must handle it: a ticket opens and staff are alerted."""

    class DecidedToIgnore(DecisionRecorded):
        """Recorded, nothing done (opted out, staff active, shadow mode...)."""

    def _apply_decision(self, recorded: DecisionRecorded) -> None:
        decision = recorded.decision
        number = recorded.number
        self.decision_count += 1
        self.last_decision = decision
        if (
            recorded.pending_action_id is not None
            and recorded.pending_action_id not in self.recent_action_ids
        ):
            self.recent_action_ids.append(recorded.pending_action_id)
            _keep_last(self.recent_action_ids, RECENT_ACTIONS_KEPT)
        self.processed_inbound = max(self.processed_inbound, recorded.through)
        self._drop_old_texts()
        # Only texts claw starts count towards the per-conversation limit; the
        # follow-ups of a confirmation the customer asked for do not.
        situation = recorded.situation
        started_by_customer_text = situation is None or situation.trigger in (
            Trigger.CUSTOMER_TEXT,
            Trigger.MISSED_CALL,
        )
        asks_for_details = decision.reason is Reason.DETAILS_NEEDED
        if started_by_customer_text and not asks_for_details:
            # Whatever claw decided on a new text, it no longer waits for the old details;
            # a new question is recorded after its decision (``DetailsRequested``).
            self.open_intent = None
        if (
            _answers_from_knowledge(decision)
            and situation is not None
            and situation.classification is not None
        ):
            self.last_answer = answered_intent(situation.classification, recorded.at)
        if decision.intent is Intent.MISSED_CALL and decision.sends_text:
            self.missed_call_texted_at = recorded.at
        holding = is_holding_reply(decision)
        if holding:
            self.holding_reply_at = recorded.at
        # A question about the request's details is part of that request, not a reply of
        # its own ("which box?" twice must leave room for the confirmation request), and
        # a holding reply answers nothing: neither uses the intent's automatic replies.
        if (
            decision.sends_text
            and started_by_customer_text
            and not asks_for_details
            and not holding
        ):
            self.auto_replies_by_intent[decision.intent] = (
                self.auto_replies_by_intent.get(decision.intent, 0) + 1
            )
        kind = decision.kind
        if kind is DecisionKind.ESCALATE and decision.reason is Reason.RAPID_MESSAGES:
            self.rapid_escalated_at = recorded.at
        if kind is DecisionKind.SUGGEST:
            self.suggestions[number] = Suggestion(
                decision_number=number,
                draft=recorded.reply if recorded.reply is not None else decision.reply,
                intent=decision.intent,
                reason=decision.reason,
            )
        elif kind is DecisionKind.ESCALATE:
            self.tickets[number] = Ticket(
                decision_number=number,
                reason=decision.reason,
                summary="" if holding else recorded.reply or "",
                opened_at=recorded.at,
            )
        if kind is DecisionKind.REQUEST_CONFIRMATION:
            self.awaiting_action = recorded.pending_action_id
        elif kind is DecisionKind.EXECUTE or (
            kind is DecisionKind.RESPOND and decision.reason is Reason.CUSTOMER_DECLINED
        ):
            self.awaiting_action = None

    # Review queue -------------------------------------------------------------

    def _waiting_suggestion(self, decision_number: int) -> Suggestion:
        suggestion = self.suggestions.get(decision_number)
        if suggestion is None:
            msg = f"no suggestion {decision_number} in this conversation"
            raise NotFoundError(msg)
        if suggestion.status is not SuggestionStatus.WAITING:
            msg = f"suggestion {decision_number} was already {suggestion.status}"
            raise InvariantError(msg)
        return suggestion

    def record_suggestion_draft(
        self, decision_number: int, draft: str, usage: LlmUsage, at: datetime
    ) -> None:
        suggestion = self._waiting_suggestion(decision_number)
        if suggestion.draft:
            return  # the knowledge base's answer stands; a model never overrides it
        if not draft.strip():
            msg = "an empty draft helps nobody"
            raise InvariantError(msg)
        self._suggestion_drafted(decision_number=decision_number, draft=draft, usage=usage, at=at)

    @event("SuggestionDrafted")
    def _suggestion_drafted(
        self, decision_number: int, draft: str, usage: LlmUsage, at: datetime
    ) -> None:
        self.suggestions[decision_number].draft = draft

    def approve_suggestion(self, decision_number: int, actor: str, at: datetime) -> None:
        suggestion = self._waiting_suggestion(decision_number)
        if not suggestion.draft:
            msg = "this suggestion has no draft to send: edit it first"
            raise InvariantError(msg)
        if self.opted_out:
            msg = "the customer opted out; claw never texts an opted-out number"
            raise InvariantError(msg)
        self._suggestion_approved(decision_number=decision_number, actor=actor, at=at)

    @event("SuggestionApproved")
    def _suggestion_approved(self, decision_number: int, actor: str, at: datetime) -> None:
        suggestion = self.suggestions[decision_number]
        suggestion.status = SuggestionStatus.APPROVED
        _drop_old_settled(self.suggestions, _suggestion_settled)

    def edit_and_send_suggestion(
        self, decision_number: int, text: str, actor: str, at: datetime
    ) -> None:
        suggestion = self._waiting_suggestion(decision_number)
        if not text.strip():
            msg = "an edited suggestion needs text to send"
            raise InvariantError(msg)
        if self.opted_out:
            msg = "the customer opted out; claw never texts an opted-out number"
            raise InvariantError(msg)
        # The draft staff changed is kept beside the text sent: the accuracy numbers
        # and the timeline show what claw would have said and what staff sent instead.
        self._suggestion_revised(
            decision_number=decision_number,
            draft=suggestion.draft or "",
            text=text,
            actor=actor,
            at=at,
        )

    def send_suggestion_as_shown(
        self, decision_number: int, text: str, actor: str, at: datetime
    ) -> None:
        """Staff pressed Approve on what the box shows: the draft unchanged is an
        approval, anything else is an edit (a box is never silently ignored)."""
        suggestion = self._waiting_suggestion(decision_number)
        if text.strip() == (suggestion.draft or "").strip():
            self.approve_suggestion(decision_number, actor, at)
        else:
            self.edit_and_send_suggestion(decision_number, text, actor, at)

    @event("SuggestionRevised")
    def _suggestion_revised(
        self, decision_number: int, draft: str, text: str, actor: str, at: datetime
    ) -> None:
        self.suggestions[decision_number].status = SuggestionStatus.EDITED
        _drop_old_settled(self.suggestions, _suggestion_settled)

    @event("SuggestionEdited")
    def _suggestion_edited(self, decision_number: int, text: str, actor: str, at: datetime) -> None:
        # Recorded before drafts were kept beside edits; still read, never written.
        self.suggestions[decision_number].status = SuggestionStatus.EDITED
        _drop_old_settled(self.suggestions, _suggestion_settled)

    def reject_suggestion(
        self, decision_number: int, actor: str, reason: str, at: datetime
    ) -> None:
        self._waiting_suggestion(decision_number)
        self._suggestion_rejected(
            decision_number=decision_number, actor=actor, reason=reason, at=at
        )

    @event("SuggestionRejected")
    def _suggestion_rejected(
        self, decision_number: int, actor: str, reason: str, at: datetime
    ) -> None:
        self.suggestions[decision_number].status = SuggestionStatus.REJECTED
        _drop_old_settled(self.suggestions, _suggestion_settled)

    # Tickets and actions -------------------------------------------------------

    def resolve_ticket(self, decision_number: int, actor: str, at: datetime) -> None:
        ticket = self.tickets.get(decision_number)
        if ticket is None:
            msg = f"no ticket {decision_number} in this conversation"
            raise NotFoundError(msg)
        if ticket.resolved_at is not None:
            return
        self._ticket_resolved(decision_number=decision_number, actor=actor, at=at)

    @event("TicketResolved")
    def _ticket_resolved(self, decision_number: int, actor: str, at: datetime) -> None:
        ticket = self.tickets[decision_number]
        ticket.resolved_at = at
        ticket.resolved_by = actor
        _drop_old_settled(self.tickets, _ticket_settled)

    def release_awaiting(self, action_id: UUID, at: datetime) -> None:
        """A pending action closed without the customer (expired, cancelled, rejected)."""
        if self.awaiting_action == action_id:
            self._awaiting_released(action_id=action_id, at=at)

    @event("AwaitedActionClosed")
    def _awaiting_released(self, action_id: UUID, at: datetime) -> None:
        self.awaiting_action = None

    # Privacy -----------------------------------------------------------------------

    def forget_customer(self, subject: str, actor: str, reason: str, at: datetime) -> None:
        """The customer's key was shredded: record who had them forgotten, and when.

        ``subject`` is a keyed hash of the number, never the number: this event
        must stay readable for the audit after everything personal is gone.
        """
        self._customer_forgotten(subject=subject, actor=actor, reason=reason, at=at)

    @event("CustomerForgotten")
    def _customer_forgotten(self, subject: str, actor: str, reason: str, at: datetime) -> None:
        self.customer_number = FORGOTTEN
        self.forgotten_at = at
        self.awaiting_action = None
        self._drop_personal_words()

    def _drop_personal_words(self) -> None:
        """What the customer wrote, or was written, reads as FORGOTTEN from here on.

        A replay after the key is shredded reads the same; doing it here makes it so
        even in a process that still holds the key, so no snapshot taken after the
        forgetting can carry the words on under a new key.
        """
        self.inbound = [
            attrs.evolve(text, customer_number=FORGOTTEN, body=FORGOTTEN) for text in self.inbound
        ]
        if self.last_decision is not None:
            self.last_decision = _without_personal_words(self.last_decision)
        for suggestion in self.suggestions.values():
            if suggestion.draft is not None:
                suggestion.draft = FORGOTTEN
        for ticket in self.tickets.values():
            ticket.summary = FORGOTTEN

    # Legacy events ------------------------------------------------------------------
    # Before the outbox (``claw_domain.outbox``) the dispatcher recorded what it sent on
    # the conversation. Those events stay in old databases: these classes keep them
    # decoding and replaying, and change nothing. The read side still folds them, so old
    # conversations show as before. Nothing records them any more.

    class LegacyEvent(Aggregate.Event):
        def apply(self, aggregate: Aggregate) -> None:
            """Harmless on replay: what it recorded now lives in the outbox aggregates."""

    class NoticeQueued(LegacyEvent):
        """Legacy: a text queued by an effect (now ``OutboundText.TextQueued``)."""

        number: int
        body: str
        purpose: ReplyPurpose
        at: datetime

    class ReplySent(LegacyEvent):
        """Legacy: now ``OutboundText.TextSent``."""

        number: int
        vendor_message_id: str
        at: datetime

    class ReplyFailed(LegacyEvent):
        """Legacy: now ``OutboundText.TextFailed``."""

        number: int
        error: str
        retryable: bool
        at: datetime

    class ReplyOutcomeUnknown(LegacyEvent):
        """Legacy: now ``OutboundText.TextOutcomeUnknown``."""

        number: int
        error: str
        at: datetime

    class ReplyWithheld(LegacyEvent):
        """Legacy: now ``OutboundText.TextWithheld``."""

        number: int
        reason: Reason
        at: datetime

    class ActionResultNoted(LegacyEvent):
        """Legacy: an action's result is read from the ``PendingAction`` itself now."""

        action_id: UUID
        succeeded: bool
        at: datetime

    class StaffAlertRecorded(LegacyEvent):
        """Legacy: now ``OutboundAlert`` (``AlertRaised`` and its outcome)."""

        subject: str
        outcome: AlertOutcome
        detail: str
        at: datetime


_DECISION_EVENTS: dict[DecisionKind, type[Conversation.DecisionRecorded]] = {
    DecisionKind.RESPOND: Conversation.DecidedToRespond,
    DecisionKind.SUGGEST: Conversation.DecidedToSuggest,
    DecisionKind.REQUEST_CONFIRMATION: Conversation.DecidedToRequestConfirmation,
    DecisionKind.EXECUTE: Conversation.DecidedToExecute,
    DecisionKind.ESCALATE: Conversation.DecidedToEscalate,
    DecisionKind.IGNORE: Conversation.DecidedToIgnore,
}
