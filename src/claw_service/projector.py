"""Keeps the projections up to date with the event log, and rebuilds them from it.

Each projection has its own position and a table of folds by event class. A
batch is read once from the log (from the furthest-behind position, only the
classes some projection folds) by a :class:`LogFollower`, decoded once, and
each projection folds in the events past its own position, then commits its
documents and new position in one transaction. A projection that another
projector advanced meanwhile is skipped this round and catches up on the next.

A rebuild makes one pass over the log for every projection it rebuilds: each
batch is folded into all of them in memory (the shadow rows start empty, so
nothing is read back) and written in one transaction for all of them, beside
the live rows, which are swapped for the new ones at the end.

A projection never stops the world: when a batch fails (the projection raises,
the store refuses a document, an event no longer decodes), the batch is folded
again one event at a time, and the event that fails is recorded in the
:class:`ProjectionFailureLog` (which projection, which position, why), reported
through ``on_failure`` once, and skipped: the projection moves on to the next
event. Without this, one bad event froze every projection behind it and the
worker retried it, logging the error, four times a second.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime

import attrs
import structlog

from claw_adapters.projections.base import Fold, Projection
from claw_adapters.projections.events import RecordedEvent, Unreadable
from claw_adapters.projections.failures import (
    ProjectionFailure,
    ProjectionFailureLog,
    describe_error,
    is_transient,
)
from claw_adapters.projections.store import (
    Commit,
    Document,
    Documents,
    PositionConflictError,
    ProjectionStore,
    SwapIn,
)
from claw_service.application import ClawApplication
from claw_service.follower import LogFollower

log = structlog.get_logger("claw.projector")

DEFAULT_BATCH = 500
# A rebuild reads and commits in larger batches: one transaction per projection per
# batch was much of its time, and nobody waits on its intermediate positions.
REBUILD_BATCH = 10_000
# Where a rebuild writes before swapping in: the live rows stay readable until then.
REBUILD_SUFFIX = "~rebuild"
# Documents a rebuild keeps in memory per projection instead of reading them back.
REBUILD_CACHE_DOCUMENTS = 50_000


class UnknownProjectionError(ValueError):
    """A rebuild asked for a projection claw does not keep."""


@attrs.frozen
class RebuildReport:
    events: int  # notifications in the log the rebuild went through
    seconds: float
    events_per_second: float
    projections: tuple[str, ...] = ()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Projector:
    def __init__(
        self,
        app: ClawApplication,
        store: ProjectionStore,
        projections: Sequence[Projection],
        *,
        on_failure: Callable[[ProjectionFailure], None] | None = None,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        names = [projection.name for projection in projections]
        if len(set(names)) != len(names):
            msg = f"projection names must be unique, got {names}"
            raise ValueError(msg)
        self.app = app
        self.store = store
        self.projections = list(projections)
        self.failures = ProjectionFailureLog(store)
        self.on_failure = on_failure
        self.now = now
        self.follower = LogFollower(app, _classes_of(self.projections))

    @property
    def names(self) -> list[str]:
        return [projection.name for projection in self.projections]

    def positions(self) -> dict[str, int]:
        return {
            projection.name: self.store.position(projection.name) for projection in self.projections
        }

    def lag(self) -> int:
        """How many notifications the furthest-behind projection has still to read."""
        latest = self.app.recorder.max_notification_id() or 0
        positions = self.positions().values()
        return max(0, latest - min(positions, default=latest))

    def catch_up(self, limit: int = DEFAULT_BATCH) -> int:
        """Apply one batch; returns how many notifications were read (0: up to date)."""
        positions = self.positions()
        if not positions:
            return 0
        start = min(positions.values())
        batch = self.follower.read(start, limit)
        if batch.reached <= start:
            return 0
        for projection in self.projections:
            try:
                self._fold(
                    projection,
                    projection.name,
                    batch.events,
                    positions[projection.name],
                    batch.reached,
                )
            except PositionConflictError:
                log.info("projection_moved_meanwhile", projection=projection.name)
        return batch.reached - start

    def catch_up_fully(self, limit: int = DEFAULT_BATCH) -> int:
        """Apply batches until the projections are level with the log."""
        total = 0
        while read := self.catch_up(limit):
            total += read
        return total

    def rebuild(
        self,
        name: str | None = None,
        progress: Callable[[int, int], None] | None = None,
        *,
        limit: int = REBUILD_BATCH,
    ) -> RebuildReport:
        """Drop and replay ``name`` (or every projection) from the start of the log.

        The replay writes beside the live rows and swaps in at the end, so the
        console keeps reading the old rows until the new ones are complete.
        ``progress(position, last)`` is called after each batch.
        """
        targets = [p for p in self.projections if name is None or p.name == name]
        if not targets:
            msg = f"no projection named {name!r}; claw keeps {', '.join(self.names)}"
            raise UnknownProjectionError(msg)
        began = time.perf_counter()
        for projection in targets:
            self.store.drop(projection.name + REBUILD_SUFFIX)
        # Only this rebuild writes the shadow rows, so what it wrote is what they hold.
        written = {
            projection.name: _Written(self.store, projection.name + REBUILD_SUFFIX)
            for projection in targets
        }
        last = self.follower.head()
        follower = LogFollower(self.app, _classes_of(targets))
        position = 0
        swapped: set[str] = set()
        with _collector_paused():
            while position < last:
                batch = follower.read(position, limit, stop=last)
                final = batch.reached >= last
                swapped |= self._fold_all(
                    targets, batch.events, position, batch.reached, written, final=final
                )
                position = batch.reached
                if progress is not None:
                    progress(position, last)
        for projection in targets:
            if projection.name not in swapped:
                self.store.replace(projection.name, projection.name + REBUILD_SUFFIX)
        seconds = time.perf_counter() - began
        report = RebuildReport(
            events=position,
            seconds=seconds,
            events_per_second=position / seconds if seconds > 0 else float(position),
            projections=tuple(p.name for p in targets),
        )
        log.info("projections_rebuilt", projections=report.projections, events=position)
        return report

    def _fold_all(
        self,
        targets: Sequence[Projection],
        events: Sequence[RecordedEvent],
        after: int,
        reached: int,
        written: Mapping[str, _Written],
        *,
        final: bool,
    ) -> set[str]:
        """One rebuild batch into every target: one pass, one transaction.

        Each event is routed once to the folds of every target that reads its
        class. The batch is committed beside the live rows, or, when it is the
        ``final`` one, swapped in with the earlier batches' rows in the same
        transaction (so its rows are written once, under their live name).
        A target whose fold fails drops out of the pass and goes the careful way
        on its own (event by event, the failing one recorded and skipped), as
        does every target if the store refuses the shared write. Returns the
        targets swapped in.
        """
        documents = [Documents(written[projection.name].get) for projection in targets]
        routes: dict[type, list[tuple[int, Fold]]] = {}
        for index, projection in enumerate(targets):
            for event_class, fold in projection.folds.items():
                routes.setdefault(event_class, []).append((index, fold))
        failed: set[int] = set()
        for event in events:
            routed = routes.get(event.event_class, ())
            if isinstance(event.event, Unreadable):
                failed.update(index for index, _fold in routed)
                continue
            for index, fold in routed:
                if index in failed:
                    continue
                try:
                    fold(event, documents[index])
                except Exception as error:
                    if is_transient(error):
                        raise
                    failed.add(index)
        folded = [
            (projection, documents[index].changes)
            for index, projection in enumerate(targets)
            if index not in failed
        ]
        commits = [
            Commit(projection.name + REBUILD_SUFFIX, changes, expected=after, position=reached)
            for projection, changes in folded
        ]
        careful = [projection for index, projection in enumerate(targets) if index in failed]
        try:
            if final:
                self.store.swap_in(
                    [
                        SwapIn(projection.name, commit.projection, commit)
                        for (projection, _changes), commit in zip(folded, commits, strict=True)
                    ]
                )
            else:
                self.store.commit_all(commits)
        except Exception as error:
            if is_transient(error) or isinstance(error, PositionConflictError):
                raise
            careful, folded = list(targets), []
        for projection, changes in folded:
            written[projection.name].remember(changes)
        for projection in careful:
            shadow = projection.name + REBUILD_SUFFIX
            self._fold(projection, shadow, events, after, reached, written[projection.name])
        return {projection.name for projection, _changes in folded} if final else set()

    def _changes(
        self,
        projection: Projection,
        events: Sequence[RecordedEvent],
        after: int,
        read: Callable[[str], Document | None],
    ) -> dict[str, Document | None]:
        """The documents ``events`` past ``after`` change, folded in memory; raises on a failure."""
        documents = Documents(read)
        folds = projection.folds
        for event in events:
            if event.position <= after:
                continue
            fold = folds.get(event.event_class)
            if fold is None:
                continue
            if isinstance(event.event, Unreadable):
                raise event.event.error
            fold(event, documents)
        return documents.changes

    def _fold(
        self,
        projection: Projection,
        stored_as: str,
        events: Sequence[RecordedEvent],
        after: int,
        reached: int,
        written: _Written | None = None,
    ) -> None:
        if reached <= after:
            return
        try:
            changes = self._changes(projection, events, after, self._reader(stored_as, written))
            self.store.commit(stored_as, changes, expected=after, position=reached)
        except PositionConflictError:
            raise
        except Exception as error:  # find the event, record it, go on
            if is_transient(error):
                raise
            log.warning(
                "projection_batch_failed",
                projection=projection.name,
                after=after,
                reached=reached,
                error=type(error).__name__,
            )
            self._fold_one_by_one(projection, stored_as, events, after, reached, written)
            return
        if written is not None:
            written.remember(changes)

    def _reader(self, stored_as: str, written: _Written | None) -> Callable[[str], Document | None]:
        if written is not None:
            return written.get
        return lambda key: self.store.get(stored_as, key)

    def _fold_one_by_one(
        self,
        projection: Projection,
        stored_as: str,
        events: Sequence[RecordedEvent],
        after: int,
        reached: int,
        written: _Written | None,
    ) -> None:
        """Each event in its own transaction; the one that fails is recorded and skipped."""
        position = after
        for event in events:
            if event.position <= after or event.event_class not in projection.folds:
                continue
            changes: dict[str, Document | None] = {}
            try:
                changes = self._changes(
                    projection, [event], after, self._reader(stored_as, written)
                )
                self.store.commit(stored_as, changes, expected=position, position=event.position)
            except PositionConflictError:
                raise
            except Exception as error:  # recorded, then skipped
                if is_transient(error):
                    raise
                self._failed(projection.name, event, error)
                changes = {}
                self.store.commit(stored_as, {}, expected=position, position=event.position)
            if written is not None:
                written.remember(changes)
            position = event.position
        if position < reached:
            self.store.commit(stored_as, {}, expected=position, position=reached)

    def _failed(self, projection: str, event: RecordedEvent, error: Exception) -> None:
        failure = ProjectionFailure(
            projection=projection,
            position=event.position,
            event=event.name,
            reason=describe_error(error),
            at=self.now(),
        )
        if not self.failures.record(failure):
            # Recorded before (another process, or the live projection before a rebuild).
            log.info(
                "projection_event_skipped_again", projection=projection, position=failure.position
            )
            return
        # Names and positions only: the error's later lines may quote a customer's text.
        log.error(
            "projection_event_skipped",
            projection=projection,
            position=failure.position,
            event_name=failure.event,
            reason=failure.reason,
        )
        if self.on_failure is not None:
            self.on_failure(failure)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a rebuild runs.

    A rebuild keeps a batch of decoded events and tens of thousands of documents
    alive at once; each full collection walked all of them, a tenth or more of
    the rebuild's time. Nothing a rebuild keeps forms a reference cycle, so
    reference counting frees it all the same; the collector resumes (and is
    left as the process had it) when the rebuild ends, however it ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Written:
    """What a rebuild wrote to its shadow rows, kept so it need not read them back.

    The shadow starts empty and only the rebuild writes it, so while nothing has
    been evicted a key missing here is a key the store does not hold. Past
    ``limit`` documents the oldest are dropped and misses go to the store again.
    """

    def __init__(
        self, store: ProjectionStore, stored_as: str, limit: int = REBUILD_CACHE_DOCUMENTS
    ) -> None:
        self.store = store
        self.stored_as = stored_as
        self.limit = limit
        self.complete = True
        self._documents: dict[str, Document] = {}

    def get(self, key: str) -> Document | None:
        # Not copied: ``Documents`` only ever hands out copies of what it read.
        found = self._documents.get(key)
        if found is not None or self.complete:
            return found
        return self.store.get(self.stored_as, key)

    def remember(self, changes: Mapping[str, Document | None]) -> None:
        for key, document in changes.items():
            self._documents.pop(key, None)
            if document is not None:
                # The batch's own copy; Documents hands out copies, never this one.
                self._documents[key] = document
        while len(self._documents) > self.limit:
            self._documents.pop(next(iter(self._documents)))
            self.complete = False


def _classes_of(projections: Iterable[Projection]) -> set[type]:
    """Every event class some projection folds: all the projector reads from the log."""
    return {event_class for projection in projections for event_class in projection.folds}
