"""Read YAML while remembering where every key and value sits in the file.

PyYAML's constructors drop source positions, so this walks the composed node tree
itself and records, for each field path, the line of its key and of its value.
"""

from __future__ import annotations

import re
from typing import Any

import attrs
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from claw_adapters.knowledge.errors import FieldPath, KnowledgeFileError, Problem

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


class _VenueLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-style scalars.

    YAML 1.1 turns ``off`` and ``no`` into False (``mode: off`` would break), reads
    ``22:00`` as the base-60 number 1320, reads ``0123`` as octal and ``+1902...`` as an
    integer. Operators write all of these, so only ``true``/``false`` are booleans,
    numbers are plain decimals, and everything else stays a string.
    """

    # PyYAML looks resolvers up on the class; its stubs call it an instance variable,
    # so ClassVar would not type-check.
    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {  # noqa: RUF012
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in {_BOOL, _INT, _FLOAT}]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_VenueLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_VenueLoader.add_implicit_resolver(_INT, re.compile(r"^-?(?:0|[1-9][0-9]*)$"), list("-0123456789"))
_VenueLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^-?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-0123456789."),
)


@attrs.frozen
class Position:
    """1-based lines; ``key_line`` is None for list items and the document itself."""

    value_line: int
    key_line: int | None = None


@attrs.frozen
class SourceDocument:
    """Plain data from the file plus where each piece of it came from."""

    file: str
    data: object
    positions: dict[FieldPath, Position]

    def line_of(self, path: FieldPath, *, key: bool = False) -> int:
        """The line to show for ``path``; for a missing field, the nearest enclosing one."""
        probe = path
        while probe:
            position = self.positions.get(probe)
            if position is not None:
                if key and position.key_line is not None:
                    return position.key_line
                return position.value_line
            probe = probe[:-1]
        root = self.positions.get(())
        return root.value_line if root else 1


def parse_yaml(text: str, file: str) -> SourceDocument:
    """Parse one YAML document; syntax errors, duplicate keys and aliases loops are problems."""
    loader = _VenueLoader(text)
    problems: list[Problem] = []
    try:
        node = loader.get_single_node()
        positions: dict[FieldPath, Position] = {}
        data = (
            None
            if node is None
            else _Builder(loader, file, positions, problems).build(node, (), None)
        )
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = error.problem or "could not be read"
        problems.append(Problem(file, line, (), f"not valid YAML: {reason}"))
        raise KnowledgeFileError(problems) from error
    finally:
        loader.dispose()
    if problems:
        raise KnowledgeFileError(problems)
    return SourceDocument(file=file, data=data, positions=positions)


@attrs.define
class _Builder:
    loader: _VenueLoader
    file: str
    positions: dict[FieldPath, Position]
    problems: list[Problem]
    _active: set[int] = attrs.field(factory=set)

    def build(self, node: Node, path: FieldPath, key_line: int | None) -> object:
        self.positions[path] = Position(value_line=node.start_mark.line + 1, key_line=key_line)
        if id(node) in self._active:
            # An alias that contains itself would recurse forever.
            self._problem(node, path, "an alias refers to itself")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return [
                    self.build(item, (*path, index), None) for index, item in enumerate(node.value)
                ]
            if isinstance(node, ScalarNode):
                return self.loader.construct_object(node)
            self._problem(node, path, "unsupported YAML node")
            return None
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: MappingNode, path: FieldPath) -> dict[object, object]:
        # Resolves YAML merge keys (<<: *defaults) the same way SafeLoader does.
        self.loader.flatten_mapping(node)
        result: dict[object, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._problem(key_node, path, "a key must be a plain word, not a list or mapping")
                continue
            key = self.loader.construct_object(key_node)
            if not isinstance(key, str | int):
                self._problem(key_node, path, f"unsupported key {key!r}")
                continue
            if key in result:
                # PyYAML silently keeps the last one; an operator meant one of them.
                first = self.positions[(*path, key)].key_line
                self._problem(
                    key_node, (*path, key), f"appears twice (first on line {first}); keep one"
                )
                continue
            key_line = key_node.start_mark.line + 1
            result[key] = self.build(value_node, (*path, key), key_line)
        return result

    def _problem(self, node: Node, path: FieldPath, message: str) -> None:
        self.problems.append(Problem(self.file, node.start_mark.line + 1, path, message))
