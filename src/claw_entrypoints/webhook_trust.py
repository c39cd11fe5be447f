"""Whether claw may trust the webhooks it receives: signed, or unsigned by explicit choice.

An unsigned webhook endpoint lets anyone who can reach the server post texts as any
customer (and so ask for a door to open), so ``claw serve`` refuses to start without
a signing key or secret unless ``CLAW_ALLOW_UNSIGNED_WEBHOOKS=1`` says it is wanted
(the demo and local tests). The state is shown in ``/readyz`` and the console.
"""

from __future__ import annotations

import enum

from claw_domain.errors import ConfigurationError
from claw_entrypoints.config import ClawConfig


class WebhookTrust(enum.StrEnum):
    SIGNED = "signed"
    UNSIGNED_ALLOWED = "unsigned (CLAW_ALLOW_UNSIGNED_WEBHOOKS=1)"


def webhook_trust(config: ClawConfig) -> WebhookTrust:
    """How webhooks are verified; raises when they would be trusted without a choice."""
    if config.openphone.webhook_key or config.openphone.webhook_secret:
        return WebhookTrust.SIGNED
    if config.allow_unsigned_webhooks:
        return WebhookTrust.UNSIGNED_ALLOWED
    msg = (
        "no webhook signing key: set CLAW_OPENPHONE_WEBHOOK_KEY or "
        "CLAW_OPENPHONE_WEBHOOK_SECRET (or CLAW_ALLOW_UNSIGNED_WEBHOOKS=1 to accept "
        "unsigned webhooks on a private test network)"
    )
    raise ConfigurationError(msg)


def trust_of_verifier(verifying: bool) -> WebhookTrust:
    """What a running server reports: it verifies, or it was built to accept anything."""
    return WebhookTrust.SIGNED if verifying else WebhookTrust.UNSIGNED_ALLOWED
