"""A fault on a device of the bay, read from the device and the phrasing (``device_faults.py``)."""

from __future__ import annotations

import pytest

from claw_domain.device_faults import device_fault_flow
from claw_domain.sentiment import reports_problem
from claw_domain.values import Intent


@pytest.mark.parametrize(
    ("text", "flow"),
    [
        ("the projector keeps blinking", Intent.TRACKMAN_RESET),
        ("Touchscreen is frozen solid", Intent.TRACKMAN_RESET),
        ("our camera isn't picking anything, keeps restarting", Intent.TRACKMAN_RESET),
        ("computer just died", Intent.TRACKMAN_RESET),
        ("the camera stopped detecting our swings", Intent.TRACKMAN_RESET),
        ("sensors aren't registering putts", Intent.TRACKMAN_RESET),
        ("the display went dark halfway through our round", Intent.TRACKMAN_RESET),
        ("the scoreboard monitor keeps cutting out", Intent.SIDE_SCREEN),
        ("wall tv has no signal", Intent.SIDE_SCREEN),
        ("the TV next to the projector is flickering", Intent.SIDE_SCREEN),
        ("keypad is dead at the front", Intent.DOOR_ACCESS),
        ("internet keeps dropping out", Intent.WIFI),
        ("the heater won't switch on", Intent.EQUIPMENT),
        ("A/C is buzzing really loud", Intent.EQUIPMENT),
        ("bulb above the mat is flickering", Intent.EQUIPMENT),
        ("remote's batteries are dead", Intent.EQUIPMENT),
        ("nice projector but the fan keeps rattling", Intent.EQUIPMENT),
    ],
)
def test_a_fault_on_a_device_goes_to_that_devices_flow(text: str, flow: Intent) -> None:
    assert device_fault_flow(text) is flow
    assert reports_problem(text)


@pytest.mark.parametrize(
    "text",
    [
        "does the projector do 4k",
        "does the sensor track putts",
        "can we plug a laptop into the tv",
        "is there a fan we can use",
        "it keeps freezing",  # no device: the conversation or a model must say which
        "the screen was stuck earlier but it's working now",
        "new projector is great, no more flickering",
        "the projector was flickering the whole time, not impressed",
        "our speaker kept cutting out all night",
        "the tv isn't glitching anymore, thanks",
        "the door won't open and the wifi is down",  # two problems
        "how do we turn on the lights",
    ],
)
def test_no_device_no_fault_or_several_is_no_single_flow(text: str) -> None:
    assert device_fault_flow(text) is None
