"""From one setting, ``CLAW_DATABASE_URL``, to the eventsourcing library's environment."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from claw_domain.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///var/claw.db"
# Writers queue on PostgreSQL's table lock; without a timeout they would wait forever.
POSTGRES_LOCK_TIMEOUT_SECONDS = "5"


class Backend:
    SQLITE = "sqlite"
    POSTGRES = "postgres"
    MEMORY = "memory"


@attrs.frozen
class DatabaseConfig:
    backend: str
    url: str
    sqlite_path: Path | None = None
    postgres_dsn: str | None = None

    def eventsourcing_env(self) -> dict[str, str]:
        """The library's settings for this database."""
        if self.backend == Backend.MEMORY:
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if self.backend == Backend.SQLITE and self.sqlite_path is not None:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "10",
                "CREATE_TABLE": "y",
            }
        parts = urlsplit(self.url)
        query = parse_qs(parts.query)
        # The library's factory insists on a user and password; under trust
        # authentication any password is accepted, so derive both from the URL.
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or "claw"),
            "POSTGRES_LOCK_TIMEOUT": POSTGRES_LOCK_TIMEOUT_SECONDS,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_POOL_SIZE": "4",
            "CREATE_TABLE": "y",
            **({"POSTGRES_SCHEMA": query["schema"][0]} if "schema" in query else {}),
        }

    @property
    def postgres_schema(self) -> str | None:
        schemas = parse_qs(urlsplit(self.url).query).get("schema")
        return schemas[0] if schemas else None


def _redacted(url: str) -> str:
    """The URL as an error message may show it: never with its password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def parse_database_url(url: str) -> DatabaseConfig:
    """Understand ``sqlite:///path``, ``postgresql://user:pass@host:port/db`` or ``memory://``.

    A PostgreSQL URL may name a schema with ``?schema=name``.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "memory":
        return DatabaseConfig(backend=Backend.MEMORY, url=url)
    if scheme == "sqlite":
        raw_path = url[len("sqlite:///") :] if url.lower().startswith("sqlite:///") else ""
        if not raw_path:
            msg = (
                f"CLAW_DATABASE_URL={url!r} names no file; "
                "use sqlite:///relative/path.db or sqlite:////absolute/path.db"
            )
            raise ConfigurationError(msg)
        path = Path(raw_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return DatabaseConfig(backend=Backend.SQLITE, url=url, sqlite_path=path)
    if scheme in ("postgres", "postgresql"):
        parts = urlsplit(url)
        if not parts.path.strip("/"):
            msg = f"CLAW_DATABASE_URL={_redacted(url)!r} names no database; add /dbname at the end"
            raise ConfigurationError(msg)
        try:
            _ = parts.port
        except ValueError:
            msg = f"CLAW_DATABASE_URL={_redacted(url)!r} has a port that is not a number"
            raise ConfigurationError(msg) from None
        return DatabaseConfig(backend=Backend.POSTGRES, url=url, postgres_dsn=url)
    msg = (
        f"CLAW_DATABASE_URL={_redacted(url)!r} is not understood; use sqlite:///path/claw.db "
        "or postgresql://user:pass@host:port/db"
    )
    raise ConfigurationError(msg)
