"""The language-model adapter: classification and grounded drafts over the openai SDK."""

from claw_adapters.llm.adapter import LlmSettings, OpenAILanguageModel
from claw_adapters.llm.errors import LlmFailure, LlmUnavailableError
from claw_adapters.llm.pricing import PRICES, ModelPrice, estimate_cost_usd, price_for

__all__ = [
    "PRICES",
    "LlmFailure",
    "LlmSettings",
    "LlmUnavailableError",
    "ModelPrice",
    "OpenAILanguageModel",
    "estimate_cost_usd",
    "price_for",
]
