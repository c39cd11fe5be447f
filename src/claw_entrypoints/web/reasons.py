"""Every decision reason in words an operator reads in the console's timeline."""

from __future__ import annotations

from claw_domain.decisions import Reason

# One line per reason; tests/contract/test_console_api.py checks that none is missing.
REASON_TEXT: dict[Reason, str] = {
    Reason.ANSWERED_FROM_KNOWLEDGE: "The venue's knowledge has the answer; the feature is on auto.",
    Reason.DETAILS_NEEDED: "claw needs the location or box before it can act, so it asked.",
    Reason.ALREADY_IN_PROGRESS: "The same action is already running for this customer.",
    Reason.CUSTOMER_DECLINED: "The customer said no to the pending action.",
    Reason.CONFIRMATION_REQUIRED: "This action needs the customer's YES before it runs.",
    Reason.APPROVAL_REQUIRED: "This action needs a staff member's approval before it runs.",
    Reason.CUSTOMER_CONFIRMED: "The customer confirmed and every other consent was in place.",
    Reason.APPROVED_BY_STAFF: "A staff member approved and every other consent was in place.",
    Reason.NO_CONFIRMATION_NEEDED: "The feature runs this action without asking first.",
    Reason.LOW_CONFIDENCE: "claw was less confident than the feature's threshold.",
    Reason.SUGGEST_MODE: "The feature is set to suggest: staff review drafts before sending.",
    Reason.NO_ANSWER_AVAILABLE: "The venue's knowledge has no answer for this.",
    Reason.AUTOMATIC_RESPONSES_DISABLED: "Automatic responses are switched off globally.",
    Reason.ACTIONS_DISABLED: "Executing actions is switched off globally.",
    Reason.REPLY_LIMIT: "The feature's maximum automatic replies for this conversation is reached.",
    Reason.HOURLY_LIMIT: "The venue's messages-per-hour budget is spent.",
    Reason.QUIET_HOURS: "It is within quiet hours, when claw sends nothing automatic.",
    Reason.EMERGENCY_STOP: (
        "The emergency stop is engaged: claw texts no customer and runs no action; "
        "staff are still alerted."
    ),
    Reason.FEATURE_OFF: "The feature is off: this topic always goes to staff.",
    Reason.UNKNOWN_INTENT: "claw could not tell what the customer wants.",
    Reason.BLACKLISTED_TOPIC: "The text mentions a topic only staff handle.",
    Reason.NEGATIVE_SENTIMENT: "The customer sounds unhappy, so a person should answer.",
    Reason.REPEATED_FAILURE: "Automatic help failed repeatedly in this conversation.",
    Reason.RAPID_MESSAGES: "The customer sent many texts in a short time.",
    Reason.DOOR_NOT_AUTHORISED: "The number is not a known member or booking for that door.",
    Reason.PROBLEM_REPORT: (
        "The customer reports something that went wrong with this topic; "
        "the how-to answer would not help, so a person should look."
    ),
    Reason.OTHER_LANGUAGE: (
        "The customer wrote in another language; claw answers in English, so a person should reply."
    ),
    Reason.DETAILS_NOT_GIVEN: (
        "claw asked twice for the location or box and still could not tell which, "
        "so a person takes over."
    ),
    Reason.OWN_NUMBER: "The text came from one of the venue's own numbers.",
    Reason.OPTED_OUT: "The customer opted out; claw never texts them.",
    Reason.CONVERSATION_LOOP: "The conversation looks like a loop between machines.",
    Reason.STAFF_ACTIVE: "Staff texted this customer recently, so claw backs off.",
    Reason.SHADOW_MODE: "The feature is in shadow mode: decided and recorded, never sent.",
    Reason.ACKNOWLEDGEMENT: "A thank-you or OK that needs no answer.",
    Reason.DEADLINE_PASSED: "The pending action's deadline had passed.",
    Reason.AWAITING_CONFIRMATION: "Approved, still waiting for the customer's confirmation.",
    Reason.AWAITING_APPROVAL: "The customer said yes again; staff were already asked to approve.",
    Reason.MISSED_CALL: "Nobody answered the customer's call; the feature is on auto.",
    Reason.MISSED_CALL_ALREADY_TEXTED: "claw texted this caller about a missed call this hour.",
}


def explain(reason: Reason) -> str:
    return REASON_TEXT.get(reason, reason.value.replace("_", " "))
