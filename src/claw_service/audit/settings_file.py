"""Other settings for what-if, from a YAML or JSON file shaped like the settings.

``{features: {intent: {...FeatureSettings}}, globals: {...GlobalSettings}}``;
whatever the file leaves out keeps the base snapshot's value. Errors name
the field in one line.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import time
from pathlib import Path
from typing import Any

import attrs
import yaml

from claw_domain.errors import ConfigurationError
from claw_domain.settings import (
    FeatureSettings,
    GlobalSettings,
    QuietHours,
    SettingsSnapshot,
)
from claw_domain.values import Intent


class SettingsFileError(ConfigurationError):
    """A what-if settings file that cannot be read; the message names the field."""


def load_settings_file(path: Path, base: SettingsSnapshot) -> SettingsSnapshot:
    """Read ``{features: {intent: {...}}, globals: {...}}`` (YAML or JSON) over ``base``.

    Whatever the file leaves out keeps ``base``'s value. The emergency stop is
    an operating state, not a setting: it is off unless the file says
    ``emergency_stop: true``.
    """
    try:
        text = path.read_text(encoding="utf8")
    except OSError as error:
        msg = f"{path}: cannot read the settings file ({error.strerror})"
        raise SettingsFileError(msg) from error
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        msg = f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {first_line}"
        raise SettingsFileError(msg) from error
    return settings_from_mapping(data, base, origin=str(path))


def settings_from_mapping(
    data: object, base: SettingsSnapshot, *, origin: str = "settings"
) -> SettingsSnapshot:
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        msg = f"{origin}: expected a mapping with 'features' and 'globals'"
        raise SettingsFileError(msg)
    unknown = set(data) - {"features", "globals", "emergency_stop"}
    if unknown:
        msg = f"{origin}: unknown section {sorted(unknown)[0]!r}; use features and globals"
        raise SettingsFileError(msg)
    features = dict(base.features)
    raw_features = _mapping(data.get("features"), f"{origin}: features")
    for raw_intent, raw_feature in raw_features.items():
        try:
            intent = Intent(raw_intent)
        except ValueError:
            msg = f"{origin}: features.{raw_intent}: unknown intent; use one of {_choices(Intent)}"
            raise SettingsFileError(msg) from None
        where = f"{origin}: features.{raw_intent}"
        features[intent] = _evolve(
            features.get(intent) or FeatureSettings(), _mapping(raw_feature, where), where
        )
    where = f"{origin}: globals"
    global_settings = _evolve(base.globals, _mapping(data.get("globals"), where), where)
    stop = data.get("emergency_stop", False)
    if not isinstance(stop, bool):
        msg = f"{origin}: emergency_stop: expected true or false, got {stop!r}"
        raise SettingsFileError(msg)
    return SettingsSnapshot(
        version=base.version,
        features=features,
        globals=global_settings,
        emergency_stop=base.emergency_stop if stop else None,
    )


def _choices(enum_type: Iterable[Any]) -> str:
    return ", ".join(member.value for member in enum_type)


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        msg = f"{where}: expected a mapping of names to values"
        raise SettingsFileError(msg)
    return value


TSettings = typing.TypeVar("TSettings", FeatureSettings, GlobalSettings)


def _evolve(current: TSettings, changes: Mapping[str, object], where: str) -> TSettings:
    kind = type(current)
    hints = typing.get_type_hints(kind)
    known = [field.name for field in attrs.fields(kind)]
    values: dict[str, Any] = {}
    for name, raw in changes.items():
        if name not in hints:
            msg = f"{where}.{name}: unknown setting; use {', '.join(known)}"
            raise SettingsFileError(msg)
        values[name] = _coerce(raw, hints[name], f"{where}.{name}")
    try:
        return attrs.evolve(current, **values)
    except (ValueError, TypeError) as error:
        msg = f"{where}: {error}"
        raise SettingsFileError(msg) from error


def _coerce(raw: object, wanted: Any, where: str) -> object:
    """Strictly: "yes" is not a boolean and 0.9 is not an integer, whatever YAML allows."""
    args = typing.get_args(wanted)
    if isinstance(wanted, types.UnionType) and type(None) in args:
        if raw is None:
            return None
        wanted = next(arg for arg in args if arg is not type(None))
    if wanted is QuietHours:
        window = _mapping(raw, where)
        if set(window) != {"start", "end"}:
            msg = f"{where}: expected start and end, e.g. {{start: '22:00', end: '07:00'}}"
            raise SettingsFileError(msg)
        return QuietHours(
            start=_clock_time(window["start"], f"{where}.start"),
            end=_clock_time(window["end"], f"{where}.end"),
        )
    if isinstance(wanted, type) and issubclass(wanted, str) and wanted is not str:
        if isinstance(raw, bool):
            raw = "on" if raw else "off"  # YAML 1.1 reads an unquoted mode: off as false
        try:
            return wanted(raw)
        except ValueError:
            msg = f"{where}: {raw!r} is not one of {_choices(typing.cast(Any, wanted))}"
            raise SettingsFileError(msg) from None
    accepted: dict[Any, tuple[type, ...]] = {bool: (bool,), int: (int,), float: (int, float)}
    if wanted is str:
        accepted[str] = (str,)
    ok = isinstance(raw, accepted.get(wanted, (object,)))
    if not ok or (wanted is not bool and isinstance(raw, bool)):
        msg = f"{where}: expected {getattr(wanted, '__name__', wanted)}, got {raw!r}"
        raise SettingsFileError(msg)
    return float(typing.cast(float, raw)) if wanted is float else raw


def _clock_time(raw: object, where: str) -> time:
    # YAML 1.1 reads an unquoted 22:00 as the base-60 integer 1320 (minutes).
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < 24 * 60:
        return time(raw // 60, raw % 60)
    if isinstance(raw, str):
        try:
            return time.fromisoformat(raw)
        except ValueError:
            pass
    msg = f"{where}: expected a time of day such as '22:00', got {raw!r}"
    raise SettingsFileError(msg)
