"""A conversation's timeline told in plain words: one line per step, in the venue's time.

``timeline`` lists every recorded event, which is what an incident review needs and
what nobody on a night shift wants to read: a door opening is some twenty events
(texts queued and sent, alerts raised and delivered, the action requested, started
and finished). ``story`` folds them into the steps a person would tell:

    21:04  Customer asked to unlock the front door at Bedford  "let me in"
    21:04  claw asked them to confirm
    21:05  They said yes
    21:05  claw asked staff to approve
    21:06  ada approved
    21:06  The front door at Bedford unlocked

No event class names, no vendor ids. What each step folds away (the texts and alerts
that carried it out, the classification) is in the full timeline; a text or alert
that did not go out is a step of its own, because then the story changed. A step that
says the customer was texted, when a dry-run messenger took the text (nothing left
the building), ends with "(dry run: not sent)".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from claw_adapters.projections.events import DECISIONS
from claw_domain import events as recorded_events
from claw_domain.actions import action_spec, describe_target
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.holding import is_holding_reply
from claw_domain.policy import Situation, Trigger
from claw_domain.values import ACTION_FOR_INTENT, ActionKind, Intent, YesNo
from claw_service.audit.timeline import TimelineEntry

# A customer's words quoted beside a step, cut to what a phone screen shows.
QUOTE_CHARS = 120
# Added to a step whose text a dry-run messenger took: recorded, never sent.
DRY_RUN_NOT_SENT = "(dry run: not sent)"


class Who:
    CUSTOMER = "customer"
    CLAW = "claw"
    STAFF = "staff"


@attrs.frozen
class StoryLine:
    """One step: when (the venue's time), who, and what happened in plain words."""

    at: datetime  # in the venue's time zone
    who: str
    text: str
    quote: str | None = None  # the customer's words, or what was sent, when it helps
    reason: Reason | None = None  # why claw did not simply answer (the console explains it)

    def to_json(self) -> dict[str, Any]:
        found = {
            "at": self.at.isoformat(),
            "day": f"{self.at:%a} {self.at.day} {self.at:%b}",
            "time": f"{self.at:%H:%M}",
            "who": self.who,
            "text": self.text,
            "quote": self.quote,
            "reason": self.reason.value if self.reason is not None else None,
        }
        return {name: value for name, value in found.items() if value is not None}


def story(entries: Sequence[TimelineEntry], timezone: str) -> list[StoryLine]:
    """The timeline's entries as the steps a person would tell, in ``timezone``."""
    teller = _Teller(ZoneInfo(timezone))
    for entry in entries:
        teller.add(entry)
    teller.flush_texts()
    return teller.lines


# An escalation's reasons as a person says them (the console adds the long explanation).
_HANDED_OVER = {
    Reason.BLACKLISTED_TOPIC: "only staff handle this topic",
    Reason.UNKNOWN_INTENT: "it did not understand",
    Reason.FEATURE_OFF: "claw does not handle this topic",
    Reason.NEGATIVE_SENTIMENT: "the customer sounds upset",
    Reason.REPEATED_FAILURE: "it did not work for them before",
    Reason.RAPID_MESSAGES: "they sent many texts at once",
    Reason.DOOR_NOT_AUTHORISED: "this number may not open that door",
    Reason.EMERGENCY_STOP: "the emergency stop is on",
    Reason.QUIET_HOURS: "it is quiet hours",
}
# Decisions to do nothing that are worth a line: claw was held back, not done.
_HELD_BACK = {
    Reason.OPTED_OUT: "claw did not answer: they opted out",
    Reason.STAFF_ACTIVE: "claw did not answer: staff are talking to them",
    Reason.SHADOW_MODE: "claw only noted it (shadow mode)",
    Reason.EMERGENCY_STOP: "claw did nothing: the emergency stop is on",
    Reason.CONVERSATION_LOOP: "claw stopped answering: this looks like a loop",
    Reason.DEADLINE_PASSED: "Too late: the request had already expired",
}
_TEXT_NOT_SENT = (
    recorded_events.TextWithheld,
    recorded_events.TextOutcomeUnknown,
    recorded_events.ReplyWithheld,
    recorded_events.ReplyOutcomeUnknown,
)


@attrs.define
class _Teller:
    zone: ZoneInfo
    lines: list[StoryLine] = attrs.Factory(list)
    # The customer's texts not yet told: told with the decision they led to.
    texts: list[TimelineEntry] = attrs.Factory(list)
    # Each pending action's words: what it is and its target, as the customer named it.
    actions: dict[UUID, tuple[ActionKind, str]] = attrs.Factory(dict)
    # Texts claw sent staff's way, to say which one did not go out.
    outbox_purpose: dict[UUID, str] = attrs.Factory(dict)
    # The step just told that says the customer was texted, waiting for its text to be
    # queued; then each queued text's step, to mark it if the text was never sent.
    texting_step: int | None = None
    step_of_text: dict[UUID, int] = attrs.Factory(dict)

    def say(self, entry: TimelineEntry, who: str, text: str, **more: Any) -> None:
        self.texting_step = None
        self.lines.append(StoryLine(at=entry.at.astimezone(self.zone), who=who, text=text, **more))

    def said_with_a_text(self) -> None:
        """The step just told says the customer was texted: the next queued text is its."""
        self.texting_step = len(self.lines) - 1

    def text_queued(self, entry: TimelineEntry) -> None:
        if self.texting_step is not None and entry.text_id is not None:
            self.step_of_text[entry.text_id] = self.texting_step
        self.texting_step = None

    def text_sent(self, entry: TimelineEntry) -> None:
        step = self.step_of_text.pop(entry.text_id, None) if entry.text_id else None
        if step is None or not entry.dry_run:
            return
        line = self.lines[step]
        # "and it was sent" would contradict the mark; the staff step keeps the rest.
        text = line.text.removesuffix(" and it was sent").removesuffix(" and sent it")
        self.lines[step] = attrs.evolve(line, text=f"{text} {DRY_RUN_NOT_SENT}")

    def add(self, entry: TimelineEntry) -> None:
        kind = entry.event_class
        if kind is recorded_events.TextReceived:
            self.texts.append(entry)
        elif kind is recorded_events.OptedOut:
            first, quote = self._customer_words()
            at = (first or entry.at).astimezone(self.zone)
            text = "They asked for no more texts (opted out)"
            self.lines.append(StoryLine(at=at, who=Who.CUSTOMER, text=text, quote=quote))
        elif kind in DECISIONS and entry.recorded_decision is not None:
            self.decided(entry, entry.recorded_decision, entry.situation)
        elif kind in _ALWAYS:
            self.flush_texts()
            _ALWAYS[kind](self, entry)
        elif kind is recorded_events.TextQueued:
            self.text_queued(entry)
        elif kind is recorded_events.TextSent:
            self.text_sent(entry)
        elif kind in _TEXT_NOT_SENT or kind is recorded_events.TextFailed:
            self.not_sent(entry)
        elif kind is recorded_events.AlertFailed:
            self.say(entry, Who.CLAW, "Telling staff failed", quote=entry.detail)

    def flush_texts(self) -> None:
        """Texts no decision answered (an opt-in, texts claw paused on) still happened."""
        for text in self.texts:
            self.say(text, Who.CUSTOMER, "Customer texted", quote=_quoted(text.body))
        self.texts.clear()

    def _customer_words(self) -> tuple[datetime | None, str | None]:
        if not self.texts:
            return None, None
        first = self.texts[0].at
        words = " / ".join(text.body or "" for text in self.texts)
        self.texts.clear()
        return first, _quoted(words)

    # Decisions ----------------------------------------------------------------------------

    def decided(
        self, entry: TimelineEntry, decision: Decision, situation: Situation | None
    ) -> None:
        self.texting_step = None
        target = self.remember_action(entry, decision, situation)
        trigger = situation.trigger if situation is not None else Trigger.CUSTOMER_TEXT
        if decision.reason is Reason.OPTED_OUT and not self.texts:
            return  # the opt-out itself was the step
        if trigger is Trigger.MISSED_CALL:
            self.flush_texts()  # texts waiting for an answer are their own step
        first, quote = self._customer_words()
        if trigger is Trigger.MISSED_CALL:
            self.say(entry, Who.CUSTOMER, "They called; nobody answered")
        elif trigger is Trigger.CONFIRMATION_REPLY and situation is not None:
            said = "yes" if situation.confirmation_reply is YesNo.YES else "no"
            self.lines.append(
                StoryLine(
                    at=(first or entry.at).astimezone(self.zone),
                    who=Who.CUSTOMER,
                    text=f"They said {said}",
                )
            )
        elif trigger is Trigger.CUSTOMER_TEXT and (quote is not None or first is not None):
            self.lines.append(
                StoryLine(
                    at=(first or entry.at).astimezone(self.zone),
                    who=Who.CUSTOMER,
                    text=_asked(decision, situation, target),
                    quote=quote,
                )
            )
        claw = _claw_did(decision, target)
        if claw is not None:
            reply = entry.body if decision.kind is DecisionKind.RESPOND else None
            self.say(entry, Who.CLAW, claw, quote=_quoted(reply), reason=_reason_shown(decision))
            # Asking staff to approve is the step, not the customer's "staff will approve".
            if decision.sends_text and not decision.asks_staff_to_approve:
                self.said_with_a_text()

    def remember_action(
        self, entry: TimelineEntry, decision: Decision, situation: Situation | None
    ) -> str | None:
        """The decision's action target in words, remembered for the action's later steps."""
        kind = decision.action
        if kind is None or situation is None:
            return None
        parameters = situation.pending.parameters if situation.pending else situation.target
        if parameters is None:
            return None
        target = describe_target(kind, parameters, situation.location_name)
        if entry.action_id is not None:
            self.actions[entry.action_id] = (kind, target)
        return target

    # Staff and the action -----------------------------------------------------------------

    def action_words(self, entry: TimelineEntry) -> tuple[ActionKind, str] | None:
        return self.actions.get(entry.action_id) if entry.action_id is not None else None

    def not_sent(self, entry: TimelineEntry) -> None:
        kind = entry.event_class
        if kind is recorded_events.TextFailed and "will retry" in entry.summary:
            return  # tried again; the text's last outcome is the step
        why = entry.detail.replace("_", " ") if entry.detail else "it was not sent"
        self.say(entry, Who.CLAW, f"claw's text did not go out ({why})", quote=_quoted(entry.body))


def _quoted(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "\u2026"


def _asked(decision: Decision, situation: Situation | None, target: str | None) -> str:
    """What the customer asked for, as staff would sum it up."""
    intent = decision.intent
    classification = situation.classification if situation is not None else None
    if classification is not None and classification.blacklisted_topic:
        return f"Customer wrote about {classification.blacklisted_topic.replace('_', ' ')}"
    if intent is Intent.FEEDBACK_POSITIVE:
        return "Customer said it worked"
    if intent is Intent.FEEDBACK_NEGATIVE:
        return "Customer said it still does not work"
    action = ACTION_FOR_INTENT.get(intent)
    if action is not None:
        words = action_spec(action).words
        return f"Customer asked to {words.verb} {target or 'a ' + words.target_noun}"
    if intent is Intent.OTHER:
        return "Customer texted"
    return f"Customer asked about {intent.value.replace('_', ' ')}"


def _claw_did(decision: Decision, target: str | None) -> str | None:
    """claw's step for a decision, or None when the step is told elsewhere."""
    kind, reason = decision.kind, decision.reason
    if kind is DecisionKind.RESPOND:
        if reason is Reason.DETAILS_NEEDED:
            return "claw asked which one they mean"
        if reason is Reason.ALREADY_IN_PROGRESS:
            return "claw told them it is already under way"
        if reason is Reason.CUSTOMER_DECLINED:
            return "claw cancelled the request"
        if reason is Reason.MISSED_CALL:
            return "claw texted them back"
        return "claw answered"
    if kind is DecisionKind.REQUEST_CONFIRMATION:
        if decision.asks_staff_to_approve:
            return "claw asked staff to approve"
        return "claw asked them to confirm"
    if kind is DecisionKind.EXECUTE:
        # The outcome is the step ("box 2 restarted"); a go-ahead without a yes is not.
        if reason is Reason.NO_CONFIRMATION_NEEDED and target is not None:
            return f"claw went ahead ({target})"
        return None
    if kind is DecisionKind.SUGGEST:
        return "claw drafted a reply for staff to review"
    if kind is DecisionKind.ESCALATE:
        why = _HANDED_OVER.get(reason)
        handed = f"claw handed it to staff ({why})" if why else "claw handed it to staff"
        if is_holding_reply(decision):
            return f"{handed} and told them a staff member will text back"
        return handed
    return _HELD_BACK.get(reason)


def _reason_shown(decision: Decision) -> Reason | None:
    if decision.kind in (DecisionKind.SUGGEST, DecisionKind.ESCALATE, DecisionKind.IGNORE):
        return decision.reason
    return None


def _target_or(teller: _Teller, entry: TimelineEntry, fallback: str) -> tuple[str, str]:
    """(the target in words, capitalised for a line's start, or the fallback; its 'done' word)."""
    words = teller.action_words(entry)
    if words is None:
        return fallback, "done"
    kind, target = words
    return target[0].upper() + target[1:], action_spec(kind).words.done


def _succeeded(teller: _Teller, entry: TimelineEntry) -> None:
    target, done = _target_or(teller, entry, "The action")
    teller.say(entry, Who.CLAW, f"{target} {done}")


def _failed(teller: _Teller, entry: TimelineEntry) -> None:
    target, _done = _target_or(teller, entry, "The action")
    teller.say(entry, Who.CLAW, f"{target}: it did not work", quote=entry.detail)


def _unknown(teller: _Teller, entry: TimelineEntry) -> None:
    target, done = _target_or(teller, entry, "The action")
    teller.say(entry, Who.CLAW, f"claw could not tell whether it was {done} ({target.lower()})")


def _expired(teller: _Teller, entry: TimelineEntry) -> None:
    teller.say(entry, Who.CLAW, "No answer in time: the request expired")


def _by_staff(verb: str) -> Any:
    def told(teller: _Teller, entry: TimelineEntry) -> None:
        who = entry.actor or "staff"
        teller.say(entry, Who.STAFF, f"{who} {verb}", quote=_quoted(entry.detail))

    return told


def _draft_changed(teller: _Teller, entry: TimelineEntry) -> None:
    who = entry.actor or "staff"
    teller.say(
        entry, Who.STAFF, f"{who} changed claw's draft and sent it", quote=_quoted(entry.body)
    )
    teller.said_with_a_text()


def _draft_sent(teller: _Teller, entry: TimelineEntry) -> None:
    who = entry.actor or "staff"
    teller.say(entry, Who.STAFF, f"{who} approved claw's draft and it was sent")
    teller.said_with_a_text()


def _staff_texted(teller: _Teller, entry: TimelineEntry) -> None:
    teller.say(entry, Who.STAFF, "Staff texted them by hand; claw paused here")


def _opted_in(teller: _Teller, entry: TimelineEntry) -> None:
    teller.say(entry, Who.CUSTOMER, "They opted back in")


def _stop(verb: str) -> Any:
    def told(teller: _Teller, entry: TimelineEntry) -> None:
        who = entry.actor or "staff"
        teller.say(entry, Who.STAFF, f"{who} {verb} the emergency stop", quote=entry.detail)

    return told


def _forgotten(teller: _Teller, entry: TimelineEntry) -> None:
    by = f" by {entry.actor}" if entry.actor else ""
    teller.say(entry, Who.STAFF, f"Customer's personal data forgotten{by}")


_ALWAYS: dict[type, Any] = {
    recorded_events.ActionSucceeded: _succeeded,
    recorded_events.ActionFailed: _failed,
    recorded_events.ActionOutcomeUnknown: _unknown,
    recorded_events.ActionExpired: _expired,
    recorded_events.StaffApproved: _by_staff("approved"),
    recorded_events.StaffRejected: _by_staff("rejected it"),
    recorded_events.ActionCancelled: _by_staff("cancelled it"),
    recorded_events.StaffApprovalIgnored: _by_staff("approved, but claw could not act on it"),
    recorded_events.SuggestionApproved: _draft_sent,
    recorded_events.SuggestionEdited: _draft_changed,
    recorded_events.SuggestionRevised: _draft_changed,
    recorded_events.SuggestionRejected: _by_staff("rejected claw's draft"),
    recorded_events.TicketResolved: _by_staff("marked it resolved"),
    recorded_events.StaffTextSent: _staff_texted,
    recorded_events.OptedIn: _opted_in,
    recorded_events.EmergencyStopEngaged: _stop("engaged"),
    recorded_events.EmergencyStopReleased: _stop("released"),
    recorded_events.CustomerForgotten: _forgotten,
}
