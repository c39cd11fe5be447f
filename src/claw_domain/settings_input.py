"""Settings as people write them, read into ``FeatureSettings`` and ``GlobalSettings``.

One reader for every place an operator writes settings: the console's JSON, ``claw
settings set`` on the command line, a what-if file for incident review and the venue
file's ``settings:`` section. Each hands over field names and values; the answer is
the settings with those changes, or one ``SettingsInputError`` that names the field
(``features.hours.mode``) and says what a valid value looks like, in one line.

Values come in one of two forms. Typed values (JSON, YAML) must have the field's
type: "yes" is not a boolean, 2.5 is not a whole number and 7 is not a time of day.
YAML files are read with YAML 1.2 scalars (``claw_adapters.knowledge.yaml_source``), so
an unquoted ``mode: off`` or ``start: 22:00`` arrives as the text it looks like. Text
values (a command line) are all strings and are read by the field's type:
``true``/``yes``/``on``/``1``, ``0.9``, ``23:00-06:00`` or ``none`` for quiet hours.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Mapping
from datetime import time
from typing import Any

import attrs

from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings, QuietHours

FieldPath = tuple[str | int, ...]

_CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})
_NOTHING_WORDS = frozenset({"none", "off", ""})


class SettingsInputError(ValueError):
    """A setting that cannot be read; ``at`` is where, ``problem`` what to write instead."""

    def __init__(self, at: FieldPath, problem: str, *, on_name: bool = False) -> None:
        where = ".".join(str(part) for part in at)
        super().__init__(f"{where}: {problem}" if where else problem)
        self.at = at
        self.problem = problem
        # The name itself is wrong (an unknown field), not the value written for it.
        self.on_name = on_name


class ValueForm(enum.Enum):
    """How the values were written."""

    TYPED = "typed"  # JSON or YAML: values carry their own types
    TEXT = "text"  # a command line: every value is a string


_Settings = typing.TypeVar("_Settings", FeatureSettings, GlobalSettings)


def with_changes(
    current: _Settings,
    changes: object,
    *,
    at: FieldPath = (),
    form: ValueForm = ValueForm.TYPED,
) -> _Settings:
    """``current`` with the fields ``changes`` names set to the values it gives."""
    kind = type(current)
    hints = typing.get_type_hints(kind)
    names = field_names(kind)
    for name, raw in mapping_at(changes, at).items():
        where = (*at, name)
        if name not in names:
            raise SettingsInputError(
                where, f"unknown setting; use one of: {', '.join(names)}", on_name=True
            )
        value: Any = _read(raw, hints[name], where, form)
        # One field at a time, so a validator's complaint names its own field.
        try:
            current = attrs.evolve(current, **{name: value})
        except (ValueError, TypeError) as error:
            raise SettingsInputError(where, _without_name(str(error), name)) from None
    return current


def field_names(kind: type[FeatureSettings] | type[GlobalSettings]) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(kind))


def mapping_at(value: object, at: FieldPath) -> Mapping[str, object]:
    """A section of names to values; nothing written is an empty section."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise SettingsInputError(
            at, f"expected a mapping of names to values, got {described(value)}"
        )
    return value


def _without_name(problem: str, name: str) -> str:
    """A validator's "'x' must be >= 0: -1" reads "must be >= 0: -1" once located at x."""
    for prefix in (f"'{name}' ", f"{name} "):
        if problem.startswith(prefix):
            return problem.removeprefix(prefix)
    return problem


def _read(raw: object, wanted: Any, at: FieldPath, form: ValueForm) -> object:
    args = typing.get_args(wanted)
    if isinstance(wanted, types.UnionType) and type(None) in args:
        wanted = next(arg for arg in args if arg is not type(None))
        if raw is None or (form is ValueForm.TEXT and str(raw).strip().lower() in _NOTHING_WORDS):
            return None
    if wanted is QuietHours:
        return _quiet_hours(raw, at, form)
    if wanted is FeatureMode:
        return _mode(raw, at)
    if form is ValueForm.TEXT and isinstance(raw, str):
        return _from_text(raw.strip(), wanted, at)
    return _typed(raw, wanted, at)


def _typed(raw: object, wanted: Any, at: FieldPath) -> object:
    if wanted is bool:
        if isinstance(raw, bool):
            return raw
        raise SettingsInputError(at, f"expected true or false, got {described(raw)}")
    if wanted is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        raise SettingsInputError(at, f"expected a whole number, got {described(raw)}")
    if wanted is float:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        raise SettingsInputError(at, f"expected a number such as 0.85, got {described(raw)}")
    if isinstance(raw, str):
        return raw
    raise SettingsInputError(at, f"expected a string, got {described(raw)}")


def _from_text(text: str, wanted: Any, at: FieldPath) -> object:
    if wanted is bool:
        if text.lower() in _TRUE_WORDS:
            return True
        if text.lower() in _FALSE_WORDS:
            return False
        raise SettingsInputError(at, f"expected true or false, got {text!r}")
    if wanted is int:
        try:
            return int(text)
        except ValueError:
            raise SettingsInputError(at, f"expected a whole number, got {text!r}") from None
    if wanted is float:
        try:
            return float(text)
        except ValueError:
            raise SettingsInputError(at, f"expected a number such as 0.85, got {text!r}") from None
    return text


def _mode(raw: object, at: FieldPath) -> FeatureMode:
    if isinstance(raw, str):
        try:
            return FeatureMode(raw.strip().lower())
        except ValueError:
            pass
    choices = ", ".join(mode.value for mode in FeatureMode)
    raise SettingsInputError(at, f"expected one of: {choices}; got {described(raw)}")


def _quiet_hours(raw: object, at: FieldPath, form: ValueForm) -> QuietHours:
    if form is ValueForm.TEXT and isinstance(raw, str):
        start, dash, end = raw.strip().partition("-")
        if not dash:
            problem = f"expected HH:MM-HH:MM such as 23:00-06:00, or none; got {raw!r}"
            raise SettingsInputError(at, problem)
    elif isinstance(raw, Mapping) and set(raw) == {"start", "end"}:
        start, end = raw["start"], raw["end"]
    else:
        example = "{start: '22:00', end: '07:00'}"
        raise SettingsInputError(
            at, f"expected start and end, e.g. {example}; got {described(raw)}"
        )
    return QuietHours(start=_clock_time(start, (*at, "start")), end=_clock_time(end, (*at, "end")))


def _clock_time(raw: object, at: FieldPath) -> time:
    match = _CLOCK.match(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        raise SettingsInputError(at, f'expected a 24-hour time like "22:30", got {described(raw)}')
    return time(int(match.group(1)), int(match.group(2)))


def described(value: object) -> str:
    """The value as the person wrote it, in words where ``repr`` would mislead."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)
