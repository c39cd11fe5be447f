"""What claw says to customers about actions, in one place so replay says the same."""

from __future__ import annotations

from claw_domain.values import ActionKind, ActionParameters

_TARGET_QUESTION = {
    ActionKind.RESET_SIMULATOR: "Which location and box are you in? (e.g. 'Bedford box 2')",
    ActionKind.UNLOCK_DOOR: "Which location are you at?",
}


def describe_target(kind: ActionKind, parameters: ActionParameters, location_name: str) -> str:
    if kind is ActionKind.RESET_SIMULATOR:
        return f"the TrackMan in {location_name} box {parameters.box}"
    door = parameters.door_name or "front door"
    if location_name.lower() in door.lower():
        return f"the {door}"
    return f"the {door} at {location_name}"


def confirmation_request(kind: ActionKind, target: str) -> str:
    verb = "restart" if kind is ActionKind.RESET_SIMULATOR else "unlock"
    return f"I can {verb} {target} for you. Reply YES to go ahead or NO to cancel."


def awaiting_approval(target: str) -> str:
    return f"Thanks! A staff member needs to approve opening {target}; I'll text you shortly."


def details_needed(kind: ActionKind) -> str:
    return _TARGET_QUESTION[kind]


def already_in_progress(kind: ActionKind) -> str:
    if kind is ActionKind.RESET_SIMULATOR:
        return "That TrackMan is already restarting; give it a couple of minutes."
    return "The door is already being unlocked; try the handle in a moment."


def declined() -> str:
    return "No problem, I won't do anything. Text us if you need help."


def expired(kind: ActionKind) -> str:
    verb = "restart" if kind is ActionKind.RESET_SIMULATOR else "door unlock"
    return f"Your {verb} request timed out. Text again if you still need it."


def starting(kind: ActionKind, target: str) -> str:
    if kind is ActionKind.RESET_SIMULATOR:
        return f"Restarting {target} now. It takes about 2 minutes to come back."
    return f"Unlocking {target} now."


def device_offline(target: str) -> str:
    subject = f"{target[0].upper()}{target[1:]}"
    return f"{subject} looks offline, so I can't restart it. Staff have been alerted."


def action_failed(target: str) -> str:
    return f"Something went wrong with {target}. Staff have been alerted and will help shortly."


def action_outcome_unknown(target: str) -> str:
    return f"I couldn't confirm whether {target} responded. Staff have been alerted to check."


def opted_out() -> str:
    # Sent once per opt-out, as carriers expect; it names the way back.
    return "You're unsubscribed and won't get more texts from us. Reply START to resubscribe."
