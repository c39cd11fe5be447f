"""Where projections keep their documents, and how far each has read.

Documents are JSON objects keyed by (projection, key). Keys starting with
``~`` hold a projection's private working state (e.g. which intent a pending
action belongs to): ``get`` returns them, ``rows`` never lists them.

A batch is applied by staging its changes in :class:`Documents` and handing
them to :meth:`ProjectionStore.commit` together with the position the batch
started from and the one it reached. The store writes both in one
transaction, and refuses (``PositionConflictError``) when the position moved
meanwhile, so two projectors never count the same event twice.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import attrs

Document = dict[str, Any]
Scalar = str | int | float | bool | None

PRIVATE_PREFIX = "~"
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PositionConflictError(Exception):
    """Another projector advanced this projection first; re-read and try again."""


@attrs.frozen
class Row:
    key: str
    document: Document


@attrs.frozen
class Commit:
    """One projection's share of a write: its changes, and the position they move it along."""

    projection: str
    changes: Mapping[str, Document | None]
    expected: int
    position: int


@attrs.frozen
class SwapIn:
    """A rebuilt projection taking the place of the live one, with its last batch.

    ``source`` holds the rows of the earlier batches; ``last`` is the final batch,
    committed against ``source``'s position. Written straight under the live name,
    the final batch is never written twice (once beside, once moved).
    """

    projection: str
    source: str
    last: Commit


class ProjectionStore(Protocol):
    def position(self, projection: str) -> int:
        """The notification id of the last event applied (0 when nothing was)."""
        ...

    def get(self, projection: str, key: str) -> Document | None: ...

    def rows(
        self,
        projection: str,
        *,
        where: Mapping[str, Scalar] | None = None,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Row]:
        """Public rows, equal on every ``where`` field, ordered (missing values last, then key)."""
        ...

    def commit(
        self,
        projection: str,
        changes: Mapping[str, Document | None],
        *,
        expected: int,
        position: int,
    ) -> None:
        """Write ``changes`` (None deletes) and move the position, all or nothing."""
        ...

    def commit_all(self, commits: Sequence[Commit]) -> None:
        """Several projections' commits in one transaction: all of them, or none."""
        ...

    def drop(self, projection: str) -> None:
        """Forget every document and the position."""
        ...

    def swap_in(self, swaps: Sequence[SwapIn]) -> None:
        """For each swap, in one transaction for all: ``source``'s rows, with ``last``
        applied on top, become ``projection``'s; the old rows and ``source`` go."""
        ...

    def replace(self, projection: str, source: str) -> None:
        """Make ``source``'s documents and position ``projection``'s, in one transaction."""
        ...

    def close(self) -> None: ...


class Documents:
    """One batch's view of a projection: reads through to the store, stages the writes."""

    def __init__(self, read: Callable[[str], Document | None]) -> None:
        self._read = read
        self._seen: dict[str, Document | None] = {}
        self._changed: set[str] = set()

    def get(self, key: str) -> Document | None:
        """The batch's working copy: copied once from the store, then shared in the batch.

        Copying once per batch (not per event) keeps the store's cached documents
        safe from in-place edits while a hot document (a counter every event
        touches) costs one copy per batch instead of two per event.
        """
        if key not in self._seen:
            found = self._read(key)
            self._seen[key] = copy_document(found) if found is not None else None
        return self._seen[key]

    def put(self, key: str, document: Document) -> None:
        self._seen[key] = document
        self._changed.add(key)

    def delete(self, key: str) -> None:
        self._seen[key] = None
        self._changed.add(key)

    @property
    def changes(self) -> dict[str, Document | None]:
        return {key: self._seen[key] for key in sorted(self._changed)}


def copy_document(document: Document) -> Document:
    """A deep copy of a JSON-shaped document, several times faster than ``copy.deepcopy``.

    Documents are JSON (``encode`` refuses anything else), so only dicts and lists
    need copying; anything else found inside is copied by ``copy.deepcopy``.
    """
    return {key: _copy_value(value) for key, value in document.items()}


def _copy_value(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {key: _copy_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_value(item) for item in value]
    return copy.deepcopy(value)


def check_field(name: str) -> str:
    if not _FIELD.match(name):
        msg = f"{name!r} is not a document field name; use letters, digits and underscores"
        raise ValueError(msg)
    return name


def encode(document: Document) -> str:
    # NaN and infinity are not JSON: refuse them here rather than store something unreadable.
    encoded = json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    if "\\u0000" in encoded or _SURROGATE.search(encoded):
        # Texts are cleaned where they enter claw, but events recorded before that
        # may hold a NUL (PostgreSQL's JSONB refuses it) or half a surrogate pair
        # (UTF-8 refuses it): store the document without them, on every backend alike.
        encoded = json.dumps(
            _without_unstorable(document),
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
    return encoded


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_unstorable(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("", value.replace("\x00", ""))
    if isinstance(value, dict):
        return {_without_unstorable(key): _without_unstorable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_unstorable(item) for item in value]
    return value


def encoded_changes(commit: Commit) -> tuple[list[str], list[tuple[str, str]]]:
    """The keys ``commit`` deletes, and the documents it writes, encoded."""
    changes = commit.changes
    deleted = [key for key, document in changes.items() if document is None]
    upserted = [
        (key, encode(document)) for key, document in changes.items() if document is not None
    ]
    return deleted, upserted
