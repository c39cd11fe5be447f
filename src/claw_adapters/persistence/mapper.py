"""A cattrs-based mapper, so stored events come back through their constructors.

The library's default mapper rebuilds an event by writing its ``__dict__``
directly, which skips attrs validators and cannot fill slotted classes. This one
unstructures each field by its declared type and structures it back, so every
value object is validated again on the way in.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Iterable, Mapping
from datetime import datetime, time
from functools import cache
from typing import Any
from uuid import UUID

import attrs
import cattrs
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from claw_adapters.persistence.data_keys import DataKeys
from claw_adapters.persistence.sealing import opening_hook, seal_state

_ENVELOPE_FIELDS = ("originator_id", "originator_version")


def _aware(value: datetime) -> datetime:
    # Every time claw records is timezone-aware; a naive one would break every
    # comparison later, so it is refused at the storage edge, both ways.
    if value.tzinfo is None:
        msg = f"a stored time must be timezone-aware, got {value.isoformat()}"
        raise ValueError(msg)
    return value


def make_event_converter() -> cattrs.Converter:
    """The one converter claw uses at its storage edge."""
    converter = cattrs.Converter()
    converter.register_unstructure_hook(datetime, lambda value: _aware(value).isoformat())
    converter.register_structure_hook(
        datetime, lambda value, _: _aware(datetime.fromisoformat(value))
    )
    # Quiet hours are times of day; without these hooks they would reach json.dumps raw.
    converter.register_unstructure_hook(time, time.isoformat)
    converter.register_structure_hook(time, lambda value, _: time.fromisoformat(value))
    converter.register_unstructure_hook(UUID, str)
    converter.register_structure_hook(UUID, lambda value, _: UUID(value))
    return converter


@cache
def _field_types(event_class: Any) -> dict[str, Any]:
    hints = typing.get_type_hints(event_class)
    return {
        field.name: hints[field.name]
        for field in dataclasses.fields(event_class)
        if field.name not in _ENVELOPE_FIELDS
    }


class CattrsMapper(Mapper[UUID]):
    """Selected with ``MAPPER_TOPIC``; the transcoder is unused beyond JSON bytes."""

    converter = make_event_converter()
    # Set by the composition root once the database is open; without it, personal
    # fields are stored in clear as before (in-memory tests).
    keys: DataKeys | None = None
    _unhooks: typing.ClassVar[dict[Any, list[tuple[str, Any]]]] = {}
    _hooks: typing.ClassVar[dict[Any, list[tuple[str, Any, Any]]]] = {}

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event_class: Any = type(domain_event)
        state = {
            name: unstructure(getattr(domain_event, name))
            for name, unstructure in self._unstructurers(event_class)
        }
        if self.keys is not None:
            state = seal_state(state, domain_event.originator_id, self.keys)
        payload = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf8")
        if self.compressor:
            payload = self.compressor.compress(payload)
        if self.cipher:
            payload = self.cipher.encrypt(payload)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(event_class),
            state=payload,
        )

    def _unstructurers(self, event_class: Any) -> list[tuple[str, Any]]:
        found = self._unhooks.get(event_class)
        if found is None:
            found = [
                (name, self.converter.get_unstructure_hook(field_type))
                for name, field_type in _field_types(event_class).items()
            ]
            self._unhooks[event_class] = found
        return found

    def _structurers(self, event_class: Any) -> list[tuple[str, Any, Any]]:
        """Each field's name, type and structure hook, looked up once per class.

        ``converter.structure`` finds the hook for the type on every call; decoding
        spent about a third of its time there (an incident timeline decodes thousands).
        """
        found = self._hooks.get(event_class)
        if found is None:
            found = [
                (name, field_type, self.converter.get_structure_hook(field_type))
                for name, field_type in _field_types(event_class).items()
            ]
            self._hooks[event_class] = found
        return found

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event_class = resolve_topic(stored_event.topic)
        payload = stored_event.state
        try:
            if self.cipher:
                payload = self.cipher.decrypt(payload)
            if self.compressor:
                payload = self.compressor.decompress(payload)
            state = json.loads(payload.decode("utf8"), object_hook=opening_hook(self.keys))
            kwargs = {
                name: structure(state[name], field_type)
                for name, field_type, structure in self._structurers(event_class)
            }
        except (ValueError, KeyError, TypeError, cattrs.BaseValidationError) as error:
            msg = (
                f"cannot rebuild event {stored_event.topic} "
                f"v{stored_event.originator_version} of {stored_event.originator_id}: {error}"
            )
            raise MapperDeserialisationError(msg) from error
        originator_id = stored_event.originator_id
        if not isinstance(originator_id, UUID):
            originator_id = UUID(str(originator_id))
        return event_class(
            originator_id=originator_id,
            originator_version=stored_event.originator_version,
            **kwargs,
        )


@attrs.frozen
class EventClasses:
    """Some event classes and the topics they are stored under: the only place topics are read.

    A follower asks the database for these topics alone (the library's
    ``select_notifications(topics=...)``), and learns which class a stored event
    claims to be even when it no longer decodes. Everything past the mapper
    routes by class.
    """

    by_topic: Mapping[str, type]

    @classmethod
    def of(cls, classes: Iterable[type]) -> EventClasses:
        return cls({get_topic(event_class): event_class for event_class in classes})

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self.by_topic)

    def class_of(self, stored_event: StoredEvent) -> type | None:
        """The class ``stored_event`` was recorded as, if it is one of these."""
        return self.by_topic.get(stored_event.topic)
