"""Projection storage in a dictionary, for the popo backend and tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from claw_adapters.projections.store import (
    PRIVATE_PREFIX,
    Commit,
    Document,
    PositionConflictError,
    Row,
    Scalar,
    SwapIn,
    check_field,
    encode,
)


def _equal(found: Any, wanted: Scalar) -> bool:
    # JSON keeps true and 1 apart; so do the SQL backends.
    if isinstance(found, bool) or isinstance(wanted, bool):
        return isinstance(found, bool) and isinstance(wanted, bool) and found == wanted
    return bool(found == wanted)


class MemoryProjectionStore:
    def __init__(self) -> None:
        self._documents: dict[str, dict[str, str]] = {}
        self._positions: dict[str, int] = {}
        self._lock = threading.Lock()

    def position(self, projection: str) -> int:
        with self._lock:
            return self._positions.get(projection, 0)

    def get(self, projection: str, key: str) -> Document | None:
        with self._lock:
            stored = self._documents.get(projection, {}).get(key)
        return json.loads(stored) if stored is not None else None

    def rows(
        self,
        projection: str,
        *,
        where: Mapping[str, Scalar] | None = None,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Row]:
        conditions = {check_field(name): value for name, value in (where or {}).items()}
        with self._lock:
            stored = dict(self._documents.get(projection, {}))
        rows = [
            Row(key, document)
            for key, document in ((key, json.loads(text)) for key, text in sorted(stored.items()))
            if not key.startswith(PRIVATE_PREFIX)
            and all(_equal(document.get(name), value) for name, value in conditions.items())
        ]
        if order_by is not None:
            field = check_field(order_by)
            present = [row for row in rows if row.document.get(field) is not None]
            missing = [row for row in rows if row.document.get(field) is None]
            # Stable sorts: by key first, then by the field, so ties stay in key order.
            present.sort(key=lambda row: row.document[field], reverse=descending)
            rows = present + missing
        return rows if limit is None else rows[:limit]

    def commit(
        self,
        projection: str,
        changes: Mapping[str, Document | None],
        *,
        expected: int,
        position: int,
    ) -> None:
        self.commit_all([Commit(projection, changes, expected=expected, position=position)])

    def commit_all(self, commits: Sequence[Commit]) -> None:
        # Encode everything first: a bad document must leave nothing half-written.
        encoded = [(c, _encoded(c)) for c in commits]
        with self._lock:
            for c in commits:
                self._check(c.projection, c.expected)
            for c, texts in encoded:
                _apply(self._documents.setdefault(c.projection, {}), texts)
                self._positions[c.projection] = c.position

    def swap_in(self, swaps: Sequence[SwapIn]) -> None:
        encoded = [(swap, _encoded(swap.last)) for swap in swaps]
        with self._lock:
            for swap in swaps:
                self._check(swap.source, swap.last.expected)
            for swap, texts in encoded:
                documents = self._documents.pop(swap.source, {})
                _apply(documents, texts)
                self._documents[swap.projection] = documents
                self._positions.pop(swap.source, None)
                self._positions[swap.projection] = swap.last.position

    def _check(self, projection: str, expected: int) -> None:
        current = self._positions.get(projection, 0)
        if current != expected:
            msg = f"projection {projection} is at {current}, not {expected}"
            raise PositionConflictError(msg)

    def drop(self, projection: str) -> None:
        with self._lock:
            self._documents.pop(projection, None)
            self._positions.pop(projection, None)

    def replace(self, projection: str, source: str) -> None:
        with self._lock:
            self._documents[projection] = self._documents.pop(source, {})
            self._positions[projection] = self._positions.pop(source, 0)

    def close(self) -> None:
        return None


def _encoded(commit: Commit) -> dict[str, str | None]:
    return {key: None if doc is None else encode(doc) for key, doc in commit.changes.items()}


def _apply(documents: dict[str, str], texts: Mapping[str, str | None]) -> None:
    for key, text in texts.items():
        if text is None:
            documents.pop(key, None)
        else:
            documents[key] = text
