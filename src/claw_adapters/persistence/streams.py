# ruff: noqa: S608 - the only names put into SQL are the library's own table names (and
# PostgreSQL's through psycopg's Identifier); every id goes in as a parameter.
"""Reading many short streams in one query.

A conversation's texts and alerts are aggregates of their own (the outbox), so a
reader that wants all of them (the incident timeline, the demo) would otherwise
read each stream with a query of its own: a 1,000-event conversation has hundreds.
The library reads one stream per call; this reads a list of streams per call, on
the same connections, and returns the stored events for the mapper to decode.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from psycopg.sql import SQL, Identifier

# SQLite's default limit on bound parameters is 32,766 (999 before 3.32): stay well under.
_IDS_PER_QUERY = 500


def select_streams(recorder: AggregateRecorder, ids: Sequence[UUID]) -> list[StoredEvent]:
    """Every stored event of the given streams, each stream in version order."""
    unique = list(dict.fromkeys(ids))
    found: list[StoredEvent] = []
    for start in range(0, len(unique), _IDS_PER_QUERY):
        chunk = unique[start : start + _IDS_PER_QUERY]
        if isinstance(recorder, SQLiteAggregateRecorder):
            found += _sqlite(recorder, chunk)
        elif isinstance(recorder, PostgresAggregateRecorder):
            found += _postgres(recorder, chunk)
        else:  # the in-memory recorder: a read is a dictionary lookup
            for stream in chunk:
                found += recorder.select_events(stream)
    return found


def _sqlite(recorder: SQLiteAggregateRecorder, ids: Sequence[UUID]) -> list[StoredEvent]:
    marks = ", ".join("?" * len(ids))
    statement = (
        f"SELECT * FROM {recorder.events_table_name} WHERE originator_id IN ({marks}) "
        "ORDER BY originator_id, originator_version"
    )
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, [stream.hex for stream in ids])
        return [
            StoredEvent(
                originator_id=recorder.convert_originator_id(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=row["state"],
            )
            for row in cursor.fetchall()
        ]


def _postgres(recorder: PostgresAggregateRecorder, ids: Sequence[UUID]) -> list[StoredEvent]:
    datastore = recorder.datastore
    as_text = datastore.originator_id_type == "text"
    statement = SQL(
        "SELECT * FROM {schema}.{table} WHERE originator_id = ANY(%s) "
        "ORDER BY originator_id, originator_version"
    ).format(schema=Identifier(datastore.schema), table=Identifier(recorder.events_table_name))
    params: list[Any] = [[str(stream) for stream in ids] if as_text else list(ids)]
    with datastore.get_connection() as connection, connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in cursor.fetchall()
        ]
