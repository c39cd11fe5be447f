"""Estimated cost of a call, from a small table of list prices.

Prices are USD per million tokens, as published by OpenAI when this table was
written; they drift, so the recorded cost is an estimate for trends, not billing.
Cached-input discounts are ignored (the estimate errs high). A model not in the
table (a local server, a new model) costs 0 unless the operator configures a price.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class ModelPrice:
    input_per_million: float = attrs.field(validator=attrs.validators.ge(0.0))
    output_per_million: float = attrs.field(validator=attrs.validators.ge(0.0))


PRICES: dict[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(0.15, 0.60),
    "gpt-4o": ModelPrice(2.50, 10.00),
    "gpt-4.1-nano": ModelPrice(0.10, 0.40),
    "gpt-4.1-mini": ModelPrice(0.40, 1.60),
    "gpt-4.1": ModelPrice(2.00, 8.00),
    "gpt-5-nano": ModelPrice(0.05, 0.40),
    "gpt-5-mini": ModelPrice(0.25, 2.00),
    "gpt-5": ModelPrice(1.25, 10.00),
}


def price_for(model: str) -> ModelPrice | None:
    """Exact name first, then the longest table name the model starts with, so that
    dated snapshots ("gpt-4o-mini-2024-07-18") find their family's price."""
    if model in PRICES:
        return PRICES[model]
    family = max((name for name in PRICES if model.startswith(f"{name}-")), key=len, default=None)
    return PRICES[family] if family else None


def estimate_cost_usd(
    price: ModelPrice | None, prompt_tokens: int, completion_tokens: int
) -> float:
    if price is None:
        return 0.0
    return (
        prompt_tokens * price.input_per_million + completion_tokens * price.output_per_million
    ) / 1_000_000
