"""Projection storage in the same SQLite file as the events (stdlib ``sqlite3``)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from claw_adapters.projections.store import (
    PRIVATE_PREFIX,
    Commit,
    Document,
    PositionConflictError,
    Row,
    Scalar,
    SwapIn,
    check_field,
    encoded_changes,
)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS claw_projection_documents (
        projection TEXT NOT NULL,
        key TEXT NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (projection, key)
    )""",
    """CREATE TABLE IF NOT EXISTS claw_projection_positions (
        projection TEXT PRIMARY KEY,
        position INTEGER NOT NULL
    )""",
)


class SqliteProjectionStore:
    """One connection per thread, kept open: safe from any thread of the pool.

    Opening a connection per call cost more than the query it served. Commits
    here skip the per-commit fsync (``synchronous=NORMAL`` under WAL): a power
    cut can lose the last projection commits, never corrupt them, and each
    commit carries its position, so the projection simply catches up from the
    log again. The events themselves keep the library's durable setting.
    """

    def __init__(self, path: Path, timeout_seconds: float = 10.0) -> None:
        self.path = path
        self.timeout_seconds = timeout_seconds
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        with self._transaction() as connection:
            for statement in _SCHEMA:
                connection.execute(statement)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # isolation_level=None: transactions are begun explicitly, never implicitly.
            connection = sqlite3.connect(
                self.path, timeout=self.timeout_seconds, isolation_level=None
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            # Rows dropped when a forgotten customer's projections are rebuilt are
            # overwritten, not left readable in the file's free pages.
            connection.execute("PRAGMA secure_delete=ON")
            self._local.connection = connection
            with self._opened_lock:
                self._opened.append(connection)
        yield connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as connection:
            # IMMEDIATE takes the write lock up front, so the position check and
            # the writes cannot interleave with another writer's.
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def position(self, projection: str) -> int:
        with self._connection() as connection:
            return _position(connection, projection)

    def get(self, projection: str, key: str) -> Document | None:
        with self._connection() as connection:
            found = connection.execute(
                "SELECT document FROM claw_projection_documents WHERE projection = ? AND key = ?",
                (projection, key),
            ).fetchone()
        return json.loads(found[0]) if found is not None else None

    def rows(
        self,
        projection: str,
        *,
        where: Mapping[str, Scalar] | None = None,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Row]:
        sql = [
            "SELECT key, document FROM claw_projection_documents",
            "WHERE projection = ? AND substr(key, 1, 1) <> ?",
        ]
        params: list[object] = [projection, PRIVATE_PREFIX]
        for name, value in (where or {}).items():
            path = f"$.{check_field(name)}"
            if value is None:
                sql.append("AND json_extract(document, ?) IS NULL")
                params.append(path)
            elif isinstance(value, bool):
                # json_extract gives 1/0 for true/false, and 1/0 for numbers too:
                # json_type tells a JSON boolean from a number.
                sql.append("AND json_type(document, ?) = ?")
                params += [path, "true" if value else "false"]
            else:
                sql.append("AND json_extract(document, ?) = ?")
                params += [path, value]
        order = []
        if order_by is not None:
            path = f"$.{check_field(order_by)}"
            direction = "DESC" if descending else "ASC"
            order = [
                "json_extract(document, ?) IS NULL",
                f"json_extract(document, ?) {direction}",
            ]
            params += [path, path]
        sql.append("ORDER BY " + ", ".join([*order, "key"]))
        if limit is not None:
            sql.append("LIMIT ?")
            params.append(limit)
        with self._connection() as connection:
            found = connection.execute(" ".join(sql), params).fetchall()
        return [Row(key, json.loads(document)) for key, document in found]

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
        encoded = [(c, encoded_changes(c)) for c in commits]  # before the write lock is taken
        with self._transaction() as connection:
            for c, (deleted, upserted) in encoded:
                _check_position(connection, c.projection, c.expected)
                _write(connection, c.projection, deleted, upserted)
                _set_position(connection, c.projection, c.position)

    def swap_in(self, swaps: Sequence[SwapIn]) -> None:
        encoded = [(swap, encoded_changes(swap.last)) for swap in swaps]
        with self._transaction() as connection:
            for swap, (deleted, upserted) in encoded:
                _check_position(connection, swap.source, swap.last.expected)
                _drop(connection, swap.projection)
                _move(connection, swap.source, swap.projection)
                _write(connection, swap.projection, deleted, upserted)
                _set_position(connection, swap.projection, swap.last.position)

    def drop(self, projection: str) -> None:
        with self._transaction() as connection:
            _drop(connection, projection)

    def replace(self, projection: str, source: str) -> None:
        with self._transaction() as connection:
            position = _position(connection, source)
            _drop(connection, projection)
            _move(connection, source, projection)
            _set_position(connection, projection, position)

    def close(self) -> None:
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            with suppress(sqlite3.ProgrammingError):  # closed from another thread already
                connection.close()
        self._local = threading.local()


def _position(connection: sqlite3.Connection, projection: str) -> int:
    found = connection.execute(
        "SELECT position FROM claw_projection_positions WHERE projection = ?", (projection,)
    ).fetchone()
    return int(found[0]) if found is not None else 0


def _set_position(connection: sqlite3.Connection, projection: str, position: int) -> None:
    connection.execute(
        "INSERT INTO claw_projection_positions (projection, position) VALUES (?, ?)"
        " ON CONFLICT (projection) DO UPDATE SET position = excluded.position",
        (projection, position),
    )


def _drop(connection: sqlite3.Connection, projection: str) -> None:
    connection.execute("DELETE FROM claw_projection_documents WHERE projection = ?", (projection,))
    connection.execute("DELETE FROM claw_projection_positions WHERE projection = ?", (projection,))


def _check_position(connection: sqlite3.Connection, projection: str, expected: int) -> None:
    current = _position(connection, projection)
    if current != expected:
        msg = f"projection {projection} is at {current}, not {expected}"
        raise PositionConflictError(msg)


def _write(
    connection: sqlite3.Connection,
    projection: str,
    deleted: list[str],
    upserted: list[tuple[str, str]],
) -> None:
    # executemany: the statement is prepared once for the batch.
    connection.executemany(
        "DELETE FROM claw_projection_documents WHERE projection = ? AND key = ?",
        [(projection, key) for key in deleted],
    )
    connection.executemany(
        "INSERT OR REPLACE INTO claw_projection_documents (projection, key, document)"
        " VALUES (?, ?, ?)",
        [(projection, key, document) for key, document in upserted],
    )


def _move(connection: sqlite3.Connection, source: str, projection: str) -> None:
    """``source``'s rows become ``projection``'s, and ``source``'s position goes."""
    connection.execute(
        "UPDATE claw_projection_documents SET projection = ? WHERE projection = ?",
        (projection, source),
    )
    connection.execute("DELETE FROM claw_projection_positions WHERE projection = ?", (source,))
