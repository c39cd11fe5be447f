"""Events a projection could not fold: recorded once each, beside the projections.

A projection that cannot fold an event skips it rather than stop (every event
after it would wait forever, and the console with it). What was skipped must not
vanish: each (projection, position) is written here once, with the event's name
and why, and stays until someone deletes it; a rebuild does not drop it.

The records live in the projection store under a name no projection uses. The
store's position for that name serves as a version number, so recording and
claiming are compare-and-set: two processes that hit the same failure record it
once, and only one of them reports it to staff.
"""

from __future__ import annotations

import enum
import sqlite3
import sys
from datetime import datetime

import attrs

from claw_adapters.projections.store import (
    Document,
    PositionConflictError,
    ProjectionStore,
)
from claw_domain.text import clean

FAILURES = "projection_failures"
# Compare-and-set attempts before giving up on a busy record (each is one short write).
_ATTEMPTS = 50
_REASON_LENGTH = 200


class ReportState(enum.StrEnum):
    """How far telling staff about a failure got."""

    PENDING = "pending"  # recorded, nobody has taken it on yet
    CLAIMED = "claimed"  # one process is telling staff (never a second one)
    SENT = "sent"
    FAILED = "failed"  # the notifier failed: the console still shows it


@attrs.frozen
class ProjectionFailure:
    projection: str
    position: int  # the event's notification id
    event: str  # the event's class name
    reason: str  # the error's type and first line: never a customer's text
    at: datetime
    reported: ReportState = ReportState.PENDING

    @property
    def key(self) -> str:
        return failure_key(self.projection, self.position)

    def document(self) -> Document:
        return {
            "projection": self.projection,
            "position": self.position,
            "event": self.event,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "reported": self.reported.value,
        }

    @classmethod
    def of(cls, document: Document) -> ProjectionFailure:
        return cls(
            projection=str(document["projection"]),
            position=int(document["position"]),
            event=str(document["event"]),
            reason=str(document["reason"]),
            at=datetime.fromisoformat(str(document["at"])),
            reported=ReportState(document.get("reported", ReportState.PENDING)),
        )


def failure_key(projection: str, position: int) -> str:
    # Zero-padded so the keys sort by position.
    return f"{projection}@{position:015d}"


def describe_error(error: BaseException) -> str:
    """The error's type and the first line of its message, cleaned and short.

    Only the first line: a database error's later lines quote the data it
    refused, which is a customer's text.
    """
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    described = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return clean(described)[:_REASON_LENGTH]


def is_transient(error: BaseException) -> bool:
    """An error of the connection, not of the event or its documents.

    Such an error says nothing about the event: it is retried on the next round
    (the batch stays unapplied), never recorded and skipped, so a blip of the
    database cannot cost the read side an event.
    """
    if isinstance(error, TimeoutError | ConnectionError | sqlite3.OperationalError):
        return True
    # Looked up, not imported: a process that never opened PostgreSQL has no such errors.
    psycopg = sys.modules.get("psycopg")
    pool = sys.modules.get("psycopg_pool")
    return (psycopg is not None and isinstance(error, psycopg.OperationalError)) or (
        pool is not None and isinstance(error, pool.PoolTimeout)
    )


class ProjectionFailureLog:
    def __init__(self, store: ProjectionStore) -> None:
        self.store = store

    def record(self, failure: ProjectionFailure) -> bool:
        """Write ``failure`` unless that (projection, position) is already recorded.

        Returns whether this call recorded it: true exactly once per failure.
        """
        for _attempt in range(_ATTEMPTS):
            version = self.store.position(FAILURES)
            if self.store.get(FAILURES, failure.key) is not None:
                return False
            try:
                self._write(failure, version)
            except PositionConflictError:
                continue  # another write came first: look again
            return True
        msg = f"recording the projection failure {failure.key} conflicted {_ATTEMPTS} times"
        raise PositionConflictError(msg)

    def claim(self, failure: ProjectionFailure) -> bool:
        """Move a pending failure to claimed; true for exactly one caller."""
        return self._move(failure, ReportState.PENDING, ReportState.CLAIMED)

    def settle(self, failure: ProjectionFailure, outcome: ReportState) -> None:
        """Record how the report of a claimed failure ended."""
        self._move(failure, ReportState.CLAIMED, outcome)

    def recorded(self, limit: int | None = None) -> list[ProjectionFailure]:
        """Every failure, latest first."""
        rows = self.store.rows(FAILURES, order_by="at", descending=True, limit=limit)
        return [ProjectionFailure.of(row.document) for row in rows]

    def pending(self) -> list[ProjectionFailure]:
        rows = self.store.rows(FAILURES, where={"reported": ReportState.PENDING.value})
        return [ProjectionFailure.of(row.document) for row in rows]

    def count(self) -> int:
        return len(self.store.rows(FAILURES))

    def _move(self, failure: ProjectionFailure, was: ReportState, becomes: ReportState) -> bool:
        for _attempt in range(_ATTEMPTS):
            version = self.store.position(FAILURES)
            found = self.store.get(FAILURES, failure.key)
            if found is None or ProjectionFailure.of(found).reported is not was:
                return False
            try:
                self._write(attrs.evolve(ProjectionFailure.of(found), reported=becomes), version)
            except PositionConflictError:
                continue
            return True
        return False

    def _write(self, failure: ProjectionFailure, version: int) -> None:
        self.store.commit(
            FAILURES, {failure.key: failure.document()}, expected=version, position=version + 1
        )
