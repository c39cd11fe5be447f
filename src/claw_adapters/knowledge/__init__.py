"""The venue's knowledge base: one operator-edited YAML file, validated on load."""

from claw_adapters.knowledge.errors import KnowledgeFileError, Problem
from claw_adapters.knowledge.model import (
    Box,
    Customer,
    CustomerKind,
    Door,
    InitialSettings,
    Location,
    VenueFile,
)
from claw_adapters.knowledge.placeholders import PLACEHOLDERS
from claw_adapters.knowledge.venue import (
    KNOWLEDGE_FILE_VARIABLE,
    VenueKnowledge,
    knowledge_file_from_env,
    load_venue_knowledge,
    parse_venue_file,
)

__all__ = [
    "KNOWLEDGE_FILE_VARIABLE",
    "PLACEHOLDERS",
    "Box",
    "Customer",
    "CustomerKind",
    "Door",
    "InitialSettings",
    "KnowledgeFileError",
    "Location",
    "Problem",
    "VenueFile",
    "VenueKnowledge",
    "knowledge_file_from_env",
    "load_venue_knowledge",
    "parse_venue_file",
]
