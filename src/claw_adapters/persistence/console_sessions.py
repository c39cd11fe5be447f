"""Where console sessions are kept: a table beside the events (SQLite or PostgreSQL).

Each row is keyed by the HMAC of a session id, never the id itself, so the
table in a backup opens no door. Times are stored as UTC seconds.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from psycopg import sql

from claw_adapters.persistence.database import Backend, DatabaseConfig
from claw_adapters.projections.postgres import open_pool, split_schema
from claw_service.console_sessions import SessionStore, StoredSession

_TABLE = "claw_console_sessions"
_COLUMNS = "digest, user_id, epoch, started_at, last_seen_at"


def _seconds(moment: datetime) -> float:
    return moment.timestamp()


def _row(found: tuple[Any, ...]) -> StoredSession:
    digest, user, epoch, started, seen = found
    return StoredSession(
        digest=str(digest),
        user_id=UUID(str(user)),
        epoch=int(epoch),
        started_at=datetime.fromtimestamp(float(started), UTC),
        last_seen_at=datetime.fromtimestamp(float(seen), UTC),
    )


class MemorySessionStore:
    """For ``memory://`` databases and tests: one process by definition."""

    def __init__(self) -> None:
        self._rows: dict[str, StoredSession] = {}
        self._lock = threading.Lock()

    def add(self, session: StoredSession) -> None:
        with self._lock:
            self._rows[session.digest] = session

    def get(self, digest: str) -> StoredSession | None:
        with self._lock:
            return self._rows.get(digest)

    def touch(self, digest: str, at: datetime) -> None:
        with self._lock:
            found = self._rows.get(digest)
            if found is not None:
                self._rows[digest] = StoredSession(
                    found.digest, found.user_id, found.epoch, found.started_at, at
                )

    def remove(self, digest: str) -> None:
        with self._lock:
            self._rows.pop(digest, None)

    def remove_user(self, user: UUID) -> int:
        with self._lock:
            gone = [digest for digest, row in self._rows.items() if row.user_id == user]
            for digest in gone:
                del self._rows[digest]
            return len(gone)

    def remove_stale(self, idle_since: datetime, started_before: datetime) -> int:
        with self._lock:
            gone = [
                digest
                for digest, row in self._rows.items()
                if row.last_seen_at <= idle_since or row.started_at <= started_before
            ]
            for digest in gone:
                del self._rows[digest]
            return len(gone)

    def close(self) -> None:
        return None


class SqliteSessionStore:
    """A connection per call: sessions are read once per console request, not in bulk."""

    def __init__(self, path: Path, timeout_seconds: float = 10.0) -> None:
        self.path = path
        self.timeout_seconds = timeout_seconds
        with self._connection() as connection:
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {_TABLE} (digest TEXT PRIMARY KEY,"
                " user_id TEXT NOT NULL, epoch INTEGER NOT NULL,"
                " started_at REAL NOT NULL, last_seen_at REAL NOT NULL)"
            )

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=self.timeout_seconds)
        try:
            with connection:  # commits, or rolls back on an error
                yield connection
        finally:
            connection.close()

    def add(self, session: StoredSession) -> None:
        with self._connection() as connection:
            connection.execute(
                f"INSERT INTO {_TABLE} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)",  # noqa: S608 - constant
                (
                    session.digest,
                    str(session.user_id),
                    session.epoch,
                    _seconds(session.started_at),
                    _seconds(session.last_seen_at),
                ),
            )

    def get(self, digest: str) -> StoredSession | None:
        with self._connection() as connection:
            found = connection.execute(
                f"SELECT {_COLUMNS} FROM {_TABLE} WHERE digest = ?",  # noqa: S608 - constant
                (digest,),
            ).fetchone()
        return _row(found) if found is not None else None

    def touch(self, digest: str, at: datetime) -> None:
        with self._connection() as connection:
            connection.execute(
                f"UPDATE {_TABLE} SET last_seen_at = ? WHERE digest = ?",  # noqa: S608 - constant
                (_seconds(at), digest),
            )

    def remove(self, digest: str) -> None:
        with self._connection() as connection:
            connection.execute(f"DELETE FROM {_TABLE} WHERE digest = ?", (digest,))  # noqa: S608

    def remove_user(self, user: UUID) -> int:
        with self._connection() as connection:
            cursor = connection.execute(
                f"DELETE FROM {_TABLE} WHERE user_id = ?",  # noqa: S608 - constant
                (str(user),),
            )
            return cursor.rowcount

    def remove_stale(self, idle_since: datetime, started_before: datetime) -> int:
        with self._connection() as connection:
            cursor = connection.execute(
                f"DELETE FROM {_TABLE} WHERE last_seen_at <= ? OR started_at <= ?",  # noqa: S608
                (_seconds(idle_since), _seconds(started_before)),
            )
            return cursor.rowcount

    def close(self) -> None:
        return None


class PostgresSessionStore:
    """The same table in the events' PostgreSQL schema, shared by every claw process."""

    def __init__(self, url: str, *, pool_size: int = 2, timeout_seconds: float = 10.0) -> None:
        dsn, schema = split_schema(url)
        self.table = sql.Identifier(schema, _TABLE)
        self._pool = open_pool(dsn, size=pool_size, timeout_seconds=timeout_seconds)
        with self._pool.connection() as connection, connection.transaction():
            # Processes starting together would race through CREATE TABLE otherwise.
            connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_TABLE,))
            connection.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (digest TEXT PRIMARY KEY,"
                    " user_id UUID NOT NULL, epoch INTEGER NOT NULL,"
                    " started_at DOUBLE PRECISION NOT NULL,"
                    " last_seen_at DOUBLE PRECISION NOT NULL)"
                ).format(self.table)
            )

    def _execute(self, statement: str, params: tuple[object, ...]) -> int:
        with self._pool.connection() as connection:
            cursor = connection.execute(sql.SQL(statement).format(self.table), params)
            return cursor.rowcount

    def add(self, session: StoredSession) -> None:
        self._execute(
            f"INSERT INTO {{}} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608 - constant
            (
                session.digest,
                session.user_id,
                session.epoch,
                _seconds(session.started_at),
                _seconds(session.last_seen_at),
            ),
        )

    def get(self, digest: str) -> StoredSession | None:
        with self._pool.connection() as connection:
            found = connection.execute(
                sql.SQL(f"SELECT {_COLUMNS} FROM {{}} WHERE digest = %s").format(  # noqa: S608
                    self.table
                ),
                (digest,),
            ).fetchone()
        return _row(found) if found is not None else None

    def touch(self, digest: str, at: datetime) -> None:
        self._execute("UPDATE {} SET last_seen_at = %s WHERE digest = %s", (_seconds(at), digest))

    def remove(self, digest: str) -> None:
        self._execute("DELETE FROM {} WHERE digest = %s", (digest,))

    def remove_user(self, user: UUID) -> int:
        return self._execute("DELETE FROM {} WHERE user_id = %s", (user,))

    def remove_stale(self, idle_since: datetime, started_before: datetime) -> int:
        return self._execute(
            "DELETE FROM {} WHERE last_seen_at <= %s OR started_at <= %s",
            (_seconds(idle_since), _seconds(started_before)),
        )

    def close(self) -> None:
        self._pool.close()


def open_session_store(database: DatabaseConfig) -> SessionStore:
    if database.backend == Backend.SQLITE and database.sqlite_path is not None:
        return SqliteSessionStore(database.sqlite_path)
    if database.backend == Backend.POSTGRES and database.postgres_dsn:
        return PostgresSessionStore(database.postgres_dsn)
    return MemorySessionStore()
