"""Understanding customer texts locally: patterns, a statistical model, and the pipeline.

The stages run cheapest and most predictable first; the language model is only
asked when neither local stage is confident, and never decides an entity the
deterministic extractors found.
"""

from claw_adapters.understanding.local_model import (
    IntentModel,
    LocalModelClassifier,
    ModelSettings,
    Prediction,
)
from claw_adapters.understanding.patterns import (
    DEFAULT_RULES,
    EntityExtractor,
    IntentRule,
    PatternClassifier,
)
from claw_adapters.understanding.pipeline import (
    LlmFallback,
    PipelineUnderstanding,
    UnderstandingPipeline,
    Understood,
)

__all__ = [
    "DEFAULT_RULES",
    "EntityExtractor",
    "IntentModel",
    "IntentRule",
    "LlmFallback",
    "LocalModelClassifier",
    "ModelSettings",
    "PatternClassifier",
    "PipelineUnderstanding",
    "Prediction",
    "UnderstandingPipeline",
    "Understood",
]
