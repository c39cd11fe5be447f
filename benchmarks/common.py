"""What the benchmark phases share: databases, the bench venue file, statistics."""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import shutil
import statistics
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs
import psycopg

POSTGRES_URL = os.environ.get(
    "CLAW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgres")


@attrs.frozen
class Database:
    backend: str
    url: str  # CLAW_DATABASE_URL
    workdir: Path

    def sibling_url(self, name: str) -> str:
        """Another database on the same engine and disk, for the raw-library baseline.

        SQLite's library recorder names its table ``stored_events`` whatever the
        application: a second file keeps the baseline out of claw's log.
        PostgreSQL names tables after the application, so the same schema serves.
        """
        if self.backend == "sqlite":
            return f"sqlite:///{self.workdir / (name + '.db')}"
        return self.url


@contextlib.contextmanager
def fresh_database(backend: str) -> Iterator[Database]:
    """A new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix=f"claw-bench-{backend}-"))
    try:
        if backend == "sqlite":
            yield Database(backend, f"sqlite:///{workdir / 'claw.db'}", workdir)
            return
        schema = f"claw_bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        separator = "&" if "?" in POSTGRES_URL else "?"
        try:
            yield Database(backend, f"{POSTGRES_URL}{separator}schema={schema}", workdir)
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return None


def bench_venue_file(workdir: Path) -> Path:
    """The demo venue with an hourly text budget no benchmark reaches.

    The demo allows 30 automatic texts an hour; past that claw suggests instead
    of replying, which would leave the reply-latency phase nothing to time.
    """
    text = (
        importlib.resources.files("claw_adapters.knowledge")
        .joinpath("demo_venue.yaml")
        .read_text("utf-8")
    )
    marker = "messages_per_hour: 30"
    if marker not in text:
        msg = f"the demo venue no longer says {marker!r}; update benchmarks/common.py"
        raise RuntimeError(msg)
    path = workdir / "bench-venue.yaml"
    path.write_text(text.replace(marker, "messages_per_hour: 1000000", 1))
    return path


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the closest ranks; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
