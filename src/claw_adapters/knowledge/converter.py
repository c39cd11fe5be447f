"""The one cattrs converter for the venue file, strict about types, and the walk that
turns its nested exception groups into located problems."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs import BaseConverter
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from claw_adapters.knowledge.errors import ExpectedValueError, FieldPath, InvalidFieldError
from claw_adapters.knowledge.model import LISTED_INTENT_BASE, Answer, CustomerKind
from claw_domain.settings import FeatureSettings, GlobalSettings
from claw_domain.settings_input import SettingsInputError, described, with_changes
from claw_domain.values import Intent

_E = TypeVar("_E", bound=enum.Enum)


def _strict_str(value: object, _type: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # YAML reads 123 as a number; ids and phone numbers must keep their exact text.
        msg = f'expected a string, got the number {value!r}; put it in quotes: "{value}"'
        raise ExpectedValueError(msg)
    raise ExpectedValueError(f"expected a string, got {described(value)}")


def _strict_int(value: object, _type: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ExpectedValueError(f"expected a whole number, got {described(value)}")


def _strict_float(value: object, _type: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ExpectedValueError(f"expected a number, got {described(value)}")


def _strict_bool(value: object, _type: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ExpectedValueError(f"expected true or false, got {described(value)}")


def _enum_hook(cl: type[_E]) -> Callable[[object, object], _E]:
    choices = ", ".join(str(member.value) for member in cl)

    def structure(value: object, _type: object) -> _E:
        if isinstance(value, str):
            for member in cl:
                if member.value == value:
                    return member
        raise ExpectedValueError(f"expected one of: {choices}; got {described(value)}")

    return structure


def _note(error: Exception, index: int | str, type_: object, *, key: bool = False) -> Exception:
    what = "mapping key" if key else "item"
    error.add_note(IterableValidationNote(f"Structuring {what} @ {index!r}", index, type_))
    return error


def _is_list(type_: Any) -> bool:
    return get_origin(type_) is list


def _is_dict(type_: Any) -> bool:
    return get_origin(type_) is dict


def _list_hook(type_: Any, converter: BaseConverter) -> Callable[[object, object], list[Any]]:
    (item_type,) = get_args(type_)

    def structure(value: object, _type: object) -> list[Any]:
        # cattrs would happily iterate a string into a list of characters.
        if not isinstance(value, list):
            raise ExpectedValueError(f"expected a list, got {described(value)}")
        items: list[Any] = []
        errors: list[Exception] = []
        for index, item in enumerate(value):
            try:
                items.append(converter.structure(item, item_type))
            except Exception as error:
                errors.append(_note(error, index, item_type))
        if errors:
            raise IterableValidationError("invalid list items", errors, type_)
        return items

    return structure


def _dict_hook(type_: Any, converter: BaseConverter) -> Callable[[object, object], dict[Any, Any]]:
    key_type, value_type = get_args(type_)

    def structure(value: object, _type: object) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise ExpectedValueError(f"expected a mapping, got {described(value)}")
        result: dict[Any, Any] = {}
        errors: list[Exception] = []
        for raw_key, raw_value in value.items():
            try:
                key = converter.structure(raw_key, key_type)
            except Exception as error:
                errors.append(_note(error, raw_key, key_type, key=True))
                continue
            try:
                result[key] = converter.structure(raw_value, value_type)
            except Exception as error:
                errors.append(_note(error, raw_key, value_type))
        if errors:
            raise IterableValidationError("invalid mapping entries", errors, type_)
        return result

    return structure


def _attrs_hook(cl: type[Any], converter: BaseConverter) -> Callable[[object, object], Any]:
    generated = make_dict_structure_fn(
        cl, converter, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=True
    )

    def structure(value: object, type_: object) -> Any:
        if not isinstance(value, dict):
            fields = ", ".join(a.name for a in attrs.fields(cl))
            raise ExpectedValueError(
                f"expected a mapping with fields {fields}; got {described(value)}"
            )
        return generated(value, cl)

    return structure


def make_venue_file_converter() -> cattrs.Converter:
    """Build the venue file's converter; call once per load (it is cheap)."""
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(float, _strict_float)
    converter.register_structure_hook(bool, _strict_bool)
    # Class hooks dispatch on the most specific class, and a StrEnum is also a str:
    # each enum gets its own hook so the str hook above does not swallow it.
    for enum_class in (Intent, CustomerKind):
        converter.register_structure_hook(enum_class, _enum_hook(enum_class))
    converter.register_structure_hook_factory(_is_list, _list_hook)
    converter.register_structure_hook_factory(_is_dict, _dict_hook)
    converter.register_structure_hook_factory(attrs.has, _attrs_hook)

    answer_from_mapping = _attrs_hook(Answer, converter)

    def answer(value: object, type_: object) -> Answer:
        # A bare string is the common case: ``hours: "We're open ..."``.
        if isinstance(value, str):
            return Answer(text=value)
        result: Answer = answer_from_mapping(value, type_)
        return result

    converter.register_structure_hook(Answer, answer)
    converter.register_structure_hook(FeatureSettings, _intent_settings)
    converter.register_structure_hook(GlobalSettings, _global_settings)
    return converter


