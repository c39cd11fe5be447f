"""The venue file as a knowledge document: the plain data the event log records.

The log stores the document (what the YAML says, as JSON-like data); this module turns
one into the other and validates a document exactly as the venue file loader does (a
document is checked by writing it out as YAML and reading it back), so the console, the
import command and the file all give the same located errors.
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Mapping
from typing import Any

import yaml

from claw_adapters.knowledge.errors import KnowledgeFileError, Problem
from claw_adapters.knowledge.venue import DEMO_VENUE_RESOURCE, VenueKnowledge, parse_venue_file
from claw_adapters.knowledge.yaml_source import parse_yaml

# The name errors give a document that came from the console, not from a file.
KNOWLEDGE_DOCUMENT = "knowledge"


def plain(data: Any) -> Any:
    """JSON-compatible data: a date the YAML parser made is kept as the text written."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def yaml_of(document: Mapping[str, Any]) -> str:
    """The document as a venue file an owner can edit (keys in their recorded order)."""
    return yaml.safe_dump(
        dict(document), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )


def document_of_yaml(text: str, file: str = "venue.yaml") -> dict[str, Any]:
    """Parse and validate a venue file; raises ``KnowledgeFileError`` with every problem."""
    parse_venue_file(text, file)
    source = parse_yaml(text, file)
    data = plain(source.data)
    if not isinstance(data, dict):  # parse_venue_file refused this already
        raise KnowledgeFileError([Problem(file, 1, (), "expected a mapping")])
    return data


def venue_of_document(
    document: Mapping[str, Any], file: str = KNOWLEDGE_DOCUMENT
) -> VenueKnowledge:
    """The runtime view of a document; raises ``KnowledgeFileError`` with every problem."""
    return VenueKnowledge(parse_venue_file(yaml_of(document), file))


def demo_document() -> dict[str, Any]:
    resource = importlib.resources.files(__package__).joinpath(DEMO_VENUE_RESOURCE)
    return document_of_yaml(resource.read_text("utf-8"), DEMO_VENUE_RESOURCE)
