# ruff: noqa: S608 - the only names put into SQL are claw's own table names and a
# schema name checked against _IDENTIFIER; every value goes in as a parameter.
"""Per-customer data keys: the means to forget one customer in an append-only log.

Each customer (a *subject*: a keyed hash of their number, never the number) gets a
random AES-256 key, stored in ``claw_data_keys`` in the same database as the events.
Their personal fields are sealed with it (see ``sealing``); deleting the key makes
those fields unreadable for good while every other field, and everyone else's
data, stays readable. ``claw_data_streams`` maps each aggregate stream to its
subject, so events that carry no number (a decision's reply) are sealed too.

With ``CLAW_DATA_MASTER_KEY`` set, each stored key is itself encrypted (wrapped)
with that master key, so a database backup alone no longer opens any text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol
from uuid import UUID

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from claw_domain.errors import ConfigurationError

KEY_BYTES = 32
NONCE_BYTES = 12
# How long a process trusts what it read of the key table. Another process's
# forgetting is seen within this time; until then this one may still open (in
# memory only) or seal with the deleted key, and what it seals is then unreadable.
CACHE_SECONDS = 10.0
_PEPPER = "subject_pepper"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def parse_master_key(raw: str | None) -> bytes | None:
    """``CLAW_DATA_MASTER_KEY``: 32 random bytes in base64 (``openssl rand -base64 32``)."""
    if raw is None:
        return None
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        msg = (
            "CLAW_DATA_MASTER_KEY must be 32 bytes in base64; make one with openssl rand -base64 32"
        )
        raise ConfigurationError(msg)
    return key


def normalised_number(number: str) -> str:
    digits = "".join(char for char in number if char.isdigit())
    return f"+{digits}" if digits else number.strip()


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


class DataKeys:
    """Subjects, keys and stream owners, with a short per-process cache."""

    def __init__(
        self,
        table: KeyTable,
        master_key: bytes | None = None,
        *,
        cache_seconds: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.table = table
        self._master = AESGCM(master_key) if master_key else None
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._by_subject: dict[str, tuple[float, str, bytes]] = {}
        self._by_id: dict[str, tuple[float, bytes | None]] = {}
        self._streams: dict[str, str] = {}  # a stream's subject never changes: kept for good
        self._pepper = base64.b64decode(
            table.meta(_PEPPER, base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode())
        )

    # Subjects and streams ------------------------------------------------------------------

    def subject_of(self, customer_number: str) -> str:
        """A keyed hash of the number: names the customer without revealing the number."""
        digest = hmac.new(
            self._pepper, normalised_number(customer_number).encode(), hashlib.sha256
        ).hexdigest()
        return f"s{digest[:32]}"

    def register_stream(self, originator_id: UUID, subject: str) -> None:
        key = str(originator_id)
        with self._lock:
            if self._streams.get(key) == subject:
                return
        self.table.register_stream(key, subject)
        with self._lock:
            self._streams[key] = subject

    def subject_of_stream(self, originator_id: UUID) -> str | None:
        key = str(originator_id)
        with self._lock:
            known = self._streams.get(key)
        if known is not None:
            return known
        subject = self.table.subject_of_stream(key)
        if subject is not None:
            with self._lock:
                self._streams[key] = subject
        return subject

    def streams_of(self, subject: str) -> list[UUID]:
        return [UUID(stream) for stream in self.table.streams_of(subject)]

    def subjects(self) -> list[str]:
        """Every customer whose data can still be read."""
        return self.table.subjects_with_keys()

    # Keys ----------------------------------------------------------------------------------

    def sealing_key(self, subject: str) -> tuple[str, bytes]:
        """The subject's key, made on first use."""
        now = self._monotonic()
        with self._lock:
            cached = self._by_subject.get(subject)
        if cached is not None and now - cached[0] < self._cache_seconds:
            return cached[1], cached[2]
        stored = self.table.key_of_subject(subject, None)
        if stored is None:
            stored = self.table.key_of_subject(subject, self._new_key())
        if stored is None:  # pragma: no cover - the insert above guarantees a row
            msg = "a data key could not be stored"
            raise RuntimeError(msg)
        key = self._unwrap(stored)
        with self._lock:
            self._by_subject[subject] = (now, stored.key_id, key)
            self._by_id[stored.key_id] = (now, key)
        return stored.key_id, key

    def opening_key(self, key_id: str) -> bytes | None:
        """The key ``key_id`` names, or None once it was shredded."""
        now = self._monotonic()
        with self._lock:
            cached = self._by_id.get(key_id)
        if cached is not None and now - cached[0] < self._cache_seconds:
            return cached[1]
        stored = self.table.key_by_id(key_id)
        key = self._unwrap(stored) if stored is not None else None
        with self._lock:
            self._by_id[key_id] = (now, key)
        return key

    def shred(self, subject: str) -> int:
        """Delete the subject's key for good; returns how many keys were deleted."""
        deleted = self.table.delete_keys(subject)
        with self._lock:
            cached = self._by_subject.pop(subject, None)
            if cached is not None:
                self._by_id[cached[1]] = (self._monotonic(), None)
        return deleted

    def forget_cache(self) -> None:
        with self._lock:
            self._by_subject.clear()
            self._by_id.clear()

    def rewrap_all(self, old_master: bytes | None) -> int:
        """Re-encrypt every stored key under this instance's master key (rotation).

        ``old_master`` opens keys wrapped by the previous master key; keys stored
        unwrapped are wrapped now. Without a master key here, keys are unwrapped.
        """
        old = AESGCM(old_master) if old_master else None

        def rewrap(stored: StoredKey) -> StoredKey:
            key = _unwrap_with(old, stored) if stored.wrapped else stored.material
            return self._wrap(stored.key_id, key)

        count = self.table.rewrap(rewrap)
        self.forget_cache()
        return count

    def _new_key(self) -> StoredKey:
        return self._wrap(f"k{secrets.token_hex(16)}", AESGCM.generate_key(bit_length=256))

    def _wrap(self, key_id: str, key: bytes) -> StoredKey:
        if self._master is None:
            return StoredKey(key_id=key_id, material=key, wrapped=False)
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._master.encrypt(nonce, key, key_id.encode())
        return StoredKey(key_id=key_id, material=sealed, wrapped=True)

    def _unwrap(self, stored: StoredKey) -> bytes:
        if not stored.wrapped:
            return stored.material
        return _unwrap_with(self._master, stored)


def _unwrap_with(master: AESGCM | None, stored: StoredKey) -> bytes:
    if master is None:
        msg = "customer data keys are wrapped: set CLAW_DATA_MASTER_KEY to the master key"
        raise ConfigurationError(msg)
    nonce, sealed = stored.material[:NONCE_BYTES], stored.material[NONCE_BYTES:]
    try:
        return master.decrypt(nonce, sealed, stored.key_id.encode())
    except InvalidTag:
        msg = "CLAW_DATA_MASTER_KEY does not open the stored data keys: is it the right key?"
        raise ConfigurationError(msg) from None


def seal_text(key_id: str, key: bytes, text: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, text.encode("utf8"), key_id.encode())
    return base64.b64encode(nonce + sealed).decode("ascii")


def open_text(key_id: str, key: bytes, sealed: str) -> str | None:
    """The text, or None when the key does not fit (a shredded key's successor)."""
    raw = base64.b64decode(sealed)
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode()).decode()
    except InvalidTag:
        return None
