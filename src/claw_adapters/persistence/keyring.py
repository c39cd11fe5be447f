"""Opening the customer data keys beside the event store the application already uses."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Mapper, Recorder
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from claw_adapters.persistence.data_keys import DataKeys
from claw_adapters.persistence.key_tables import KeyTable, MemoryKeyTable, SqlKeyTable
from claw_adapters.persistence.mapper import CattrsMapper


def key_table_for(recorder: Recorder) -> KeyTable:
    """The key tables in the events' own database (its connections, its schema)."""
    datastore: Any = getattr(recorder, "datastore", None)
    if isinstance(datastore, PostgresDatastore):
        return SqlKeyTable(
            lambda commit: datastore.transaction(commit=commit),
            postgres=True,
            schema=datastore.schema,
        )
    if isinstance(datastore, SQLiteDatastore):
        return SqlKeyTable(
            lambda commit: datastore.transaction(commit=commit),
            postgres=False,
            sqlite_path=datastore.pool.db_name,
        )
    return MemoryKeyTable()


def install_data_keys(
    mapper: Mapper[Any], recorder: Recorder, master_key: bytes | None
) -> DataKeys:
    """Seal personal fields from now on; returns the keys (``claw forget`` shreds them)."""
    if not isinstance(mapper, CattrsMapper):
        msg = "claw's mapper must be the CattrsMapper to seal personal data"
        raise TypeError(msg)
    keys = DataKeys(key_table_for(recorder), master_key)
    mapper.keys = keys
    return keys


def data_keys_of(mapper: Mapper[Any]) -> DataKeys:
    """The keys ``install_data_keys`` gave this application's mapper."""
    keys = getattr(mapper, "keys", None)
    if not isinstance(keys, DataKeys):
        msg = "this application seals nothing: open it with bootstrap.open_application"
        raise TypeError(msg)
    return keys