# The settings section is read by the domain's settings reader, as the console, the CLI
# and what-if files are: one set of names, one set of errors.
def _intent_settings(value: object, _type: object) -> FeatureSettings:
    return with_changes(LISTED_INTENT_BASE, _with_current_names(value))


# Names venue files used before the settings had one vocabulary: still read, so a file
# that loaded before an upgrade loads after it.
_FORMER_NAMES = {"threshold": "confidence_threshold"}


def _with_current_names(value: object) -> object:
    if not isinstance(value, dict):
        return value
    renamed = dict(value)
    for former, current in _FORMER_NAMES.items():
        if former in renamed:
            if current in renamed:
                msg = f"'{former}' is the former name of '{current}': write only '{current}'"
                raise SettingsInputError((former,), msg, on_name=True)
            renamed[current] = renamed.pop(former)
    return renamed


def _global_settings(value: object, _type: object) -> GlobalSettings:
    if isinstance(value, dict) and "timezone" in value:
        msg = "the time zone is set once, as venue.timezone"
        raise SettingsInputError(("timezone",), msg, on_name=True)
    return with_changes(GlobalSettings(), value)


@attrs.frozen
class LocatedError:
    path: FieldPath
    message: str
    on_key: bool = False


def flatten_errors(error: BaseException, path: FieldPath = ()) -> Iterator[LocatedError]:
    """Turn cattrs' nested exception groups into one message per field."""
    if isinstance(error, ClassValidationError):
        with_notes, others = error.group_exceptions()
        for sub, attribute_note in with_notes:
            yield from flatten_errors(sub, (*path, attribute_note.name))
        for sub in others:
            yield from flatten_errors(sub, path)
    elif isinstance(error, IterableValidationError):
        items, others = error.group_exceptions()
        for sub, item_note in items:
            on_key = item_note.startswith("Structuring mapping key")
            sub_path = (*path, item_note.index)
            if on_key:
                yield from (
                    attrs.evolve(located, on_key=True) for located in flatten_errors(sub, sub_path)
                )
            else:
                yield from flatten_errors(sub, sub_path)
        for sub in others:
            yield from flatten_errors(sub, path)
    elif isinstance(error, ForbiddenExtraKeysError):
        known = ", ".join(a.name for a in attrs.fields(error.cl))
        for extra in sorted(error.extra_fields):
            yield LocatedError((*path, extra), f"unknown field; expected one of: {known}", True)
    elif isinstance(error, SettingsInputError):
        yield LocatedError((*path, *error.at), error.problem, error.on_name)
    elif isinstance(error, InvalidFieldError):
        yield LocatedError((*path, *error.at), str(error))
    elif isinstance(error, ExpectedValueError):
        yield LocatedError(path, str(error))
    elif isinstance(error, KeyError):
        yield LocatedError(path, "missing required field")
    else:
        yield LocatedError(path, f"invalid value: {error}")
