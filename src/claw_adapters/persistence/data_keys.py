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
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from claw_adapters.persistence.key_tables import KeyTable, StoredKey
from claw_domain.errors import ConfigurationError
from claw_domain.privacy import FORGOTTEN

KEY_BYTES = 32
NONCE_BYTES = 12
# How long a process trusts what it read of the key table. Another process's
# forgetting is seen within this time; until then this one may still open (in
# memory only) what the deleted key sealed. Sealing always asks the table.
CACHE_SECONDS = 10.0
_PEPPER = "subject_pepper"


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
        self._fresh = threading.local()  # keys read for the write this thread is making
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

    @contextmanager
    def ready_for(self, owners: Iterable[tuple[UUID, str | None]]) -> Iterator[None]:
        """Streams registered, keys made and read for one write, in one transaction.

        Sealing registers each stream and makes each customer's key on first use, one
        committed write apiece, and reads the key from the table for every event: a
        burst of texts from new customers spent most of its time in those commits.
        ``owners``: each event's stream and the customer number it carries, or None
        (the stream's customer, if this process knows it). Within this block, this
        thread's sealing uses the keys read here, at the start
        of the write (as fresh as reading each one a moment later). Nothing depends on
        it: without it, sealing does the same one event at a time.
        """
        owners = list(owners)
        wanted = [
            (str(originator_id), self.subject_of(number))
            for originator_id, number in owners
            if number is not None and number != FORGOTTEN
        ]
        with self._lock:
            # An event without a number seals with its stream's customer, when known here.
            known = [self._streams.get(str(originator_id)) for originator_id, number in owners]
        subjects = list(dict.fromkeys([s for _stream, s in wanted] + [s for s in known if s]))
        if not subjects:
            yield
            return
        with self._lock:
            streams = {s: subject for s, subject in wanted if self._streams.get(s) != subject}
            unkeyed = [subject for subject in subjects if subject not in self._by_subject]
        keys = {subject: self._new_key() for subject in unkeyed}
        fresh = self.table.prepare(list(streams.items()), list(keys.items()), subjects)
        with self._lock:
            self._streams.update(streams)
        self._fresh.keys = fresh
        try:
            yield
        finally:
            self._fresh.keys = {}

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
        """The subject's key, made on first use.

        Always asked of the table, never of the cache: another process (``claw
        forget``) may have shredded the key a moment ago, and a text sealed with a
        shredded key is unreadable at once, forgotten without anyone asking. Only the
        unwrapping is cached.
        """
        now = self._monotonic()
        stored = getattr(self._fresh, "keys", {}).get(subject)
        if stored is None:
            stored = self.table.key_of_subject(subject, None)
        if stored is None:
            stored = self.table.key_of_subject(subject, self._new_key())
        if stored is None:  # pragma: no cover - the insert above guarantees a row
            msg = "a data key could not be stored"
            raise RuntimeError(msg)
        with self._lock:
            cached = self._by_id.get(stored.key_id)
        key = cached[1] if cached is not None and cached[1] is not None else None
        if key is None:
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
        # The key may be cached by id only: a process that opened the subject's texts
        # without ever sealing one (it read what another process wrote) must not keep
        # reading them after the key is gone.
        stored = self.table.key_of_subject(subject, None)
        deleted = self.table.delete_keys(subject)
        with self._lock:
            cached = self._by_subject.pop(subject, None)
            shredded = {stored.key_id} if stored is not None else set()
            if cached is not None:
                shredded.add(cached[1])
            for key_id in shredded:
                self._by_id[key_id] = (self._monotonic(), None)
        _cipher.cache_clear()
        return deleted

    def forget_cache(self) -> None:
        with self._lock:
            self._by_subject.clear()
            self._by_id.clear()
        _cipher.cache_clear()

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


@lru_cache(maxsize=256)
def _cipher(key: bytes) -> AESGCM:
    """Setting a key up costs twice a short text's decryption; a snapshot opens dozens.

    Only keys this process already holds (``DataKeys`` caches them); emptied when a
    key is shredded here, and a shredded key is never asked for again elsewhere.
    """
    return AESGCM(key)


def seal_text(key_id: str, key: bytes, text: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key).encrypt(nonce, text.encode("utf8"), key_id.encode())
    return base64.b64encode(nonce + sealed).decode("ascii")


def open_text(key_id: str, key: bytes, sealed: str) -> str | None:
    """The text, or None when the key does not fit (a shredded key's successor)."""
    raw = base64.b64decode(sealed)
    try:
        opened = _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode())
    except InvalidTag:
        return None
    return opened.decode()
