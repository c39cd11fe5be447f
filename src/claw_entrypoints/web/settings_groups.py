"""The settings page groups features by risk, and says what each mode does.

Risk follows from what a feature can set off: words only (answers), a hardware
action the customer confirms first (confirmations), or a door (hardware, which an
admin approves).
"""

from __future__ import annotations

import enum

from claw_domain.actions import action_spec
from claw_domain.settings import FeatureMode
from claw_domain.values import ACTION_FOR_INTENT, Intent


class Risk(enum.StrEnum):
    ANSWERS = "answers"
    CONFIRMATIONS = "confirmations"
    HARDWARE = "hardware"


RISK_WORDS: dict[Risk, str] = {
    Risk.ANSWERS: "claw answers with words only; a wrong answer costs a correction.",
    Risk.CONFIRMATIONS: "claw sets off a device (a simulator reset) once the customer "
    "confirms by text.",
    Risk.HARDWARE: "claw opens a door: an admin approves each opening unless you change it.",
}

MODE_WORDS: dict[FeatureMode, str] = {
    FeatureMode.OFF: "claw leaves these texts to staff and does nothing itself.",
    FeatureMode.SHADOW: "claw decides and records what it would do, but sends and queues nothing.",
    FeatureMode.SUGGEST: "claw drafts a reply; staff approve it in the review queue first.",
    FeatureMode.AUTO: "claw answers or acts by itself, within the rails below.",
}


def risk_of(intent: Intent) -> Risk:
    action = ACTION_FOR_INTENT.get(intent)
    if action is None:
        return Risk.ANSWERS
    return Risk.HARDWARE if action_spec(action).approval_needs_admin else Risk.CONFIRMATIONS


def settings_groups() -> dict[str, object]:
    """What ``GET /api/settings`` adds for the page: the groups and the modes, in words."""
    return {
        "risks": [{"risk": risk.value, "words": RISK_WORDS[risk]} for risk in Risk],
        "mode_words": {mode.value: MODE_WORDS[mode] for mode in FeatureMode},
        "risk_of": {intent.value: risk_of(intent).value for intent in Intent},
    }
