"""Incident review: the timeline of a conversation, and its decisions judged again.

A small story on the popo backend: a customer asks the hours (answered), a gift
card (suggested, understood by the LLM) and a TrackMan reset (confirmed, done).
"""

from __future__ import annotations

import asyncio
import json
from datetime import time, timedelta
from pathlib import Path

import pytest

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_domain.decisions import DecisionKind, Reason
from claw_domain.identity import conversation_id
from claw_domain.settings import (
    FeatureMode,
    FeatureSettings,
    GlobalSettings,
    QuietHours,
    SettingsSnapshot,
)
from claw_domain.values import (
    Classification,
    ClassificationSource,
    Entities,
    InboundText,
    Intent,
    LlmUsage,
)
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application, effect_ports
from claw_service.application import ClawApplication, TextToUnderstand
from claw_service.audit import (
    SettingsFileError,
    load_settings_file,
    settings_from_mapping,
    timeline,
    what_if,
)
from claw_service.dispatcher import EffectDispatcher
from fakes.venue import InMemoryVenue

LINE = "+19025550000"
ANN = "+19025551111"
ANN_CONVERSATION = conversation_id(LINE, ANN)
DECISIONS = {kind.value for kind in DecisionKind}
USAGE = LlmUsage("gpt-test", prompt_tokens=90, completion_tokens=6, cost_usd=0.0002)


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def story() -> tuple[ClawApplication, SettableClock]:
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    app.ensure_settings(
        {
            Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO),
            Intent.GIFT_CARD_PURCHASE: FeatureSettings(mode=FeatureMode.SUGGEST),
            Intent.TRACKMAN_RESET: FeatureSettings(
                mode=FeatureMode.AUTO, requires_confirmation=True
            ),
        },
        GlobalSettings(),
        "owner",
        clock.now(),
    )
    dispatcher = EffectDispatcher(
        app,
        effect_ports(MemoryMessenger(), MemoryDevices(), MemoryDoors(), MemoryStaff()),
        clock,
        sleep=_no_sleep,
    )
    said = [
        ("what are your hours", Classification(Intent.HOURS, 0.97, ClassificationSource.PATTERN)),
        (
            "gift card please",
            Classification(
                Intent.GIFT_CARD_PURCHASE, 0.88, ClassificationSource.LLM, llm_usage=USAGE
            ),
        ),
        (
            "trackman frozen box 2",
            Classification(
                Intent.TRACKMAN_RESET, 0.95, ClassificationSource.PATTERN, Entities("bedford", 2)
            ),
        ),
        ("yes", None),
    ]
    for number, (body, understood) in enumerate(said, start=1):
        app.receive_text(InboundText(f"AC{number}", LINE, ANN, body, clock.now()), clock.now())
        clock.advance(timedelta(seconds=10))
        work = app.begin_processing(ANN_CONVERSATION, clock.now())
        if isinstance(work, TextToUnderstand):
            assert understood is not None
            app.decide_on_text(ANN_CONVERSATION, understood, work.text, work.through, clock.now())
        asyncio.run(dispatcher.run_once())
        clock.advance(timedelta(minutes=1))
    return app, clock


def test_the_timeline_says_what_came_in_was_understood_decided_and_done(
    story: tuple[ClawApplication, SettableClock],
) -> None:
    app, _clock = story
    entries = timeline(app, conversation_id=ANN_CONVERSATION)
    as_json = [entry.to_json() for entry in entries]
    json.dumps(as_json)  # plain JSON all the way down

    assert all({"at", "event", "summary"} <= set(entry) for entry in as_json)
    events = [entry["event"] for entry in as_json]
    assert events[0] == "ConversationStarted"
    for expected in ("TextReceived", "TextClassified", "TextSent", "ActionRequested"):
        assert expected in events
    assert "ActionSucceeded" in events  # the pending action's stream is merged in
    decisions = [entry for entry in as_json if "decision" in entry]
    assert [entry["decision"] for entry in decisions] == [
        "respond",
        "suggest",
        "request_confirmation",
        "execute",
    ]
    for entry in decisions:
        assert entry["decision"] in DECISIONS
        assert {"intent", "confidence", "reason", "settings_version"} <= set(entry)
        assert entry["customer"] == "+*******1111"
    assert decisions[0]["reason"] == "answered_from_knowledge"
    assert decisions[0]["body"] == "We're open 24/7."
    sent = [entry.get("body") for entry in as_json if entry["event"] == "TextSent"]
    assert sent[0] == "We're open 24/7."
    assert all(sent)  # every reply sent says what it said
    llm = next(entry for entry in as_json if entry.get("source") == "llm")
    assert llm["llm_usage"] == {
        "model": "gpt-test",
        "prompt_tokens": 90,
        "completion_tokens": 6,
        "cost_usd": 0.0002,
        "latency_ms": 0.0,
    }
    understood_reset = next(
        entry
        for entry in as_json
        if entry["event"] == "TextClassified" and entry["intent"] == "trackman_reset"
    )
    assert understood_reset["entities"] == {"location": "bedford", "box": 2}
    assert [entry["at"] for entry in as_json if entry["event"] != "SettingsInitialised"] == sorted(
        entry["at"] for entry in as_json if entry["event"] != "SettingsInitialised"
    )


