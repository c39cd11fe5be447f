"""Load errors for the venue file: each names the file, the line and the field."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from claw_domain.errors import ConfigurationError

# A field's address inside the document: mapping keys and list indices.
FieldPath = tuple[str | int, ...]


def format_path(path: FieldPath) -> str:
    """``("locations", "bedford", "boxes", 1)`` -> ``locations.bedford.boxes[1]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


@attrs.frozen
class Problem:
    """One thing wrong with the venue file, located for the operator who edits it."""

    file: str
    line: int
    path: FieldPath
    message: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}, {format_path(self.path)}: {self.message}"


class KnowledgeFileError(ConfigurationError):
    """The venue file cannot be used; ``problems`` lists everything found, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.line, format_path(p.path))))
        super().__init__("\n".join(str(problem) for problem in self.problems))


class InvalidFieldError(ValueError):
    """Raised by a value's own validator; ``at`` locates it below the value being built.

    attrs validators run inside ``__init__``, after cattrs has lost track of which
    field it was building, so the validator carries the field name itself.
    """

    def __init__(self, message: str, *, at: FieldPath = ()) -> None:
        super().__init__(message)
        self.at = at


class ExpectedValueError(ValueError):
    """A value has the wrong shape; the message says what was expected, and how to fix it."""
