"""Retrying a use case cleanly when another writer got there first."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from eventsourcing.persistence import IntegrityError

P = ParamSpec("P")
R = TypeVar("R")

MAX_ATTEMPTS = 8


class ConcurrencyExhaustedError(Exception):
    """A use case kept conflicting with other writers; nothing was saved."""


def retry_on_conflict(command: Callable[P, R]) -> Callable[P, R]:
    """Re-run the whole command (load, decide, save) after an optimistic-concurrency conflict.

    Each attempt reloads the aggregates, so the invariants are checked against
    what the other writer recorded.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for _attempt in range(MAX_ATTEMPTS):
            try:
                return command(*args, **kwargs)
            except IntegrityError:
                continue
        msg = f"{command.__name__} conflicted {MAX_ATTEMPTS} times in a row"
        raise ConcurrencyExhaustedError(msg)

    return wrapper
