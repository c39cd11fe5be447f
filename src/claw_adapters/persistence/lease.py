"""Who may dispatch effects: one process at a time per database.

Two ``claw serve`` processes can share one PostgreSQL database and both take
webhooks; only the holder of the dispatch lease performs effects, so no reply
or unlock happens twice. If the holder dies, its lock dies with its connection
(PostgreSQL) or its file descriptor (SQLite) and the other process takes over.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import psycopg

from claw_adapters.persistence.database import Backend, DatabaseConfig

# The advisory lock's name; the schema is part of it so two claws sharing one
# PostgreSQL server in different schemas do not block each other.
DISPATCH_LOCK_NAME = "claw-dispatch"


class AlwaysLease:
    """In-memory databases have one process by definition."""

    def try_acquire(self) -> bool:
        return True

    def release(self) -> None:
        return None


class FileLease:
    """An exclusive lock on a file beside the SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        if self._handle is not None:
            return True
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class PostgresAdvisoryLease:
    """A session-level advisory lock held on a dedicated connection."""

    def __init__(self, dsn: str, schema: str | None = None) -> None:
        self.dsn = _without_query(dsn)
        self.lock_name = f"{DISPATCH_LOCK_NAME}:{schema or 'public'}"
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            if self._still_alive(self._connection):
                return True
            self._connection = None
        connection = psycopg.connect(self.dsn, autocommit=True, connect_timeout=5)
        row = connection.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s))", (self.lock_name,)
        ).fetchone()
        if row is None or not row[0]:
            connection.close()
            return False
        self._connection = connection
        return True

    @staticmethod
    def _still_alive(connection: psycopg.Connection[tuple[object, ...]]) -> bool:
        try:
            connection.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(
                    "SELECT pg_advisory_unlock(hashtext(%s))", (self.lock_name,)
                )
            finally:
                self._connection.close()
                self._connection = None


def _without_query(dsn: str) -> str:
    # ``?schema=`` is claw's own parameter; libpq would reject it.
    return dsn.split("?", 1)[0]


def lease_path_for(database: Path) -> Path:
    return database.with_name(database.name + ".dispatch.lock")


@contextlib.contextmanager
def schema_creation_lock(database: DatabaseConfig, timeout_seconds: int = 60) -> Iterator[None]:
    """Hold off other processes while this one creates the event tables.

    Two processes starting together on a fresh PostgreSQL schema would otherwise race
    through the library's CREATE statements ("already exists", "tuple concurrently
    updated"). SQLite serialises them by itself.
    """
    if database.backend != Backend.POSTGRES or not database.postgres_dsn:
        yield
        return
    name = f"claw-schema:{database.postgres_schema or 'public'}"
    with psycopg.connect(
        _without_query(database.postgres_dsn),
        autocommit=True,
        connect_timeout=5,
        options=f"-c lock_timeout={timeout_seconds * 1000}",
    ) as connection:
        connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))


__all__ = [
    "AlwaysLease",
    "FileLease",
    "PostgresAdvisoryLease",
    "lease_path_for",
    "schema_creation_lock",
]
