"""Where the console's secret comes from: the environment, or a 0600 file, never the database.

``CLAW_CONSOLE_SECRET`` (or the older name ``CLAW_SESSION_SECRET``) wins. Else
the secret is read from ``CLAW_CONSOLE_SECRET_FILE``, by default ``claw.secret``
beside the SQLite database (``var/claw.secret`` for PostgreSQL, relative to the
working directory), and created there with mode 0600 on first start. Every
claw process on one database must see the same secret: on PostgreSQL with
processes on several hosts, set ``CLAW_CONSOLE_SECRET`` on each.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from claw_adapters.persistence.database import Backend, DatabaseConfig
from claw_domain.errors import ConfigurationError
from claw_service.console_keys import MIN_SECRET_BYTES

# Names of settings, not secrets.
SECRET_ENV = "CLAW_CONSOLE_SECRET"  # noqa: S105
LEGACY_SECRET_ENV = "CLAW_SESSION_SECRET"  # noqa: S105
SECRET_FILE_ENV = "CLAW_CONSOLE_SECRET_FILE"  # noqa: S105
DEFAULT_SECRET_FILE = Path("var/claw.secret")
_HOW = "e.g. the output of `python -c 'import secrets; print(secrets.token_hex(32))'`"


def default_secret_path(database: DatabaseConfig) -> Path | None:
    """Beside the SQLite file; under ./var for PostgreSQL; none for an in-memory database."""
    if database.backend == Backend.SQLITE and database.sqlite_path is not None:
        return database.sqlite_path.with_name("claw.secret")
    if database.backend == Backend.POSTGRES:
        return DEFAULT_SECRET_FILE
    return None


def _checked(raw: str, where: str) -> bytes:
    value = raw.strip().encode("utf8")
    if len(value) < MIN_SECRET_BYTES:
        msg = f"{where} is {len(value)} characters; use at least {MIN_SECRET_BYTES}, {_HOW}"
        raise ConfigurationError(msg)
    return value


def load_console_secret(
    environ: Mapping[str, str], database: DatabaseConfig, *, create: bool = True
) -> bytes:
    """The secret, creating its file on first use; ConfigurationError says how to fix a problem.

    ``create=False`` (the shell's ``claw users token``) refuses to make a new one: a
    token hashed under a secret no server reads would never work.
    """
    for name in (SECRET_ENV, LEGACY_SECRET_ENV):
        configured = environ.get(name, "")
        if configured.strip():
            return _checked(configured, name)
    named = environ.get(SECRET_FILE_ENV, "").strip()
    path = Path(named) if named else default_secret_path(database)
    if path is None:
        # An in-memory database lives and dies with this process; so may its secret.
        return secrets.token_hex(32).encode("ascii")
    if not create and not path.exists():
        msg = (
            f"no console secret at {path} yet: start claw serve once, run this from the "
            f"server's working directory, or set {SECRET_ENV} as the server has it"
        )
        raise ConfigurationError(msg)
    try:
        return _read(path) if path.exists() else _create(path)
    except OSError as error:
        msg = (
            f"cannot read or create the console secret file {path} ({error.strerror}); "
            f"set {SECRET_ENV} ({_HOW}) or make {path.parent} writable"
        )
        raise ConfigurationError(msg) from None


def _read(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        msg = (
            f"the console secret file {path} is readable by others (mode {mode:o}); "
            f"chmod 600 {path}"
        )
        raise ConfigurationError(msg)
    return _checked(path.read_text("utf8"), str(path))


def _create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # link() fails if the name exists: two processes starting together agree on
        # whichever secret was linked first, and nobody ever reads a half-written file.
        with contextlib.suppress(FileExistsError):
            os.link(staged, path)
    finally:
        staged.unlink(missing_ok=True)
    return _read(path)
