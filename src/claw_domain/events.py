"""Every event class the read side and the followers route by, under its own name.

The library makes a class for each ``@event("Name")`` command method at import
time, so type checkers cannot see ``Conversation.TextReceived``. Each is looked
up here once, by the name its decorator gives it (an unknown name fails at
import, not later), so code elsewhere routes by class and never by a string.
The explicit classes (the decisions) are named here too, so one module lists
every event a follower can route.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from claw_domain.conversation import Conversation
from claw_domain.knowledge import Knowledge
from claw_domain.outbox import OutboundAlert, OutboundText
from claw_domain.pending_action import PendingAction
from claw_domain.settings import AutomationSettings
from claw_domain.users import UserAccount

EventClass = type[Aggregate.Event]


def _recorded(aggregate: type[Aggregate], name: str) -> EventClass:
    """The class the library made for ``@event(name)`` on ``aggregate``."""
    found = aggregate.__dict__.get(name)
    if not (isinstance(found, type) and issubclass(found, Aggregate.Event)):
        msg = f"{aggregate.__name__} records no event {name!r}"
        raise LookupError(msg)
    return found


# Conversation
ConversationStarted = _recorded(Conversation, "ConversationStarted")
TextReceived = _recorded(Conversation, "TextReceived")
CallMissed = _recorded(Conversation, "CallMissed")
StaffTextSent = _recorded(Conversation, "StaffTextSent")
OptedOut = _recorded(Conversation, "OptedOut")
OptedIn = _recorded(Conversation, "OptedIn")
TextsProcessed = _recorded(Conversation, "TextsProcessed")
TextClassified = _recorded(Conversation, "TextClassified")
FeedbackReceived = _recorded(Conversation, "FeedbackReceived")
UnderstoodInContext = _recorded(Conversation, "UnderstoodInContext")
DetailsRequested = _recorded(Conversation, "DetailsRequested")
NoticeQueued = _recorded(Conversation, "NoticeQueued")
ReplySent = _recorded(Conversation, "ReplySent")
ReplyFailed = _recorded(Conversation, "ReplyFailed")
ReplyOutcomeUnknown = _recorded(Conversation, "ReplyOutcomeUnknown")
ReplyWithheld = _recorded(Conversation, "ReplyWithheld")
SuggestionDrafted = _recorded(Conversation, "SuggestionDrafted")
SuggestionApproved = _recorded(Conversation, "SuggestionApproved")
SuggestionEdited = _recorded(Conversation, "SuggestionEdited")
SuggestionRevised = _recorded(Conversation, "SuggestionRevised")
SuggestionRejected = _recorded(Conversation, "SuggestionRejected")
TicketResolved = _recorded(Conversation, "TicketResolved")
ActionResultNoted = _recorded(Conversation, "ActionResultNoted")
AwaitedActionClosed = _recorded(Conversation, "AwaitedActionClosed")
CustomerForgotten = _recorded(Conversation, "CustomerForgotten")
StaffAlertRecorded = _recorded(Conversation, "StaffAlertRecorded")
DecidedToRespond: EventClass = Conversation.DecidedToRespond
DecidedToSuggest: EventClass = Conversation.DecidedToSuggest
DecidedToRequestConfirmation: EventClass = Conversation.DecidedToRequestConfirmation
DecidedToExecute: EventClass = Conversation.DecidedToExecute
DecidedToEscalate: EventClass = Conversation.DecidedToEscalate
DecidedToIgnore: EventClass = Conversation.DecidedToIgnore
# PendingAction
ActionRequested = _recorded(PendingAction, "ActionRequested")
CustomerConfirmed = _recorded(PendingAction, "CustomerConfirmed")
CustomerDeclined = _recorded(PendingAction, "CustomerDeclined")
StaffApproved = _recorded(PendingAction, "StaffApproved")
ApprovalRequested = _recorded(PendingAction, "ApprovalRequested")
StaffApprovalIgnored = _recorded(PendingAction, "StaffApprovalIgnored")
StaffRejected = _recorded(PendingAction, "StaffRejected")
ActionCancelled = _recorded(PendingAction, "ActionCancelled")
ActionExpired = _recorded(PendingAction, "ActionExpired")
ExecutionStarted = _recorded(PendingAction, "ExecutionStarted")
ActionSucceeded = _recorded(PendingAction, "ActionSucceeded")
ActionFailed = _recorded(PendingAction, "ActionFailed")
ActionOutcomeUnknown = _recorded(PendingAction, "ActionOutcomeUnknown")
# OutboundText and OutboundAlert: what claw sends, each its own aggregate
TextQueued = _recorded(OutboundText, "TextQueued")
TextSent = _recorded(OutboundText, "TextSent")
TextFailed = _recorded(OutboundText, "TextFailed")
TextOutcomeUnknown = _recorded(OutboundText, "TextOutcomeUnknown")
TextWithheld = _recorded(OutboundText, "TextWithheld")
AlertRaised = _recorded(OutboundAlert, "AlertRaised")
AlertDelivered = _recorded(OutboundAlert, "AlertDelivered")
AlertFailed = _recorded(OutboundAlert, "AlertFailed")
AlertDropped = _recorded(OutboundAlert, "AlertDropped")
# AutomationSettings
SettingsInitialised = _recorded(AutomationSettings, "SettingsInitialised")
FeatureSettingsChanged = _recorded(AutomationSettings, "FeatureSettingsChanged")
GlobalSettingsChanged = _recorded(AutomationSettings, "GlobalSettingsChanged")
EmergencyStopEngaged = _recorded(AutomationSettings, "EmergencyStopEngaged")
EmergencyStopReleased = _recorded(AutomationSettings, "EmergencyStopReleased")
# Knowledge
KnowledgeStarted = _recorded(Knowledge, "KnowledgeStarted")
KnowledgeDraftEdited = _recorded(Knowledge, "KnowledgeDraftEdited")
KnowledgeDraftDiscarded = _recorded(Knowledge, "KnowledgeDraftDiscarded")
KnowledgePublished = _recorded(Knowledge, "KnowledgePublished")
AnswerProposed = _recorded(Knowledge, "AnswerProposed")
AnswerLearningAdvanced = _recorded(Knowledge, "AnswerLearningAdvanced")
ProposalAccepted = _recorded(Knowledge, "ProposalAccepted")
ProposalDismissed = _recorded(Knowledge, "ProposalDismissed")

# Every class above: what a reader of whole streams (the incident timeline) shows.
EVERY_EVENT: frozenset[EventClass] = frozenset(
    {
        ConversationStarted,
        TextReceived,
        CallMissed,
        StaffTextSent,
        OptedOut,
        OptedIn,
        TextsProcessed,
        TextClassified,
        FeedbackReceived,
        UnderstoodInContext,
        DetailsRequested,
        NoticeQueued,
        ReplySent,
        ReplyFailed,
        ReplyOutcomeUnknown,
        ReplyWithheld,
        SuggestionDrafted,
        SuggestionApproved,
        SuggestionEdited,
        SuggestionRevised,
        SuggestionRejected,
        TicketResolved,
        ActionResultNoted,
        AwaitedActionClosed,
        CustomerForgotten,
        StaffAlertRecorded,
        DecidedToRespond,
        DecidedToSuggest,
        DecidedToRequestConfirmation,
        DecidedToExecute,
        DecidedToEscalate,
        DecidedToIgnore,
        ActionRequested,
        CustomerConfirmed,
        CustomerDeclined,
        StaffApproved,
        ApprovalRequested,
        StaffApprovalIgnored,
        StaffRejected,
        ActionCancelled,
        ActionExpired,
        ExecutionStarted,
        ActionSucceeded,
        ActionFailed,
        ActionOutcomeUnknown,
        TextQueued,
        TextSent,
        TextFailed,
        TextOutcomeUnknown,
        TextWithheld,
        AlertRaised,
        AlertDelivered,
        AlertFailed,
        AlertDropped,
        SettingsInitialised,
        FeatureSettingsChanged,
        GlobalSettingsChanged,
        EmergencyStopEngaged,
        EmergencyStopReleased,
    }
)

# The venue's knowledge: read by the knowledge book and the answer learner, kept out of
# customers' timelines (its history is `claw knowledge history` and the console's page).
KNOWLEDGE_EVENTS: frozenset[EventClass] = frozenset(
    {
        KnowledgeStarted,
        KnowledgeDraftEdited,
        KnowledgeDraftDiscarded,
        KnowledgePublished,
        AnswerProposed,
        AnswerLearningAdvanced,
        ProposalAccepted,
        ProposalDismissed,
    }
)

# Console accounts: listed by the follower, never shown in a customer timeline.
UserAdded = _recorded(UserAccount, "UserAdded")
