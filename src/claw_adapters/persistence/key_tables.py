# ruff: noqa: S608 - the only names put into SQL are claw's own table names and a
# schema name checked against _IDENTIFIER; every value goes in as a parameter.
"""Where the customer data keys are kept: three small tables beside the events.

``claw_data_keys`` (key id, subject, key material, wrapped or not),
``claw_data_streams`` (aggregate id -> subject) and ``claw_privacy_meta`` (the
subject pepper), on SQLite or PostgreSQL through the library's own connections;
in dictionaries for the in-memory store.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import attrs

from claw_domain.errors import ConfigurationError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@attrs.frozen
class StoredKey:
    key_id: str
    material: bytes
    wrapped: bool


class KeyTable(Protocol):
    """Where keys, stream subjects and the subject pepper are kept."""

    def meta(self, name: str, default: str) -> str: ...
    def key_of_subject(self, subject: str, create: StoredKey | None) -> StoredKey | None: ...
    def key_by_id(self, key_id: str) -> StoredKey | None: ...
    def subject_of_stream(self, originator_id: str) -> str | None: ...
    def register_stream(self, originator_id: str, subject: str) -> None: ...
    def prepare(
        self,
        streams: Sequence[tuple[str, str]],
        keys: Sequence[tuple[str, StoredKey]],
        subjects: Sequence[str],
    ) -> dict[str, StoredKey]: ...
    def streams_of(self, subject: str) -> list[str]: ...
    def subjects_with_keys(self) -> list[str]: ...
    def delete_keys(self, subject: str) -> int: ...
    def rewrap(self, rewrap: Callable[[StoredKey], StoredKey]) -> int: ...
    def compact(self) -> None: ...


class MemoryKeyTable:
    """For the in-memory event store (tests, demos)."""

    def __init__(self) -> None:
        self._meta: dict[str, str] = {}
        self._keys: dict[str, StoredKey] = {}  # subject -> key
        self._streams: dict[str, str] = {}
        self._lock = threading.Lock()

    def meta(self, name: str, default: str) -> str:
        with self._lock:
            return self._meta.setdefault(name, default)

    def key_of_subject(self, subject: str, create: StoredKey | None) -> StoredKey | None:
        with self._lock:
            if create is not None:
                self._keys.setdefault(subject, create)
            return self._keys.get(subject)

    def key_by_id(self, key_id: str) -> StoredKey | None:
        with self._lock:
            return next((k for k in self._keys.values() if k.key_id == key_id), None)

    def subject_of_stream(self, originator_id: str) -> str | None:
        with self._lock:
            return self._streams.get(originator_id)

    def register_stream(self, originator_id: str, subject: str) -> None:
        with self._lock:
            self._streams.setdefault(originator_id, subject)

    def prepare(
        self,
        streams: Sequence[tuple[str, str]],
        keys: Sequence[tuple[str, StoredKey]],
        subjects: Sequence[str],
    ) -> dict[str, StoredKey]:
        for stream, subject in streams:
            self.register_stream(stream, subject)
        for subject, key in keys:
            self.key_of_subject(subject, key)
        found = {subject: self.key_of_subject(subject, None) for subject in subjects}
        return {subject: key for subject, key in found.items() if key is not None}

    def streams_of(self, subject: str) -> list[str]:
        with self._lock:
            return [stream for stream, owner in self._streams.items() if owner == subject]

    def subjects_with_keys(self) -> list[str]:
        with self._lock:
            return list(self._keys)

    def delete_keys(self, subject: str) -> int:
        with self._lock:
            return 1 if self._keys.pop(subject, None) is not None else 0

    def compact(self) -> None:
        """Nothing is kept anywhere but in these dictionaries."""

    def rewrap(self, rewrap: Callable[[StoredKey], StoredKey]) -> int:
        with self._lock:
            self._keys = {subject: rewrap(key) for subject, key in self._keys.items()}
            return len(self._keys)


# transaction(commit): a cursor in a transaction that commits, or rolls back (reads).
Transaction = Callable[[bool], AbstractContextManager[Any]]


class SqlKeyTable:
    """The same tables on SQLite (``?`` parameters) and PostgreSQL (``%s``)."""

    def __init__(
        self,
        transaction: Transaction,
        *,
        postgres: bool,
        schema: str | None = None,
        sqlite_path: str | None = None,
    ) -> None:
        self._transaction = transaction
        self._sqlite_path = sqlite_path
        self._postgres = postgres
        if schema is not None and not _IDENTIFIER.match(schema):
            msg = f"the database schema {schema!r} is not a plain identifier"
            raise ConfigurationError(msg)
        prefix = f'"{schema}".' if postgres and schema else ""
        self._keys = f"{prefix}claw_data_keys"
        self._streams = f"{prefix}claw_data_streams"
        self._meta = f"{prefix}claw_privacy_meta"
        blob = "BYTEA" if postgres else "BLOB"
        self._run_all(
            [
                f"CREATE TABLE IF NOT EXISTS {self._meta} "
                "(name TEXT PRIMARY KEY, value TEXT NOT NULL)",
                f"CREATE TABLE IF NOT EXISTS {self._keys} (key_id TEXT PRIMARY KEY, "
                f"subject TEXT NOT NULL UNIQUE, material {blob} NOT NULL, "
                "wrapped INTEGER NOT NULL)",
                f"CREATE TABLE IF NOT EXISTS {self._streams} (originator_id TEXT PRIMARY KEY, "
                "subject TEXT NOT NULL)",
                "CREATE INDEX IF NOT EXISTS claw_data_streams_subject "
                f"ON {self._streams} (subject)",
            ]
        )

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self._postgres else statement

    def _run_all(self, statements: list[str]) -> None:
        with self._transaction(True) as cursor:
            for statement in statements:
                cursor.execute(statement)

    def _rows(self, statement: str, *params: Any) -> list[Any]:
        with self._transaction(False) as cursor:
            cursor.execute(self._sql(statement), params)
            return list(cursor.fetchall())

    def _write(self, statement: str, *params: Any) -> int:
        with self._transaction(True) as cursor:
            if not self._postgres:
                # Deleted keys are overwritten with zeros, not left in free pages.
                cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute(self._sql(statement), params)
            count = getattr(cursor, "rowcount", None)
            if count is None:
                count = getattr(getattr(cursor, "sqlite_cursor", None), "rowcount", 0)
            return int(count or 0)

    def meta(self, name: str, default: str) -> str:
        self._write(f"INSERT INTO {self._meta} VALUES (?, ?) ON CONFLICT DO NOTHING", name, default)
        rows = self._rows(f"SELECT value FROM {self._meta} WHERE name = ?", name)
        return str(rows[0]["value"])

    @staticmethod
    def _stored(row: Any) -> StoredKey:
        return StoredKey(
            key_id=str(row["key_id"]), material=bytes(row["material"]), wrapped=bool(row["wrapped"])
        )

    def key_of_subject(self, subject: str, create: StoredKey | None) -> StoredKey | None:
        if create is not None:
            self._write(
                f"INSERT INTO {self._keys} VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                create.key_id,
                subject,
                create.material,
                int(create.wrapped),
            )
        rows = self._rows(
            f"SELECT key_id, material, wrapped FROM {self._keys} WHERE subject = ?", subject
        )
        return self._stored(rows[0]) if rows else None

    def key_by_id(self, key_id: str) -> StoredKey | None:
        rows = self._rows(
            f"SELECT key_id, material, wrapped FROM {self._keys} WHERE key_id = ?", key_id
        )
        return self._stored(rows[0]) if rows else None

    def subject_of_stream(self, originator_id: str) -> str | None:
        rows = self._rows(
            f"SELECT subject FROM {self._streams} WHERE originator_id = ?", originator_id
        )
        return str(rows[0]["subject"]) if rows else None

    def register_stream(self, originator_id: str, subject: str) -> None:
        self._write(
            f"INSERT INTO {self._streams} VALUES (?, ?) ON CONFLICT DO NOTHING",
            originator_id,
            subject,
        )

    def prepare(
        self,
        streams: Sequence[tuple[str, str]],
        keys: Sequence[tuple[str, StoredKey]],
        subjects: Sequence[str],
    ) -> dict[str, StoredKey]:
        """Register streams, create keys where none exists, and read the subjects' keys:
        one transaction (a read-only one when there is nothing to write)."""
        with self._transaction(bool(streams or keys)) as cursor:
            if streams:
                cursor.executemany(
                    self._sql(f"INSERT INTO {self._streams} VALUES (?, ?) ON CONFLICT DO NOTHING"),
                    list(streams),
                )
            if keys:
                insert = f"INSERT INTO {self._keys} VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
                cursor.executemany(
                    self._sql(insert),
                    [(k.key_id, subject, k.material, int(k.wrapped)) for subject, k in keys],
                )
            if not subjects:
                return {}
            select = f"SELECT key_id, subject, material, wrapped FROM {self._keys} WHERE subject"
            if self._postgres:
                cursor.execute(f"{select} = ANY(%s)", [list(subjects)])
            else:
                cursor.execute(f"{select} IN ({', '.join('?' * len(subjects))})", list(subjects))
            return {str(row["subject"]): self._stored(row) for row in cursor.fetchall()}

    def streams_of(self, subject: str) -> list[str]:
        rows = self._rows(f"SELECT originator_id FROM {self._streams} WHERE subject = ?", subject)
        return [str(row["originator_id"]) for row in rows]

    def subjects_with_keys(self) -> list[str]:
        return [str(row["subject"]) for row in self._rows(f"SELECT subject FROM {self._keys}")]

    def delete_keys(self, subject: str) -> int:
        return self._write(f"DELETE FROM {self._keys} WHERE subject = ?", subject)

    def compact(self) -> None:
        """SQLite: fold the write-ahead log into the file and empty it, so no page a
        forgetting overwrote survives there. PostgreSQL keeps dead rows until VACUUM."""
        if self._sqlite_path is None:
            return
        # Outside any transaction (a checkpoint inside one does nothing), best effort:
        # a reader that keeps the log open makes SQLite leave it for later.
        connection = sqlite3.connect(self._sqlite_path, timeout=10, isolation_level=None)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()

    def rewrap(self, rewrap: Callable[[StoredKey], StoredKey]) -> int:
        rows = self._rows(f"SELECT key_id, material, wrapped FROM {self._keys}")
        for row in rows:
            new = rewrap(self._stored(row))
            self._write(
                f"UPDATE {self._keys} SET material = ?, wrapped = ? WHERE key_id = ?",
                new.material,
                int(new.wrapped),
                new.key_id,
            )
        return len(rows)
