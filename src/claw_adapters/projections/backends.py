"""Which projection store goes with which database: the store beside the events."""

from __future__ import annotations

from claw_adapters.persistence.database import Backend, DatabaseConfig
from claw_adapters.projections.memory import MemoryProjectionStore
from claw_adapters.projections.store import ProjectionStore


def open_projection_store(config: DatabaseConfig) -> ProjectionStore:
    """The store beside the events of ``config``'s database."""
    if config.backend == Backend.SQLITE and config.sqlite_path is not None:
        from claw_adapters.projections.sqlite import SqliteProjectionStore  # noqa: PLC0415

        return SqliteProjectionStore(config.sqlite_path)
    if config.backend == Backend.POSTGRES and config.postgres_dsn is not None:
        # Imported only for PostgreSQL: psycopg is not loaded by SQLite deployments.
        from claw_adapters.projections.postgres import PostgresProjectionStore  # noqa: PLC0415

        return PostgresProjectionStore(config.postgres_dsn)
    return MemoryProjectionStore()
