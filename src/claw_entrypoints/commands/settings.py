"""``claw settings show|set``, ``claw stop`` and ``claw resume``: the rails from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

import attrs

from claw_domain.errors import ConfigurationError, DomainError
from claw_domain.settings import FeatureSettings, GlobalSettings
from claw_domain.settings_input import (
    SettingsInputError,
    ValueForm,
    field_names,
    with_changes,
)
from claw_domain.values import Intent
from claw_entrypoints.bootstrap import open_application
from claw_entrypoints.commands.operator import operator_name, typed_text
from claw_entrypoints.config import load_config

_FEATURE_FIELDS = field_names(FeatureSettings)
_GLOBAL_FIELDS = field_names(GlobalSettings)


class SettingError(ValueError):
    """An operator's assignment that cannot be applied; the message says how to fix it."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    settings = subparsers.add_parser(
        "settings",
        help="show or change the automation settings",
        description=(
            "Show or change the automation settings. Every change is an event with its actor."
        ),
    )
    actions = settings.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the current settings")
    show.add_argument("--json", action="store_true", help="print JSON instead of a table")
    show.set_defaults(handler=show_settings)
    change = actions.add_parser(
        "set",
        help="change settings: INTENT.FIELD=VALUE or GLOBAL_FIELD=VALUE",
        description=(
            "Examples: claw settings set hours.mode=auto hours.confidence_threshold=0.9 "
            "messages_per_hour=40 quiet_hours=23:00-06:00 send_automatic_responses=false. "
            f"Feature fields: {', '.join(_FEATURE_FIELDS)}. "
            f"Global fields: {', '.join(_GLOBAL_FIELDS)}."
        ),
    )
    change.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    change.add_argument("--actor", default=None, help="who is changing it (default: your login)")
    change.set_defaults(handler=set_settings)

    stop = subparsers.add_parser(
        "stop", help="engage the emergency stop: no customer texts or actions until resumed"
    )
    stop.add_argument("--reason", required=True, type=typed_text, help="why, for whoever resumes")
    stop.add_argument("--actor", default=None, help="who (default: your login)")
    stop.set_defaults(handler=engage_stop)
    resume = subparsers.add_parser("resume", help="release the emergency stop")
    resume.add_argument(
        "--reason", default="resumed from the CLI", type=typed_text, help="why it is safe again"
    )
    resume.add_argument("--actor", default=None, help="who (default: your login)")
    resume.set_defaults(handler=release_stop)


def _actor(args: argparse.Namespace) -> str:
    return operator_name(args.actor)


def _now() -> datetime:
    return datetime.now(UTC)


def show_settings(args: argparse.Namespace) -> int:
    app = open_application(load_config())
    snapshot = app.settings()
    if args.json:
        payload = {
            "version": snapshot.version,
            "emergency_stop": attrs.asdict(snapshot.emergency_stop)
            if snapshot.emergency_stop
            else None,
            "globals": attrs.asdict(snapshot.globals),
            "features": {intent.value: attrs.asdict(f) for intent, f in snapshot.features.items()},
        }
        print(json.dumps(payload, indent=2, default=str))
        return 0
    stop = snapshot.emergency_stop
    print(f"settings version {snapshot.version}")
    print(
        "EMERGENCY STOP ENGAGED by "
        f"{stop.actor} at {stop.engaged_at:%Y-%m-%d %H:%M} UTC: {stop.reason}"
        if stop
        else "emergency stop: released"
    )
    for name, value in attrs.asdict(snapshot.globals, recurse=False).items():
        print(f"  {name:<28} {value}")
    print(f"\n  {'intent':<20} {'mode':<8} {'threshold':>9} {'max':>4}  confirm  approve")
    for intent, feature in sorted(snapshot.features.items()):
        print(
            f"  {intent.value:<20} {feature.mode.value:<8} {feature.confidence_threshold:>9.2f} "
            f"{feature.max_auto_replies:>4}  {'yes' if feature.requires_confirmation else 'no':<7}"
            f"  {'yes' if feature.requires_approval else 'no'}"
        )
    return 0


def apply_assignments(
    features: dict[Intent, FeatureSettings], rails: GlobalSettings, assignments: list[str]
) -> tuple[dict[Intent, FeatureSettings], GlobalSettings]:
    """Pure: the settings after the operator's KEY=VALUE assignments, or a SettingError."""
    features = dict(features)
    for assignment in assignments:
        key, sep, raw = assignment.partition("=")
        if not sep:
            msg = f"{assignment!r}: write KEY=VALUE, e.g. hours.mode=auto"
            raise SettingError(msg)
        try:
            if "." in key:
                features = _assign_feature(features, key, raw)
            elif key in _GLOBAL_FIELDS:
                rails = with_changes(rails, {key: raw}, form=ValueForm.TEXT)
            else:
                names = ", ".join(_GLOBAL_FIELDS)
                msg = f"{key!r}: unknown setting; use INTENT.FIELD or one of {names}"
                raise SettingError(msg)
        except SettingsInputError as error:
            raise SettingError(str(error)) from None
    return features, rails


def _assign_feature(
    features: dict[Intent, FeatureSettings], key: str, raw: str
) -> dict[Intent, FeatureSettings]:
    intent_name, field_name = key.split(".", 1)
    try:
        intent = Intent(intent_name)
    except ValueError:
        known = ", ".join(i.value for i in Intent)
        msg = f"unknown intent; use one of {known}"
        raise SettingsInputError((intent_name,), msg, on_name=True) from None
    current = features.get(intent, FeatureSettings())
    changed = with_changes(current, {field_name: raw}, at=(intent_name,), form=ValueForm.TEXT)
    return {**features, intent: changed}


def set_settings(args: argparse.Namespace) -> int:
    app = open_application(load_config())
    current = app.settings()
    try:
        features, rails = apply_assignments(current.features, current.globals, args.assignments)
    except SettingError as error:
        print(f"claw settings: {error}", file=sys.stderr)
        return 2
    actor, now = _actor(args), _now()
    try:
        for intent, feature in features.items():
            if current.features.get(intent) != feature:
                app.change_feature(intent, feature, actor, now)
        app.change_globals(rails, actor, now)
    except DomainError as error:
        print(f"claw settings: {error}", file=sys.stderr)
        return 2
    print(f"settings now at version {app.settings().version}")
    return 0


def engage_stop(args: argparse.Namespace) -> int:
    app = open_application(load_config())
    try:
        app.engage_emergency_stop(_actor(args), args.reason, _now())
    except DomainError as error:
        print(f"claw stop: {error}", file=sys.stderr)
        return 2
    print("EMERGENCY STOP ENGAGED: claw will send and do nothing until `claw resume`.")
    return 0


def release_stop(args: argparse.Namespace) -> int:
    app = open_application(load_config())
    app.release_emergency_stop(_actor(args), args.reason, _now())
    print("emergency stop released")
    return 0


__all__ = ["ConfigurationError", "apply_assignments", "register"]