def test_a_timeline_by_phone_or_since_a_time(story: tuple[ClawApplication, SettableClock]) -> None:
    app, clock = story
    by_id = timeline(app, conversation_id=ANN_CONVERSATION)
    assert timeline(app, phone=ANN) == by_id
    assert timeline(app, phone="+19995550000") == []
    cutoff = by_id[-1].at - timedelta(seconds=1)
    recent = timeline(app, since=cutoff)
    assert recent
    assert all(entry.at >= cutoff for entry in recent)
    assert timeline(app, since=clock.now() + timedelta(days=1)) == []
    with pytest.raises(ValueError, match="say which timeline"):
        timeline(app)


def test_what_if_hours_were_only_suggested(story: tuple[ClawApplication, SettableClock]) -> None:
    app, _clock = story
    current = app.settings()
    other = SettingsSnapshot(
        version=current.version,
        features={**current.features, Intent.HOURS: FeatureSettings(mode=FeatureMode.SUGGEST)},
        globals=current.globals,
    )

    [difference] = what_if(app, ANN_CONVERSATION, other)

    assert (difference.was.kind, difference.would_be.kind) == (
        DecisionKind.RESPOND,
        DecisionKind.SUGGEST,
    )
    assert difference.would_be.reason is Reason.SUGGEST_MODE
    assert difference.to_json()["was"] == {
        "decision": "respond",
        "reason": "answered_from_knowledge",
    }
    assert difference.to_json()["would_be"]["decision"] == "suggest"


def test_what_if_the_same_settings_changes_nothing(
    story: tuple[ClawApplication, SettableClock],
) -> None:
    app, _clock = story
    entries = timeline(app, conversation_id=ANN_CONVERSATION)
    assert what_if(app, entries, app.settings()) == []


def test_what_if_from_a_yaml_file(
    story: tuple[ClawApplication, SettableClock], tmp_path: Path
) -> None:
    app, _clock = story
    path = tmp_path / "what-if.yaml"
    path.write_text(
        "features:\n  hours: {mode: suggest}\n  trackman_reset: {mode: off}\n"
        "globals:\n  quiet_hours: {start: 22:00, end: '07:00'}\n",
        encoding="utf8",
    )

    other = load_settings_file(path, app.settings())
    differences = what_if(app, ANN_CONVERSATION, other)

    assert other.globals.quiet_hours == QuietHours(time(22, 0), time(7, 0))
    assert other.features[Intent.GIFT_CARD_PURCHASE].mode is FeatureMode.SUGGEST  # kept
    assert [(d.was.kind, d.would_be.kind, d.would_be.reason) for d in differences] == [
        (DecisionKind.RESPOND, DecisionKind.SUGGEST, Reason.SUGGEST_MODE),
        (DecisionKind.REQUEST_CONFIRMATION, DecisionKind.ESCALATE, Reason.FEATURE_OFF),
    ]


def test_a_json_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"globals": {"send_automatic_responses": False}}), "utf8")
    other = load_settings_file(path, SettingsSnapshot(3, {}, GlobalSettings()))
    assert other.globals.send_automatic_responses is False
    assert other.version == 3


@pytest.mark.parametrize(
    ("data", "names"),
    [
        ({"features": {"hourz": {"mode": "auto"}}}, "features.hourz: unknown intent"),
        (
            {"features": {"hours": {"mode": "sometimes"}}},
            "features.hours.mode: expected one of: off, shadow, suggest, auto; got 'sometimes'",
        ),
        ({"features": {"hours": {"colour": "red"}}}, "features.hours.colour: unknown setting"),
        (
            {"features": {"hours": {"confidence_threshold": 1.5}}},
            "features.hours.confidence_threshold: must lie in [0, 1], got 1.5",
        ),
        (
            {"features": {"hours": {"requires_approval": "yes"}}},
            "features.hours.requires_approval: expected true or false, got 'yes'",
        ),
        (
            {"features": {"hours": {"max_auto_replies": 2.5}}},
            "features.hours.max_auto_replies: expected a whole number",
        ),
        (
            {"globals": {"messages_per_hour": True}},
            "globals.messages_per_hour: expected a whole number",
        ),
        ({"globals": {"timezone": "Mars/Olympus"}}, "globals.timezone: unknown time zone"),
        ({"globals": {"quiet_hours": {"start": "late"}}}, "globals.quiet_hours: expected start"),
        (
            {"globals": {"quiet_hours": {"start": "late", "end": "07:00"}}},
            "globals.quiet_hours.start: expected a 24-hour time",
        ),
        ({"feature": {}}, "unknown section 'feature'"),
        ({"features": ["hours"]}, "features: expected a mapping"),
        ({"emergency_stop": "on"}, "emergency_stop: expected true or false"),
        (["features"], "expected a mapping with 'features'"),
    ],
)
def test_settings_errors_name_the_field_in_one_line(data: object, names: str) -> None:
    with pytest.raises(SettingsFileError) as raised:
        settings_from_mapping(data, SettingsSnapshot(1, {}, GlobalSettings()), origin="f.yaml")
    message = str(raised.value)
    assert message.startswith("f.yaml: ")
    assert names in message
    assert "\n" not in message


def test_unreadable_settings_files(tmp_path: Path) -> None:
    base = SettingsSnapshot(1, {}, GlobalSettings())
    with pytest.raises(SettingsFileError, match="cannot read"):
        load_settings_file(tmp_path / "missing.yaml", base)
    broken = tmp_path / "broken.yaml"
    broken.write_text("features: [unclosed\n", encoding="utf8")
    with pytest.raises(SettingsFileError, match="not valid YAML") as raised:
        load_settings_file(broken, base)
    assert "\n" not in str(raised.value)
