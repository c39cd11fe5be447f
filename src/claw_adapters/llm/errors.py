"""Why the language model gave no usable answer: the caller hands the text to staff."""

from __future__ import annotations

import enum

from claw_domain.errors import TransientEffectError
from claw_domain.values import LlmUsage


class LlmFailure(enum.StrEnum):
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    AUTHENTICATION = "authentication"  # key wrong or revoked: an operator must fix it
    REJECTED = "rejected"  # any other 4xx: the request itself was refused
    REFUSAL = "refusal"  # the model declined to answer
    CONTENT_FILTER = "content_filter"
    TRUNCATED = "truncated"  # hit the output token limit mid-answer
    MALFORMED = "malformed"  # not the JSON the schema asked for
    OUT_OF_LIST = "out_of_list"  # an intent claw did not offer
    NOT_IN_KNOWLEDGE = "not_in_knowledge"  # the reference text does not answer the question


# Trying again later can help only where the service, not the text, was the problem.
_RETRYABLE = frozenset(
    {LlmFailure.TIMEOUT, LlmFailure.CONNECTION, LlmFailure.RATE_LIMITED, LlmFailure.SERVER_ERROR}
)


class LlmUnavailableError(TransientEffectError):
    """The language model could not help with this text.

    ``usage`` is set when the call completed and spent tokens (a refusal, malformed
    output), so the caller can still record the cost.
    """

    def __init__(self, reason: LlmFailure, detail: str, *, usage: LlmUsage | None = None) -> None:
        super().__init__(
            f"language model unavailable ({reason}): {detail}",
            code=str(reason),
            retryable=reason in _RETRYABLE,
        )
        self.reason = reason
        self.usage = usage
